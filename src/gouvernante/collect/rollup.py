"""The organisation's status from many scan reports (runbook step 9, "close the loop").

A *project* is the identity a scan records (``scan.project``: ``-project``, the CI repository or
the ``origin`` remote), else its (host, scan root). For each rule, only the reports of a project
that checked the rule count ("relevant" reports): they loaded it, started at or after its
``published_at``, and could check it (a rule with only host indicators is checked by ``-host``
scans only); a report with a finding of the rule always counts. A later report supersedes an
earlier one only in the same *scope* (what both scanned: the scan root's path in its repository,
else the root, or the ``-lockfile`` files; the host too for ``-host`` scans; each ref of
``-git``/``-inventory``; ``load.scope_key``): in
each scope the latest relevant report (by ``finished_at``; an exact tie goes to the worse
outcome) decides, and the project's status for the rule is

* ``affected``: some scope's latest report has an unsuppressed finding of the rule;
* ``errored``: no scope affected, but some scope's latest report could not scan some input;
* ``remediated``: every scope clean now, and an earlier relevant report was affected;
* ``clean``: clean now, never affected;
* ``not_scanned``: no relevant report yet.

A *host* is affected by a rule when, for some scan root, its latest relevant ``-host`` report
there has a host-level finding of it (host indicator, installed or cached package).

The timeline per rule: published, first relevant scan, org-wide scan (every project scanned once:
the runbook's target is within 1 hour of publication), and the last remediation once no project
is affected any more.

The roll-up is typed (``Rollup``); every renderer (text, Markdown, HTML, JSON) reads the same
value, so the page shows the JSON's figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import msgspec

from gouvernante import __version__
from gouvernante.collect.load import (
    FindingRecord,
    InputIssue,
    ReportRecord,
    format_time,
    scope_key,
)
from gouvernante.report.model import RuleCheck, Verdict

ROLLUP_SCHEMA_VERSION = "1"
TARGET = timedelta(hours=1)


class ProjectStatus(StrEnum):
    AFFECTED = "affected"
    REMEDIATED = "remediated"
    CLEAN = "clean"
    NOT_SCANNED = "not_scanned"
    ERRORED = "errored"


STATUSES = tuple(s.value for s in ProjectStatus)


class Status(StrEnum):
    """The organisation's status: what ``collect`` exits with."""

    AFFECTED = "affected"
    INCOMPLETE = "incomplete"
    CLEAN = "clean"


class Target(StrEnum):
    MET = "met"
    MISSED = "missed"
    PENDING = "pending"
    UNKNOWN = "unknown"


class _Out(msgspec.Struct, kw_only=True, frozen=True):
    """Roll-up objects: every key always written (``null`` when unknown)."""


class Event(_Out, kw_only=True, frozen=True):
    at: str
    kind: str
    label: str


class Timeline(_Out, kw_only=True, frozen=True):
    published_at: str | None
    first_scan_at: str | None
    org_wide_scan_at: str | None
    target_deadline: str | None
    org_wide_scan_target: Target
    minutes_to_first_scan: float | None
    minutes_to_org_wide_scan: float | None
    last_remediated_at: str | None
    remediation_status: str  # open | complete | nothing to remediate
    events: list[Event]


class ProjectCounts(_Out, kw_only=True, frozen=True):
    affected: int
    remediated: int
    clean: int
    not_scanned: int
    errored: int


class RuleRollup(_Out, kw_only=True, frozen=True):
    id: str
    published_at: str | None
    projects: ProjectCounts
    hosts_affected: list[str]
    affected_projects: list[str]
    remediated_projects: list[str]
    errored_projects: list[str]
    not_scanned_projects: list[str]
    timeline: Timeline
    checks: list[RuleCheck] | None = None  # what the rule can be checked by, when known


class ProjectFinding(_Out, kw_only=True, frozen=True):
    rule_id: str
    severity: str
    type: str
    what: str
    where: str


class ProjectRollup(_Out, kw_only=True, frozen=True):
    label: str
    host: str
    root: str
    latest_verdict: str
    open_findings: int
    suppressed_findings: int
    errors: int
    last_scan_at: str | None
    last_scan_id: str
    reports: int
    affected_rules: list[str]
    findings: list[ProjectFinding]
    # git submodules its latest reports did not scan (decision 0151)
    submodules_not_scanned: int = 0


class Summary(_Out, kw_only=True, frozen=True):
    reports: int
    duplicate_reports: int
    input_errors: int
    projects: int
    hosts: int
    rules: int
    projects_affected_now: int
    hosts_affected_now: int
    first_report_at: str | None
    last_report_at: str | None
    status: Status
    # projects whose latest reports left git submodules unscanned: a "clean" status is clean
    # but for them (the status line says so; decision 0151)
    projects_with_submodules_not_scanned: int = 0


