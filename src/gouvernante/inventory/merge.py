"""``gouvernante inventory merge -db TARGET SHARD...``: inventories made apart (one per CI job,
see inventory/shard.py) joined into one, as if one ``inventory add`` had read everything.

- Repositories are matched by name, sources by (repository, ref), commits by (repository,
  commit), lockfile contents by (blob id, file name): nothing is duplicated, and merging a shard
  twice changes nothing the second time.
- A ref's history is replayed onto the target as ``inventory add`` writes it: a state that
  continues the target's last one (same commit, later) extends it; a shard's successful read of a
  repository newer than the target's marks the target's refs the shard does not have as gone.
- A shard is opened read-only and checked before anything is written: an SQLite file whose pages
  pass SQLite's own check, with exactly the tables and columns of an inventory, a schema version
  this gouvernante reads (a newer one is refused), values of the right kinds, rows that point at
  rows that exist, and lockfile graphs that decode; the package rows the rule lookups use are
  rebuilt from the graphs, not copied. Errors name the shard, the table and the row id, never the
  bytes. Everything is written in one transaction: all shards or none.
"""

from __future__ import annotations

import os
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import cast

import msgspec

from gouvernante.errors import InputError, SourceError
from gouvernante.fs.read import open_regular_stream
from gouvernante.inventory import graphs
from gouvernante.inventory.backend import Database
from gouvernante.inventory.store import SCHEMA_VERSION, connect

# The oldest schema whose tables a merge reads as they are (5 added blobs.entry_errors: an older
# shard does not know which entries its parsers could not read; 6, the catalogs and bundled names
# in the graphs: it cannot answer catalog: references; 7, a package.json's bun catalogs, the same;
# 8, the .yarnrc.yml files with yarn catalogs, the same; 9, the symbolic links: a member that is
# one is read as a project of its own; 10, a pnpm per-project root holding workspace links only:
# stored refused, an error at every commit it is in, where -git reads it (decision 0135); so it
# is made again; 11, a yarn classic lockfile paired with its package.json by an older reader of
# workspaces: stored as an error by the migration, decision 0138).
OLDEST_MERGED = 11
_HEADER = b"SQLite format 3\x00"

# Each table's columns, in order, with the kind of value each holds ("?" : may be NULL).
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "schema_info": (("version", "int"),),
    "repositories": (
        ("id", "int"),
        ("name", "text"),
        ("location", "text"),
        ("last_read_at", "int?"),
        ("last_error", "text?"),
    ),
    "sources": (("id", "int"), ("repository_id", "int"), ("ref", "text")),
    "commits_seen": (
        ("id", "int"),
        ("repository_id", "int"),
        ("commit_id", "text"),
        ("committed_at", "int"),
    ),
    "ref_states": (
        ("id", "int"),
        ("source_id", "int"),
        ("commit_row", "int"),
        ("first_seen_at", "int"),
        ("last_seen_at", "int"),
        ("gone_at", "int?"),
    ),
    "blobs": (
        ("id", "int"),
        ("oid", "text"),
        ("name", "text"),
        ("format", "text?"),
        ("packages", "int"),
        ("error", "text?"),
        ("notes", "text?"),
        ("graph", "bytes?"),
        ("entry_errors", "text?"),
    ),
    "commit_files": (("commit_row", "int"), ("path", "text"), ("mode", "text"), ("oid", "text")),
    "packages": (
        ("blob_id", "int"),
        ("name", "text"),
        ("version", "text"),
        ("integrity", "text?"),
        ("declared", "int"),
    ),
}
_KINDS: dict[str, type] = {"int": int, "text": str, "bytes": bytes}
_REPORTS = "report_sources"  # schema 4: JSON reports as sources (inventory/external.py)
# Tables a shard of an older schema lacks: checked and merged when present.
LATER_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    _REPORTS: (
        ("id", "int"),
        ("name", "text"),
        ("location", "text"),
        ("scan_id", "text"),
        ("host", "text"),
        ("root", "text?"),
        ("started_at", "int"),
        ("finished_at", "int"),
        ("added_at", "int"),
        ("files", "text"),
        ("verdict", "text"),
        ("findings", "int"),
        ("rules", "text"),
    ),
}


