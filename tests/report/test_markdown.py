"""Markdown for PR comments and job summaries: golden file, caps, escaping."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec
import pytest

from gouvernante.model import ScanResult, ScanStats
from gouvernante.report import markdown

HERE = Path(__file__).parent
UPDATE = bool(os.environ.get("GOUVERNANTE_UPDATE_GOLDEN"))


def test_golden(sample: ScanResult, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(markdown, "__version__", "0.0.0-golden")
    text = markdown.render(sample)
    golden = HERE / "golden" / "sample.md"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_content(sample: ScanResult) -> None:
    text = markdown.render(sample)
    first = text.splitlines()[0]
    assert first.startswith("### gouvernante: AFFECTED: 6 findings")
    assert "(1 suppressed)" in first
    assert (
        "| **critical** | `TEST-2026-001` | `chalk@4.1.2` | `package-lock.json:577` | direct |"
        in (text)
    )
    assert "| medium | `TEST-2026-002` | `ms ^2.1.0` | `apps/web/package.json` | declared |" in text
    assert "<details><summary>Dependency paths</summary>" in text
    assert "`@demo/api > express@4.18.2 > debug@4.3.4`" in text
    assert "(+3 more)" in text
    assert "#### Suppressed (1, not counted)" in text
    assert "internal mirror of left-pad" in text
    assert "#### Errors (1)" in text
    assert "stale, matched no finding" in text
    # the suppressed finding is not in the main table
    table = text.split("#### Suppressed")[0]
    assert "left-pad" not in table


def test_cap_and_count_of_the_rest(sample: ScanResult) -> None:
    base = sample.findings[0]
    many = tuple(
        msgspec.structs.replace(base, package=f"pkg-{i:03d}", suppressed=None) for i in range(80)
    )
    text = markdown.render(msgspec.structs.replace(sample, findings=many))
    rows = [line for line in text.splitlines() if line.startswith("| **critical**")]
    assert len(rows) == markdown.MAX_ROWS
    assert f"… and {80 - markdown.MAX_ROWS} more findings" in text
    assert len(text) < 65_536  # GitHub's comment limit


def test_cells_are_escaped(sample: ScanResult) -> None:
    evil = msgspec.structs.replace(
        sample.findings[0],
        package="a|b",
        remediation="<script>alert(1)</script> | pipe\nnew line",
        suppressed=None,
    )
    text = markdown.render(msgspec.structs.replace(sample, findings=(evil,)))
    row = next(line for line in text.splitlines() if "a\\|b" in line)
    assert "<script>" not in text
    assert "\\<script\\>" in row
    assert row.count("|") - row.count("\\|") == 7  # six cells


def test_clean() -> None:
    result = ScanResult(
        findings=(), errors=(), notes=(), stats=ScanStats(lockfiles_scanned=1, rules_loaded=2)
    )
    text = markdown.render(result)
    assert text.splitlines()[0] == "### gouvernante: CLEAN: no findings"
    assert "|" not in text