class Tool(_Out, kw_only=True, frozen=True):
    name: str
    version: str


class Problem(_Out, kw_only=True, frozen=True):
    source: str
    message: str


class Rollup(_Out, kw_only=True, frozen=True):
    schema_version: str
    kind: str
    tool: Tool
    generated_at: str | None
    summary: Summary
    rules: list[RuleRollup]
    projects: list[ProjectRollup]
    hosts_affected_now: list[str]
    projects_affected_now: list[str]
    input_errors: list[Problem]
    notices: list[Problem] = []  # e.g. two different reports with the same scan.id


def project_label(project: str) -> str:
    return project


_STATE_RANK = {ProjectStatus.CLEAN: 0, ProjectStatus.ERRORED: 1, ProjectStatus.AFFECTED: 2}


@dataclass(frozen=True)
class _State:
    report: ReportRecord
    status: ProjectStatus  # affected | clean | errored

    def order(self) -> tuple[datetime, int, str]:
        """Later first by ``finished_at``; an exact tie resolves to the worse outcome."""
        return (self.report.when, _STATE_RANK[self.status], self.report.digest)


def _scopes(rep: ReportRecord) -> tuple[str, ...]:
    """What the report scanned: its scopes, and those its findings name (never none)."""
    extra = [f.scope for f in rep.findings if f.scope is not None and f.scope not in rep.scopes]
    scopes = rep.scopes + tuple(dict.fromkeys(extra))
    return scopes or (scope_key("report", rep.host, rep.root),)


def _state(report: ReportRecord, rule_id: str) -> _State:
    if any(f.rule_id == rule_id for f in report.findings):
        return _State(report, ProjectStatus.AFFECTED)
    if report.errors or report.verdict == "error":
        return _State(report, ProjectStatus.ERRORED)
    return _State(report, ProjectStatus.CLEAN)


