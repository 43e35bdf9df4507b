"""A package entry that is a symlink to a folder of the installed tree the walk does not read as a
package (decision 0150).

``node_modules/kind-of -> .evil/is-number`` (a dot-folder of ``node_modules`` holding is-number
7.0.0's package.json), or nested ``node_modules/is-odd/node_modules/is-number ->
../../.evil/is-number``: ``require("kind-of")`` loads is-number 7.0.0 (checked with node 20 by
the fixture's ``generate.sh``), and the scan, which never follows a link, read CLEAN with no
note (decision 0147, "Found and left"). Such a link is now read as the package require() loads
through it (its package.json only); links to folders the walk reads as packages (pnpm's into
``.pnpm``) cost one stat and read nothing more; links out of the tree are not followed (0050).

Fixtures: ``fixtures/intree-symlinks`` (its ``generate.sh``: npm 11.19.1, pnpm 9.15.9).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gouvernante.host.install_state import HIDDEN_LOCKFILE, PNPM_STATE
from gouvernante.host.installed import SCOPE_LINK_IN_TREE
from gouvernante.host.reader import Collector
from helpers import compromised_rules, scan_report
from host import conftest as h

FIXTURES = Path(__file__).parent / "fixtures" / "intree-symlinks"
T_INSTALL = 1_700_000_000
NUMBER_7 = '{"name": "is-number", "version": "7.0.0", "main": "index.js"}\n'


def _installed(tmp_path: Path, case: str) -> Path:
    """The fixture as its package manager leaves it: every folder older than its record."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / case, project, symlinks=True)
    root = project / "node_modules"
    record = root / (PNPM_STATE if case == "pnpm9" else HIDDEN_LOCKFILE)
    latest = 0
    for dirpath, dirnames, filenames in os.walk(project):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path) and path != str(record):
                os.utime(path, (T_INSTALL, T_INSTALL))
                latest = max(latest, os.stat(path).st_ctime_ns)
    os.utime(record, ns=(latest, latest))
    while time.time_ns() < latest + 50_000_000:  # (what the test does next is later)
        time.sleep(0.01)
    return root


def _plant(root: Path) -> None:
    evil = root / ".evil" / "is-number"
    evil.mkdir(parents=True)
    (evil / "package.json").write_text(NUMBER_7)


def _scan(root: Path) -> tuple[list[str], int, Collector]:
    return h.scan_counting_reads(root, [h.make_rule("R", [("is-number", "=7.0.0")])])


def test_a_top_entry_linked_to_a_dot_folder_of_the_tree_is_read(tmp_path: Path) -> None:
    root = _installed(tmp_path, "npm11")
    assert _scan(root)[0] == []
    _plant(root)
    shutil.rmtree(root / "kind-of")
    (root / "kind-of").symlink_to(os.path.join(".evil", "is-number"))
    found, _read, collector = _scan(root)
    assert found == ["is-number@7.0.0 kind-of"]
    assert not collector.errors


def test_a_nested_entry_linked_to_a_dot_folder_of_the_tree_is_read(tmp_path: Path) -> None:
    root = _installed(tmp_path, "npm11")
    _plant(root)
    nested = root / "is-odd" / "node_modules"
    nested.mkdir()
    (nested / "is-number").symlink_to(os.path.join("..", "..", ".evil", "is-number"))
    found, _read, collector = _scan(root)
    assert found == [f"is-number@7.0.0 {os.path.join('is-odd', 'node_modules', 'is-number')}"]
    assert not collector.errors


def test_links_to_an_ancestor_or_out_of_the_tree_do_not_loop_and_are_not_followed(
    tmp_path: Path,
) -> None:
    root = _installed(tmp_path, "npm11")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "package.json").write_text(NUMBER_7)
    (root / "up").symlink_to(os.path.join("..", "..", "outside"))  # (decision 0050)
    (root / "self").symlink_to(".")
    (root / "is-odd" / "node_modules").mkdir()
    (root / "is-odd" / "node_modules" / "loop").symlink_to("..")  # (is-odd itself)
    (root / "is-odd" / "node_modules" / "top").symlink_to(os.path.join("..", ".."))
    found, _read, collector = _scan(root)
    assert found == []
    assert not collector.errors


def test_a_scope_folder_linked_into_the_tree_is_an_error(tmp_path: Path) -> None:
    root = _installed(tmp_path, "npm11")
    (root / ".evil" / "is-number").mkdir(parents=True)
    (root / "@evil").symlink_to(".evil")
    _found, _read, collector = _scan(root)
    assert [(e.path, e.message) for e in collector.errors] == [
        (str(root / "@evil"), SCOPE_LINK_IN_TREE)
    ]


