"""The JSON report's types: one golden file per format, the committed JSON Schema, and a report
read back with the same types it was written from."""

from __future__ import annotations

import json
import os
from pathlib import Path

import msgspec
import pytest

from gouvernante.model import ScanResult
from gouvernante.report import (
    ReportFormat,
    cyclonedx,
    json_report,
    markdown,
    render,
    sarif,
    text,
)
from gouvernante.report.model import Report, report_schema

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
SCHEMA = ROOT / "docs" / "report.schema.json"
UPDATE = bool(os.environ.get("GOUVERNANTE_UPDATE_GOLDEN"))
GOLDEN = {
    ReportFormat.TEXT: "sample.txt",
    ReportFormat.JSON: "sample.json",
    ReportFormat.SARIF: "sample.sarif",
    ReportFormat.MARKDOWN: "sample.md",
    ReportFormat.CYCLONEDX: "sample.cdx.json",
}


@pytest.fixture(autouse=True)
def _golden_version(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (text, json_report, sarif, markdown, cyclonedx):
        monkeypatch.setattr(module, "__version__", "0.0.0-golden")


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_every_format_has_a_golden_report(sample: ScanResult, fmt: ReportFormat) -> None:
    got = render(sample, fmt)
    golden = HERE / "golden" / GOLDEN[fmt]
    if UPDATE:
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")


def test_committed_schema_is_the_generated_one() -> None:
    generated = json.dumps(report_schema(), indent=2, sort_keys=True) + "\n"
    if UPDATE:
        SCHEMA.write_text(generated, encoding="utf-8")
    assert SCHEMA.read_text(encoding="utf-8") == generated, (
        "docs/report.schema.json is stale: GOUVERNANTE_UPDATE_GOLDEN=1 pytest tests/report"
    )


def test_json_report_reads_back_with_the_types_it_was_written_from(sample: ScanResult) -> None:
    written = render(sample, ReportFormat.JSON)
    report = msgspec.json.decode(written.encode(), type=Report)
    again = json.dumps(msgspec.to_builtins(report), indent=2, ensure_ascii=False) + "\n"
    assert again == written
    assert report.summary.verdict == "findings"
    assert [f.rule_id for f in report.findings][:2] == ["HEUR-EXAMPLE-PATTERN", "TEST-2026-001"]


def test_json_report_satisfies_the_committed_schema(sample: ScanResult) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(render(sample, ReportFormat.JSON)), schema)
    old = json.loads((ROOT / "tests" / "collect" / "fixtures" / "report-0.1.0.json").read_text())
    jsonschema.validate(old, schema)


def test_a_report_of_gouvernante_0_1_0_still_reads() -> None:
    data = (ROOT / "tests" / "collect" / "fixtures" / "report-0.1.0.json").read_bytes()
    report = msgspec.json.decode(data, type=Report)
    assert report.tool.version == "0.1.0"
    assert report.scan.project is None
    assert all(r.checks is None for r in report.rules.loaded)
    assert report.host_checks is None
