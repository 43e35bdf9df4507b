"""The JSON report (``schema_version`` "1") as types: written by ``report.json_report``, read back
by ``collect``, and the source of ``docs/report.schema.json``.

One description for the writer and every reader. Fields a report written by gouvernante 0.1.0
always held are required; fields added since (``scan.project``, ``rules.loaded[].checks``) have
defaults, so older reports still read. Keys whose value is the default are omitted when written,
except in ``summary``, which always lists every count.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Final, Literal

import msgspec

from gouvernante.model import (
    CheckOutcome,
    DiffChange,
    Finding,
    FindingType,
    LockfileFormat,
    MatchKind,
    ScanIssue,
    ScanResult,
    Source,
    error_count,
    submodules_not_scanned,
)
from gouvernante.rules.model import Rule
from gouvernante.rules.ruleset import CHECKS_HOST, CHECKS_PACKAGES, rule_flags, rule_summaries
from gouvernante.vocab import Severity

REPORT_SCHEMA_VERSION: Final = "1"
TOOL_NAME: Final = "gouvernante"

Timestamp = Annotated[
    str,
    msgspec.Meta(
        description="RFC 3339 time, UTC, e.g. 2026-04-01T12:30:00Z",
        extra_json_schema={"format": "date-time"},
    ),
]


class Verdict(StrEnum):
    """A scan's outcome: ``findings`` beats ``error`` beats ``clean``."""

    CLEAN = "clean"
    ERROR = "error"
    FINDINGS = "findings"

    @property
    def rank(self) -> int:
        """Worse is higher: an exact tie between two scans resolves to the higher rank."""
        return _VERDICT_RANK[self]


_VERDICT_RANK = {Verdict.CLEAN: 0, Verdict.ERROR: 1, Verdict.FINDINGS: 2}


class RuleCheck(StrEnum):
    """What a rule can be checked by: ``packages`` (lockfiles, package.json, installs, caches)
    and/or ``host`` (host indicators, only with ``-host``)."""

    PACKAGES = "packages"
    HOST = "host"


class _Struct(msgspec.Struct, kw_only=True, omit_defaults=True, frozen=True, gc=False):
    """Report objects: keyword-only, defaults omitted when written, unknown keys ignored when
    read (a newer report may add keys within schema version 1). Acyclic, so not tracked by the
    cyclic GC (a report of a 100,000-rule scan holds 100,000 ``LoadedRule``)."""


class Tool(_Struct, kw_only=True, frozen=True):
    name: Literal["gouvernante"]
    version: str


class RefInfo(_Struct, kw_only=True, frozen=True):
    repository: str
    ref: str
    commit: str


class ScanInfo(_Struct, kw_only=True, frozen=True):
    id: str
    started_at: Timestamp
    finished_at: Timestamp
    root: str | None = None  # absolute directory, only for -dir scans
    # -dir: the root's path in the git work tree holding it ("." at its top, "web"), the same on
    # every runner that checked the repository out (``collect`` compares scans by it)
    repository_path: str | None = None
    # -dir: the ref checked out in that work tree ("refs/heads/main"; a CI job's ref when its
    # HEAD is detached); scans of different refs are different scopes in ``collect``
    repository_ref: str | None = None
    host: str
    files: list[str]
    project: str | None = None  # the project's identity (-project, CI repository, origin remote)
    # -git and -inventory: every ref read (a clean ref is a clean project in ``collect``)
    refs: list[RefInfo] = []


class LoadedRule(_Struct, kw_only=True, frozen=True):
    id: str
    published_at: Timestamp | None = None
    last_updated_at: Timestamp | None = None
    checks: list[RuleCheck] | None = None  # absent in reports before 0.2: unknown


class RuleSetFile(_Struct, kw_only=True, frozen=True):
    """One rule file the scan loaded: the path as given, the SHA-256 of its bytes, its counts."""

    path: str
    sha256: str
    rules: int
    packages: int  # package rules (one per package name)


class RulesInfo(_Struct, kw_only=True, frozen=True):
    builtin: bool
    sources: list[str]
    loaded: list[LoadedRule]
    # The user's rule files (not the bundled pack); absent in reports before 0.2.
    sets: list[RuleSetFile] = []


class Hash(_Struct, kw_only=True, frozen=True):
    algorithm: str
    expected: str
    matched: bool