@dataclass
class MergeSummary:
    shards: int = 0
    repositories: int = 0  # new to the target
    refs: int = 0  # new to the target
    ref_states: int = 0  # new rows of ref history
    commits: int = 0
    blobs: int = 0
    errors: list[SourceError] = field(default_factory=list)
    elapsed_s: float = 0.0


@dataclass(frozen=True)
class _Repo:
    name: str
    location: str
    last_read_at: int | None
    last_error: str | None


@dataclass(frozen=True)
class _State:
    source: int
    commit: int
    first: int
    last: int
    gone: int | None


@dataclass
class _Shard:
    """What one shard holds but its lockfile contents (streamed): keyed by the shard's row ids."""

    path: str
    db: sqlite3.Connection
    repos: dict[int, _Repo] = field(default_factory=dict)
    sources: dict[int, tuple[int, str]] = field(default_factory=dict)
    commits: dict[int, tuple[int, str, int]] = field(default_factory=dict)
    files: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)
    states: list[_State] = field(default_factory=list)
    reports: list[tuple[object, ...]] = field(default_factory=list)  # report_sources, no id


def merge(target: str, shards: Sequence[str]) -> MergeSummary:
    """Join ``shards`` into ``target`` (made if missing). A shard that cannot be merged is in
    ``errors`` and then nothing is written."""
    started = time.perf_counter()
    summary = MergeSummary(shards=len(shards))
    opened: list[_Shard] = []
    try:
        for path in dict.fromkeys(shards):
            try:
                _refuse_target(path, target)
                opened.append(_read(path))
            except SourceError as exc:
                summary.errors.append(exc)
        if summary.errors:
            return summary
        db = connect(target, create=True)
        try:
            if not db.postgres:
                # The package rows land in four indexes in no order: with SQLite's default 2 MiB
                # page cache, a 3,000-content merge spent 25 s of 37 in those inserts; 17 s in
                # all with up to 256 MiB (used only as the indexes grow).
                db.execute("PRAGMA cache_size = -262144")
            db.begin()
            try:
                for shard in opened:
                    _merge_one(db, shard, summary)
                db.commit()
            except SourceError as exc:  # a lockfile graph of a shard that does not decode
                db.rollback()
                summary.errors.append(exc)
            except BaseException:
                db.rollback()
                raise
        finally:
            db.close()
    finally:
        for shard in opened:
            shard.db.close()
    summary.elapsed_s = time.perf_counter() - started
    return summary


def _refuse_target(path: str, target: str) -> None:
    try:
        same = os.path.exists(target) and os.path.samefile(path, target)
    except OSError:
        same = False
    if same:
        raise SourceError(path, "is the merge target itself")


# --- reading a shard ----------------------------------------------------------------------


def _open(path: str) -> sqlite3.Connection:
    """``path`` as a read-only SQLite database whose pages pass SQLite's own check."""
    try:
        # (``fs.read``'s open: a FIFO given as a shard blocked a plain open for ever)
        with open_regular_stream(path) as fh:
            st = os.fstat(fh.fileno())
            header = fh.read(len(_HEADER))
    except InputError as exc:
        raise SourceError(path, exc.detail) from None
    except OSError as exc:
        raise SourceError(path, f"cannot read: {exc.strerror or 'error'}") from None
    if st.st_size == 0 or header != _HEADER:
        raise SourceError(path, "not an SQLite database (no SQLite header)")
    wal = path + "-wal"
    if os.path.exists(wal) and os.path.getsize(wal) > 0:
        raise SourceError(
            path,
            "has a write-ahead log beside it (-wal): merge a shard once 'inventory add' has"
            " finished with it",
        )
    uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro&immutable=1"
    try:
        db = sqlite3.connect(uri, uri=True, isolation_level=None)
    except sqlite3.Error:
        raise SourceError(path, "cannot be opened as an SQLite database") from None
    try:
        db.execute("PRAGMA trusted_schema=OFF")  # no function of the file's schema runs
        db.execute("PRAGMA cell_size_check=ON")
        db.execute("PRAGMA query_only=ON")
        check = db.execute("PRAGMA quick_check(1)").fetchall()
    except sqlite3.Error:
        db.close()
        raise SourceError(path, "damaged SQLite database (truncated or not SQLite)") from None
    if check != [("ok",)]:
        db.close()
        raise SourceError(path, "damaged SQLite database (SQLite's integrity check failed)")
    return db


