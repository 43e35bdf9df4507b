"""``fs.read.read_small``: the bytes, or a typed ``Unread`` saying why not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gouvernante.fs.read import Unread, UnreadKind, read_small


def test_bytes_head_and_absent(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"0123456789")
    assert read_small(str(f), 100) == b"0123456789"
    assert read_small(str(f), 100, head=4) == b"0123"
    assert read_small(str(tmp_path / "missing"), 100) == Unread(UnreadKind.ABSENT, "absent")
    assert read_small(str(f / "under-a-file"), 100) == Unread(UnreadKind.ABSENT, "absent")


def test_too_large_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"x" * 11)
    got = read_small(str(f), 10)
    assert isinstance(got, Unread) and got.kind is UnreadKind.REFUSED and not got.is_error
    assert "too large" in got.reason


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks")
def test_fifo_links_and_loops_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "to-fifo").symlink_to(fifo)
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    for name in ("fifo", "to-fifo", "dangling", "loop"):
        got = read_small(str(tmp_path / name), 100)
        assert isinstance(got, Unread) and got.kind is UnreadKind.REFUSED, name
    if os.path.exists("/dev/null"):
        (tmp_path / "null").symlink_to("/dev/null")
        got = read_small(str(tmp_path / "null"), 100)
        assert isinstance(got, Unread) and got.kind is UnreadKind.REFUSED


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads all")
def test_permission_denied_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "secret"
    f.write_bytes(b"x")
    f.chmod(0)
    got = read_small(str(f), 100)
    assert isinstance(got, Unread) and got.kind is UnreadKind.FAILED and got.is_error
