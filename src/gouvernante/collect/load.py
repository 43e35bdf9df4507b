"""Read many JSON scan reports: files, directories (``*.json``, ``*.jsonl`` recursively) or stdin.

A file or stdin may hold one report, a JSON array of reports, or one report per line (JSON
Lines). Each report is read with the types the scan wrote it from (``report.model.Report``).
Anything that is not such a report (another tool's JSON, a truncated file, a date out of range,
a value of the wrong kind) is one input issue naming the source and the JSON path, never fatal:
one broken upload must not hide the other teams' results, and never counts as clean.

Reports are deduplicated by content (a SHA-256 of the canonical document): the same report handed
in twice counts once. Two reports that share a ``scan.id`` but differ are both kept, and said so.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import BinaryIO

import msgspec

from gouvernante.errors import GouvernanteError
from gouvernante.fs.decode import json_problem
from gouvernante.fs.jsonpath import Document, validation_problem
from gouvernante.fs.read import read_regular_file, size_message
from gouvernante.fs.walk import find_files
from gouvernante.model import DiffChange, FindingType
from gouvernante.report.model import (
    REPORT_SCHEMA_VERSION,
    TOOL_NAME,
    Report,
    ReportFinding,
    RuleCheck,
    Verdict,
    default_project,
    root_label,
)

MAX_INPUT_BYTES = 256 * 1024 * 1024
HOST_TYPES = frozenset({FindingType.HOST_INDICATOR, FindingType.INSTALLED, FindingType.CACHED})
_SUFFIXES = (".json", ".jsonl", ".ndjson")

# Times a roll-up can compute with (a target one hour later, minutes between two times).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?"
    r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})?"
)


@dataclass(frozen=True, slots=True)
class InputIssue:
    source: str
    message: str


@dataclass(frozen=True, slots=True)
class FindingRecord:
    rule_id: str
    severity: str
    type: FindingType
    what: str
    where: str
    in_repository: bool = False  # from -git/-inventory: a file in a repository, not on a host
    # the scope (``scope_key``) it was found in when narrower than its report's: the ref of a
    # -git/-inventory finding; None: every scope of its report
    scope: str | None = None

    @property
    def on_host(self) -> bool:
        """Found on the scanning host itself (installs, caches, host indicators)."""
        return self.type in HOST_TYPES and not self.in_repository


@dataclass(frozen=True)
class ReportRecord:
    """What the roll-up needs from one JSON report."""

    source: str
    scan_id: str
    started_at: datetime
    host: str
    root: str
    verdict: Verdict
    rules: dict[str, datetime | None]  # loaded rule id -> published_at
    findings: tuple[FindingRecord, ...]  # unsuppressed
    suppressed: int
    errors: int
    host_scan: bool  # ran with -host (has host_checks or host findings)
    project: str
    digest: str = ""  # SHA-256 of the canonical document
    tool_version: str = ""
    finished_at: datetime | None = None
    files: tuple[str, ...] = field(default=())
    # loaded rule id -> what the rule can be checked by (None: the report does not say)
    rule_checks: dict[str, frozenset[RuleCheck] | None] = field(default_factory=dict)
    # what was scanned (``scope_key``): a later report supersedes an earlier one of its project
    # only for the scopes both cover (one per ref for -git/-inventory, else one)
    scopes: tuple[str, ...] = ()

    @property
    def when(self) -> datetime:
        """When the scan's result was known: ``finished_at``, else ``started_at``."""
        return self.finished_at or self.started_at


def scope_key(*parts: str) -> str:
    """One thing a report scanned, as a comparable key: ``("root", ROOT)`` for a folder,
    ``("files", ...)`` for ``-lockfile`` files, ``("host", HOST, ROOT)`` for a ``-host`` scan (it
    answers for that machine), ``("ref", REPOSITORY, REF)`` for each ref of ``-git`` and
    ``-inventory``."""
    return json.dumps(parts, ensure_ascii=True)