def _check_schema(path: str, db: sqlite3.Connection) -> None:
    """Exactly an inventory's tables and columns, and a schema version this tool merges."""
    objects = db.execute("SELECT type, name FROM sqlite_master").fetchall()
    tables = {name for kind, name in objects if kind == "table"}
    if "schema_info" not in tables:
        raise SourceError(path, "not a gouvernante inventory (no schema_info table)")
    if any(kind in ("view", "trigger") for kind, _name in objects):
        raise SourceError(path, "not a gouvernante inventory (holds views or triggers)")
    versions = db.execute("SELECT version FROM schema_info").fetchall()
    if len(versions) != 1 or type(versions[0][0]) is not int:
        raise SourceError(path, "not a gouvernante inventory (schema_info holds no one version)")
    version = versions[0][0]
    if version > SCHEMA_VERSION:
        raise SourceError(
            path,
            f"schema version {version} is newer than this gouvernante's ({SCHEMA_VERSION}):"
            " merge with the gouvernante that wrote it",
        )
    if version < OLDEST_MERGED:
        raise SourceError(
            path,
            f"schema version {version} is older than this gouvernante merges ({OLDEST_MERGED}):"
            " make the shard again with this gouvernante",
        )
    if (
        tables
        - set(TABLES)
        - set(LATER_TABLES)
        - {"sqlite_sequence", "sqlite_stat1", "sqlite_stat4"}
    ):
        raise SourceError(path, "not a gouvernante inventory (tables of another schema)")
    later = {t: c for t, c in LATER_TABLES.items() if t in tables}
    for table, columns in {**TABLES, **later}.items():
        got = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
        if got != [name for name, _kind in columns]:
            raise SourceError(
                path, f"table {table}: not the columns of an inventory of schema {version}"
            )


def _rows(
    path: str, db: sqlite3.Connection, table: str, order: str
) -> Iterator[tuple[object, ...]]:
    """Every row of ``table``, each value checked against its column's kind."""
    columns = TABLES[table] if table in TABLES else LATER_TABLES[table]
    names = ", ".join(name for name, _kind in columns)
    query = f"SELECT {names} FROM {table} ORDER BY {order}"  # noqa: S608 - our own constants
    for number, row in enumerate(db.execute(query), 1):
        for (name, kind), value in zip(columns, row, strict=True):
            if value is None and kind.endswith("?"):
                continue
            if type(value) is not _KINDS[kind.rstrip("?")]:
                raise SourceError(
                    path, f"table {table} row {number}: column {name} is not {kind.rstrip('?')}"
                )
        yield row


def _read(path: str) -> _Shard:
    db = _open(path)
    try:
        _check_schema(path, db)
        shard = _Shard(path, db)
        _read_tables(shard)
    except sqlite3.Error:
        db.close()
        raise SourceError(path, "damaged or foreign SQLite database (a read failed)") from None
    except SourceError:
        db.close()
        raise
    return shard


def _missing(path: str, table: str, row_id: object, what: str) -> SourceError:
    return SourceError(path, f"table {table} row id {row_id}: refers to a {what} it does not hold")


