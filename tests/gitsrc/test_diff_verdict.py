"""-diff: a finding the compared revision takes out never counts, in any report or in collect.

docs/json-report.md: ``change: removed`` "never counts"; docs/exit-codes.md: exit 2 needs a
counted finding. Before this test the exit code was 0 while the text, Markdown and JSON reports
said AFFECTED / ``verdict: findings`` and ``collect`` called the repository affected.
"""

from __future__ import annotations

import json
from pathlib import Path

from gitsrc.gitrepo import Repo, lockfile, write_rules
from helpers import run_cli

T0 = 1788868800  # 2026-09-08T12:00:00Z, the test rule's published_at


def _pull_request_removing_the_bad_release(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "work")
    r.write("package-lock.json", lockfile("4.4.2"))
    r.commit("main has the bad release", at=T0 + 60)
    r.git("checkout", "-q", "-b", "fix")
    r.write("package-lock.json", lockfile("4.4.3"))
    r.commit("the pull request takes it out", at=T0 + 120)
    return r


def test_a_finding_only_taken_out_is_a_clean_verdict(tmp_path: Path) -> None:
    r = _pull_request_removing_the_bad_release(tmp_path)
    rules = str(write_rules(tmp_path))
    scan = ("-rules", rules, "-git", str(r.path), "-diff", "main")

    text = run_cli(*scan, cwd=tmp_path)
    assert text.returncode == 0, text.stdout + text.stderr
    assert "taken out (not counted)" in text.stdout
    assert text.stdout.rstrip().splitlines()[-1] == (
        "CLEAN: no findings (1 taken out by the compared revision, not counted)"
    )

    out = run_cli(
        *scan, "-json", "-output", "r.json", "-output", "r.md", "-output", "r.sarif", cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert [f["change"] for f in report["findings"]] == ["removed"]
    assert report["summary"]["verdict"] == "clean"
    assert report["summary"]["total_findings"] == 0
    assert report["summary"]["by_severity"] == {}
    markdown = (tmp_path / "r.md").read_text()
    assert markdown.startswith("### gouvernante: CLEAN: no findings")
    assert "Taken out by the compared revision (1, not counted)" in markdown
    assert "debug@4.4.2" in markdown

    sarif = json.loads((tmp_path / "r.sarif").read_text())
    assert [x["level"] for x in sarif["runs"][0]["results"]] == ["note"]

    rolled = run_cli("collect", "-format", "json", "r.json", cwd=tmp_path)
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert json.loads(rolled.stdout)["summary"]["projects_affected_now"] == 0


def test_a_finding_brought_in_still_counts(tmp_path: Path) -> None:
    r = _pull_request_removing_the_bad_release(tmp_path)
    rules = str(write_rules(tmp_path))
    out = run_cli(
        "-rules",
        rules,
        "-git",
        str(r.path),
        "-diff",
        "fix",
        "-diff-head",
        "main",
        "-json",
        cwd=tmp_path,
    )
    assert out.returncode == 2, out.stderr
    report = json.loads(out.stdout)
    assert [f["change"] for f in report["findings"]] == ["added"]
    assert report["summary"]["verdict"] == "findings"
    assert report["summary"]["total_findings"] == 1