def _scope(
    host_scan: bool,
    host: str,
    root: str | None,
    files: tuple[str, ...],
    in_repo: str | None,
    *,
    ref: str | None,
) -> str:
    """``in_repo``: the root's path in its repository (``scan.repository_path``), which every
    runner checking the project out shares wherever it puts it; else the root itself. ``ref``:
    the ref checked out there (``scan.repository_ref``): each ref is a scope of its own."""
    if host_scan:
        return scope_key("host", host, root or "", *([] if root else sorted(files)))
    if root and in_repo is not None:
        if ref is not None:
            return scope_key("repository-path", in_repo, ref)
        return scope_key("repository-path", in_repo)
    if root:
        return scope_key("root", root)
    return scope_key("files", *sorted(files))


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 timestamp as an aware UTC datetime between 1970 and 9999 (naive ones are
    taken as UTC); None for anything else."""
    if not isinstance(value, str) or _RFC3339.fullmatch(value) is None:
        return None
    text = value
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        dt = dt.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return dt if EARLIEST <= dt < LATEST else None


def format_time(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _time(value: str, path: str) -> datetime:
    parsed = parse_time(value)
    if parsed is None:
        raise _Refused(f"{path}: not an RFC 3339 time between 1970 and 9999")
    return parsed


def _finding(f: ReportFinding) -> FindingRecord:
    package = f.package or ""
    what = f"{package}@{f.version}" if package and f.version else package
    what = what or f.indicator or f.path or ""
    where = f.lockfile or f.path or ""
    if where and f.line is not None and f.lockfile:
        where = f"{where}:{f.line}"
    if f.repository is not None:
        where = f"{f.repository}@{f.ref or '?'}:{where}"
    elif f.image is not None:  # -image: a file in an image, not on a host
        where = f"{f.image}:{where}"
    return FindingRecord(
        rule_id=f.rule_id,
        severity=f.severity.value,
        type=f.type,
        what=what,
        where=where,
        in_repository=f.repository is not None or f.image is not None,
        scope=None if f.repository is None else scope_key("ref", f.repository, f.ref or ""),
    )


def digest(doc: object) -> str:
    """SHA-256 of a decoded JSON document in a canonical form (sorted keys, no spaces)."""
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def to_records(doc: object, source: str) -> tuple[ReportRecord, ...] | InputIssue:
    """One parsed JSON document -> its records (one per repository for ``-git`` and
    ``-inventory`` reports, else one), or why it is not a report."""
    report = _report(doc, source)
    if isinstance(report, InputIssue):
        return report
    try:
        return _per_repository(report, _record(report, source, digest(doc)))
    except _Refused as exc:
        return InputIssue(source, exc.message)


def to_record(doc: object, source: str) -> ReportRecord | InputIssue:
    """One parsed JSON document -> a report record (the whole scan), or why it is not one."""
    report = _report(doc, source)
    if isinstance(report, InputIssue):
        return report
    try:
        return _record(report, source, digest(doc))
    except _Refused as exc:
        return InputIssue(source, exc.message)


def _report(doc: object, source: str) -> Report | InputIssue:
    if not isinstance(doc, dict):
        return InputIssue(source, "not a JSON object: not a gouvernante report")
    tool = doc.get("tool")
    if not isinstance(tool, dict) or tool.get("name") != TOOL_NAME or "schema_version" not in doc:
        return InputIssue(source, "not a gouvernante JSON report (no tool.name/schema_version)")
    if doc.get("schema_version") != REPORT_SCHEMA_VERSION:
        return InputIssue(source, "unsupported report schema_version (this reads version 1)")
    try:
        report = msgspec.convert(doc, Report)
    except msgspec.ValidationError as exc:
        path, reason = validation_problem(exc, Document.of_tree(doc, Report))
        return InputIssue(source, f"{path}: {reason}")
    return report


def _record(report: Report, source: str, content: str) -> ReportRecord:
    scan = report.scan
    started = _time(scan.started_at, "scan.started_at")
    finished = _time(scan.finished_at, "scan.finished_at")
    loaded: dict[str, datetime | None] = {}
    checks: dict[str, frozenset[RuleCheck] | None] = {}
    for i, entry in enumerate(report.rules.loaded):
        where = f"rules.loaded[{i}]"
        published = entry.published_at
        loaded[entry.id] = None if published is None else _time(published, f"{where}.published_at")
        if entry.last_updated_at is not None:
            _time(entry.last_updated_at, f"{where}.last_updated_at")
        checks[entry.id] = None if entry.checks is None else frozenset(entry.checks)
    findings, suppressed = _open_findings(report.findings)
    errors = max(len(report.errors), report.summary.errors)
    # The stated verdict never hides what the report lists.
    computed = Verdict.FINDINGS if findings else (Verdict.ERROR if errors else Verdict.CLEAN)
    verdict = max(report.summary.verdict, computed, key=lambda v: v.rank)
    files = tuple(scan.files)
    root = root_label(scan.root, files)
    host = scan.host or "(unknown host)"
    host_scan = report.host_checks is not None or any(f.on_host for f in findings)
    return ReportRecord(
        source=source,
        scan_id=scan.id or f"{source}@{format_time(started)}",
        started_at=started,
        finished_at=finished,
        host=host,
        root=root,
        verdict=verdict,
        rules=loaded,
        findings=tuple(findings),
        suppressed=suppressed,
        errors=errors,
        host_scan=host_scan,
        project=scan.project or default_project(scan.host, scan.root, files),
        digest=content,
        tool_version=report.tool.version,
        files=files,
        rule_checks=checks,
        scopes=(
            _scope(
                host_scan, host, scan.root, files, scan.repository_path, ref=scan.repository_ref
            ),
        ),
    )


def _open_findings(found: Iterable[ReportFinding]) -> tuple[list[FindingRecord], int]:
    """The counted findings (suppressed and heuristic review items left out), and how many were
    suppressed."""
    findings: list[FindingRecord] = []
    suppressed = 0
    for f in found:
        if f.suppressed is not None:
            suppressed += 1
        elif not f.review and f.change is not DiffChange.REMOVED:
            # heuristic review items and what a -diff's compared revision takes out are listed
            # by the scan, never counted
            findings.append(_finding(f))
    return findings, suppressed


def _within(path: str, repository: str) -> bool:
    return path == repository or (path.startswith(repository) and path[len(repository)] in "@:/ ")


def _per_repository(report: Report, whole: ReportRecord) -> tuple[ReportRecord, ...]:
    """A ``-git`` or ``-inventory`` report as one project per repository it read.

    An organisation-wide scan answers for every repository, clean ones included: each becomes
    its own project, with its own findings and errors (an error's path starts with the
    repository). What belongs to no repository read (an unreadable path, a rule problem) stays
    with the scan's own project, so it is never dropped.
    """
    refs: dict[str, list[str]] = {}
    ref_scopes: dict[str, list[str]] = {}
    for r in report.scan.refs:
        refs.setdefault(r.repository, []).append(f"{r.repository}@{r.ref} ({r.commit[:12]})")
        ref_scopes.setdefault(r.repository, []).append(scope_key("ref", r.repository, r.ref))
    if not refs:
        return (whole,)
    owned_findings: dict[str, list[ReportFinding]] = {repo: [] for repo in refs}
    rest_findings: list[ReportFinding] = []
    for f in report.findings:
        owned_findings.get(f.repository or "", rest_findings).append(f)
    # Longest name first, so a repository whose name extends another's gets its own errors.
    names = sorted(refs, key=len, reverse=True)
    owned_errors: dict[str, int] = dict.fromkeys(refs, 0)
    rest_errors = 0
    for issue in report.errors:
        owner = next((n for n in names if _within(issue.path, n)), None)
        if owner is None:
            rest_errors += 1
        else:
            owned_errors[owner] += 1
    records: list[ReportRecord] = []
    for repo, shown in refs.items():
        findings, suppressed = _open_findings(owned_findings[repo])
        scopes = dict.fromkeys(ref_scopes[repo])
        scopes.update(dict.fromkeys(f.scope for f in findings if f.scope is not None))
        errors = owned_errors[repo]
        verdict = Verdict.FINDINGS if findings else (Verdict.ERROR if errors else Verdict.CLEAN)
        records.append(
            replace(
                whole,
                scan_id=f"{whole.scan_id}#{repo}",
                verdict=verdict,
                findings=tuple(findings),
                suppressed=suppressed,
                errors=errors,
                host_scan=False,
                project=repo,
                files=tuple(shown),
                scopes=tuple(scopes),
            )
        )
    # Summary counts beyond the listed errors (a report that capped its list) stay with the scan.
    rest_errors += max(0, report.summary.errors - len(report.errors))
    if rest_findings or rest_errors:
        findings, suppressed = _open_findings(rest_findings)
        verdict = Verdict.FINDINGS if findings else Verdict.ERROR
        records.append(
            replace(
                whole,
                verdict=verdict,
                findings=tuple(findings),
                suppressed=suppressed,
                errors=rest_errors,
                files=(),
            )
        )
    return tuple(records)


def _documents(data: bytes, source: str) -> Iterator[tuple[object, str] | InputIssue]:
    """The JSON documents of one input: a report, an array of reports, or JSON Lines.

    A document that does not parse as a whole is read as JSON Lines only when one of its lines
    is a JSON object by itself; otherwise (a pretty-printed report cut short) it is one issue.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        yield InputIssue(source, json_problem(data).message())
        return
    if not text.strip():
        yield InputIssue(source, "empty input")
        return
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        problem = json_problem(data).message()
    except (RecursionError, ValueError):
        yield InputIssue(source, json_problem(data).message())
        return
    else:
        if isinstance(doc, list):
            for i, item in enumerate(doc):
                yield item, f"{source}[{i}]"
        else:
            yield doc, source
        return
    parsed: list[tuple[int, object | InputIssue]] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.strip():
            parsed.append((lineno, _line(line, f"{source}:{lineno}")))
    if not any(isinstance(value, dict) for _, value in parsed):
        yield InputIssue(source, f"{problem}; truncated or not JSON")
        return
    for lineno, value in parsed:
        yield value if isinstance(value, InputIssue) else (value, f"{source}:{lineno}")


