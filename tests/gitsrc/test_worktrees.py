"""Linked worktrees (``git worktree add``): each one's HEAD is a checked-out state like the main
worktree's. One detached on a commit no branch holds was never read, in -git of the repository
or of the worktree itself: CLEAN (decision 0115)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitsrc.gitrepo import Repo, lockfile, write_rules
from gouvernante.cli import main


def _scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = main([*args, "-json"])
    return code, json.loads(capsys.readouterr().out)


def _worktrees(tmp_path: Path) -> tuple[Repo, Path]:
    r = Repo(tmp_path / "main")
    r.write("package-lock.json", lockfile("4.4.3"))
    r.commit("clean")
    r.git("worktree", "add", "-q", "--detach", str(tmp_path / "linked"), "HEAD")
    r.git("worktree", "add", "-q", "-b", "topic", str(tmp_path / "on-a-branch"), "HEAD")
    linked = Repo.__new__(Repo)
    linked.path, linked.time = tmp_path / "linked", r.time
    linked.write("package-lock.json", lockfile("4.4.2"))
    linked.commit("affected, on the linked worktree's detached HEAD only")
    return r, linked.path


def test_a_linked_worktrees_detached_head_is_scanned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r, linked = _worktrees(tmp_path)
    rules = str(write_rules(tmp_path))
    for target in (r.path, linked):
        for mode in ((), ("-history",)):
            code, report = _scan(capsys, "-rules", rules, "-git", str(target), *mode)
            assert code == 2, (target, mode)
            assert {f["ref"] for f in report["findings"]} == {"worktrees/linked/HEAD"}
    db = str(tmp_path / "inv.sqlite")
    assert main(["inventory", "add", "-db", db, "-git", str(r.path)]) == 0
    capsys.readouterr()
    code, report = _scan(capsys, "-rules", rules, "-inventory", db)
    assert code == 2
    assert {f["ref"] for f in report["findings"]} == {"worktrees/linked/HEAD"}


def test_a_worktree_on_a_branch_or_where_a_branch_stands_adds_no_ref(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r, _linked = _worktrees(tmp_path)
    r.git("worktree", "add", "-q", "--detach", str(tmp_path / "at-main"), "main")
    code, report = _scan(capsys, "-rules", str(write_rules(tmp_path)), "-git", str(r.path))
    assert code == 2
    refs = sorted(ref["ref"] for ref in report["scan"]["refs"])
    assert refs == ["main", "topic", "worktrees/linked/HEAD"]