_RepoRow = tuple[int, str, str, int | None, str | None]
_StateRow = tuple[int, int, int, int, int, int | None]
_BlobRow = tuple[int, str, str, str | None, int, str | None, str | None, bytes | None, str | None]


def _read_tables(s: _Shard) -> None:
    p, db = s.path, s.db
    for rid, name, location, read_at, error in cast(
        Iterator[_RepoRow], _rows(p, db, "repositories", "id")
    ):
        s.repos[rid] = _Repo(name, location, read_at, error)
    for sid, rid, ref in cast(Iterator[tuple[int, int, str]], _rows(p, db, "sources", "id")):
        if rid not in s.repos:
            raise _missing(p, "sources", sid, "repository")
        s.sources[sid] = (rid, ref)
    for cid, rid, commit, at in cast(
        Iterator[tuple[int, int, str, int]], _rows(p, db, "commits_seen", "id")
    ):
        if rid not in s.repos:
            raise _missing(p, "commits_seen", cid, "repository")
        s.commits[cid] = (rid, commit, at)
    for crow, fpath, mode, oid in cast(
        Iterator[tuple[int, str, str, str]], _rows(p, db, "commit_files", "commit_row, path")
    ):
        if crow not in s.commits:
            raise _missing(p, "commit_files", crow, "commit")
        s.files.setdefault(crow, []).append((fpath, mode, oid))
    for st_id, sid, crow, first, last, gone in cast(
        Iterator[_StateRow], _rows(p, db, "ref_states", "first_seen_at, id")
    ):
        if sid not in s.sources or crow not in s.commits:
            raise _missing(p, "ref_states", st_id, "source or commit")
        if s.sources[sid][0] != s.commits[crow][0]:
            raise SourceError(p, f"table ref_states row id {st_id}: commit of another repository")
        s.states.append(_State(sid, crow, first, last, gone))
    has_reports = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (_REPORTS,)
    ).fetchone()
    if has_reports:
        s.reports.extend(row[1:] for row in _rows(p, db, _REPORTS, "id"))


def _blobs(s: _Shard) -> Iterator[_BlobRow]:
    """The shard's lockfile contents (a row with neither a graph nor an error is refused)."""
    for row in cast(Iterator[_BlobRow], _rows(s.path, s.db, "blobs", "id")):
        bid, _oid, _name, fmt, _count, error, _notes, graph, _entry_errors = row
        if error is None and (fmt is None or graph is None):
            raise SourceError(s.path, f"table blobs row id {bid}: neither a graph nor an error")
        yield row


def _decoded_rows(
    path: str, bid: object, fmt: str | None, data: bytes
) -> tuple[graphs.PackageRow, ...]:
    try:
        graph, catalogs = graphs.decode_with_catalogs(data)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, TypeError):
        raise SourceError(
            path, f"table blobs row id {bid}: the lockfile graph does not decode"
        ) from None
    if graph.format.value != fmt:
        raise SourceError(path, f"table blobs row id {bid}: format differs from its graph's")
    return graphs.package_rows(graph, catalogs)


# --- writing into the target --------------------------------------------------------------


