"""``-git DIR -recursive`` and a folder whose ``.git`` is no repository git can read (decision
0154): a clone whose git folder is gone (a linked worktree of a deleted repository), damaged, or
a ``.git`` planted as a FIFO or a link. The folder was walked as any other and its repository
left out without a word: CLEAN when nothing else was there."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import compromised_rules, run_cli

LOCK = json.dumps(
    {"name": "p", "lockfileVersion": 3, "packages": {"": {}, "node_modules/evil": {"version": "1"}}}
)


def _empty_folder(dotgit: Path) -> None:
    dotgit.mkdir()


def _gitfile_to_nowhere(dotgit: Path) -> None:
    dotgit.write_text("gitdir: ../gone/.git/worktrees/x\n", encoding="utf-8")


def _fifo(dotgit: Path) -> None:
    os.mkfifo(dotgit)


def _link_to_a_repository(dotgit: Path) -> None:
    real = dotgit.parent.parent / "elsewhere"
    real.mkdir()
    subprocess.run(["git", "init", "-q", str(real)], check=True, capture_output=True)
    dotgit.symlink_to(real / ".git")


@pytest.mark.parametrize(
    ("plant", "what"),
    [
        (_empty_folder, "a folder git cannot read as a repository"),
        (_gitfile_to_nowhere, "a file naming no readable git folder"),
        (_fifo, "a FIFO"),
        (_link_to_a_repository, "a symbolic link (not followed)"),
    ],
    ids=["empty folder", "gitfile to nowhere", "fifo", "symlink"],
)
def test_a_clone_that_cannot_be_read_is_an_error(
    tmp_path: Path, plant: Callable[[Path], None], what: str
) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(compromised_rules("CLONE-1", ("evil", "=1.0.1"))), "utf-8")
    clone = tmp_path / "org" / "clone"
    clone.mkdir(parents=True)
    (clone / "package-lock.json").write_text(LOCK, encoding="utf-8")
    plant(clone / ".git")
    done = run_cli("-rules", str(rules), "-git", "org", "-recursive", cwd=tmp_path, timeout=60)
    assert done.returncode == 1, done.stdout
    assert f"org/clone: holds a .git that is {what}: its repository is not scanned" in done.stderr


def test_a_recursive_git_scan_that_finds_no_repository_says_so(tmp_path: Path) -> None:
    # decision 0158: "Scanned 0 files" and CLEAN without a word, unlike -dir of an empty folder
    (tmp_path / "org" / "project").mkdir(parents=True)
    (tmp_path / "org" / "project" / "package-lock.json").write_text(LOCK, encoding="utf-8")
    done = run_cli("-git", "org", "-recursive", cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "  org: no git repository found in this folder or below\n" in done.stdout


def test_inventory_add_of_a_recursive_folder_without_repository_says_so(tmp_path: Path) -> None:
    # decision 0162: the summary had the note, the CLI printed only errors and the counts line
    (tmp_path / "org" / "project").mkdir(parents=True)
    (tmp_path / "org" / "project" / "package-lock.json").write_text(LOCK, encoding="utf-8")
    db = tmp_path / "inv.sqlite"
    done = run_cli(
        "inventory", "add", "-db", str(db), "-git", "org", "-recursive", cwd=tmp_path, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "Notes (1)\n  org: no git repository found in this folder or below\n" in done.stdout
    assert "0 repositories" in done.stdout
