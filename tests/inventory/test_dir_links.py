"""``inventory add -dir`` and a file of the folder that is a symbolic link. ``-dir`` reads a
link to a regular file inside the scanned folder as that file (``fs.read.link_refusal``) and
refuses any other; the inventory recorded every link as a tree's symbolic link, which
``-inventory`` called an error ("a symbolic link in the repository: not followed"): a
pnpm-workspace.yaml kept in config/ and linked from the root gave -dir its catalog's finding
(exit 2) and -inventory an error and a note (exit 1). Both now read the same files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gouvernante.cli import main
from helpers import release_rules, scan_report, tree_relative

RULES = release_rules("LP-1", "left-pad@1.3.0")
LOCK = {
    "name": "p",
    "lockfileVersion": 3,
    "packages": {
        "": {"name": "p", "dependencies": {"left-pad": "1.3.0"}},
        "node_modules/left-pad": {"version": "1.3.0"},
    },
}
# the linked file's name, what it holds, and the root package.json
CASES = {
    "pnpm-workspace.yaml": (
        "catalog:\n  left-pad: 1.3.0\n",
        {"name": "p", "dependencies": {"left-pad": "catalog:"}},
    ),
    ".yarnrc.yml": (
        "catalog:\n  left-pad: 1.3.0\n",
        {"name": "p", "dependencies": {"left-pad": "catalog:"}},
    ),
    "package-lock.json": (json.dumps(LOCK), {"name": "p", "dependencies": {"left-pad": "1.3.0"}}),
}


def _both(tmp_path: Path, top: Path) -> dict[str, tuple[int, list[tuple[str, str]], int]]:
    """Exit code, findings (file, package) and error count of -dir and of -inventory."""
    db = str(tmp_path / "inv.db")
    main(["inventory", "add", "-db", db, "-dir", str(top)])
    out = {}
    for mode, target in (("-dir", str(top)), ("-inventory", db)):
        code, report = scan_report(tmp_path, RULES, mode, target)
        found = sorted((tree_relative(f["lockfile"]), f["package"]) for f in report["findings"])
        out[mode] = (code, found, len(report["errors"]))
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_link_inside_the_folder_is_read_as_dir_reads_it(tmp_path: Path, name: str) -> None:
    text, manifest = CASES[name]
    top = tmp_path / "top"
    (top / "config").mkdir(parents=True)
    (top / "package.json").write_text(json.dumps(manifest))
    (top / "config" / "kept").write_text(text)
    os.symlink(os.path.join("config", "kept"), top / name)
    got = _both(tmp_path, top)
    assert got["-dir"][0] == 2 and got["-dir"][2] == 0, got
    assert got["-inventory"] == got["-dir"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_link_out_of_the_folder_is_an_error_in_both(tmp_path: Path, name: str) -> None:
    text, manifest = CASES[name]
    top = tmp_path / "top"
    top.mkdir()
    (top / "package.json").write_text(json.dumps(manifest))
    (tmp_path / "outside").write_text(text)
    os.symlink(tmp_path / "outside", top / name)
    got = _both(tmp_path, top)
    assert got["-dir"][2] >= 1 and got["-inventory"][2] >= 1, got
    assert got["-inventory"][:2] == got["-dir"][:2]
