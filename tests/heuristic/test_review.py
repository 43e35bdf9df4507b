"""Confidence decides the verdict: medium/low heuristic findings are review items by default."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from gouvernante.heuristic import scan_package_dir, to_finding
from gouvernante.vocab import Confidence, Severity
from helpers import run_cli

RECALL = Path(__file__).parent / "fixtures" / "recall"
MEDIUM_ONLY = RECALL / "mini-shai-hulud-bun"  # one GH-INSTALL-RUNTIME-DOWNLOAD, medium
HIGH = RECALL / "install-curl-pipe"  # GH-INSTALL-FETCH-EXEC, high


def _project(tmp_path: Path, case: Path) -> Path:
    name = json.loads((case / "package.json").read_text())["name"]
    shutil.copytree(case, tmp_path / "node_modules" / name)
    (tmp_path / "package.json").write_text('{"name": "app", "version": "1.0.0"}')
    return tmp_path


def test_severity_follows_confidence_and_review_marks_below_high() -> None:
    [hit] = scan_package_dir(str(MEDIUM_ONLY))
    assert hit.confidence is Confidence.MEDIUM
    assert hit.severity is Severity.MEDIUM  # not the pattern's CRITICAL
    finding = to_finding(hit)
    assert finding.review and not finding.counted
    assert not finding.counts_at(Severity.LOW)
    counted = to_finding(hit, review_counts=True)
    assert not counted.review and counted.counts_at(Severity.LOW)
    [high] = scan_package_dir(str(HIGH))
    assert high.severity is Severity.CRITICAL
    assert not to_finding(high).review


def test_review_items_are_listed_but_do_not_change_the_exit_code(tmp_path: Path) -> None:
    root = _project(tmp_path, MEDIUM_ONLY)
    r = run_cli("-dir", ".", "-heuristic", cwd=root)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "CLEAN: no findings (1 heuristic to review, not counted)" in r.stdout
    assert "REVIEW (not counted): medium confidence; evidence:" in r.stdout
    r = run_cli("-dir", ".", "-heuristic", "-json", cwd=root)
    report = json.loads(r.stdout)
    assert report["summary"]["verdict"] == "clean"
    assert report["summary"]["total_findings"] == 0
    [f] = report["findings"]
    assert f["review"] is True and f["severity"] == "medium" and f["excerpt"]


def test_the_flag_makes_review_items_count(tmp_path: Path) -> None:
    root = _project(tmp_path, MEDIUM_ONLY)
    r = run_cli("-dir", ".", "-heuristic", "-heuristic-review-counts", "-json", cwd=root)
    assert r.returncode == 2, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["summary"]["verdict"] == "findings"
    assert "review" not in report["findings"][0]


def test_high_confidence_still_makes_exit_2(tmp_path: Path) -> None:
    root = _project(tmp_path, HIGH)
    r = run_cli("-dir", ".", "-heuristic", cwd=root)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stdout.rstrip().splitlines()[-1].startswith("AFFECTED: 1 finding (1 critical)")


def test_sarif_shows_a_review_item_as_a_note(tmp_path: Path) -> None:
    root = _project(tmp_path, MEDIUM_ONLY)
    r = run_cli("-dir", ".", "-heuristic", "-format", "sarif", cwd=root)
    assert r.returncode == 0, r.stdout + r.stderr
    [result] = json.loads(r.stdout)["runs"][0]["results"]
    assert result["ruleId"] == "GH-INSTALL-RUNTIME-DOWNLOAD"
    assert result["level"] == "note"