def _minutes(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round((later - earlier).total_seconds() / 60, 1)


@dataclass(frozen=True)
class _RuleInfo:
    published: datetime | None
    checks: frozenset[RuleCheck] | None  # None: no report says


def _rule_universe(reports: Sequence[ReportRecord]) -> dict[str, _RuleInfo]:
    """Every rule id seen (loaded or in findings) -> its published_at and what can check it
    (the latest report that says wins)."""
    published: dict[str, datetime | None] = {}
    checks: dict[str, frozenset[RuleCheck] | None] = {}
    for rep in sorted(reports, key=lambda r: (r.started_at, r.digest)):
        for rid, when in rep.rules.items():
            if when is not None or rid not in published:
                published[rid] = when
            said = rep.rule_checks.get(rid)
            if said is not None or rid not in checks:
                checks[rid] = said
        for f in rep.findings:
            published.setdefault(f.rule_id, None)
            checks.setdefault(f.rule_id, None)
    return {rid: _RuleInfo(published[rid], checks.get(rid)) for rid in published}


def _checked_by(rep: ReportRecord, checks: frozenset[RuleCheck] | None) -> bool:
    """Could this scan check a rule with these indicators? Unknown: as a package rule."""
    if checks is None or RuleCheck.PACKAGES in checks:
        return True
    return RuleCheck.HOST in checks and rep.host_scan


def _checks(rep: ReportRecord, rule_id: str, info: _RuleInfo) -> bool:
    """Did this report check the rule: loaded it, started after it was published, could?"""
    return (
        rule_id in rep.rules
        and (info.published is None or rep.started_at >= info.published)
        and _checked_by(rep, info.checks)
    )


def _relevant(rep: ReportRecord, rule_id: str, info: _RuleInfo) -> bool:
    """Does this report count for the rule: a finding of it, or it checked the rule?"""
    if any(f.rule_id == rule_id for f in rep.findings):
        # A finding always counts: the published_at another report states (any report, of any
        # project, may say a later one) never turns an affected project into "not scanned".
        return True
    return _checks(rep, rule_id, info)


def _project_status(
    relevant: Sequence[ReportRecord], rule_id: str, info: _RuleInfo
) -> tuple[ProjectStatus, datetime | None]:
    """A project's status for a rule, and when it was remediated (if it was).

    Each scope (what a report scanned: a folder, lockfiles, a host, a ref) is decided by its own
    latest report: a later report of another folder, ref or mode never supersedes it. Any
    affected scope makes the project affected, else any errored one errored; it is remediated
    when a scope was affected earlier and every scope is clean now.
    """
    per_scope: dict[str, list[_State]] = {}
    for rep in relevant:
        hit = {f.scope for f in rep.findings if f.rule_id == rule_id}
        checked = _checks(rep, rule_id, info)  # where it found nothing: did it check the rule?
        for scope in _scopes(rep):
            if None in hit or scope in hit:
                state = _State(rep, ProjectStatus.AFFECTED)
            elif checked:
                errored = rep.errors or rep.verdict == "error"
                state = _State(rep, ProjectStatus.ERRORED if errored else ProjectStatus.CLEAN)
            else:
                continue
            per_scope.setdefault(scope, []).append(state)
    latest_statuses: set[ProjectStatus] = set()
    fixed: list[datetime] = []
    for states in per_scope.values():
        states.sort(key=_State.order)
        latest_statuses.add(states[-1].status)
        if states[-1].status is not ProjectStatus.CLEAN:
            continue
        last_affected = max(
            (i for i, s in enumerate(states) if s.status is ProjectStatus.AFFECTED), default=None
        )
        if last_affected is not None:
            fix = next(s for s in states[last_affected + 1 :] if s.status is ProjectStatus.CLEAN)
            fixed.append(fix.report.started_at)
    for status in (ProjectStatus.AFFECTED, ProjectStatus.ERRORED):
        if status in latest_statuses:
            return status, None
    if fixed:
        return ProjectStatus.REMEDIATED, max(fixed)
    return ProjectStatus.CLEAN, None


def _rule_rollup(
    rule_id: str,
    info: _RuleInfo,
    by_project: dict[str, list[ReportRecord]],
    now: datetime,
) -> RuleRollup:
    published = info.published
    buckets: dict[ProjectStatus, list[str]] = {s: [] for s in ProjectStatus}
    first_scans: list[datetime] = []
    remediated_at: list[datetime] = []
    host_latest: dict[tuple[str, tuple[str, ...]], _State] = {}
    all_relevant: list[ReportRecord] = []
    for project, reports in by_project.items():
        relevant = [r for r in reports if _relevant(r, rule_id, info)]
        label = project_label(project)
        if not relevant:
            buckets[ProjectStatus.NOT_SCANNED].append(label)
            continue
        all_relevant.extend(relevant)
        first_scans.append(min(r.started_at for r in relevant))
        for s in sorted((_state(r, rule_id) for r in relevant), key=_State.order):
            if s.report.host_scan:  # per host and what it scanned there
                key = (s.report.host, _scopes(s.report))
                prev = host_latest.get(key)
                if prev is None or s.order() >= prev.order():
                    host_latest[key] = s
        status, fixed_at = _project_status(relevant, rule_id, info)
        buckets[status].append(label)
        if fixed_at is not None:
            remediated_at.append(fixed_at)
    hosts_affected = sorted(
        {
            host
            for (host, _), state in host_latest.items()
            if any(f.rule_id == rule_id and f.on_host for f in state.report.findings)
        }
    )
    first_scan = min((r.started_at for r in all_relevant), default=None)
    not_scanned = buckets[ProjectStatus.NOT_SCANNED]
    org_wide = max(first_scans) if first_scans and not not_scanned else None
    deadline = published + TARGET if published is not None else None
    if deadline is None:
        target = Target.UNKNOWN
    elif org_wide is not None:
        target = Target.MET if org_wide <= deadline else Target.MISSED
    else:
        target = Target.MISSED if now > deadline else Target.PENDING
    affected = buckets[ProjectStatus.AFFECTED]
    last_remediated = max(remediated_at) if remediated_at and not affected else None
    events: list[Event] = []
    for at, kind, text in (
        (published, "published", "rule published"),
        (deadline, "target", "target: org-wide scan within 1 hour"),
        (first_scan, "first_scan", "first scan"),
        (org_wide, "org_wide_scan", "every project scanned"),
        (last_remediated, "last_remediated", "last affected project remediated"),
    ):
        if at is not None:
            events.append(Event(at=format_time(at) or "", kind=kind, label=text))
    for at in sorted(remediated_at):
        events.append(Event(at=format_time(at) or "", kind="remediation", label="remediation"))
    events.sort(key=lambda e: (e.at, e.kind))
    return RuleRollup(
        id=rule_id,
        published_at=format_time(published),
        projects=ProjectCounts(**{s.value: len(buckets[s]) for s in ProjectStatus}),
        hosts_affected=hosts_affected,
        affected_projects=sorted(affected),
        remediated_projects=sorted(buckets[ProjectStatus.REMEDIATED]),
        errored_projects=sorted(buckets[ProjectStatus.ERRORED]),
        not_scanned_projects=sorted(not_scanned),
        timeline=Timeline(
            published_at=format_time(published),
            first_scan_at=format_time(first_scan),
            org_wide_scan_at=format_time(org_wide),
            target_deadline=format_time(deadline),
            org_wide_scan_target=target,
            minutes_to_first_scan=_minutes(first_scan, published),
            minutes_to_org_wide_scan=_minutes(org_wide, published),
            last_remediated_at=format_time(last_remediated),
            remediation_status=(
                "open" if affected else ("complete" if remediated_at else "nothing to remediate")
            ),
            events=events,
        ),
        checks=sorted(info.checks) if info.checks is not None else None,
    )


def _report_order(rep: ReportRecord) -> tuple[datetime, int, int, str]:
    """Later first by ``finished_at``; an exact tie resolves to the worse verdict."""
    return (rep.when, rep.verdict.rank, len(rep.findings), rep.digest)


def _project_rollup(
    project: str, reports: list[ReportRecord], rules: dict[str, set[str]]
) -> ProjectRollup:
    """The project's row: the latest report of each scope it was scanned in (a later scan of
    another folder, ref or mode never hides an earlier one's findings), the worst of them first."""
    latest_of: dict[str, ReportRecord] = {}
    for rep in reports:
        for scope in _scopes(rep):
            prev = latest_of.get(scope)
            if prev is None or _report_order(rep) >= _report_order(prev):
                latest_of[scope] = rep
    current = {id(r): r for r in latest_of.values()}.values()
    findings: list[FindingRecord] = [
        f
        for rep in current
        for f in rep.findings
        if f.scope is None or latest_of.get(f.scope) is rep
    ]
    verdict = (
        Verdict.FINDINGS if findings else max((r.verdict for r in current), key=lambda v: v.rank)
    )
    shown = max(current, key=lambda r: (r.verdict.rank, _report_order(r)))
    latest = max(reports, key=_report_order)
    label = project_label(project)
    affected = sorted(rid for rid, labels in rules.items() if label in labels)
    return ProjectRollup(
        label=label,
        host=shown.host,
        root=shown.root,
        latest_verdict=verdict.value,
        open_findings=len(findings),
        suppressed_findings=sum(r.suppressed for r in current),
        errors=sum(r.errors for r in current),
        last_scan_at=format_time(latest.started_at),
        last_scan_id=latest.scan_id,
        reports=len(reports),
        affected_rules=affected,
        submodules_not_scanned=sum(r.submodules_not_scanned for r in current),
        findings=[
            ProjectFinding(
                rule_id=f.rule_id,
                severity=f.severity,
                type=f.type.value,
                what=f.what,
                where=f.where,
            )
            for f in findings[:50]
        ],
    )


def rollup(
    reports: Sequence[ReportRecord],
    issues: Sequence[InputIssue] = (),
    *,
    now: datetime | None = None,
    duplicates: int = 0,
    notices: Sequence[InputIssue] = (),
) -> Rollup:
    when = now or datetime.now(UTC)
    by_project: dict[str, list[ReportRecord]] = {}
    for rep in sorted(reports, key=_report_order):
        by_project.setdefault(rep.project, []).append(rep)
    universe = _rule_universe(reports)
    rule_items = [
        _rule_rollup(rid, universe[rid], by_project, when)
        for rid in sorted(universe, key=lambda r: (format_time(universe[r].published) or "~", r))
    ]
    affected_sets = {r.id: set(r.affected_projects) for r in rule_items}
    projects = [_project_rollup(p, reps, affected_sets) for p, reps in sorted(by_project.items())]
    hosts = sorted({r.host for r in reports})
    hosts_ioc = sorted({h for r in rule_items for h in r.hosts_affected})
    affected_now = sorted({lbl for r in rule_items for lbl in r.affected_projects})
    times = [r.started_at for r in reports]
    if affected_now or hosts_ioc:
        status = Status.AFFECTED
    elif issues or any(r.projects.errored or r.projects.not_scanned for r in rule_items):
        status = Status.INCOMPLETE
    else:
        status = Status.CLEAN
    return Rollup(
        schema_version=ROLLUP_SCHEMA_VERSION,
        kind="gouvernante-collect",
        tool=Tool(name="gouvernante", version=__version__),
        generated_at=format_time(when),
        summary=Summary(
            reports=len(reports),
            duplicate_reports=duplicates,
            input_errors=len(issues),
            projects=len(by_project),
            hosts=len(hosts),
            rules=len(rule_items),
            projects_affected_now=len(affected_now),
            hosts_affected_now=len(hosts_ioc),
            first_report_at=format_time(min(times)) if times else None,
            last_report_at=format_time(max(times)) if times else None,
            status=status,
            projects_with_submodules_not_scanned=sum(
                p.submodules_not_scanned > 0 for p in projects
            ),
        ),
        rules=rule_items,
        projects=projects,
        hosts_affected_now=hosts_ioc,
        projects_affected_now=affected_now,
        input_errors=[Problem(source=i.source, message=i.message) for i in issues],
        notices=[Problem(source=i.source, message=i.message) for i in notices],
    )
