"""A rule limited by ``lockfile_ecosystems`` (the runbook's template lists npm, pnpm and yarn)
against a bun project locking the release it names: the author's limit holds, so no finding, but
the scan says what it left out instead of a bare CLEAN (decision 0064).

bun.lock: ``tests/lockfiles/fixtures/bun/bun-1.4.5`` (made by bun 1.4.5, its generate.sh), which
locks chalk 4.1.2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import compromised_rules, scan_report

BUN_LOCK = Path(__file__).parents[1] / "lockfiles" / "fixtures" / "bun" / "bun-1.4.5" / "bun.lock"


def _rules(ecosystems: list[str]) -> dict[str, object]:
    doc = compromised_rules("SSC-2026-005", ("chalk", "=4.1.2"))
    doc["rules"][0]["package_rules"][0]["lockfile_ecosystems"] = ecosystems
    return doc


@pytest.mark.parametrize("mode", ["-lockfile", "-dir"])
def test_runbook_template_limit_on_a_bun_project_is_said(tmp_path: Path, mode: str) -> None:
    project = tmp_path / "app"
    project.mkdir()
    shutil.copy(BUN_LOCK, project / "bun.lock")
    target = str(project / "bun.lock") if mode == "-lockfile" else str(project)
    code, report = scan_report(tmp_path, _rules(["npm", "pnpm", "yarn"]), mode, target)
    assert (code, report["findings"]) == (0, [])
    notes = [n["message"] for n in report["notes"] if "lockfile_ecosystems" in n["message"]]
    assert len(notes) == 1
    assert "chalk@4.1.2 is named by SSC-2026-005 (version matches =4.1.2)" in notes[0]
    assert "(npm, pnpm, yarn) leave bun out" in notes[0]

    code, report = scan_report(tmp_path, _rules(["npm", "pnpm", "yarn", "bun"]), mode, target)
    assert code == 2  # findings
    assert [f["package"] for f in report["findings"]] == ["chalk"]
    assert not [n for n in report["notes"] if "lockfile_ecosystems" in n["message"]]
