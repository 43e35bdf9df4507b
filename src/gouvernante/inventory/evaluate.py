"""``-inventory``: rules against what the inventory recorded, through the same placing code as
``-git`` (``gitscan.snapshot_findings``): same findings, except that an inventory keeps no line
numbers and no file content (hash indicators are not checked)."""

from __future__ import annotations

import fnmatch
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec

from gouvernante import trace
from gouvernante.errors import SourceError
from gouvernante.gitscan import (
    SBOM_MODE,
    UNPAIRED_MODES,
    BlobKey,
    BlobOutcome,
    GitScanOutput,
    Snapshot,
    in_github,
    indicator_notes,
    known_lockfile,
    project_indicators,
    snapshot_findings,
    tree_links,
)
from gouvernante.inventory import graphs
from gouvernante.inventory.backend import Database, shown_location
from gouvernante.inventory.external import reports_at
from gouvernante.inventory.store import connect
from gouvernante.lockfiles import LOCKFILE_NAMES, PNPM_WORKSPACE, parser_for_name
from gouvernante.match.hits import capitalised_names, package_hits, rules_at_version
from gouvernante.match.lockfile import LockfileMatch, match_lockfile
from gouvernante.model import LockfileFormat, ScanIssue, ScannedRef
from gouvernante.rules.index import RuleIndex
from gouvernante.rules.model import Rule
from gouvernante.sources.git import GITLINK_MODE, LINK_MODE, SYMLINK_MODE, TreeFile
from gouvernante.sources.yarnrc import YARNRC_CATALOGS

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
    """The answer of the inventory ``request.database`` (see ``_evaluate``).

    A SQLite column holds whatever was written into it: a damaged or hand-edited inventory (a
    time that is text, a graph that is not msgpack, a page that does not read) is an error
    naming the database, never a traceback and never a partial answer. The kind of problem is
    said, not the value (``-trace`` shows where it was met)."""
    try:
        return _evaluate(request, rules, index)
    except (TypeError, ValueError, KeyError, IndexError, msgspec.MsgspecError) as exc:
        trace.debug("inventory %s: %r", shown_location(request.database), exc)
        raise SourceError(
            shown_location(request.database),
            f"damaged inventory: a stored value of the wrong type or shape"
            f" ({type(exc).__name__}); run inventory add again into a new database",
        ) from None
    except sqlite3.DatabaseError as exc:
        raise SourceError(
            shown_location(request.database),
            f"damaged inventory: a read failed ({type(exc).__name__})",
        ) from None


def _evaluate(request: InventoryRequest, rules: Sequence[Rule], index: RuleIndex) -> GitScanOutput:
    """The work follows what is distinct, not the number of refs x rules: the rules' names go
    into a temporary table joined on the packages' (name, version) index, so only lockfile
    contents with a row some rule may hit are decoded and matched (once each); every commit is
    judged once however many refs point at it; a ref at a commit with nothing to report costs
    its counts only."""
    out = GitScanOutput()
    now = int(time.time()) if request.now is None else request.now
    at = request.at if request.at is not None else now
    indicators = project_indicators(rules)
    github_matters = any(ind.answerable for ind in indicators)
    db = connect(request.database, create=False)
    try:
        refs = _refs(db, at, request.ref_patterns)
        files = _commit_files(db, {row[4] for row in refs})
        blobs = _blob_meta(db)
        hits = _hit_blobs(db, index) | _own_lockfile_blobs(db)
        lockfile_of = _paired_hits(blobs, hits)
        quiet: dict[int, tuple[int, int] | None] = {}
        for crow in files:
            quiet[crow] = _quiet(files[crow], blobs, hits, github_matters)
        loud = {crow for crow, counts in quiet.items() if counts is None}
        outcomes = _outcomes(db, [files[c] for c in loud], blobs, hits, index, lockfile_of)
        _freshness(db, now, at, request.at is not None, out)
        _unanswerable_reports(db, at, request.ref_patterns, {row[0] for row in refs}, out)
    finally:
        db.close()
    out.blobs_parsed = 0
    out.notes.extend(indicator_notes(indicators))
    for name, ref, commit, committed, crow in refs:
        out.scanned.append(f"{name}@{ref} ({commit[:12]})")
        out.refs.append(ScannedRef(name, ref, commit))
        counts = quiet.get(crow, (0, 0))
        if counts is not None:  # nothing to place: counts only (most refs, most of the time)
            out.lockfiles += counts[0]
            out.packages += counts[1]
            continue
        snap = Snapshot(name, ref, commit, committed, tuple(TreeFile(*f) for f in files[crow]))
        placed = snapshot_findings(snap, outcomes, indicators, None, index)
        out.findings.extend(placed.findings)
        out.errors.extend(placed.errors)
        out.notes.extend(placed.notes)
        out.lockfiles += placed.lockfiles
        out.packages += placed.packages
    out.notes[:] = list(dict.fromkeys(out.notes))
    return out