@pytest.mark.parametrize("plant", [False, True])
def test_pnpm_s_links_read_as_before(tmp_path: Path, plant: bool) -> None:
    """pnpm 9.15.9: every package is a link into ``.pnpm`` (top level and each id's
    ``node_modules``); none is read again through its link."""
    root = _installed(tmp_path, "pnpm9")
    links = [p for p in root.rglob("*") if p.is_symlink()]
    assert len(links) >= 4  # (is-odd, kind-of at the top; is-number in is-odd's id; .pnpm's own)
    found, read, collector = _scan(root)
    assert found == []
    assert read == 1  # (is-number 6.0.0's folder: the rule's package)
    assert not collector.errors and not collector.notes
    if plant:
        _plant(root)
        (root / "kind-of").unlink()
        (root / "kind-of").symlink_to(os.path.join(".evil", "is-number"))
        assert _scan(root)[0] == ["is-number@7.0.0 kind-of"]


def test_links_resolved_through_other_links_or_absolute_ones_are_read_where_they_land(
    tmp_path: Path,
) -> None:
    """An absolute link to a package folder of the tree reads nothing more (the folder is read
    where it is); a link through a dot-named link (``.lnk -> .evil``, not a package entry
    itself) lands in ``.evil/is-number`` and is read."""
    root = _installed(tmp_path, "npm11")
    _plant(root)
    (root / "alias").symlink_to(root / "is-number")
    (root / ".lnk").symlink_to(".evil")
    shutil.rmtree(root / "kind-of")
    (root / "kind-of").symlink_to(os.path.join(".lnk", "is-number"))
    found, _read, collector = _scan(root)
    assert found == ["is-number@7.0.0 kind-of"]
    assert not collector.errors


class _TypeNotRead:
    """A directory entry whose type cannot be read the first time it is asked (``DT_UNKNOWN``
    and a failing ``lstat``, as on some network file systems): the walk lists its folder again,
    entry by entry; every other question goes to the real entry."""

    def __init__(self, entry: os.DirEntry[str], unread: set[str]) -> None:
        self._entry = entry
        self._unread = unread
        self.name = entry.name
        self.path = entry.path

    def is_dir(self, *, follow_symlinks: bool = True) -> bool:
        if self.path in self._unread:
            self._unread.discard(self.path)
            raise OSError(5, "Input/output error")
        return self._entry.is_dir(follow_symlinks=follow_symlinks)

    def is_symlink(self) -> bool:
        return self._entry.is_symlink()


class _Listing:
    def __init__(self, path: str, unread: set[str], real: Any) -> None:
        self._it = real(path)
        self._unread = unread

    def __enter__(self) -> _Listing:
        return self

    def __exit__(self, *exc: object) -> None:
        self._it.close()

    def __iter__(self) -> Iterator[_TypeNotRead]:
        return (_TypeNotRead(e, self._unread) for e in self._it)


@pytest.mark.parametrize("first", ["again", "is-odd", "zz"])
def test_links_are_collected_when_a_folder_is_listed_entry_by_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: str
) -> None:
    """A listing whose first pass cannot read an entry's type is read again entry by entry
    (``_subdirs_one_by_one``): its links are collected there too, once each (they were left
    out: decision 0150's "Left"), whichever entry failed (a link, a package, the last)."""
    root = _installed(tmp_path, "npm11")
    _plant(root)
    shutil.rmtree(root / "kind-of")
    (root / "kind-of").symlink_to(os.path.join(".evil", "is-number"))
    (root / "again").symlink_to(os.path.join(".evil", "is-number"))
    (root / "zz").mkdir()
    unread = {str(root / first)}
    real = os.scandir
    monkeypatch.setattr(os, "scandir", lambda p: _Listing(p, unread, real))
    found, _read, collector = _scan(root)
    assert not unread  # (the first pass failed there)
    assert found == ["is-number@7.0.0 again", "is-number@7.0.0 kind-of"]
    assert not collector.errors


def test_dir_host_finds_the_linked_release(tmp_path: Path) -> None:
    """``-dir PROJECT -host``, as 0147 ran it: exit 2 with the link's finding (was 0, CLEAN)."""
    root = _installed(tmp_path, "npm11")
    _plant(root)
    shutil.rmtree(root / "kind-of")
    (root / "kind-of").symlink_to(os.path.join(".evil", "is-number"))
    code, report = scan_report(
        tmp_path,
        compromised_rules("R-1", ("is-number", "=7.0.0")),
        "-dir",
        str(root.parent),
        "-host",
    )
    # (-host reads this machine's caches too: only what is about the project is looked at)
    assert [e for e in report["errors"] if str(root) in json.dumps(e)] == []
    assert sorted(
        (f["package"], f["version"], f["path"])
        for f in report["findings"]
        if f["path"].startswith(str(root))
    ) == [("is-number", "7.0.0", str(root / "kind-of"))]
    assert code == 2
