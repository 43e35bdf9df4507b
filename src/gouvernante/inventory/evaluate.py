"""``-inventory``: rules against what the inventory recorded, through the same placing code as
``-git`` (``gitscan.snapshot_findings``): same findings, except that an inventory keeps no line
numbers and no file content (hash indicators are not checked)."""

from __future__ import annotations

import fnmatch
import posixpath
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from gouvernante.gitscan import (
    BlobKey,
    BlobOutcome,
    GitScanOutput,
    Snapshot,
    indicator_notes,
    lockfiles_of,
    project_indicators,
    snapshot_findings,
)
from gouvernante.inventory import graphs
from gouvernante.inventory.backend import Database
from gouvernante.inventory.store import connect
from gouvernante.match.hits import package_hits
from gouvernante.match.lockfile import LockfileMatch, match_lockfile
from gouvernante.model import LockfileFormat, ScanIssue
from gouvernante.rules.index import RuleIndex
from gouvernante.rules.model import Rule
from gouvernante.sources.git import GITHUB_DIR, SYMLINK_MODE, TreeFile

STALE_AFTER_SECONDS = 24 * 3600


@dataclass(frozen=True)
class InventoryRequest:
    database: str
    at: int | None = None  # unix seconds; None: now
    ref_patterns: tuple[str, ...] = ()
    now: int | None = None  # for tests: the time staleness is judged at


def _when(ts: int) -> str:
    return f"{datetime.fromtimestamp(ts, UTC):%Y-%m-%d %H:%M} UTC"


def evaluate(request: InventoryRequest, rules: Sequence[Rule], index: RuleIndex) -> GitScanOutput:
    out = GitScanOutput()
    now = int(time.time()) if request.now is None else request.now
    at = request.at if request.at is not None else now
    db = connect(request.database, create=False)
    try:
        snapshots = _snapshots(db, at, request.ref_patterns)
        outcomes = _outcomes(db, snapshots, index)
        _freshness(db, now, at, request.at is not None, out)
    finally:
        db.close()
    out.blobs_parsed = 0
    indicators = project_indicators(rules)
    out.notes.extend(indicator_notes(indicators))
    for snap in snapshots:
        quiet = _quiet(snap, outcomes)
        if quiet is not None:  # nothing to place: counts only (most refs, most of the time)
            out.lockfiles += quiet[0]
            out.packages += quiet[1]
            out.scanned.append(f"{snap.repository}@{snap.ref} ({snap.commit[:12]})")
            continue
        placed = snapshot_findings(snap, outcomes, indicators, None)
        out.findings.extend(placed.findings)
        out.errors.extend(placed.errors)
        out.notes.extend(placed.notes)
        out.lockfiles += placed.lockfiles
        out.packages += placed.packages
        out.scanned.append(f"{snap.repository}@{snap.ref} ({snap.commit[:12]})")
    out.notes[:] = list(dict.fromkeys(out.notes))
    return out


def _quiet(snap: Snapshot, outcomes: Mapping[BlobKey, BlobOutcome]) -> tuple[int, int] | None:
    """(lockfiles, packages) of a ref with nothing to report, else None."""
    lockfiles = packages = 0
    for f in snap.files:
        if GITHUB_DIR in f.path.split("/")[:-1]:
            return None
    for f in lockfiles_of(snap):
        outcome = outcomes.get(BlobKey.of(f))
        m = outcome.match if outcome is not None else None
        if f.mode == SYMLINK_MODE or m is None or m.findings or m.declared or m.notes:
            return None
        lockfiles += 1
        packages += m.packages
    return lockfiles, packages


def _snapshots(db: Database, at: int, patterns: Sequence[str]) -> list[Snapshot]:
    rows = db.execute(
        """SELECT r.name, s.ref, c.commit_id, c.committed_at, c.id, st.gone_at
        FROM sources s
        JOIN repositories r ON r.id = s.repository_id
        JOIN ref_states st ON st.id = (
            SELECT id FROM ref_states WHERE source_id = s.id AND first_seen_at <= ?
            ORDER BY first_seen_at DESC, id DESC LIMIT 1)
        JOIN commits_seen c ON c.id = st.commit_row
        ORDER BY r.name, s.ref""",
        (at,),
    ).fetchall()
    chosen = [
        row
        for row in rows
        if (row[5] is None or row[5] > at)
        and (not patterns or any(fnmatch.fnmatchcase(row[1], p) for p in patterns))
    ]
    files: dict[int, list[TreeFile]] = {}
    for commit_row, path, mode, oid in db.execute(
        "SELECT commit_row, path, mode, oid FROM commit_files ORDER BY commit_row, path"
    ):
        files.setdefault(commit_row, []).append(TreeFile(path, mode, oid))
    return [
        Snapshot(name, ref, commit, committed, tuple(files.get(crow, ())))
        for name, ref, commit, committed, crow, _gone in chosen
    ]