def _line(line: str, source: str) -> object | InputIssue:
    try:
        value: object = json.loads(line)
    except json.JSONDecodeError as exc:
        return InputIssue(source, f"invalid JSON (column {exc.colno}): {exc.msg}")
    except (RecursionError, ValueError):
        return InputIssue(source, "invalid JSON: nested too deeply or a number out of range")
    return value


def _files_under(directory: str) -> list[str]:
    return find_files(directory, _SUFFIXES)


@dataclass
class Loaded:
    reports: list[ReportRecord] = field(default_factory=list)
    issues: list[InputIssue] = field(default_factory=list)
    duplicates: int = 0  # the same report (same content) seen again
    # reports kept although another report has the same scan.id with other content
    conflicts: list[InputIssue] = field(default_factory=list)


def load_reports(inputs: Iterable[str], stdin: BinaryIO | None = None) -> Loaded:
    """Read every input (``-`` = stdin); keep one report of each content."""
    out = Loaded()
    seen: set[str] = set()
    by_id: dict[str, ReportRecord] = {}

    def take(data: bytes, source: str) -> None:
        for item in _documents(data, source):
            if isinstance(item, InputIssue):
                out.issues.append(item)
                continue
            records = to_records(*item)
            if isinstance(records, InputIssue):
                out.issues.append(records)
                continue
            rec = records[0]
            if rec.digest in seen:
                out.duplicates += 1
                continue
            seen.add(rec.digest)
            first = by_id.setdefault(rec.scan_id, rec)
            if first is not rec:
                out.conflicts.append(
                    InputIssue(
                        rec.source,
                        f"same scan.id as {first.source} but different content: both kept",
                    )
                )
            out.reports.extend(records)

    for inp in inputs:
        if inp == "-":
            if stdin is None:
                out.issues.append(InputIssue("-", "no standard input"))
                continue
            data = stdin.read(MAX_INPUT_BYTES + 1)
            if len(data) > MAX_INPUT_BYTES:
                out.issues.append(InputIssue("<stdin>", size_message(len(data), MAX_INPUT_BYTES)))
                continue
            take(data, "<stdin>")
            continue
        if os.path.isdir(inp):
            paths = _files_under(inp)
            if not paths:
                out.issues.append(InputIssue(inp, "no *.json report in this directory"))
        else:
            paths = [inp]
        for path in paths:
            try:
                data = read_regular_file(path, MAX_INPUT_BYTES)
            except GouvernanteError as exc:
                out.issues.append(InputIssue(path, exc.detail))
                continue
            take(data, path)
    return out