class ReportFinding(_Struct, kw_only=True, frozen=True):
    rule_id: str
    rule_title: str
    severity: Severity
    type: FindingType
    match: MatchKind
    package: str | None = None
    version: str | None = None
    declared_range: str | None = None
    matched_expression: str | None = None
    source: Source | None = None
    resolved: str | None = None
    lockfile: str | None = None
    lockfile_format: LockfileFormat | None = None
    path: str | None = None
    line: int | None = None
    indicator: str | None = None
    confidence: str | None = None
    excerpt: str | None = None
    suppressed: str | None = None  # the reason of the suppression entry that matched
    review: bool = False  # a heuristic finding below high confidence: listed, not counted
    repository: str | None = None  # git sources: the repository, ref and commit of the finding
    ref: str | None = None
    commit: str | None = None
    image: str | None = None  # -image: the image and the layer (diff_id) that wrote the file
    layer: str | None = None
    introduced_commit: str | None = None  # -history: when the ref took the version in
    introduced_at: Timestamp | None = None
    removed_commit: str | None = None  # -history: when it left (past_package findings)
    removed_at: Timestamp | None = None
    in_compromise_window: bool | None = None
    change: DiffChange | None = None  # -diff: added or removed by the compared revision
    dependency_paths: list[list[str]] = []
    more_dependency_paths: int = 0
    # lockfile findings: true/false, or null when unknown (the lockfile does not record the
    # project's own dependencies and no package.json is beside it); absent for other findings
    direct: bool | msgspec.UnsetType | None = msgspec.UNSET
    install_scripts: list[str] = []
    hashes: list[Hash] = []
    description: str
    remediation: str | None = None


class Issue(_Struct, kw_only=True, frozen=True):
    path: str
    message: str


class HostCheckEntry(_Struct, kw_only=True, frozen=True):
    rule_id: str
    indicator: str
    type: str
    outcome: CheckOutcome
    reason: str | None = None


class Summary(msgspec.Struct, kw_only=True, frozen=True):
    """Every count is always written; counts added after 0.1.0 default to 0 when read."""

    verdict: Verdict
    total_findings: int = 0
    suppressed_findings: int = 0
    lockfiles_scanned: int = 0
    packages_scanned: int = 0
    rules_loaded: int = 0
    errors: int = 0
    elapsed_ms: int = 0
    installed_packages_scanned: int = 0
    cache_entries_scanned: int = 0
    by_severity: dict[str, int] = {}
    # -fail-on and the findings at or above it, which made the exit code 2: with findings only
    # below it, verdict "findings" and exit 0 (None: a report written before they were kept)
    fail_on: Severity | None = None
    failing_findings: int | None = None
    # git submodules no source read (their notes; decision 0151): a "clean" verdict with
    # some is clean but for them (the text verdict line says so; 0 in reports before it)
    submodules_not_scanned: int = 0


class Report(_Struct, kw_only=True, frozen=True):
    """One scan's JSON report."""

    schema_version: Literal["1"]
    tool: Tool
    scan: ScanInfo
    rules: RulesInfo
    findings: list[ReportFinding]
    notes: list[Issue]
    errors: list[Issue]
    summary: Summary
    suppressions: list[Issue] = []  # expired and stale suppression entries
    # Present (possibly empty) when the scan ran with -host; reports before 0.2 omitted it
    # when empty.
    host_checks: list[HostCheckEntry] | None = None


def report_finding(f: Finding) -> ReportFinding:
    return ReportFinding(
        rule_id=f.rule_id,
        rule_title=f.rule_title,
        severity=f.severity,
        type=f.type,
        match=f.match,
        package=f.package,
        version=f.version,
        declared_range=f.declared_range,
        matched_expression=f.matched_expression,
        source=f.source,
        resolved=f.resolved,
        lockfile=f.lockfile,
        lockfile_format=f.lockfile_format,
        path=f.path,
        line=f.line,
        indicator=f.indicator,
        confidence=f.confidence,
        excerpt=f.excerpt,
        suppressed=f.suppressed,
        review=f.review,
        repository=f.repository,
        ref=f.ref,
        commit=f.commit,
        image=f.image,
        layer=f.layer,
        introduced_commit=f.introduced_commit,
        introduced_at=f.introduced_at,
        removed_commit=f.removed_commit,
        removed_at=f.removed_at,
        in_compromise_window=f.in_compromise_window,
        change=f.change,
        dependency_paths=[list(p) for p in f.dependency_paths],
        more_dependency_paths=f.more_paths if f.dependency_paths else 0,
        direct=_direct(f),
        install_scripts=list(f.install_scripts),
        hashes=[
            Hash(algorithm=h.algorithm, expected=h.expected, matched=h.matched) for h in f.hashes
        ],
        description=f.description,
        remediation=f.remediation or None,
    )


def _direct(f: Finding) -> bool | msgspec.UnsetType | None:
    """Known, or null ("unknown") for a package resolved by a lockfile; absent otherwise."""
    if f.direct is not None:
        return f.direct
    if f.lockfile_format is not None and f.version is not None:
        return None
    return msgspec.UNSET


def rule_checks(rule: Rule) -> list[RuleCheck]:
    return _checks(rule_flags(rule))


