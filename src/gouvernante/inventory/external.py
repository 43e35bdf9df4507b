"""Sources that are not repositories: SBOMs (``inventory add -sbom FILE``) and JSON scan reports
(``inventory add REPORT.json``). Decision record: docs/decisions/0020-sbom-and-report-sources.md.

An SBOM holds a resolved package set: it is recorded like a ``-dir`` folder, as the source
``HOST:/abs/file.json`` at ref ``sbom:<subject>`` (the project the SBOM describes, or ``sbom``),
whose one "lockfile" is the SBOM read by ``lockfiles.sbom`` (file mode ``SBOM_MODE``), so
``-inventory`` matches it like any lockfile and an unreadable SBOM is an error of its source.

A JSON report holds findings, not the package set its scan resolved (``docs/json-report.md``):
it can answer only the rules it was run with, as they were then. It is recorded as what it is
(which host and project were scanned, when, which files, how many findings under which rules)
and ``-inventory`` lists it as a source it cannot answer: an error, never a clean source.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime

import msgspec

from gouvernante.errors import GouvernanteError
from gouvernante.fs.jsonpath import Document, validation_problem
from gouvernante.fs.read import read_chosen_file
from gouvernante.gitscan import SBOM_MODE, BlobKey, RepoListing, Snapshot
from gouvernante.inventory.backend import Database
from gouvernante.lockfiles import LOCKFILE_NAMES
from gouvernante.lockfiles.sbom import Sbom, parse_sbom
from gouvernante.lockfiles.sbom import sniff as sbom_sniff
from gouvernante.model import LockfileGraph, ScanIssue
from gouvernante.report.model import Report, default_project
from gouvernante.sources.git import Repository, TreeFile

MAX_SBOM_BYTES = 256 * 1024 * 1024
MAX_REPORT_BYTES = 256 * 1024 * 1024
SBOM_REF = "sbom"


@dataclass(frozen=True)
class SbomSource:
    listing: RepoListing
    key: BlobKey
    graph: LockfileGraph | None  # None: unreadable, ``error`` says why
    error: str | None
    sbom: Sbom | None


def sbom_source(path: str, host: str, now: int) -> SbomSource | ScanIssue:
    """One SBOM file as a source (a file that cannot be read at all is an issue, no source)."""
    location = os.path.abspath(path)
    try:
        data = read_chosen_file(path, MAX_SBOM_BYTES, path)
    except GouvernanteError as exc:
        return ScanIssue(path, exc.detail)
    sbom: Sbom | None = None
    error: str | None = None
    try:
        sbom = parse_sbom(data, path)
    except GouvernanteError as exc:
        error = ": ".join(p for p in (exc.json_path, exc.detail) if p)
    oid = hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
    name = os.path.basename(location)
    if name in LOCKFILE_NAMES:  # never read as the lockfile it is named like
        name += ".sbom"
    ref = f"{SBOM_REF}:{sbom.subject}" if sbom is not None and sbom.subject else SBOM_REF
    display = f"{host}:{location}"
    snapshot = Snapshot(display, ref, oid, now, (TreeFile(name, SBOM_MODE, oid),))
    listing = RepoListing(Repository(location, display, bare=True), (snapshot,))
    graph = sbom.graph if sbom is not None else None
    return SbomSource(listing, BlobKey(oid, name), graph, error, sbom)


# --- JSON reports --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSource:
    name: str  # the scanned project (scan.project, else HOST:ROOT as collect names it)
    location: str  # HOST:/abs/report.json (where it was read from)
    scan_id: str
    host: str
    root: str | None
    started_at: int
    finished_at: int
    files: tuple[str, ...]
    verdict: str
    findings: int
    rules: tuple[str, ...]


def report_source(path: str, host: str) -> ReportSource | ScanIssue:
    """A JSON report of a scan, read with the types the scan wrote it from."""
    try:
        data = read_chosen_file(path, MAX_REPORT_BYTES, path)
    except GouvernanteError as exc:
        return ScanIssue(path, exc.detail)
    try:
        report = msgspec.json.decode(data, type=Report)
    except msgspec.ValidationError as exc:
        if sbom_sniff(bytes(data[:4096])):  # (``-sbom a.json b.json``: b.json is taken as this)
            return ScanIssue(path, "an SBOM, not a gouvernante JSON report: give it with -sbom")
        where, why = validation_problem(
            exc, Document.of_json(data, lambda text: msgspec.json.decode(text, type=Report))
        )
        return ScanIssue(path, f"not a gouvernante JSON report: {where}: {why}")
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        return ScanIssue(path, "not a gouvernante JSON report: not valid JSON")
    scan = report.scan
    try:
        started, finished = _seconds(scan.started_at), _seconds(scan.finished_at)
    except (ValueError, OverflowError, OSError):
        return ScanIssue(
            path, "not a gouvernante JSON report: scan.started_at: not an RFC 3339 time"
        )
    return ReportSource(
        name=scan.project or default_project(scan.host, scan.root, scan.files),
        location=f"{host}:{os.path.abspath(path)}",
        scan_id=scan.id,
        host=scan.host,
        root=scan.root,
        started_at=started,
        finished_at=finished,
        files=tuple(scan.files),
        verdict=str(report.summary.verdict),
        findings=report.summary.total_findings,
        rules=tuple(r.id for r in report.rules.loaded),
    )


def _seconds(stamp: str) -> int:
    when = datetime.fromisoformat(stamp.replace("Z", "+00:00").replace("z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError("no time zone")
    return int(when.timestamp())


def write_reports(db: Database, reports: list[ReportSource], now: int) -> int:
    """Record each report once (its scan id and project); returns how many were new."""
    new = 0
    for r in sorted(reports, key=lambda r: (r.name, r.scan_id)):
        row = db.execute(
            "SELECT id FROM report_sources WHERE scan_id = ? AND name = ?", (r.scan_id, r.name)
        ).fetchone()
        if row is not None:
            continue
        db.execute(
            "INSERT INTO report_sources (name, location, scan_id, host, root, started_at,"
            " finished_at, added_at, files, verdict, findings, rules)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scan_id, name) DO NOTHING",
            (
                r.name,
                r.location,
                r.scan_id,
                r.host,
                r.root,
                r.started_at,
                r.finished_at,
                now,
                json.dumps(list(r.files)),
                r.verdict,
                r.findings,
                json.dumps(list(r.rules)),
            ),
        )
        new += 1
    return new


@dataclass(frozen=True)
class RecordedReport:
    name: str
    host: str
    started_at: int
    verdict: str
    findings: int
    files: int


def reports_at(db: Database, at: int) -> list[RecordedReport]:
    """The newest report of each scanned project whose scan started by ``at``."""
    if not db.has_table("report_sources"):
        return []
    newest: dict[str, RecordedReport] = {}
    for name, host, started, verdict, findings, files in db.execute(
        "SELECT name, host, started_at, verdict, findings, files FROM report_sources"
        " WHERE started_at <= ? ORDER BY name, started_at, id",
        (at,),
    ):
        try:
            count = len(json.loads(files))
        except ValueError:
            count = 0
        newest[name] = RecordedReport(name, host, int(started), verdict, int(findings), count)
    return [newest[n] for n in sorted(newest)]