RefRow = tuple[str, str, str, int, int]  # repository, ref, commit, committed_at, commit row
FileRow = tuple[str, str, str]  # path, mode, oid
BlobMeta = tuple[int, int, bool]  # blob id, packages, has an error, entry errors or notes


def _refs(db: Database, at: int, patterns: Sequence[str]) -> list[RefRow]:
    """Each source's state at ``at``: the newest ref_states row first seen by then, unless the
    ref was gone by then (one query; the newest state found through ref_states' index)."""
    rows: list[RefRow] = []
    for name, ref, commit, committed, crow, gone in db.execute(
        """SELECT r.name, s.ref, c.commit_id, c.committed_at, c.id, st.gone_at
        FROM sources s
        JOIN repositories r ON r.id = s.repository_id
        JOIN ref_states st ON st.id = (
            SELECT id FROM ref_states WHERE source_id = s.id AND first_seen_at <= ?
            ORDER BY first_seen_at DESC, id DESC LIMIT 1)
        JOIN commits_seen c ON c.id = st.commit_row
        ORDER BY r.name, s.ref""",
        (at,),
    ):
        if gone is not None and gone <= at:
            continue
        if patterns and not any(fnmatch.fnmatchcase(ref, p) for p in patterns):
            continue
        rows.append((name, ref, commit, committed, crow))
    return rows


def _commit_files(db: Database, wanted: set[int]) -> dict[int, list[FileRow]]:
    """Each commit's files; a lockfile that ``inventory add`` read with the package.json beside
    it (``PAIRED_MODE``, ``PAIRED_YARNRC_MODE``) under that reading's oid, as -git reads it."""
    files: dict[int, list[FileRow]] = {crow: [] for crow in wanted}
    for crow, path, mode, oid in db.execute(
        "SELECT commit_row, path, mode, oid FROM commit_files ORDER BY commit_row, path"
    ):
        got = files.get(crow)
        if got is not None:
            got.append((path, UNPAIRED_MODES.get(mode, mode), oid))
    return files


def _paired_hits(blobs: Mapping[tuple[str, str], BlobMeta], hits: set[int]) -> dict[int, int]:
    """(paired content -> its lockfile's content) by blob id; a paired content some rule may hit
    (its lockfile's) is added to ``hits``."""
    lockfile_of: dict[int, int] = {}
    for (oid, name), meta in blobs.items():
        if "+" in oid:
            lock = blobs.get((oid.partition("+")[0], name))
            if lock is not None:
                lockfile_of[meta[0]] = lock[0]
                if lock[0] in hits:
                    hits.add(meta[0])
    return lockfile_of


def _blob_meta(db: Database) -> dict[tuple[str, str], BlobMeta]:
    return {
        (oid, name): (blob_id, packages, bool(flagged))
        for oid, name, blob_id, packages, flagged in db.execute(
            "SELECT oid, name, id, packages, CASE WHEN error IS NULL AND format IS NOT NULL"
            " AND notes IS NULL AND entry_errors IS NULL THEN 0 ELSE 1 END FROM blobs"
        )
    }


def _is_lockfile(path: str, mode: str) -> tuple[bool, bool, str]:
    """(inside a .github folder, a lockfile outside one or an SBOM, the name its parser is
    chosen by: ``gitscan.known_lockfile``'s, an SBOM's file name; '' for another file)."""
    if mode == SBOM_MODE:
        return False, True, path.rpartition("/")[2]
    known = known_lockfile(path, mode)
    if known is not None:
        return False, True, known
    return in_github(path), False, ""


def _quiet(
    files: Sequence[FileRow],
    blobs: Mapping[tuple[str, str], BlobMeta],
    hits: set[int],
    github_matters: bool,
) -> tuple[int, int] | None:
    """(lockfiles, packages) of a commit with nothing to report at any ref, else None: it has
    a lockfile some rule may hit, that could not be read, with notes, or a symbolic link, or
    files under .github that a rule's indicator may name, or a submodule (a note), or a link
    out of the tree (an error where a workspace glob names it: ``_links_out``)."""
    if _links_out(files):
        return None
    lockfiles = packages = 0
    for path, mode, oid in files:
        if mode == GITLINK_MODE:
            return None
        in_github, lockfile, name = _is_lockfile(path, mode)
        if in_github and github_matters:
            return None
        if not lockfile:
            continue
        meta = blobs.get((oid, name))
        if meta is None or mode == SYMLINK_MODE or meta[2] or meta[0] in hits:
            return None
        lockfiles += 1
        packages += meta[1]
    return lockfiles, packages


