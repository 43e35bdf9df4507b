from __future__ import annotations

import os
from pathlib import Path

import pytest

from gouvernante.fs.walk import walk


def test_walk_skips_dependency_and_vcs_folders(tmp_path: Path) -> None:
    for d in ["a/b", "node_modules/x", ".git/objects", "a/.yarn/cache", "c"]:
        (tmp_path / d).mkdir(parents=True)
    (tmp_path / "a" / "b" / "package-lock.json").write_text("{}")
    seen = [os.path.relpath(w.path, tmp_path) for w in walk(str(tmp_path))]
    assert seen == [".", "a", "a/b", "c"]
    files = {os.path.relpath(w.path, tmp_path): w.files for w in walk(str(tmp_path))}
    assert files["a/b"] == ("package-lock.json",)


def test_walk_not_recursive_yields_root_only(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "f").write_text("")
    out = list(walk(str(tmp_path), recursive=False))
    assert [w.path for w in out] == [str(tmp_path)]
    assert out[0].files == ("f",)


def test_walk_never_follows_symlinked_dirs_and_survives_loops(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "loop").symlink_to(tmp_path)
    (tmp_path / "self").symlink_to(tmp_path / "self")
    seen = [os.path.relpath(w.path, tmp_path) for w in walk(str(tmp_path))]
    assert seen == [".", "real"]
    files = {w.path: w.files for w in walk(str(tmp_path))}
    assert "loop" in files[str(tmp_path / "real")]  # listed as an entry, not entered


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root reads all")
def test_unreadable_directory_is_reported_and_walk_continues(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (tmp_path / "open").mkdir()
    locked.chmod(0)
    errors: list[tuple[str, str]] = []
    try:
        seen = [w.path for w in walk(str(tmp_path), on_error=lambda p, m: errors.append((p, m)))]
    finally:
        locked.chmod(0o755)
    assert str(tmp_path / "open") in seen
    assert errors and errors[0][0] == str(locked)


def test_prune_is_asked_about_a_folders_children_before_the_folder_is_yielded(
    tmp_path: Path,
) -> None:
    """Callers record what their prune sees (``-host`` notes the node_modules it skips) and read
    that record when the folder comes out: the order is part of the contract."""
    (tmp_path / "a" / "node_modules").mkdir(parents=True)
    asked: list[str] = []

    def prune(name: str, path: str) -> bool:
        asked.append(path)
        return name == "node_modules"

    for wd in walk(str(tmp_path), prune=prune):
        if wd.path == str(tmp_path / "a"):
            assert str(tmp_path / "a" / "node_modules") in asked


def test_list_dir_is_the_one_listing_walk_and_the_heuristic_share(tmp_path: Path) -> None:
    from gouvernante.fs.walk import list_dir

    (tmp_path / "sub").mkdir()
    (tmp_path / "f.js").write_text("x")
    os.symlink(tmp_path / "sub", tmp_path / "dirlink")
    seen: set[tuple[int, int]] = set()
    listing = list_dir(str(tmp_path), seen)
    assert listing is not None
    files, links, subdirs = listing
    assert sorted(files) == ["dirlink", "f.js"]  # a symlinked folder is a file, never entered
    assert links == ["dirlink"]
    assert [e.name for e in subdirs] == ["sub"]
    assert list_dir(str(tmp_path), seen) is None  # met again: a loop
    with pytest.raises(OSError):
        list_dir(str(tmp_path / "missing"), seen)
