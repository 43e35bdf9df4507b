"""The organisation's status from many scan reports (runbook step 9, "close the loop").

A *project* is one (host, scan root). For each rule, only the reports of a project that loaded
the rule and started at or after its ``published_at`` say anything about it ("relevant" reports);
the latest relevant report decides the project's status for that rule:

* ``affected``: it has an unsuppressed finding of the rule;
* ``errored``: no finding of the rule, but some inputs could not be scanned;
* ``remediated``: clean now, and an earlier relevant report was affected;
* ``clean``: clean now, never affected;
* ``not_scanned``: no relevant report yet.

A *host* is affected by a rule when its latest relevant ``-host`` report has a host-level finding
of it (host indicator, installed or cached package). The timeline per rule: published, first
relevant scan, org-wide scan (every project scanned once: the runbook's target is within 1 hour of
publication), and the last remediation once no project is affected any more.

The roll-up is a plain JSON-ready dict: every renderer (text, Markdown, HTML) reads the same dict,
so the page shows the JSON's figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gouvernante import __version__
from gouvernante.collect.load import HOST_TYPES, InputIssue, ReportRecord, format_time

ROLLUP_SCHEMA_VERSION = "1"
TARGET = timedelta(hours=1)
STATUSES = ("affected", "remediated", "clean", "not_scanned", "errored")


def project_label(project: tuple[str, str]) -> str:
    host, root = project
    return f"{host}:{root}"


@dataclass(frozen=True)
class _State:
    report: ReportRecord
    status: str  # affected | clean | errored


def _state(report: ReportRecord, rule_id: str) -> _State:
    if any(f.rule_id == rule_id for f in report.findings):
        return _State(report, "affected")
    if report.errors or report.verdict == "error":
        return _State(report, "errored")
    return _State(report, "clean")


def _minutes(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round((later - earlier).total_seconds() / 60, 1)


def _rule_universe(reports: Sequence[ReportRecord]) -> dict[str, datetime | None]:
    """Every rule id seen (loaded or in findings) -> its published_at (latest report wins)."""
    rules: dict[str, datetime | None] = {}
    for rep in sorted(reports, key=lambda r: r.started_at):
        for rid, published in rep.rules.items():
            if published is not None or rid not in rules:
                rules[rid] = published
        for f in rep.findings:
            rules.setdefault(f.rule_id, None)
    return rules


def _relevant(rep: ReportRecord, rule_id: str, published: datetime | None) -> bool:
    loaded = rule_id in rep.rules or any(f.rule_id == rule_id for f in rep.findings)
    return loaded and (published is None or rep.started_at >= published)


def _rule_rollup(
    rule_id: str,
    published: datetime | None,
    by_project: dict[tuple[str, str], list[ReportRecord]],
    now: datetime,
) -> dict[str, Any]:
    buckets: dict[str, list[str]] = {s: [] for s in STATUSES}
    first_scans: list[datetime] = []
    remediated_at: list[datetime] = []
    host_latest: dict[str, ReportRecord] = {}
    all_relevant: list[ReportRecord] = []
    for project, reports in by_project.items():
        relevant = [r for r in reports if _relevant(r, rule_id, published)]
        label = project_label(project)
        if not relevant:
            buckets["not_scanned"].append(label)
            continue
        all_relevant.extend(relevant)
        first_scans.append(relevant[0].started_at)
        for r in relevant:
            if r.host_scan:
                prev = host_latest.get(r.host)
                if prev is None or r.started_at >= prev.started_at:
                    host_latest[r.host] = r
        states = [_state(r, rule_id) for r in relevant]
        latest = states[-1]
        if latest.status == "affected":
            buckets["affected"].append(label)
        elif latest.status == "errored":
            buckets["errored"].append(label)
        else:
            last_affected = max(
                (i for i, s in enumerate(states) if s.status == "affected"), default=None
            )
            if last_affected is None:
                buckets["clean"].append(label)
            else:
                buckets["remediated"].append(label)
                fixed = next(s for s in states[last_affected + 1 :] if s.status == "clean")
                remediated_at.append(fixed.report.started_at)
    hosts_affected = sorted(
        host
        for host, rep in host_latest.items()
        if any(f.rule_id == rule_id and f.type in HOST_TYPES for f in rep.findings)
    )
    first_scan = min((r.started_at for r in all_relevant), default=None)
    org_wide = max(first_scans) if first_scans and not buckets["not_scanned"] else None
    deadline = published + TARGET if published is not None else None
    if deadline is None:
        target = "unknown"
    elif org_wide is not None:
        target = "met" if org_wide <= deadline else "missed"
    else:
        target = "missed" if now > deadline else "pending"
    last_remediated = max(remediated_at) if remediated_at and not buckets["affected"] else None
    events: list[dict[str, Any]] = []
    for at, kind, label in (
        (published, "published", "rule published"),
        (deadline, "target", "target: org-wide scan within 1 hour"),
        (first_scan, "first_scan", "first scan"),
        (org_wide, "org_wide_scan", "every project scanned"),
        (last_remediated, "last_remediated", "last affected project remediated"),
    ):
        if at is not None:
            events.append({"at": format_time(at), "kind": kind, "label": label})
    for at in sorted(remediated_at):
        events.append({"at": format_time(at), "kind": "remediation", "label": "remediation"})
    events.sort(key=lambda e: (e["at"], e["kind"]))
    return {
        "id": rule_id,
        "published_at": format_time(published),
        "projects": {s: len(buckets[s]) for s in STATUSES},
        "hosts_affected": hosts_affected,
        "affected_projects": sorted(buckets["affected"]),
        "remediated_projects": sorted(buckets["remediated"]),
        "errored_projects": sorted(buckets["errored"]),
        "not_scanned_projects": sorted(buckets["not_scanned"]),
        "timeline": {
            "published_at": format_time(published),
            "first_scan_at": format_time(first_scan),
            "org_wide_scan_at": format_time(org_wide),
            "target_deadline": format_time(deadline),
            "org_wide_scan_target": target,
            "minutes_to_first_scan": _minutes(first_scan, published),
            "minutes_to_org_wide_scan": _minutes(org_wide, published),
            "last_remediated_at": format_time(last_remediated),
            "remediation_status": (
                "open"
                if buckets["affected"]
                else ("complete" if remediated_at else "nothing to remediate")
            ),
            "events": events,
        },
    }


def _project_rollup(
    project: tuple[str, str], reports: list[ReportRecord], rules: dict[str, set[str]]
) -> dict[str, Any]:
    latest = reports[-1]
    affected = sorted(rid for rid, labels in rules.items() if project_label(project) in labels)
    return {
        "label": project_label(project),
        "host": project[0],
        "root": project[1],
        "latest_verdict": latest.verdict,
        "open_findings": len(latest.findings),
        "suppressed_findings": latest.suppressed,
        "errors": latest.errors,
        "last_scan_at": format_time(latest.started_at),
        "last_scan_id": latest.scan_id,
        "reports": len(reports),
        "affected_rules": affected,
        "findings": [
            {
                "rule_id": f.rule_id,
                "severity": f.severity,
                "type": f.type,
                "what": f.what,
                "where": f.where,
            }
            for f in latest.findings[:50]
        ],
    }


def rollup(
    reports: Sequence[ReportRecord],
    issues: Sequence[InputIssue] = (),
    *,
    now: datetime | None = None,
    duplicates: int = 0,
) -> dict[str, Any]:
    when = now or datetime.now(UTC)
    by_project: dict[tuple[str, str], list[ReportRecord]] = {}
    for rep in sorted(reports, key=lambda r: (r.started_at, r.scan_id)):
        by_project.setdefault(rep.project, []).append(rep)
    universe = _rule_universe(reports)
    rule_items = [
        _rule_rollup(rid, universe[rid], by_project, when)
        for rid in sorted(universe, key=lambda r: (format_time(universe[r]) or "~", r))
    ]
    affected_sets = {r["id"]: set(r["affected_projects"]) for r in rule_items}
    projects = [
        _project_rollup(p, reps, affected_sets)
        for p, reps in sorted(by_project.items(), key=lambda kv: kv[0])
    ]
    hosts = sorted({p[0] for p in by_project})
    hosts_ioc = sorted({h for r in rule_items for h in r["hosts_affected"]})
    affected_now = sorted({lbl for r in rule_items for lbl in r["affected_projects"]})
    times = [r.started_at for r in reports]
    return {
        "schema_version": ROLLUP_SCHEMA_VERSION,
        "kind": "gouvernante-collect",
        "tool": {"name": "gouvernante", "version": __version__},
        "generated_at": format_time(when),
        "summary": {
            "reports": len(reports),
            "duplicate_reports": duplicates,
            "input_errors": len(issues),
            "projects": len(by_project),
            "hosts": len(hosts),
            "rules": len(rule_items),
            "projects_affected_now": len(affected_now),
            "hosts_affected_now": len(hosts_ioc),
            "first_report_at": format_time(min(times)) if times else None,
            "last_report_at": format_time(max(times)) if times else None,
            "status": (
                "affected"
                if affected_now or hosts_ioc
                else (
                    "incomplete"
                    if issues
                    or any(
                        r["projects"]["errored"] or r["projects"]["not_scanned"] for r in rule_items
                    )
                    else "clean"
                )
            ),
        },
        "rules": rule_items,
        "projects": projects,
        "hosts_affected_now": hosts_ioc,
        "projects_affected_now": affected_now,
        "input_errors": [{"source": i.source, "message": i.message} for i in issues],
    }