# The rules' names and integrity values, as temporary tables the package rows are joined on.
_TEMP_TABLES = {
    "wanted_names": (
        "CREATE TEMP TABLE IF NOT EXISTS wanted_names (name TEXT PRIMARY KEY)",
        "DELETE FROM wanted_names",
        "INSERT INTO wanted_names (name) VALUES (?)",
    ),
    "wanted_integrity": (
        "CREATE TEMP TABLE IF NOT EXISTS wanted_integrity (integrity TEXT PRIMARY KEY)",
        "DELETE FROM wanted_integrity",
        "INSERT INTO wanted_integrity (integrity) VALUES (?)",
    ),
}


def _fill_ids(db: Database, ids: Iterable[int], hits: set[int]) -> None:
    """The blobs to read, and whether their graph is wanted (a candidate's only)."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted_blobs (id INTEGER PRIMARY KEY, hit INTEGER)")
    db.execute("DELETE FROM wanted_blobs")
    db.executemany(
        "INSERT INTO wanted_blobs (id, hit) VALUES (?, ?)",
        [(i, int(i in hits)) for i in set(ids)],
    )


def _fill(db: Database, table: str, values: Iterable[str]) -> None:
    create, empty, insert = _TEMP_TABLES[table]
    db.execute(create)
    db.execute(empty)
    db.executemany(insert, [(v,) for v in set(values)])


# The distinct (name, version) pairs of the rules' names, one index seek each (a loose index
# scan: the next version of a name is the smallest one above the last), instead of reading
# every row of a popular name (debug: one per lockfile). Declared rows (version = their
# range) come along: no range parses as a version, and the blobs are then looked up with
# declared = 0.
_DISTINCT_VERSIONS = """WITH RECURSIVE v (name, version) AS (
    SELECT w.name, (SELECT MIN(p.version) FROM packages p WHERE p.name = w.name)
    FROM wanted_names w
    UNION ALL
    SELECT v.name,
        (SELECT MIN(p.version) FROM packages p WHERE p.name = v.name AND p.version > v.version)
    FROM v WHERE v.version IS NOT NULL
)
SELECT name, version FROM v WHERE version IS NOT NULL"""


def _hit_blobs(db: Database, index: RuleIndex) -> set[int]:
    """Blobs with a row some rule may hit: a resolved (name, version) a rule names (judged
    once per distinct pair, for any package manager: a superset, the matcher then decides on
    the rebuilt graph), a bad integrity, or a declared range (or a bundled name: a note)
    naming a rule's package."""
    _fill(db, "wanted_names", index.names)
    _fill(db, "wanted_integrity", index.integrity)
    hits = {
        row[0]
        for row in db.execute(
            "SELECT DISTINCT p.blob_id FROM wanted_names w CROSS JOIN packages p"
            " WHERE p.declared >= 1 AND p.name = w.name"
        )
    }
    if index.integrity:  # (CROSS JOIN: from the few rule values to the rows, never the reverse)
        hits.update(
            row[0]
            for row in db.execute(
                "SELECT DISTINCT p.blob_id FROM wanted_integrity w CROSS JOIN packages p"
                " WHERE p.integrity = w.integrity"
            )
        )
    # an SBOM may list a name a rule spells with capitals in lowercase (``lowercased_names``)
    for lowered in capitalised_names(index):
        hits.update(
            row[0]
            for row in db.execute(
                "SELECT DISTINCT blob_id FROM packages WHERE name = ? AND declared = 0", (lowered,)
            )
        )
    # a file: tarball whose package the file does not name: any rule at its version (any rule
    # when the file records no version either: npm 6's, bun's; decision 0146)
    unnamed = db.execute(
        "SELECT DISTINCT version FROM packages WHERE name = '' AND declared = ?",
        (graphs.UNNAMED_TARBALL_ROW,),
    ).fetchall()
    for (version,) in unnamed:
        if not version or rules_at_version(index, version, None):
            hits.update(
                row[0]
                for row in db.execute(
                    "SELECT blob_id FROM packages WHERE name = '' AND version = ? AND declared = ?",
                    (version, graphs.UNNAMED_TARBALL_ROW),
                )
            )
    from gouvernante.semver import try_parse_version  # noqa: PLC0415 - on first use

    for pname, version in db.execute(_DISTINCT_VERSIONS).fetchall():
        # a version no rule can be checked against is the matcher's to report (entry_errors)
        unchecked = pname in index.by_name and version and try_parse_version(version) is None
        if unchecked or package_hits(index, pname, version, None):
            # (declared tested here: in SQL it would steer the lookup to the declared index,
            # every row of the name instead of those of the version)
            hits.update(
                blob_id
                for blob_id, declared in db.execute(
                    "SELECT blob_id, declared FROM packages WHERE name = ? AND version = ?",
                    (pname, version),
                )
                if not declared
            )
    return hits


