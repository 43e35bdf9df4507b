"""A workspace member that is a symbolic link to a folder inside the repository (decision 0112):
``fixtures/symlinked-member`` (``generate.sh``: npm 11.19.1 and pnpm 9.15.9 follow the link,
record the member at ``packages/m`` and keep ms 2.1.2 for its ``^2.1.1``). Rule ``ms =2.1.3``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from gitsrc.gitrepo import Repo, mirror
from helpers import compromised_rules, docker_save, scan_report, tar_bytes

FIXTURE = Path(__file__).parent / "fixtures" / "symlinked-member"
RULES = compromised_rules("GOUV-TEST-MS", ("ms", "=2.1.3"))


def _modes(tmp_path: Path, tool: str) -> dict[str, tuple[int, dict[str, Any]]]:
    """The tree (with its link) scanned with -dir, -dir -recursive, -git and -image."""
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURE / tool, tree, symlinks=True)
    repo = Repo(tree)
    repo.commit("init")
    git = mirror(tree, tmp_path / "tree.git")
    files = {
        f"app/{p.relative_to(tree).as_posix()}": p.read_bytes()
        for p in sorted(tree.rglob("*"))
        if p.is_file() and not p.is_symlink() and ".git" not in p.relative_to(tree).parts
    }
    layer = tar_bytes(files, {"app/packages/m": "../real/m"})
    image = docker_save(tmp_path / "image.tar", [layer])
    return {
        "-dir": scan_report(tmp_path, RULES, "-dir", str(tree)),
        "-dir -recursive": scan_report(tmp_path, RULES, "-dir", str(tree), "-recursive"),
        "-git": scan_report(tmp_path, RULES, "-git", str(git)),
        "-image": scan_report(tmp_path, RULES, "-image", str(image)),
    }


@pytest.mark.parametrize("tool", ["npm", "pnpm"])
def test_the_link_is_not_followed_on_disk(tmp_path: Path, tool: str) -> None:
    code, report = _modes(tmp_path, tool)["-dir"]
    assert code == 1
    assert report["findings"] == []
    assert any("packages/m: a symbolic link" in e["message"] for e in report["errors"])


@pytest.mark.xfail(
    strict=True,
    reason="decision 0112, left: the link's target real/m is judged as a project of its own"
    " (no lockfile resolves ^2.1.1), where the tools record it as the member packages/m",
)
@pytest.mark.parametrize("tool", ["npm", "pnpm"])
def test_the_member_behind_the_link_is_no_project_of_its_own(tmp_path: Path, tool: str) -> None:
    found = {mode: report["findings"] for mode, (_code, report) in _modes(tmp_path, tool).items()}
    assert found == {"-dir": [], "-dir -recursive": [], "-git": [], "-image": []}
