"""``gouvernante collect``: the roll-up of 200 generated reports, inputs, exit codes, renderers."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gouvernante.cli import main as gouvernante_main
from gouvernante.cli.collect import run as collect_main


def _json(capsys: Any, args: list[str]) -> tuple[int, dict[str, Any]]:
    code = collect_main([*args, "-format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_rollup_of_200_reports_is_exactly_the_scenario(
    org: Any, now: str, expected: dict[str, dict[str, Any]], labels: dict[int, str], capsys: Any
) -> None:
    code, data = _json(capsys, [str(org.directory), "-now", now])
    assert code == 2
    assert data["kind"] == "gouvernante-collect"
    assert data["summary"] == {
        "reports": 200,
        "duplicate_reports": 0,
        "input_errors": 0,
        "projects": 30,
        "hosts": 4,
        "rules": 3,
        "projects_affected_now": 6,
        "hosts_affected_now": 1,
        "first_report_at": "2026-04-01T10:10:00Z",
        "last_report_at": "2026-04-06T08:05:00Z",
        "status": "affected",
        "projects_with_submodules_not_scanned": 0,
    }
    assert [r["id"] for r in data["rules"]] == list(expected)
    for rule in data["rules"]:
        want = expected[rule["id"]]
        timeline = dict(rule["timeline"])
        events = timeline.pop("events")
        got = {k: rule[k] for k in want if k != "timeline"}
        assert got == {k: v for k, v in want.items() if k != "timeline"}, rule["id"]
        assert timeline == want["timeline"], rule["id"]
        assert sum(rule["projects"].values()) == 30
        kinds = [e["kind"] for e in events]
        assert kinds.count("remediation") == rule["projects"]["remediated"]
        assert "published" in kinds and "first_scan" in kinds
    assert data["hosts_affected_now"] == ["dev-alice"]
    assert data["projects_affected_now"] == sorted(labels[i] for i in (8, 9, 18, 19, 26, 28))
    projects = {p["label"]: p for p in data["projects"]}
    assert len(projects) == 30
    assert projects[labels[0]] | {"findings": []} == {
        "label": labels[0],
        "host": "ci-runner-1",
        "root": "/srv/repos/project-00",
        "latest_verdict": "clean",
        "open_findings": 0,
        "suppressed_findings": 0,
        "errors": 0,
        "last_scan_at": "2026-04-06T08:00:00Z",
        "last_scan_id": "scan-H-00",
        "reports": 8,
        "affected_rules": [],
        "findings": [],
        "submodules_not_scanned": 0,
    }
    assert projects[labels[10]]["latest_verdict"] == "error"
    assert projects[labels[13]]["latest_verdict"] == "clean"
    assert projects[labels[13]]["suppressed_findings"] == 1
    assert projects[labels[26]]["last_scan_at"] == "2026-04-02T10:48:00Z"
    assert projects[labels[26]]["affected_rules"] == ["SSC-2026-102"]
    assert projects[labels[28]]["affected_rules"] == ["SSC-2026-101"]
    assert projects[labels[28]]["findings"][0]["type"] == "host_indicator"
    assert projects[labels[29]]["reports"] == 6


def test_collect_is_reachable_from_the_main_cli(org: Any, now: str, capsys: Any) -> None:
    code = gouvernante_main(["collect", str(org.directory), "-now", now])
    out = capsys.readouterr().out
    assert code == 2
    assert "AFFECTED: 6 project(s) and 1 host(s) affected now" in out
    assert "projects: 3 affected, 8 remediated, 17 clean, 0 not scanned, 2 errored" in out
    assert "(target 1 h: met)" in out


def test_stdin_json_lines_and_array(
    org: Any, now: str, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = "\n".join(json.dumps(r) for r in org.reports[:50]) + "\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(lines.encode())))
    _, data = _json(capsys, ["-", "-now", now])
    assert data["summary"]["reports"] == 50
    array = json.dumps(org.reports[:50])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(array.encode())))
    _, again = _json(capsys, ["-", "-now", now])
    assert again["rules"] == data["rules"]


def test_duplicates_are_counted_once(org: Any, now: str, capsys: Any, tmp_path: Path) -> None:
    copy = tmp_path / "copy.json"
    copy.write_text(json.dumps(org.reports[:10]))
    _, data = _json(capsys, [str(org.directory), str(copy), "-now", now])
    assert data["summary"]["reports"] == 200
    assert data["summary"]["duplicate_reports"] == 10


def test_bad_inputs_are_listed_not_fatal(org: Any, now: str, capsys: Any, tmp_path: Path) -> None:
    (tmp_path / "garbage.json").write_text("{not json\n" + json.dumps(org.reports[0]) + "\n")
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe{}")
    (tmp_path / "other.json").write_text('{"name": "some other tool"}')
    old = dict(org.reports[0])
    old["scan"] = {"files": []}
    (tmp_path / "old.json").write_text(json.dumps(old))
    clean = [r for r in org.reports if r["scan"]["id"] == "scan-H-00"]
    (tmp_path / "clean.json").write_text(json.dumps(clean))
    code, data = _json(
        capsys,
        [
            str(tmp_path / "garbage.json"),
            str(tmp_path / "binary.json"),
            str(tmp_path / "other.json"),
            str(tmp_path / "old.json"),
            str(tmp_path / "missing.json"),
            str(tmp_path / "clean.json"),
            "-now",
            now,
        ],
    )
    sources = sorted(e["source"].rsplit("/", 1)[-1] for e in data["input_errors"])
    assert sources == [
        "binary.json",
        "garbage.json:1",
        "missing.json",
        "old.json",
        "other.json",
    ]
    assert data["summary"]["reports"] == 2  # the good line of garbage.json, and clean.json
    assert data["summary"]["status"] == "incomplete"
    assert code == 1


def test_all_clean_exits_0(org: Any, capsys: Any, tmp_path: Path) -> None:
    clean = [
        r
        for r in org.reports
        if r["scan"]["id"].startswith("scan-H-") and r["scan"]["id"] != "scan-H-00"
    ]
    f = tmp_path / "clean.json"
    f.write_text(json.dumps(clean))
    code, data = _json(capsys, [str(f), "-now", "2026-04-06T12:00:00Z"])
    assert data["summary"]["status"] == "clean"
    assert code == 0


def test_target_is_pending_within_the_hour(org: Any, capsys: Any, tmp_path: Path) -> None:
    first = [r for r in org.reports if r["scan"]["id"] in ("scan-A-00", "scan-A-01")]
    f = tmp_path / "a.json"
    f.write_text(json.dumps(first))
    _, data = _json(capsys, [str(f), "-now", "2026-04-01T10:30:00Z"])
    timeline = data["rules"][0]["timeline"]
    assert timeline["org_wide_scan_at"] == "2026-04-01T10:11:00Z"  # both known projects
    assert timeline["org_wide_scan_target"] == "met"


def test_markdown_and_html_carry_the_figures(org: Any, now: str, capsys: Any) -> None:
    assert collect_main([str(org.directory), "-now", now, "-format", "markdown"]) == 2
    md = capsys.readouterr().out
    assert "| `SSC-2026-101` | 2026-04-01T10:00:00Z | 3 | 8 | 17 | 0 | 2 | dev-alice |" in md
    assert collect_main([str(org.directory), "-now", now, "-format", "html"]) == 2
    page = capsys.readouterr().out
    assert page.startswith("<!DOCTYPE html>")
    assert 'data-k="rules[SSC-2026-103].projects.not_scanned"' in page
    assert "Content-Security-Policy" in page


def test_usage_errors(capsys: Any) -> None:
    assert gouvernante_main(["collect"]) == 1
    assert gouvernante_main(["collect", "x", "-now", "yesterday"]) == 1
    assert "-now" in capsys.readouterr().err


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=25,
)


@given(_json_values, st.sampled_from(["scan", "rules", "findings", "summary", "errors"]))
@settings(max_examples=300, deadline=None)
def test_hostile_report_fields_never_crash_the_rollup(value: Any, key: str) -> None:
    from gouvernante.collect.load import ReportRecord, to_record
    from gouvernante.collect.render import render_json
    from gouvernante.collect.rollup import rollup

    doc: dict[str, Any] = {
        "schema_version": "1",
        "tool": {"name": "gouvernante"},
        "scan": {"id": "x", "started_at": "2026-04-01T10:00:00Z", "host": "h", "root": "/r"},
        key: value,
    }
    rec = to_record(json.dumps(doc).encode(), "f")
    data = rollup([rec] if isinstance(rec, ReportRecord) else [], now=None)
    json.loads(render_json(data))  # the roll-up is typed; its JSON form is plain JSON