def _own_lockfile_blobs(db: Database) -> set[int]:
    """The contents whose workspace links each commit's tree must answer (``graphs.
    OWN_LOCKFILES_ROW``): decoded wherever they are, never counted quiet, so that
    ``gitscan.read_files`` judges them by the commit's files as -git does."""
    return {
        row[0]
        for row in db.execute(
            "SELECT DISTINCT blob_id FROM packages WHERE name = '' AND declared = ?",
            (graphs.OWN_LOCKFILES_ROW,),
        )
    }


def _outcomes(  # noqa: PLR0917 - one private step of _evaluate
    db: Database,
    commits: Sequence[Sequence[FileRow]],
    blobs: Mapping[tuple[str, str], BlobMeta],
    hits: set[int],
    index: RuleIndex,
    lockfile_of: Mapping[int, int],
) -> dict[BlobKey, BlobOutcome]:
    """The outcome of each lockfile blob of the commits that have something to report."""
    keys: dict[BlobKey, int | None] = {}
    for files in commits:
        for path, mode, oid in files:
            _in_github, lockfile, name = _is_lockfile(path, mode)
            if lockfile:
                meta = blobs.get((oid, name))
                keys[BlobKey(oid, name)] = None if meta is None else meta[0]
    hits = hits | _project_context(commits, blobs, hits) | _workspace_context(commits, blobs, hits)
    wanted = {b for b in keys.values() if b is not None}
    hits |= {b for b in wanted if lockfile_of.get(b, -1) in hits}
    wanted |= {lockfile_of[b] for b in wanted if b in lockfile_of}
    hits |= {lockfile_of[b] for b in wanted if b in lockfile_of and b in hits}
    _fill_ids(db, wanted, hits)
    stored = {
        row[0]: row[1:]
        for row in db.execute(
            "SELECT b.id, b.format, b.packages, b.error, b.notes, b.entry_errors,"
            " CASE WHEN w.hit = 1 THEN b.graph ELSE NULL END"
            " FROM wanted_blobs w CROSS JOIN blobs b WHERE b.id = w.id"
        )
    }
    outcomes: dict[BlobKey, BlobOutcome] = {}
    matched: dict[
        tuple[bytes, str, tuple[str, ...], bytes | None],
        tuple[LockfileMatch, tuple[tuple[str, str], ...]],
    ] = {}
    for key, blob_id in keys.items():
        if blob_id is None or blob_id not in stored:
            outcomes[key] = BlobOutcome(error="not in the inventory (run inventory add again)")
            continue
        fmt, packages, error, notes, recorded, data = stored[blob_id]
        # the entries the parser could not read when the blob was recorded
        unread = tuple(recorded.split("\n")) if recorded else ()
        if error is not None or fmt is None:
            outcomes[key] = BlobOutcome(error=error or "not parsed")
        elif blob_id in hits:
            lock = stored.get(lockfile_of.get(blob_id, -1))
            # Contents that differ only in layout store the same graph: matched once.
            cache_key = (data, key.name, unread, lock[-1] if lock is not None else None)
            got = matched.get(cache_key)
            if got is None:
                if lock is not None and lock[-1] is not None:  # read with its manifest
                    graph, catalogs = graphs.decode_paired(lock[-1], data, unread), None
                else:
                    graph, catalogs = graphs.decode_with_catalogs(data, unread)
                match = match_lockfile(
                    graph, index, key.name, workspace=key.name == PNPM_WORKSPACE, catalogs=catalogs
                )
                got = matched[cache_key] = (match, tuple(graph.own_lockfile_links))
            outcomes[key] = BlobOutcome(match=got[0], own_lockfiles=got[1])
        else:
            note_list = tuple(notes.split("\n")) if notes else ()
            outcomes[key] = BlobOutcome(
                match=LockfileMatch(
                    LockfileFormat(fmt),
                    (),
                    (),
                    frozenset(),
                    packages,
                    note_list,
                    unread,
                    workspace=key.name == PNPM_WORKSPACE,
                )
            )
    return outcomes


