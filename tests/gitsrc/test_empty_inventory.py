"""An inventory that records no branch or tag answers nothing: ``-inventory`` on it is an error
(exit 1), never "CLEAN" with exit 0. Before, it was a note and CLEAN: an organisation-wide scan
whose ``inventory add`` reached only empty repositories (or whose shards never arrived) looked
like a clean organisation. ``-git`` of an empty repository stays a note (a new repository has
nothing to scan, as ``-dir`` of an empty folder)."""

from __future__ import annotations

from pathlib import Path

from gitsrc.gitrepo import RULES, Repo, lockfile
from gouvernante.cli import main
from helpers import scan_report


def test_an_inventory_of_empty_repositories_is_not_clean(tmp_path: Path) -> None:
    Repo(tmp_path / "empty")  # `git init`, no commit
    db = str(tmp_path / "inv.db")
    assert main(["inventory", "add", "-db", db, "-git", str(tmp_path / "empty")]) == 0
    code, report = scan_report(tmp_path, RULES, "-inventory", db)
    assert code == 1, report
    assert report["findings"] == []
    assert [e["message"] for e in report["errors"]] == [
        "the inventory records no branch or tag: nothing was scanned"
    ]


def test_git_of_an_empty_repository_stays_a_note(tmp_path: Path) -> None:
    Repo(tmp_path / "empty")
    code, report = scan_report(tmp_path, RULES, "-git", str(tmp_path / "empty"))
    assert code == 0, report
    assert report["errors"] == []
    # (said once, by the repository's own note: the run's second one is gone)
    assert [n["message"] for n in report["notes"] if "no branch or tag" in n["message"]] == [
        "no branch or tag (an empty repository?)"
    ]


def test_an_inventory_with_one_scanned_ref_is_answered(tmp_path: Path) -> None:
    Repo(tmp_path / "empty")
    full = Repo(tmp_path / "app")
    full.write("package-lock.json", lockfile("4.4.2"))
    full.commit("lock")
    db = str(tmp_path / "inv.db")
    for repo in ("empty", "app"):
        assert main(["inventory", "add", "-db", db, "-git", str(tmp_path / repo)]) == 0
    code, report = scan_report(tmp_path, RULES, "-inventory", db)
    assert report["errors"] == [], report
    assert code == 2 and len(report["findings"]) == 1
