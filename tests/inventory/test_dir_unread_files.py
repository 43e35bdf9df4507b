"""``inventory add -dir`` and a file of the folder it cannot read (red team, branch hostile-new):
a FIFO under the name ``pnpm-workspace.yaml`` or a workspace member's ``package-lock.json``, a
lockfile over the size limit. ``add`` said so (exit 1) but recorded the folder without that file,
and ``-inventory`` then answered CLEAN (exit 0) where ``-dir`` says the file was not read (exit
1). The folder's read now fails whole, as for a catalog file above it (decision 0062): what the
inventory knew of it stays, and ``-inventory`` says the last read failed, naming the file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gouvernante.cli import main
from helpers import release_rules, scan_report

RULES = release_rules("LP-1", "left-pad@1.3.0")


def _project(top: Path, planted: str) -> Path:
    (top / "m").mkdir(parents=True)
    if planted == "workspace-fifo":
        (top / "package.json").write_text(json.dumps({"dependencies": {"left-pad": "catalog:"}}))
        os.mkfifo(top / "pnpm-workspace.yaml")
    elif planted == "member-lock-fifo":
        (top / "package.json").write_text(json.dumps({"name": "r", "workspaces": ["m"]}))
        (top / "m" / "package.json").write_text(json.dumps({"dependencies": {"ms": "^2.0.0"}}))
        os.mkfifo(top / "m" / "package-lock.json")
    else:  # a lockfile named by a sparse file past the limit
        (top / "package.json").write_text(json.dumps({"dependencies": {"ms": "^2.0.0"}}))
        with open(top / "package-lock.json", "wb") as fh:
            fh.truncate(513 * 1024 * 1024)
    return top


@pytest.mark.parametrize("planted", ["workspace-fifo", "member-lock-fifo", "oversized-lockfile"])
def test_a_file_of_the_folder_not_read_is_never_clean_later(tmp_path: Path, planted: str) -> None:
    top = _project(tmp_path / "top", planted)
    code, _report = scan_report(tmp_path, RULES, "-dir", str(top))
    assert code == 1
    db = str(tmp_path / "inv.db")
    assert main(["inventory", "add", "-db", db, "-dir", str(top)]) == 1
    code, report = scan_report(tmp_path, RULES, "-inventory", db)
    assert code == 1, report
    assert any("last read of this repository failed" in e["message"] for e in report["errors"])


def test_the_folder_read_again_once_fixed_is_recorded(tmp_path: Path) -> None:
    top = _project(tmp_path / "top", "workspace-fifo")
    db = str(tmp_path / "inv.db")
    assert main(["inventory", "add", "-db", db, "-dir", str(top)]) == 1
    os.unlink(top / "pnpm-workspace.yaml")
    (top / "pnpm-workspace.yaml").write_text("catalog:\n  left-pad: 1.3.0\n")
    assert main(["inventory", "add", "-db", db, "-dir", str(top)]) == 0
    code, report = scan_report(tmp_path, RULES, "-inventory", db)
    assert code == 2 and [f["declared_range"] for f in report["findings"]] == ["1.3.0"]