def _checks(flags: int) -> list[RuleCheck]:
    checks: list[RuleCheck] = []
    if flags & CHECKS_PACKAGES:
        checks.append(RuleCheck.PACKAGES)
    if flags & CHECKS_HOST:
        checks.append(RuleCheck.HOST)
    return checks


def _loaded(rules: Sequence[Rule]) -> list[LoadedRule]:
    """``rules.loaded``: one entry per rule, with the four possible ``checks`` lists shared
    (a 100,000-rule feed builds 100,000 entries). Cached rules are listed from their cache
    entries' heads, without decoding them."""
    shared: dict[int, list[RuleCheck]] = {}
    out: list[LoadedRule] = []
    for rule_id, published_at, last_updated_at, flags in rule_summaries(rules):
        key = flags & (CHECKS_PACKAGES | CHECKS_HOST)
        checks = shared.get(key)
        if checks is None:
            checks = shared[key] = _checks(key)
        out.append(
            LoadedRule(
                id=rule_id,
                published_at=published_at,
                last_updated_at=last_updated_at,
                checks=checks,
            )
        )
    return out


def scan_verdict(result: ScanResult) -> Verdict:
    """``findings`` when an unsuppressed finding remains (suppressed ones do not count)."""
    if any(f.counted for f in result.findings):
        return Verdict.FINDINGS
    if result.errors:
        return Verdict.ERROR
    return Verdict.CLEAN


def _issues(items: tuple[ScanIssue, ...]) -> list[Issue]:
    return [Issue(path=i.path, message=i.message) for i in items]


def build_report(result: ScanResult, version: str) -> Report:
    stats = result.stats
    open_findings = [f for f in result.findings if f.counted]
    by_severity: dict[str, int] = {}
    for f in open_findings:
        by_severity[f.severity.value] = by_severity.get(f.severity.value, 0) + 1
    return Report(
        schema_version=REPORT_SCHEMA_VERSION,
        tool=Tool(name=TOOL_NAME, version=version),
        scan=ScanInfo(
            id=result.scan_id,
            started_at=result.started_at,
            finished_at=result.finished_at,
            root=result.scan_root,
            repository_path=result.repository_path,
            repository_ref=result.repository_ref,
            host=result.hostname,
            files=list(result.scanned_files),
            project=result.project
            or default_project(result.hostname, result.scan_root, result.scanned_files),
            refs=[
                RefInfo(repository=r.repository, ref=r.ref, commit=r.commit)
                for r in result.scanned_refs
            ],
        ),
        rules=RulesInfo(
            builtin=result.builtin_rules,
            sources=list(result.rule_sources),
            loaded=_loaded(result.rules),
            sets=[
                RuleSetFile(path=f.path, sha256=f.sha256, rules=f.rules, packages=f.packages)
                for f in result.rule_files
            ],
        ),
        findings=[report_finding(f) for f in result.findings],
        notes=_issues(result.notes),
        errors=_issues(result.errors),
        summary=Summary(
            verdict=scan_verdict(result),
            total_findings=len(open_findings),
            suppressed_findings=sum(f.suppressed is not None for f in result.findings),
            lockfiles_scanned=stats.lockfiles_scanned,
            packages_scanned=stats.packages_scanned,
            rules_loaded=stats.rules_loaded,
            errors=error_count(result.errors),
            elapsed_ms=stats.elapsed_ms,
            installed_packages_scanned=stats.installed_packages_scanned,
            cache_entries_scanned=stats.cache_entries_scanned,
            by_severity=by_severity,
            fail_on=result.fail_on,
            failing_findings=result.failing_findings,
            submodules_not_scanned=submodules_not_scanned(result.notes),
        ),
        suppressions=_issues(result.suppression_notes),
        host_checks=(
            [
                HostCheckEntry(
                    rule_id=c.rule_id,
                    indicator=c.indicator,
                    type=c.type,
                    outcome=c.outcome,
                    reason=c.reason,
                )
                for c in result.host_checks
            ]
            if result.host_scan or result.host_checks
            else None
        ),
    )


def report_schema() -> dict[str, object]:
    """The JSON Schema of the report (``docs/report.schema.json``)."""
    schema = msgspec.json.schema(Report)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "gouvernante JSON report, schema_version 1",
        **schema,
    }


def default_project(host: str, root: str | None, files: list[str] | tuple[str, ...]) -> str:
    """A project's identity when nothing better is known: the scan root on its host (for
    ``-lockfile`` scans, the first files). ``collect`` uses the same for reports that record no
    ``scan.project``, so a report written before that field and one written after group
    together."""
    return f"{host or '(unknown host)'}:{root_label(root, files)}"


def root_label(root: str | None, files: list[str] | tuple[str, ...]) -> str:
    """What a scan covered: its root folder, else (``-lockfile`` scans) its first files."""
    if root:
        return root
    return "lockfiles: " + ", ".join(files[:3]) if files else "(no root)"