def _workspace_context(
    commits: Sequence[Sequence[FileRow]], blobs: Mapping[tuple[str, str], BlobMeta], hits: set[int]
) -> set[int]:
    """The manifests, pnpm-workspace.yaml and .yarnrc.yml files (``YARNRC_CATALOGS``) whose
    graphs are read beside a hit: in a commit with a workspace file or a yarn rc file, a
    manifest's ``catalog:`` reference is judged by its catalogs, which may name a rule's package
    under another name (an ``npm:`` alias), and the manifest may name one the catalog does not
    (then the catalogs say what it stands for)."""
    wanted: set[int] = set()
    for files in commits:
        ids: list[int] = []
        workspace = hit = False
        for path, mode, oid in files:
            _in_github, lockfile, name = _is_lockfile(path, mode)
            meta = blobs.get((oid, name)) if lockfile and mode != SBOM_MODE else None
            if meta is None or name not in _CATALOG_FILES:
                continue
            ids.append(meta[0])
            workspace = workspace or name in (PNPM_WORKSPACE, YARNRC_CATALOGS)
            hit = hit or meta[0] in hits
        if workspace and hit:
            wanted.update(ids)
    return wanted


_CATALOG_FILES = frozenset({"package.json", PNPM_WORKSPACE, YARNRC_CATALOGS})
# files whose declared ranges a lockfile of their project decides: the manifests the parser
# table reads as package.json and deno.json(c) (a Deno import map: decision 0053)
_DECLARING_FILES = frozenset(
    spec_name
    for spec_name in LOCKFILE_NAMES
    if (spec := parser_for_name(spec_name)) is not None
    and spec.module in ("package_json", "deno_json")
)


def _project_context(
    commits: Sequence[Sequence[FileRow]], blobs: Mapping[tuple[str, str], BlobMeta], hits: set[int]
) -> set[int]:
    """The contents whose graphs are read beside a package.json whose declared ranges name a
    rule's package: every lockfile and manifest of its commit, which say whether a lockfile of
    its project resolves the name, whether the name is one of the project's workspaces, and
    which lockfiles are of its project at all (their importer and ``file:`` folders, the
    ``workspaces`` globs and names of the manifests), as -dir and -git judge it."""
    needed: set[int] = set()
    for files in commits:
        ids: list[int] = []
        manifest_hit = False
        for path, mode, oid in files:
            _in_github, lockfile, name = _is_lockfile(path, mode)
            meta = blobs.get((oid, name)) if lockfile else None
            if meta is not None:
                ids.append(meta[0])
                manifest_hit = manifest_hit or (name in _DECLARING_FILES and meta[0] in hits)
        if manifest_hit or _links_out(files):
            needed.update(ids)
    return needed


def _links_out(files: Sequence[FileRow]) -> bool:
    """Does a commit hold a symbolic link out of its tree (``gitscan.tree_links``)? Its
    manifests' globs say whether it is a workspace member not read (decision 0113)."""
    linked = [TreeFile(*f) for f in files if f[1] == LINK_MODE]
    return bool(linked) and bool(tree_links(linked)[1])


def _freshness(db: Database, now: int, at: int, explicit_at: bool, out: GitScanOutput) -> None:
    for name, last_read, last_error in db.execute(
        "SELECT name, last_read_at, last_error FROM repositories ORDER BY name"
    ):
        if last_error is not None:
            if not isinstance(last_error, str):
                raise TypeError("repositories.last_error")
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


def _unanswerable_reports(
    db: Database, at: int, patterns: Sequence[str], answered: set[str], out: GitScanOutput
) -> None:
    """Sources known only from a JSON report: it holds findings, not the package set, so no
    rule can be answered from it. Each is an error (never a clean source) naming the scan,
    unless the inventory also holds the same source's package sets (``-dir`` names a folder
    ``HOST:ROOT`` as a report does): then those answer it."""
    if patterns:
        return  # -ref narrows to refs: a report has none
    for r in reports_at(db, at):
        if r.name in answered:
            continue
        out.errors.append(
            ScanIssue(
                r.name,
                f"known only from a JSON report (scan of {r.host} at {_when(r.started_at)}:"
                f" {r.files} files, verdict {r.verdict}, {r.findings} findings then): a report"
                " holds findings, not the package set, so it cannot answer these rules; record"
                " the source itself (inventory add -dir, -git or -sbom)",
            )
        )
