"""``gouvernante inventory add``: read repositories into the inventory, incrementally.

A ref whose commit the inventory already knows costs one ``for-each-ref`` line: its tree is not
read again. A moved ref's tree is walked (subtrees shared with other refs once), and only blobs
the inventory has never seen are parsed.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from gouvernante.errors import GouvernanteError, SourceError
from gouvernante.fs.read import MAX_LOCKFILE_BYTES
from gouvernante.gitscan import (
    BlobKey,
    ListingRequest,
    RepoListing,
    discover_repositories,
    list_repositories,
    lockfiles_of,
    parallel_map,
    parse_blob,
)
from gouvernante.inventory import graphs
from gouvernante.inventory.store import connect
from gouvernante.model import ScanIssue
from gouvernante.sources.git import SYMLINK_MODE, ObjectStore, Repository


@dataclass(frozen=True)
class StoredBlob:
    key: BlobKey
    format: str | None
    packages: int
    error: str | None
    notes: str | None
    graph: bytes | None
    rows: tuple[tuple[str, str, str | None, int], ...]  # name, version, integrity, declared


@dataclass
class AddSummary:
    repositories: int = 0
    refs: int = 0
    refs_moved: int = 0
    refs_gone: int = 0
    blobs_parsed: int = 0
    errors: list[ScanIssue] = field(default_factory=list)
    notes: list[ScanIssue] = field(default_factory=list)
    elapsed_s: float = 0.0


def _store_blob(store: ObjectStore, key: BlobKey) -> StoredBlob:
    try:
        data = store.read(key.oid, "blob", MAX_LOCKFILE_BYTES)
        graph = parse_blob(data, key)
    except GouvernanteError as exc:
        return StoredBlob(key, None, 0, exc.detail, None, None, ())
    rows = [(p.name, p.version, p.integrity, 0) for p in graph.table if p.source.value != "local"]
    rows.extend((d.name, d.spec, None, 1) for d in graph.declared)
    return StoredBlob(
        key,
        graph.format.value,
        len(graph.packages),
        None,
        "\n".join(graph.notes) or None,
        graphs.encode(graph),
        tuple(dict.fromkeys(rows)),
    )


def _parse_job(job: tuple[Repository, tuple[BlobKey, ...]]) -> list[StoredBlob]:
    repo, keys = job
    out: list[StoredBlob] = []
    try:
        with ObjectStore(repo) as store:
            for key in keys:
                out.append(_store_blob(store, key))
    except SourceError as exc:
        out.extend(StoredBlob(k, None, 0, exc.detail, None, None, ()) for k in keys[len(out) :])
    return out


def add(
    database: str,
    git_paths: Sequence[str],
    *,
    recursive: bool = False,
    ref_patterns: tuple[str, ...] = (),
    workers: int | None = None,
    now: int | None = None,
) -> AddSummary:
    started = time.perf_counter()
    stamp = int(time.time()) if now is None else now
    summary = AddSummary()
    db = connect(database, create=True)
    try:
        repos = discover_repositories(git_paths, recursive, summary.errors)
        summary.repositories = len(repos)
        known = _known_commits(db, repos)
        request = ListingRequest(ref_patterns, known=known)
        listings = list_repositories(repos, request, workers)
        new_blobs = _parse_new_blobs(db, listings, workers)
        summary.blobs_parsed = len(new_blobs)
        db.execute("BEGIN IMMEDIATE")
        try:
            _write_blobs(db, new_blobs)
            for listing in listings:
                _write_listing(db, listing, stamp, summary)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    finally:
        db.close()
    summary.elapsed_s = time.perf_counter() - started
    return summary


def _known_commits(
    db: sqlite3.Connection, repos: Sequence[Repository]
) -> dict[str, frozenset[str]]:
    ids = {name: rid for rid, name in db.execute("SELECT id, name FROM repositories").fetchall()}
    known: dict[str, frozenset[str]] = {}
    for repo in repos:
        rid = ids.get(repo.display)
        if rid is None:
            continue
        rows = db.execute(
            "SELECT commit_id FROM commits_seen WHERE repository_id = ?", (rid,)
        ).fetchall()
        known[repo.gitdir] = frozenset(r[0] for r in rows)
    return known


def _parse_new_blobs(
    db: sqlite3.Connection, listings: Sequence[RepoListing], workers: int | None
) -> list[StoredBlob]:
    have = {(oid, name) for oid, name in db.execute("SELECT oid, name FROM blobs").fetchall()}
    owner: dict[BlobKey, Repository] = {}
    for listing in listings:
        for snap in listing.snapshots:
            for file in lockfiles_of(snap):
                key = BlobKey.of(file)
                if file.mode != SYMLINK_MODE and (key.oid, key.name) not in have:
                    owner.setdefault(key, listing.repository)
    by_repo: dict[str, tuple[Repository, list[BlobKey]]] = {}
    for key, repo in owner.items():
        by_repo.setdefault(repo.gitdir, (repo, []))[1].append(key)
    jobs = [(repo, tuple(keys)) for repo, keys in by_repo.values()]
    out: list[StoredBlob] = []
    for result in parallel_map(_parse_job, jobs, workers, {}):
        out.extend(result)
    return out


def _write_blobs(db: sqlite3.Connection, blobs: Sequence[StoredBlob]) -> None:
    for blob in blobs:
        cur = db.execute(
            "INSERT INTO blobs (oid, name, format, packages, error, notes, graph)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                blob.key.oid,
                blob.key.name,
                blob.format,
                blob.packages,
                blob.error,
                blob.notes,
                blob.graph,
            ),
        )
        db.executemany(
            "INSERT INTO packages (blob_id, name, version, integrity, declared)"
            " VALUES (?, ?, ?, ?, ?)",
            [(cur.lastrowid, *row) for row in blob.rows],
        )


def _row_id(db: sqlite3.Connection, select: str, insert: str, args: tuple[object, ...]) -> int:
    row = db.execute(select, args).fetchone()
    if row is not None:
        return int(row[0])
    cur = db.execute(insert, args)
    assert cur.lastrowid is not None
    return cur.lastrowid


def _write_listing(
    db: sqlite3.Connection, listing: RepoListing, now: int, summary: AddSummary
) -> None:
    repo = listing.repository
    rid = _repository_id(db, repo)
    error = "; ".join(e.message for e in listing.errors) or None
    summary.errors.extend(listing.errors)
    summary.notes.extend(listing.notes)
    if error is not None:
        db.execute("UPDATE repositories SET last_error = ? WHERE id = ?", (error, rid))
        return  # what the inventory knew stays; evaluations say the read failed
    db.execute(
        "UPDATE repositories SET last_read_at = ?, last_error = NULL WHERE id = ?", (now, rid)
    )
    seen_sources: set[int] = set()
    for snap in listing.snapshots:
        summary.refs += 1
        crow = db.execute(
            "SELECT id FROM commits_seen WHERE repository_id = ? AND commit_id = ?",
            (rid, snap.commit),
        ).fetchone()
        if crow is None:
            cur = db.execute(
                "INSERT INTO commits_seen (repository_id, commit_id, committed_at)"
                " VALUES (?, ?, ?)",
                (rid, snap.commit, snap.time),
            )
            commit_row = cur.lastrowid
            db.executemany(
                "INSERT INTO commit_files (commit_row, path, mode, oid) VALUES (?, ?, ?, ?)",
                [(commit_row, f.path, f.mode, f.oid) for f in snap.files],
            )
        else:
            commit_row = crow[0]
        sid = _row_id(
            db,
            "SELECT id FROM sources WHERE repository_id = ? AND ref = ?",
            "INSERT INTO sources (repository_id, ref) VALUES (?, ?)",
            (rid, snap.ref),
        )
        seen_sources.add(sid)
        last = db.execute(
            "SELECT id, commit_row, gone_at FROM ref_states WHERE source_id = ?"
            " ORDER BY first_seen_at DESC, id DESC LIMIT 1",
            (sid,),
        ).fetchone()
        if last is not None and last[1] == commit_row and last[2] is None:
            db.execute("UPDATE ref_states SET last_seen_at = ? WHERE id = ?", (now, last[0]))
        else:
            summary.refs_moved += 1
            db.execute(
                "INSERT INTO ref_states (source_id, commit_row, first_seen_at, last_seen_at)"
                " VALUES (?, ?, ?, ?)",
                (sid, commit_row, now, now),
            )
    for (sid,) in db.execute("SELECT id FROM sources WHERE repository_id = ?", (rid,)).fetchall():
        if sid in seen_sources:
            continue
        last = db.execute(
            "SELECT id, gone_at FROM ref_states WHERE source_id = ?"
            " ORDER BY first_seen_at DESC, id DESC LIMIT 1",
            (sid,),
        ).fetchone()
        if last is not None and last[1] is None:
            summary.refs_gone += 1
            db.execute("UPDATE ref_states SET gone_at = ? WHERE id = ?", (now, last[0]))


def _repository_id(db: sqlite3.Connection, repo: Repository) -> int:
    row = db.execute("SELECT id FROM repositories WHERE name = ?", (repo.display,)).fetchone()
    if row is not None:
        db.execute("UPDATE repositories SET location = ? WHERE id = ?", (repo.gitdir, row[0]))
        return int(row[0])
    cur = db.execute(
        "INSERT INTO repositories (name, location) VALUES (?, ?)", (repo.display, repo.gitdir)
    )
    assert cur.lastrowid is not None
    return cur.lastrowid
