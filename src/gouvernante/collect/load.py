"""Read many JSON scan reports: files, directories (``*.json``, ``*.jsonl`` recursively) or stdin.

A file or stdin may hold one report, a JSON array of reports, or one report per line (JSON
Lines). Anything that is not a gouvernante JSON report (schema version 1, with ``scan.started_at``)
is listed as an input issue, never fatal: one broken upload must not hide the other teams'
results. Reports are deduplicated by ``scan.id``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO

from gouvernante.errors import GouvernanteError
from gouvernante.fs.read import read_regular_file
from gouvernante.fs.walk import find_files

MAX_INPUT_BYTES = 256 * 1024 * 1024
HOST_TYPES = frozenset({"host_indicator", "installed_package", "cached_package"})
_SUFFIXES = (".json", ".jsonl", ".ndjson")


@dataclass(frozen=True, slots=True)
class InputIssue:
    source: str
    message: str


@dataclass(frozen=True, slots=True)
class FindingRecord:
    rule_id: str
    severity: str
    type: str
    what: str
    where: str


@dataclass(frozen=True)
class ReportRecord:
    """What the roll-up needs from one JSON report."""

    source: str
    scan_id: str
    started_at: datetime
    host: str
    root: str
    verdict: str  # clean | findings | error
    rules: dict[str, datetime | None]  # loaded rule id -> published_at
    findings: tuple[FindingRecord, ...]  # unsuppressed
    suppressed: int
    errors: int
    host_scan: bool  # ran with -host (has host_checks or host findings)
    tool_version: str = ""
    finished_at: datetime | None = None
    files: tuple[str, ...] = field(default=())

    @property
    def project(self) -> tuple[str, str]:
        return (self.host, self.root)


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 timestamp as an aware UTC datetime (naive ones are taken as UTC)."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def format_time(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _str(value: object, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _finding(raw: dict[str, Any]) -> FindingRecord:
    package = _str(raw.get("package"))
    version = _str(raw.get("version"))
    what = f"{package}@{version}" if package and version else package
    what = what or _str(raw.get("indicator")) or _str(raw.get("path"))
    where = _str(raw.get("lockfile")) or _str(raw.get("path"))
    line = raw.get("line")
    if where and isinstance(line, int) and not isinstance(line, bool) and raw.get("lockfile"):
        where = f"{where}:{line}"
    return FindingRecord(
        rule_id=_str(raw.get("rule_id"), "?"),
        severity=_str(raw.get("severity"), "low"),
        type=_str(raw.get("type"), "package"),
        what=what,
        where=where,
    )


def to_record(doc: object, source: str) -> ReportRecord | InputIssue:
    """One parsed JSON document -> a report record, or why it is not one."""
    if not isinstance(doc, dict):
        return InputIssue(source, "not a JSON object: not a gouvernante report")
    tool = _dict(doc.get("tool"))
    if tool.get("name") != "gouvernante" or "schema_version" not in doc:
        return InputIssue(source, "not a gouvernante JSON report (no tool.name/schema_version)")
    if doc.get("schema_version") != "1":
        return InputIssue(
            source, f"unsupported report schema_version {doc.get('schema_version')!r}"
        )
    scan = _dict(doc.get("scan"))
    started = parse_time(scan.get("started_at"))
    if started is None:
        return InputIssue(
            source, "no scan.started_at: made by an older gouvernante, cannot be placed in time"
        )
    rules_block = _dict(doc.get("rules"))
    loaded: dict[str, datetime | None] = {}
    for entry in _list(rules_block.get("loaded")):
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            loaded[entry["id"]] = parse_time(entry.get("published_at"))
    findings: list[FindingRecord] = []
    suppressed = 0
    host_findings = False
    for raw in _list(doc.get("findings")):
        if not isinstance(raw, dict):
            continue
        if raw.get("suppressed"):
            suppressed += 1
            continue
        rec = _finding(raw)
        host_findings = host_findings or rec.type in HOST_TYPES
        findings.append(rec)
    errors = len(_list(doc.get("errors")))
    summary = _dict(doc.get("summary"))
    verdict = _str(summary.get("verdict"))
    if verdict not in {"clean", "findings", "error"}:
        verdict = "findings" if findings else ("error" if errors else "clean")
    root = _str(scan.get("root"))
    files = tuple(f for f in _list(scan.get("files")) if isinstance(f, str))
    if not root:
        root = "lockfiles: " + ", ".join(files[:3]) if files else "(no root)"
    return ReportRecord(
        source=source,
        scan_id=_str(scan.get("id")) or f"{source}@{format_time(started)}",
        started_at=started,
        finished_at=parse_time(scan.get("finished_at")),
        host=_str(scan.get("host")) or "(unknown host)",
        root=root,
        verdict=verdict,
        rules=loaded,
        findings=tuple(findings),
        suppressed=suppressed,
        errors=errors,
        host_scan="host_checks" in doc or host_findings,
        tool_version=_str(tool.get("version")),
        files=files,
    )


def _documents(data: bytes, source: str) -> Iterator[tuple[object, str] | InputIssue]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield InputIssue(source, f"not UTF-8 (byte {exc.start})")
        return
    if not text.strip():
        yield InputIssue(source, "empty input")
        return
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        doc = None
        whole = False
    except RecursionError:
        yield InputIssue(source, "invalid JSON: nested too deeply")
        return
    else:
        whole = True
    if whole:
        if isinstance(doc, list):
            for i, item in enumerate(doc):
                yield item, f"{source}[{i}]"
        else:
            yield doc, source
        return
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield json.loads(line), f"{source}:{lineno}"
        except (json.JSONDecodeError, RecursionError) as exc:
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            yield InputIssue(f"{source}:{lineno}", f"invalid JSON: {msg}")


def _files_under(directory: str) -> list[str]:
    return find_files(directory, _SUFFIXES)


@dataclass
class Loaded:
    reports: list[ReportRecord] = field(default_factory=list)
    issues: list[InputIssue] = field(default_factory=list)
    duplicates: int = 0


def load_reports(inputs: Iterable[str], stdin: BinaryIO | None = None) -> Loaded:
    """Read every input (``-`` = stdin); keep the first report of each ``scan.id``."""
    out = Loaded()
    seen: set[str] = set()

    def take(data: bytes, source: str) -> None:
        for item in _documents(data, source):
            if isinstance(item, InputIssue):
                out.issues.append(item)
                continue
            rec = to_record(*item)
            if isinstance(rec, InputIssue):
                out.issues.append(rec)
            elif rec.scan_id in seen:
                out.duplicates += 1
            else:
                seen.add(rec.scan_id)
                out.reports.append(rec)

    for inp in inputs:
        if inp == "-":
            if stdin is None:
                out.issues.append(InputIssue("-", "no standard input"))
                continue
            take(stdin.read(MAX_INPUT_BYTES + 1)[:MAX_INPUT_BYTES], "<stdin>")
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
