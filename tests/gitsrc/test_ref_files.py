"""The refresh shortcut that reads ref files without git (``read_ref_files``): nested loose refs
are found, and anything unusual (a FIFO whose read would block, a symlink, a symlinked
namespace) makes it give up at once, so the caller asks git instead."""

from __future__ import annotations

import os
from pathlib import Path

from gitsrc.gitrepo import Repo, lockfile, mirror
from gouvernante.sources.git import read_ref_files, repository_at


def _bare(tmp_path: Path) -> tuple[Path, str]:
    r = Repo(tmp_path / "work")
    r.write("package-lock.json", lockfile("4.4.1"))
    commit = r.commit("init")
    bare = mirror(r.path, tmp_path / "app.git")
    return bare, commit


def _read(bare: Path) -> list[tuple[str, str, str | None]] | None:
    repo = repository_at(str(bare), "app")
    assert repo is not None
    return read_ref_files(repo)


def test_nested_loose_refs_are_read(tmp_path: Path) -> None:
    bare, commit = _bare(tmp_path)
    (bare / "refs" / "heads" / "team" / "a").mkdir(parents=True)
    (bare / "refs" / "heads" / "team" / "a" / "fix").write_text(commit + "\n")
    got = _read(bare)
    assert got is not None
    assert ("refs/heads/team/a/fix", commit, None) in got
    assert ("refs/heads/main", commit, None) in got


def test_a_fifo_among_the_refs_is_given_up_on_not_read(tmp_path: Path) -> None:
    bare, _commit = _bare(tmp_path)
    os.mkfifo(bare / "refs" / "heads" / "trap")
    assert _read(bare) is None  # returns at once: opening the FIFO would block


def test_symlinked_refs_are_given_up_on(tmp_path: Path) -> None:
    bare, commit = _bare(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x").write_text(commit + "\n")
    (bare / "refs" / "heads" / "link").symlink_to(outside / "x")
    assert _read(bare) is None
    (bare / "refs" / "heads" / "link").unlink()
    assert _read(bare) is not None
    tags = bare / "refs" / "tags"
    tags.rmdir()
    tags.symlink_to(outside)
    assert _read(bare) is None