def _merge_one(db: Database, s: _Shard, summary: MergeSummary) -> None:
    try:
        _merge_blobs(db, s, summary)
    except sqlite3.Error:
        raise SourceError(s.path, "damaged or foreign SQLite database (a read failed)") from None
    repo_ids: dict[int, int] = {}
    previous_read: dict[int, int | None] = {}
    for rid, repo in s.repos.items():
        repo_ids[rid], previous_read[rid] = _merge_repository(db, repo, summary)
    commit_ids: dict[int, int] = {}
    for cid, (rid, commit, at) in s.commits.items():
        commit_ids[cid] = _merge_commit(
            db, repo_ids[rid], commit=commit, at=at, files=s.files.get(cid, ()), summary=summary
        )
    source_ids: dict[int, int] = {}
    for sid, (rid, ref) in s.sources.items():
        row = db.execute(
            "SELECT id FROM sources WHERE repository_id = ? AND ref = ?", (repo_ids[rid], ref)
        ).fetchone()
        if row is None:
            summary.refs += 1
            source_ids[sid] = _insert(
                db, "INSERT INTO sources (repository_id, ref) VALUES (?, ?)", (repo_ids[rid], ref)
            )
        else:
            source_ids[sid] = int(row[0])
    for state in s.states:
        _replay(db, source_ids[state.source], commit_ids[state.commit], state, summary)
    for rid, repo in s.repos.items():
        _mark_gone(db, repo, repo_id=repo_ids[rid], previous_read=previous_read[rid], s=s, rid=rid)
    for report in s.reports:  # JSON reports as sources: once per scan id and project
        db.execute(
            "INSERT INTO report_sources (name, location, scan_id, host, root, started_at,"
            " finished_at, added_at, files, verdict, findings, rules)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scan_id, name) DO NOTHING",
            report,
        )


def _merge_blobs(db: Database, s: _Shard, summary: MergeSummary) -> None:
    have = {
        (oid, name): (bid, fmt)
        for bid, oid, name, fmt in db.execute("SELECT id, oid, name, format FROM blobs")
    }
    for shard_id, oid, name, fmt, count, error, notes, graph, entry_errors in _blobs(s):
        known = have.get((oid, name))
        if known is not None and (known[1] is not None or fmt is None):
            continue  # the target has it (a parsed content is never replaced by an error)
        rows = (
            _decoded_rows(s.path, shard_id, fmt, graph)
            if graph is not None and error is None
            else ()
        )
        values = (fmt, count, error, notes, graph, entry_errors)
        if known is None:
            bid = _insert(
                db,
                "INSERT INTO blobs (oid, name, format, packages, error, notes, graph,"
                " entry_errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (oid, name, *values),
            )
        else:  # the target could not read it; this shard could
            bid = known[0]
            db.execute(
                "UPDATE blobs SET format = ?, packages = ?, error = ?, notes = ?, graph = ?,"
                " entry_errors = ? WHERE id = ?",
                (*values, bid),
            )
            db.execute("DELETE FROM packages WHERE blob_id = ?", (bid,))
        have[(oid, name)] = (bid, fmt)
        summary.blobs += 1
        db.executemany(
            "INSERT INTO packages (blob_id, name, version, integrity, declared)"
            " VALUES (?, ?, ?, ?, ?)",
            [(bid, *row) for row in rows],
        )


def _insert(db: Database, sql: str, params: Sequence[object]) -> int:
    new_id = db.insert_id(sql, params)
    assert new_id is not None  # a plain INSERT (no ON CONFLICT) inserts or raises
    return new_id


def _latest_error(
    a_read: int | None, a_error: str | None, b_read: int | None, b_error: str | None
) -> str | None:
    """The error of the side whose last successful read is later; when that cannot be told,
    an error wins (a failed read is never hidden)."""
    if a_read is not None and b_read is not None and a_read != b_read:
        return a_error if a_read > b_read else b_error
    return a_error if a_error is not None else b_error


def _merge_repository(db: Database, repo: _Repo, summary: MergeSummary) -> tuple[int, int | None]:
    """The target's id of ``repo``, and its last successful read before this merge."""
    row = db.execute(
        "SELECT id, last_read_at, last_error FROM repositories WHERE name = ?", (repo.name,)
    ).fetchone()
    if row is None:
        summary.repositories += 1
        new_id = _insert(
            db,
            "INSERT INTO repositories (name, location, last_read_at, last_error)"
            " VALUES (?, ?, ?, ?)",
            (repo.name, repo.location, repo.last_read_at, repo.last_error),
        )
        return new_id, None
    rid, read_at, error = row
    newer = repo.last_read_at is not None and (read_at is None or repo.last_read_at > read_at)
    reads = [t for t in (read_at, repo.last_read_at) if t is not None]
    db.execute(
        "UPDATE repositories SET last_read_at = ?, last_error = ? WHERE id = ?",
        (
            max(reads) if reads else None,
            _latest_error(read_at, error, repo.last_read_at, repo.last_error),
            rid,
        ),
    )
    if newer:
        db.execute("UPDATE repositories SET location = ? WHERE id = ?", (repo.location, rid))
    return int(rid), read_at


