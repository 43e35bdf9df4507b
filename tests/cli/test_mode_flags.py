"""A flag of another mode is a usage error, never silently ignored.

``-dir . -diff main`` (or ``-history``, ``-ref``, ``-since``, ``-at``, ``-diff-head``) used to
run a plain directory scan, exit 0, as if the flag had been read: a responder asking "what does
this change add?" got an answer to another question.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import run_cli

LOCKFILE = '{"name": "a", "lockfileVersion": 3, "packages": {"": {"name": "a"}}}'


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["-history"], "-history: only with -git;"),
        (["-since", "2026-09-01"], "-since: only with -git;"),
        (["-ref", "main"], "-ref: only with -git or -inventory;"),
        (["-diff", "main"], "-diff: only with -git;"),
        (["-at", "2026-09-08"], "-at: only with -inventory;"),  # -git refuses -at too
        (["-diff-head", "HEAD~1"], "-diff-head: only with -git;"),
    ],
)
@pytest.mark.parametrize("mode", [["-dir", "."], ["-lockfile", "package-lock.json"]])
def test_git_and_inventory_flags_without_their_mode_are_refused(
    tmp_path: Path, mode: list[str], flags: list[str], named: str
) -> None:
    (tmp_path / "package-lock.json").write_text(LOCKFILE)
    r = run_cli(*mode, *flags, cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and named in r.stderr, r.stderr


def test_diff_head_without_diff_is_refused(tmp_path: Path) -> None:
    r = run_cli("-git", str(tmp_path), "-diff-head", "main", cwd=tmp_path)
    assert r.returncode == 1
    assert "-diff-head goes with -diff" in r.stderr


def test_diff_head_is_in_the_help(tmp_path: Path) -> None:
    r = run_cli("-h", cwd=tmp_path)
    assert "-diff-head REV" in r.stdout


@pytest.mark.parametrize("mode", [["-dir", "."], ["-dir", ".", "-host"], ["-git", "."]])
def test_heuristic_review_counts_without_heuristic_is_refused(
    tmp_path: Path, mode: list[str]
) -> None:
    """It changes what counts among -heuristic's findings: without -heuristic a scan would run
    none and exit 0 as if review items had been counted (found by the docs audit)."""
    (tmp_path / "package-lock.json").write_text(LOCKFILE)
    r = run_cli(*mode, "-heuristic-review-counts", cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout == ""
    assert "-heuristic-review-counts goes with -heuristic" in r.stderr, r.stderr
