"""Read many JSON scan reports: files, directories (``*.json``, ``*.jsonl`` recursively) or stdin.

A file or stdin may hold one report, a JSON array of reports, or one report per line (JSON
Lines). Each report is read with the types the scan wrote it from (``report.model.Report``).
Anything that is not such a report (another tool's JSON, a truncated file, a date out of range,
a value of the wrong kind) is one input issue naming the source and the JSON path, never fatal:
one broken upload must not hide the other teams' results, and never counts as clean.

Each document is read with the report's types first (msgspec): a document that is not a report is
refused where that reading stops, with no untyped tree built of it (bounded memory on hostile input:
decision 0114). Reports are deduplicated by content (a SHA-256 of the report as its types read it,
in a canonical form): the same report handed in twice, re-indented or not, counts once. Two
reports that share a ``scan.id`` but differ are both kept, and said so.
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
from gouvernante.fs.decode import json_problem, utf8_problem
from gouvernante.fs.jsonpath import Document, validation_problem
from gouvernante.fs.read import read_chosen_file, size_message
from gouvernante.fs.walk import find_files
from gouvernante.lazy import lazy_pattern
from gouvernante.model import DiffChange, FindingType, says_submodule_not_scanned
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
# The documents of one input that are not reports listed one by one at most (a file of 16 M
# lines of ``[]`` is one input with 16 M issues): the others are counted in one issue more.
MAX_ISSUES_PER_INPUT = 100

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
    # git submodules the scan did not read (``summary.submodules_not_scanned``, else its notes)
    submodules_not_scanned: int = 0

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


def digest(report: Report) -> str:
    """SHA-256 of a report as its types read it, written in one canonical form (keys sorted, no
    spaces): the same report re-indented, its keys in another order, or with keys this version
    does not read, has the same digest (the records made from it are the same)."""
    return hashlib.sha256(msgspec.json.encode(report, order="sorted")).hexdigest()


def to_records(data: bytes | memoryview, source: str) -> tuple[ReportRecord, ...] | InputIssue:
    """One JSON document -> its records (one per repository for ``-git`` and ``-inventory``
    reports, else one), or why it is not a report."""
    report = _report(data, source)
    if isinstance(report, InputIssue):
        return report
    return _records(report, source)


def to_record(data: bytes | memoryview, source: str) -> ReportRecord | InputIssue:
    """One JSON document -> a report record (the whole scan), or why it is not one."""
    report = _report(data, source)
    if isinstance(report, InputIssue):
        return report
    try:
        return _record(report, source, digest(report))
    except _Refused as exc:
        return InputIssue(source, exc.message)


def _records(report: Report, source: str) -> tuple[ReportRecord, ...] | InputIssue:
    try:
        return _per_repository(report, _record(report, source, digest(report)))
    except _Refused as exc:
        return InputIssue(source, exc.message)


# A report read with its types first (msgspec): a document that is not one is refused where the
# reading stops, with no value built for what it holds (an untyped reading of 48 MB of ``[],``
# took 1.2 GB). Only then is it asked why (``_not_a_report``).
_REPORT = msgspec.json.Decoder(Report)
_REPORTS = msgspec.json.Decoder(Report | list[Report])
_NOT_AN_OBJECT = "not a JSON object: not a gouvernante report"
_NOT_OURS = "not a gouvernante JSON report (no tool.name/schema_version)"


class _Head(msgspec.Struct, gc=False):
    """What says a JSON object is a gouvernante report, each left unread."""

    schema_version: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    tool: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET


class _ToolName(msgspec.Struct, gc=False):
    name: str | None = None


class _Item(msgspec.Struct, omit_defaults=True, gc=False):
    """An item of a JSON array of reports, its report's keys each left unread (``_array``);
    one without ``schema_version`` and ``tool`` is no report, and stops the reading."""

    schema_version: msgspec.Raw
    tool: msgspec.Raw
    scan: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    rules: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    findings: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    notes: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    errors: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    summary: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    suppressions: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    host_checks: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET


_HEAD = msgspec.json.Decoder(_Head)
_TOOL = msgspec.json.Decoder(_ToolName)
_ITEMS = msgspec.json.Decoder(list[_Item])


def _report(data: bytes | memoryview, source: str) -> Report | InputIssue:
    """One JSON document (valid JSON: the caller has read it) as a report, or why it is not."""
    try:
        return _REPORT.decode(data)
    except msgspec.ValidationError as exc:
        return InputIssue(source, _not_a_report(data) or _problem(exc, data))


def _problem(exc: msgspec.ValidationError, data: bytes | memoryview) -> str:
    path, reason = validation_problem(exc, Document.of_json(data, _REPORT.decode))
    return f"{path}: {reason}"


def _not_a_report(data: bytes | memoryview | memoryview) -> str | None:
    """Why a JSON document (which the report's types refused) is no gouvernante report of the
    version read here; None when it says it is one."""
    try:
        head = _HEAD.decode(data)
    except msgspec.ValidationError:
        return _NOT_AN_OBJECT
    if isinstance(head.tool, msgspec.UnsetType) or isinstance(
        head.schema_version, msgspec.UnsetType
    ):
        return _NOT_OURS
    try:
        named = _TOOL.decode(head.tool).name == TOOL_NAME
    except msgspec.ValidationError:
        named = False
    if not named:
        return _NOT_OURS
    try:
        supported = msgspec.json.decode(head.schema_version, type=str) == REPORT_SCHEMA_VERSION
    except msgspec.ValidationError:
        supported = False
    return None if supported else "unsupported report schema_version (this reads version 1)"


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
        submodules_not_scanned=max(
            report.summary.submodules_not_scanned,
            sum(says_submodule_not_scanned(n.message) for n in report.notes),
        ),
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
    # a submodule's note names it "repository:path" (decision 0151)
    owned_submodules: dict[str, int] = dict.fromkeys(refs, 0)
    rest_submodules = 0
    for note in report.notes:
        if says_submodule_not_scanned(note.message):
            owner = next((n for n in names if _within(note.path, n)), None)
            if owner is None:
                rest_submodules += 1
            else:
                owned_submodules[owner] += 1
    rest_submodules = max(
        rest_submodules, whole.submodules_not_scanned - sum(owned_submodules.values())
    )
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
                submodules_not_scanned=owned_submodules[repo],
            )
        )
    # Summary counts beyond the listed errors (a report that capped its list) stay with the scan.
    rest_errors += max(0, report.summary.errors - len(report.errors))
    if rest_findings or rest_errors or rest_submodules:
        findings, suppressed = _open_findings(rest_findings)
        verdict = (
            Verdict.FINDINGS if findings else (Verdict.ERROR if rest_errors else Verdict.CLEAN)
        )
        records.append(
            replace(
                whole,
                verdict=verdict,
                findings=tuple(findings),
                suppressed=suppressed,
                errors=rest_errors,
                files=(),
                submodules_not_scanned=rest_submodules,
            )
        )
    return tuple(records)


_BOM = b"\xef\xbb\xbf"
_BLANK = lazy_pattern(rb"\s*")
_FIRST = lazy_pattern(rb"\s*\[")
_OPENS_OBJECT = lazy_pattern(rb"\s*\{")
_RAW = msgspec.json.Decoder(msgspec.Raw)  # (reads the whole document, builds no value)


class _Object(msgspec.Struct, gc=False):
    """Any JSON object (its keys left unread)."""


_OBJECT = msgspec.json.Decoder(_Object)


class _Listed:
    """How many issues of one input are listed, and how many more are only counted."""

    __slots__ = ("listed", "unlisted")

    def __init__(self) -> None:
        self.listed = self.unlisted = 0

    def full(self) -> bool:
        return self.listed >= MAX_ISSUES_PER_INPUT


def _documents(
    data: bytes, source: str, said: _Listed
) -> Iterator[tuple[Report, str] | InputIssue]:
    """The reports of one input: a report, an array of reports, or JSON Lines, each with its
    source (``file[2]``, ``file:7``); an issue for each document that is not one. Once ``said``
    is full, a line that does not open a JSON object is only counted there (no reason worked
    out for each of 16 M lines of ``[]``).

    A document that does not parse as a whole is read as JSON Lines only when one of its lines
    is a JSON object by itself; otherwise (a pretty-printed report cut short) it is one issue.
    """
    if utf8_problem(data) is not None:
        yield InputIssue(source, json_problem(data).message())
        return
    skip = len(_BOM) if data.startswith(_BOM) else 0
    body = memoryview(data)[skip:]
    if _BLANK.fullmatch(body) is not None:
        yield InputIssue(source, "empty input")
        return
    try:
        value = _REPORTS.decode(body)
    except msgspec.ValidationError as exc:
        if _json(body):
            if _FIRST.match(body) is not None:
                yield from _array(body, source)
            else:
                yield InputIssue(source, _not_a_report(body) or _problem(exc, body))
            return
    except (msgspec.DecodeError, RecursionError):
        pass
    else:
        if isinstance(value, list):
            for i, report in enumerate(value):
                yield report, f"{source}[{i}]"
        else:
            yield value, source
        return
    if not any(_OPENS_OBJECT.match(line) and _is_object(line) for _, line in _lines(data, skip)):
        yield InputIssue(source, f"{json_problem(data).message()}; truncated or not JSON")
        return
    for lineno, line in _lines(data, skip):
        if said.full() and _OPENS_OBJECT.match(line) is None:
            said.unlisted += 1
            continue
        where = f"{source}:{lineno}"
        read = _line(line, where)
        yield read if isinstance(read, InputIssue) else (read, where)


def _json(data: memoryview) -> bool:
    try:
        _RAW.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return False
    return True


def _is_object(line: memoryview) -> bool:
    try:
        _OBJECT.decode(line)
    except (msgspec.DecodeError, RecursionError):  # (a ValidationError too: not an object)
        return False
    return True


def _lines(data: bytes, start: int) -> Iterator[tuple[int, memoryview]]:
    """The lines of ``data`` from ``start`` (after a byte-order mark) that are not blank,
    numbered from 1, each a slice (none copied: 16 M lines of ``[]`` are never 16 M strings)."""
    view = memoryview(data)
    end = len(data)
    lineno = 0
    while start < end:
        lineno += 1
        stop = data.find(b"\n", start)
        if stop < 0:
            stop = end
        line = view[start:stop]
        if _BLANK.fullmatch(line) is None:
            yield lineno, line
        start = stop + 1


def _line(line: memoryview, source: str) -> Report | InputIssue:
    try:
        return _REPORT.decode(line)
    except msgspec.ValidationError as exc:
        if _json(line):
            return InputIssue(source, _not_a_report(line) or _problem(exc, line))
    except (msgspec.DecodeError, RecursionError):
        pass
    problem = json_problem(line)
    where = f"column {problem.column}: " if problem.column is not None else ""
    return InputIssue(source, f"{where}{problem.reason}")


def _array(body: memoryview, source: str) -> Iterator[tuple[Report, str] | InputIssue]:
    """A JSON array not every item of which is a report: each item read by its report's keys
    (``_Item``), then as a report. An item that is no JSON object, or has no ``schema_version``
    or ``tool``, is no report: the array is said to be none, its items unread (each such item
    would cost an object of its own, 16 M of them in 48 MB of ``[],``)."""
    try:
        items = _ITEMS.decode(body)
    except msgspec.ValidationError as exc:
        path, reason = validation_problem(exc)
        said = _NOT_OURS if reason.startswith("required key") else _NOT_AN_OBJECT
        where = f"{source}{path}" if path.startswith("[") else source
        yield InputIssue(where, f"{said}: this array is not one of reports (none of it read)")
        return
    for i, item in enumerate(items):
        where = f"{source}[{i}]"
        read = _report(msgspec.json.encode(item), where)
        yield read if isinstance(read, InputIssue) else (read, where)


def _files_under(directory: str) -> list[str]:
    return find_files(directory, _SUFFIXES)


def _read(data: bytes, source: str) -> Iterator[tuple[ReportRecord, ...] | InputIssue]:
    """The records of each report of one input, and its issues (``MAX_ISSUES_PER_INPUT`` of
    them listed, the others counted in one more)."""
    said = _Listed()
    for item in _documents(data, source, said):
        records = item if isinstance(item, InputIssue) else _records(*item)
        if isinstance(records, InputIssue):
            if said.full():
                said.unlisted += 1
                continue
            said.listed += 1
        yield records
    if said.unlisted:
        yield InputIssue(
            source,
            f"{said.unlisted} more documents that are not reports (the first"
            f" {MAX_ISSUES_PER_INPUT} are listed)",
        )


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
        for records in _read(data, source):
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
                data = read_chosen_file(path, MAX_INPUT_BYTES)
            except GouvernanteError as exc:
                out.issues.append(InputIssue(path, exc.detail))
                continue
            take(data, path)
    return out