def _merge_commit(
    db: Database,
    repo_id: int,
    *,
    commit: str,
    at: int,
    files: Sequence[tuple[str, str, str]],
    summary: MergeSummary,
) -> int:
    row = db.execute(
        "SELECT id FROM commits_seen WHERE repository_id = ? AND commit_id = ?", (repo_id, commit)
    ).fetchone()
    if row is not None:
        return int(row[0])  # a commit's files are its commit's: the same in every shard
    summary.commits += 1
    crow = _insert(
        db,
        "INSERT INTO commits_seen (repository_id, commit_id, committed_at) VALUES (?, ?, ?)",
        (repo_id, commit, at),
    )
    db.executemany(
        "INSERT INTO commit_files (commit_row, path, mode, oid) VALUES (?, ?, ?, ?)",
        [(crow, *f) for f in files],
    )
    return crow


_COVERED = (
    "SELECT 1 FROM ref_states WHERE source_id = ? AND commit_row = ? AND first_seen_at <= ?"
    " AND last_seen_at >= ?"
)


def _replay(db: Database, sid: int, crow: int, st: _State, summary: MergeSummary) -> None:
    """One ref state of a shard, as ``inventory add`` would have recorded it in the target."""
    covered = db.execute(
        _COVERED if st.gone is None else _COVERED + " AND gone_at IS NOT NULL",
        (sid, crow, st.first, st.last),
    ).fetchone()
    if covered is not None:
        return  # merged before (or seen by the target over a longer span)
    last = db.execute(
        "SELECT id, commit_row, first_seen_at, last_seen_at, gone_at FROM ref_states"
        " WHERE source_id = ? ORDER BY first_seen_at DESC, id DESC LIMIT 1",
        (sid,),
    ).fetchone()
    if last is not None and last[1] == crow and last[4] is None and st.first >= last[2]:
        db.execute(
            "UPDATE ref_states SET last_seen_at = ?, gone_at = ? WHERE id = ?",
            (max(last[3], st.last), st.gone, last[0]),
        )
        return
    summary.ref_states += 1
    db.execute(
        "INSERT INTO ref_states (source_id, commit_row, first_seen_at, last_seen_at, gone_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (sid, crow, st.first, st.last, st.gone),
    )


def _mark_gone(
    db: Database,
    repo: _Repo,
    *,
    repo_id: int,
    previous_read: int | None,
    s: _Shard,
    rid: int,
) -> None:
    """A shard's successful read of a repository lists all its refs then: the target's refs of
    it the shard does not have are gone since, as ``inventory add`` marks them."""
    if repo.last_read_at is None or repo.last_error is not None:
        return
    if previous_read is not None and repo.last_read_at <= previous_read:
        return  # the target read it later than this shard did
    refs = {ref for srid, ref in s.sources.values() if srid == rid}
    for sid, ref in db.execute(
        "SELECT id, ref FROM sources WHERE repository_id = ?", (repo_id,)
    ).fetchall():
        if ref in refs:
            continue
        last = db.execute(
            "SELECT id, first_seen_at, gone_at FROM ref_states WHERE source_id = ?"
            " ORDER BY first_seen_at DESC, id DESC LIMIT 1",
            (sid,),
        ).fetchone()
        if last is not None and last[2] is None and last[1] <= repo.last_read_at:
            db.execute(
                "UPDATE ref_states SET gone_at = ? WHERE id = ?", (repo.last_read_at, last[0])
            )
