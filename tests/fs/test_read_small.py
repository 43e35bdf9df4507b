"""``fs.read.read_small``: the bytes, or a typed ``Unread`` saying why not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gouvernante.fs.read import Unread, UnreadKind, os_message, read_small


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


def test_a_link_refused_by_an_open_that_does_not_follow_it_is_not_called_a_loop(
    tmp_path: Path,
) -> None:
    """ELOOP from ``O_NOFOLLOW`` means a link as much as a loop (decision 0092: an npm cache
    blob that is a link to the real tarball was reported as a "symlink loop")."""
    target = tmp_path / "t"
    target.write_bytes(b"x")
    (tmp_path / "l").symlink_to(target)
    with pytest.raises(OSError) as caught:
        os.open(tmp_path / "l", os.O_RDONLY | os.O_NOFOLLOW)
    message = os_message(caught.value)
    assert message.startswith("a symbolic link, not followed")