def _outcomes(
    db: Database, snapshots: Sequence[Snapshot], index: RuleIndex
) -> dict[BlobKey, BlobOutcome]:
    wanted = {BlobKey.of(f) for snap in snapshots for f in lockfiles_of(snap)}
    db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted_names (name TEXT PRIMARY KEY)")
    db.execute("DELETE FROM wanted_names")
    db.executemany(
        "INSERT INTO wanted_names VALUES (?) ON CONFLICT DO NOTHING", [(n,) for n in index.names]
    )
    # Only a blob with a row some rule may hit (name and version, integrity, or a declared range
    # naming a rule's package) is rebuilt and matched; the others are known clean without
    # decoding. Versions are judged once per (name, version) for any package manager: a superset,
    # the matcher then decides on the rebuilt graph.
    candidates = {
        row[0]
        for row in db.execute(
            "SELECT DISTINCT blob_id FROM packages"
            " WHERE declared = 1 AND name IN (SELECT name FROM wanted_names)"
        )
    }
    for sri in index.integrity:
        candidates.update(
            row[0]
            for row in db.execute(
                "SELECT DISTINCT blob_id FROM packages WHERE integrity = ?", (sri,)
            )
        )
    pairs = db.execute(
        "SELECT DISTINCT name, version FROM packages"
        " WHERE declared = 0 AND name IN (SELECT name FROM wanted_names)"
    ).fetchall()
    for pname, version in pairs:
        if package_hits(index, pname, version, None):
            candidates.update(
                row[0]
                for row in db.execute(
                    "SELECT DISTINCT blob_id FROM packages"
                    " WHERE name = ? AND version = ? AND declared = 0",
                    (pname, version),
                )
            )
    # What the other lockfiles of a ref resolve of the rules' names matters only beside a
    # package.json whose declared ranges name them (the lockfile decides): read it for those.
    present = _present_names(db, snapshots, candidates)
    outcomes: dict[BlobKey, BlobOutcome] = {}
    for blob_id, oid, name, fmt, packages, error, notes in db.execute(
        "SELECT id, oid, name, format, packages, error, notes FROM blobs"
    ):
        key = BlobKey(oid, name)
        if key not in wanted:
            continue
        if error is not None or fmt is None:
            outcomes[key] = BlobOutcome(error=error or "not parsed")
        elif blob_id in candidates:
            (data,) = db.execute("SELECT graph FROM blobs WHERE id = ?", (blob_id,)).fetchone()
            outcomes[key] = BlobOutcome(match=match_lockfile(graphs.decode(data), index, name))
        else:
            note_list = tuple(notes.split("\n")) if notes else ()
            outcomes[key] = BlobOutcome(
                match=LockfileMatch(
                    LockfileFormat(fmt),
                    (),
                    (),
                    frozenset(present.get(blob_id, ())),
                    packages,
                    note_list,
                )
            )
    for key in wanted - outcomes.keys():
        outcomes[key] = BlobOutcome(error="not in the inventory (run inventory add again)")
    return outcomes


def _present_names(
    db: Database, snapshots: Sequence[Snapshot], candidates: set[int]
) -> dict[int, set[str]]:
    manifests = {
        row[0]
        for row in db.execute("SELECT id FROM blobs WHERE name = 'package.json'")
        if row[0] in candidates
    }
    if not manifests:
        return {}  # no declared range names a rule's package: nothing to resolve
    ids = {
        (oid, name): blob_id for blob_id, oid, name in db.execute("SELECT id, oid, name FROM blobs")
    }
    needed: set[int] = set()
    for snap in snapshots:
        blob_ids = [ids.get((f.oid, posixpath.basename(f.path))) for f in lockfiles_of(snap)]
        if any(
            b in candidates and f.path.endswith("package.json")
            for b, f in zip(blob_ids, lockfiles_of(snap), strict=True)
        ):
            needed.update(b for b in blob_ids if b is not None)
    present: dict[int, set[str]] = {}
    for blob_id in needed:
        for (pname,) in db.execute(
            "SELECT p.name FROM packages p JOIN wanted_names w ON p.name = w.name"
            " WHERE p.blob_id = ? AND p.declared = 0",
            (blob_id,),
        ):
            present.setdefault(blob_id, set()).add(pname)
    return present


def _freshness(db: Database, now: int, at: int, explicit_at: bool, out: GitScanOutput) -> None:
    for name, last_read, last_error in db.execute(
        "SELECT name, last_read_at, last_error FROM repositories ORDER BY name"
    ):
        if last_error is not None:
            out.errors.append(
                ScanIssue(
                    name, f"the inventory's last read of this repository failed: {last_error}"
                )
            )
        if last_read is None:
            out.errors.append(ScanIssue(name, "never read into the inventory"))
        elif not explicit_at and now - last_read > STALE_AFTER_SECONDS:
            hours = (now - last_read) // 3600
            out.notes.append(
                ScanIssue(
                    name,
                    f"stale: last read into the inventory {_when(last_read)} ({hours} h ago);"
                    " refresh with: gouvernante inventory add",
                )
            )
    first = db.execute("SELECT MIN(first_seen_at) FROM ref_states").fetchone()[0]
    if explicit_at and (first is None or at < first):
        out.notes.append(
            ScanIssue(
                "-at",
                "before the inventory's first record"
                + (f" ({_when(first)})" if first is not None else "")
                + ": nothing is known about that time",
            )
        )
