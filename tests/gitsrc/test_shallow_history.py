"""-history of a shallow clone: the commits before the cut are not in the clone, so what its
lockfiles held then is not known; a history that reaches the cut is an error of that ref, not
a CLEAN answer (it was a note: decision 0115)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from gitsrc.gitrepo import GIT_ENV, Repo, lockfile, write_rules
from gouvernante.gitscan import GitScanOutput, GitScanRequest, run_git_scan
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rule_files

T0 = 1788868800  # the test rule's published_at


def _shallow(tmp_path: Path, depth: int) -> Path:
    """main: debug 4.4.2 (affected) long ago, then 4.4.3, then a README; cloned --depth."""
    r = Repo(tmp_path / "origin")
    r.write("package-lock.json", lockfile("4.4.2"))
    r.commit("bad", at=T0 + 60)
    r.write("package-lock.json", lockfile("4.4.3"))
    r.commit("fix", at=T0 + 30 * 86400)
    r.write("README", "x\n")
    r.commit("readme", at=T0 + 60 * 86400)
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", f"--depth={depth}", f"file://{r.path}", str(clone)],
        check=True,
        capture_output=True,
        env={**GIT_ENV, "HOME": str(tmp_path)},
    )
    return clone


def _scan(tmp_path: Path, request: GitScanRequest) -> GitScanOutput:
    ruleset, errors = load_rule_files([str(write_rules(tmp_path))])
    assert errors == []
    return run_git_scan(request, ruleset.rules, build_index(ruleset.rules))


def test_a_history_cut_before_the_affected_release_is_an_error_not_clean(tmp_path: Path) -> None:
    clone = _shallow(tmp_path, 1)
    out = _scan(tmp_path, GitScanRequest((str(clone),), history=True))
    assert out.findings == []
    cut = {e.path: e.message for e in out.errors}
    assert set(cut) == {f"{clone}@main", f"{clone}@remotes/origin/main"}, out.errors
    assert all("shallow clone" in m and "2026-11-07" in m for m in cut.values()), cut


def test_since_after_the_cut_asks_only_for_what_the_clone_holds(tmp_path: Path) -> None:
    clone = _shallow(tmp_path, 2)  # the cut at "fix" (T0 + 30 days)
    late = _scan(tmp_path, GitScanRequest((str(clone),), history=True, since=T0 + 40 * 86400))
    assert late.errors == [] and late.findings == []
    early = _scan(tmp_path, GitScanRequest((str(clone),), history=True, since=T0 + 86400))
    assert [e.path for e in early.errors] == [f"{clone}@main", f"{clone}@remotes/origin/main"]


def test_a_full_history_in_the_same_scan_is_answered(tmp_path: Path) -> None:
    clone = _shallow(tmp_path, 10)  # deeper than the history: a shallow file, no commit cut
    out = _scan(tmp_path, GitScanRequest((str(clone),), history=True))
    assert out.errors == []
    assert {f.ref for f in out.findings} == {"main", "remotes/origin/main"}
