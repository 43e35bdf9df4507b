"""An organisation's worth of JSON scan reports: 200 reports, 30 projects, 6 days, 3 rules.

The scenario (times UTC, April 2026; ``pNN`` = project NN):

* hosts: p00-p14 on ``ci-runner-1``, p15-p27 on ``ci-runner-2``, p28 on ``dev-alice`` and p29 on
  ``dev-bob`` (the two laptops scan with ``-host``);
* rules: R1 published 04-01 10:00, R2 04-02 09:00, R3 04-03 14:00; a report loads the rules
  published before it started;
* rounds (minute offsets by project number):
  A 04-01 10:10+i all 30 | B 04-02 09:30+3i all 30 | C 04-03 08:00+i all but p26, p27 (28)
  | D 04-03 14:20+i p00-p24 (25) | E 04-04 08:00+i all but p25-p27 (27) | F 04-05 08:00+i (27)
  | G 04-05 16:00+i (27) | H 04-06 08:00+i p00-p05 (6): 200 reports;
* R1: p00-p05 affected in A, clean from B; p06, p07 affected until D, clean from E; p08, p09
  affected throughout; dev-alice (p28) has R1's host indicator in every report;
* R2: p15, p16 affected in B, clean from C; p17 affected B and C, clean from D; p18, p19 affected
  throughout; p26 affected in B and never scanned again; dev-bob (p29) has R2's host indicator in
  B, C and E, clean from F;
* R3: p20 affected in D, clean from E; p21 affected D and E, clean from F;
* errors: p10 and p11 error in G (their latest report); p12 errors in C only;
* p13 carries a suppressed R1 finding in every report (not counted).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

R1, R2, R3 = "SSC-2026-101", "SSC-2026-102", "SSC-2026-103"
PUBLISHED = {
    R1: datetime(2026, 4, 1, 10, 0, tzinfo=UTC),
    R2: datetime(2026, 4, 2, 9, 0, tzinfo=UTC),
    R3: datetime(2026, 4, 3, 14, 0, tzinfo=UTC),
}
NOW = "2026-04-06T12:00:00Z"


def _t(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 4, day, hour, 0, tzinfo=UTC) + timedelta(minutes=minute)


ALL = list(range(30))
ROUNDS: list[tuple[str, Any, list[int]]] = [
    ("A", lambda i: _t(1, 10, 10 + i), ALL),
    ("B", lambda i: _t(2, 9, 30 + 3 * i), ALL),
    ("C", lambda i: _t(3, 8, i), [i for i in ALL if i not in (26, 27)]),
    ("D", lambda i: _t(3, 14, 20 + i), list(range(25))),
    ("E", lambda i: _t(4, 8, i), [i for i in ALL if i not in (25, 26, 27)]),
    ("F", lambda i: _t(5, 8, i), [i for i in ALL if i not in (25, 26, 27)]),
    ("G", lambda i: _t(5, 16, i), [i for i in ALL if i not in (25, 26, 27)]),
    ("H", lambda i: _t(6, 8, i), list(range(6))),
]
ORDER = "ABCDEFGH"


def host_of(i: int) -> str:
    if i < 15:
        return "ci-runner-1"
    if i < 28:
        return "ci-runner-2"
    return "dev-alice" if i == 28 else "dev-bob"


def root_of(i: int) -> str:
    if i == 28:
        return "/home/alice/src/webapp"
    if i == 29:
        return "/home/bob/src/api"
    return f"/srv/repos/project-{i:02d}"


def label(i: int) -> str:
    return f"{host_of(i)}:{root_of(i)}"


def _until(rnd: str, last: str) -> bool:
    return ORDER.index(rnd) <= ORDER.index(last)


def lockfile_hits(i: int, rnd: str) -> list[str]:
    hits = []
    if (i in range(6) and rnd == "A") or (i in (6, 7) and _until(rnd, "D")) or i in (8, 9):
        hits.append(R1)
    if (
        (i in (15, 16) and rnd == "B")
        or (i == 17 and rnd in "BC")
        or (i in (18, 19) and rnd != "A")
        or (i == 26 and rnd == "B")
    ):
        hits.append(R2)
    if (i == 20 and rnd == "D") or (i == 21 and rnd in "DE"):
        hits.append(R3)
    return hits


def host_hits(i: int, rnd: str) -> list[str]:
    if i == 28:
        return [R1]
    if i == 29 and rnd in "BCE":
        return [R2]
    return []


def errored(i: int, rnd: str) -> bool:
    return (i in (10, 11) and rnd == "G") or (i == 12 and rnd == "C")


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds").replace("+00:00", "Z")


def make_report(i: int, rnd: str, started: datetime) -> dict[str, Any]:
    loaded = [r for r in (R1, R2, R3) if PUBLISHED[r] <= started]
    findings: list[dict[str, Any]] = []
    for rid in lockfile_hits(i, rnd):
        findings.append(
            {
                "rule_id": rid,
                "rule_title": f"title of {rid}",
                "severity": "critical",
                "type": "package",
                "match": "version",
                "package": f"pkg-{rid[-3:]}",
                "version": "1.0.1",
                "lockfile": "package-lock.json",
                "line": 42,
                "description": "affected",
            }
        )
    for rid in host_hits(i, rnd):
        findings.append(
            {
                "rule_id": rid,
                "rule_title": f"title of {rid}",
                "severity": "critical",
                "type": "host_indicator",
                "match": "file",
                "path": "/tmp/.node-cache",
                "indicator": "file /tmp/.node-cache",
                "description": "file exists",
            }
        )
    if i == 13:
        findings.append(
            {
                "rule_id": R1,
                "rule_title": f"title of {R1}",
                "severity": "critical",
                "type": "package",
                "match": "version",
                "package": "pkg-101",
                "version": "1.0.1",
                "lockfile": "vendor/package-lock.json",
                "description": "affected",
                "suppressed": "vendored test fixture, never installed (until 2026-12-31)",
            }
        )
    errors = [{"path": "yarn.lock", "message": "truncated"}] if errored(i, rnd) else []
    open_count = sum(1 for f in findings if "suppressed" not in f)
    verdict = "findings" if open_count else ("error" if errors else "clean")
    report: dict[str, Any] = {
        "schema_version": "1",
        "tool": {"name": "gouvernante", "version": "0.1.0"},
        "scan": {
            "id": f"scan-{rnd}-{i:02d}",
            "started_at": _iso(started),
            "finished_at": _iso(started + timedelta(seconds=20)),
            "root": root_of(i),
            "host": host_of(i),
            "files": ["package-lock.json"],
        },
        "rules": {
            "builtin": False,
            "sources": ["rules"],
            "loaded": [
                {"id": r, "published_at": _iso(PUBLISHED[r]), "last_updated_at": _iso(PUBLISHED[r])}
                for r in loaded
            ],
        },
        "findings": findings,
        "notes": [],
        "errors": errors,
        "summary": {
            "verdict": verdict,
            "total_findings": open_count,
            "suppressed_findings": len(findings) - open_count,
            "lockfiles_scanned": 1,
            "packages_scanned": 100,
            "rules_loaded": len(loaded),
            "errors": len(errors),
            "elapsed_ms": 20,
            "by_severity": {"critical": open_count} if open_count else {},
        },
    }
    if i in (28, 29):
        report["host_checks"] = [
            {
                "rule_id": r,
                "indicator": "file /tmp/.node-cache",
                "type": "file",
                "outcome": "found" if r in host_hits(i, rnd) else "clean",
            }
            for r in loaded
        ]
    return report


def generate_reports() -> list[dict[str, Any]]:
    out = []
    for rnd, when, projects in ROUNDS:
        for i in projects:
            out.append(make_report(i, rnd, when(i)))
    return out


@dataclass(frozen=True)
class Org:
    directory: Path
    reports: list[dict[str, Any]]


@pytest.fixture
def org(tmp_path: Path) -> Org:
    """The 200 reports written the ways teams hand them in: one file each (nested folders),
    a JSON array file and a JSON Lines file."""
    reports = generate_reports()
    base = tmp_path / "reports"
    for rep in reports[:120]:
        host = rep["scan"]["host"]
        target = base / host / f"{rep['scan']['id']}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(rep, indent=2), encoding="utf-8")
    (base / "batch-array.json").write_text(json.dumps(reports[120:160]), encoding="utf-8")
    (base / "batch-lines.jsonl").write_text(
        "\n".join(json.dumps(r) for r in reports[160:]) + "\n", encoding="utf-8"
    )
    return Org(base, reports)


def expected_rules() -> dict[str, dict[str, Any]]:
    """The roll-up worked out by hand from the scenario in the module docstring."""
    return {
        R1: {
            "projects": {
                "affected": 3,
                "remediated": 8,
                "clean": 17,
                "not_scanned": 0,
                "errored": 2,
            },
            "hosts_affected": ["dev-alice"],
            "affected_projects": sorted([label(8), label(9), label(28)]),
            "remediated_projects": sorted(label(i) for i in range(8)),
            "errored_projects": sorted([label(10), label(11)]),
            "not_scanned_projects": [],
            "timeline": {
                "published_at": "2026-04-01T10:00:00Z",
                "first_scan_at": "2026-04-01T10:10:00Z",
                "org_wide_scan_at": "2026-04-01T10:39:00Z",
                "target_deadline": "2026-04-01T11:00:00Z",
                "org_wide_scan_target": "met",
                "minutes_to_first_scan": 10.0,
                "minutes_to_org_wide_scan": 39.0,
                "last_remediated_at": None,
                "remediation_status": "open",
            },
        },
        R2: {
            "projects": {
                "affected": 3,
                "remediated": 4,
                "clean": 21,
                "not_scanned": 0,
                "errored": 2,
            },
            "hosts_affected": [],
            "affected_projects": sorted([label(18), label(19), label(26)]),
            "remediated_projects": sorted([label(15), label(16), label(17), label(29)]),
            "errored_projects": sorted([label(10), label(11)]),
            "not_scanned_projects": [],
            "timeline": {
                "published_at": "2026-04-02T09:00:00Z",
                "first_scan_at": "2026-04-02T09:30:00Z",
                "org_wide_scan_at": "2026-04-02T10:57:00Z",
                "target_deadline": "2026-04-02T10:00:00Z",
                "org_wide_scan_target": "missed",
                "minutes_to_first_scan": 30.0,
                "minutes_to_org_wide_scan": 117.0,
                "last_remediated_at": None,
                "remediation_status": "open",
            },
        },
        R3: {
            "projects": {
                "affected": 0,
                "remediated": 2,
                "clean": 23,
                "not_scanned": 3,
                "errored": 2,
            },
            "hosts_affected": [],
            "affected_projects": [],
            "remediated_projects": sorted([label(20), label(21)]),
            "errored_projects": sorted([label(10), label(11)]),
            "not_scanned_projects": sorted([label(25), label(26), label(27)]),
            "timeline": {
                "published_at": "2026-04-03T14:00:00Z",
                "first_scan_at": "2026-04-03T14:20:00Z",
                "org_wide_scan_at": None,
                "target_deadline": "2026-04-03T15:00:00Z",
                "org_wide_scan_target": "missed",
                "minutes_to_first_scan": 20.0,
                "minutes_to_org_wide_scan": None,
                "last_remediated_at": "2026-04-05T08:21:00Z",
                "remediation_status": "complete",
            },
        },
    }


@pytest.fixture
def now() -> str:
    """The time the roll-up is evaluated at (``collect -now``)."""
    return NOW


@pytest.fixture
def expected() -> dict[str, dict[str, Any]]:
    return expected_rules()


@pytest.fixture
def labels() -> dict[int, str]:
    """Project number -> the project label the roll-up uses."""
    return {i: label(i) for i in ALL}
