"""``gouvernante inventory add``: read repositories into the inventory, incrementally.

A ref whose commit the inventory already knows costs one ``for-each-ref`` line: its tree is not
read again. A moved ref's tree is walked (subtrees shared with other refs once), and only blobs
the inventory has never seen are parsed.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

import msgspec

from gouvernante.errors import GouvernanteError, SourceError
from gouvernante.fs.read import (
    MAX_LOCKFILE_BYTES,
    link_end_inside,
    link_refusal,
    read_regular_file,
    real_path_inside,
)
from gouvernante.fs.walk import WalkedDir, walk
from gouvernante.gitscan import (
    BLOB_BATCH,
    NO_TARBALL,
    SBOM_MODE,
    BlobKey,
    BlobOutcome,
    ListingRequest,
    RepoListing,
    Snapshot,
    blob_outcome,
    discover_repositories,
    list_repository,
    lockfiles_of,
    manifests_of,
    member_manifests,
    named_tarballs,
    paired_key,
    paired_mode,
    parallel_map,
    parse_blob,
    parse_blob_catalogs,
    stored_oid,
    tarball_paths,
    tarball_releases,
    worker_state,
)
from gouvernante.inventory import graphs
from gouvernante.inventory.backend import ConflictError, Database, storable
from gouvernante.inventory.external import (
    ReportSource,
    report_source,
    sbom_source,
    write_reports,
)
from gouvernante.inventory.shard import Shard, repository_name
from gouvernante.inventory.store import STALE_PAIRING, connect
from gouvernante.lockfiles import (
    MANIFEST,
    OWN_LOCKFILE_REFUSED,
    PNPM_WORKSPACE,
    TARBALL_BYTES,
    tarball_release,
    with_manifest_beside,
    with_tarball_releases,
)
from gouvernante.match.hits import bundled_notes
from gouvernante.model import Catalogs, LockfileGraph, ScanIssue
from gouvernante.rules.index import build_index
from gouvernante.sources.git import (
    GITHUB_DIR,
    GITLINK_MODE,
    LINK_MODE,
    SYMLINK_MODE,
    YARNRC_CATALOGS_MODE,
    YARNRC_LOCK_MODE,
    YARNRC_REFUSED_MODE,
    ObjectStore,
    Repository,
    TreeFile,
    reap_all,
)
from gouvernante.sources.names import lockfile_name
from gouvernante.sources.yarnrc import (
    MAX_YARNRC_BYTES,
    YARN_LOCK,
    YARNRC,
    YARNRC_CATALOGS,
    inherit,
    inherited_above,
)


@dataclass(frozen=True)
class StoredBlob:
    key: BlobKey
    format: str | None
    packages: int
    error: str | None
    notes: str | None
    graph: bytes | None
    rows: tuple[tuple[str, str, str | None, int], ...]  # name, version, integrity, declared
    entry_errors: str | None = None  # one a line, as notes


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
    sboms: int = 0  # -sbom files recorded (readable or not)
    reports: int = 0  # JSON reports read; reports_new of them not seen before
    reports_new: int = 0


def _needs_manifest(blob: StoredBlob) -> bool:
    return any(row[3] == graphs.BESIDE_ROW for row in blob.rows)


def _names_tarballs(blob: StoredBlob) -> bool:
    return any(row[3] in _TARBALL_ROWS for row in blob.rows)


# the rows of a yarn lockfile naming file: tarballs (one recorded before TARBALLS_ROW has the
# other when a version is known)
_TARBALL_ROWS = (graphs.UNNAMED_TARBALL_ROW, graphs.TARBALLS_ROW)


@dataclass(frozen=True)
class Tarballs:
    """Where ``inventory add`` finds a snapshot's ``file:`` tarballs: ``locate`` gives the
    blob oid of the regular file at a path of its tree (None: none there), ``releases`` the
    (name, version) of each tarball blob's package.json (``gitscan.tarball_releases``)."""

    locate: Callable[[str], str | None]
    releases: Callable[[Sequence[str]], Mapping[str, tuple[str, str] | None]]


def _with_pairs(  # noqa: PLR0917 - one private step, as gitscan.match_blobs pairs
    snapshot: Snapshot,
    read: Callable[[Sequence[str]], Mapping[str, bytes]],
    needs: Callable[[BlobKey], bool],
    have: frozenset[tuple[str, str]],
    tarred: Callable[[BlobKey], bool] = lambda _key: False,
    tarballs: Tarballs | None = None,
) -> tuple[Snapshot, list[StoredBlob]]:
    """The snapshot with a ``paired_mode`` file for each lockfile read with the package.json
    beside it (npm v1, yarn classic, berry overrides: ``match.lockfile.needs_manifest``) or
    with the ``file:`` tarballs it names in the same tree (``tarred``: yarn, ``tarballs``:
    where they are found), and the contents of those pairs the inventory does not hold yet
    (``graphs.encode_paired``), as ``gitscan.match_blobs`` pairs them for -git. ``read``: bytes
    by oid (an oid not read is left out)."""
    candidates = [
        f
        for f in lockfiles_of(snapshot)
        if f.mode != SYMLINK_MODE and (needs(BlobKey.of(f)) or tarred(BlobKey.of(f)))
    ]
    if not candidates:
        return snapshot, []
    manifest_files = [
        f
        for f in snapshot.files
        if f.mode not in (SYMLINK_MODE, SBOM_MODE, GITLINK_MODE)
        and f.path.rpartition("/")[2] == MANIFEST
    ]
    data = read(sorted({f.oid for f in manifest_files}))
    outcomes: dict[BlobKey, BlobOutcome] = {}
    for f in manifest_files:
        if f.oid in data:
            outcomes[BlobKey.of(f)] = blob_outcome(data[f.oid], BlobKey.of(f), _NO_RULES)
    for f in candidates:
        outcomes[BlobKey.of(f)] = BlobOutcome(needs_manifest=needs(BlobKey.of(f)))
    manifests = manifests_of(snapshot, outcomes)
    rows: dict[str, TreeFile] = {}
    blobs: list[StoredBlob] = []
    for f in candidates:
        plain = BlobKey.of(f)
        key = paired_key(f, snapshot, outcomes, manifests) or plain
        graph = None
        if tarred(plain) and tarballs is not None:
            graph = _parsed(read, key)
            if isinstance(graph, LockfileGraph):
                relative = [path for _node, path in graph.unnamed_tarballs]
                oids = tuple(
                    (tarballs.locate(full) if full else None) or NO_TARBALL
                    for full in tarball_paths(f.path, relative)
                )
                if any(oid != NO_TARBALL for oid in oids):
                    key = replace(key, tarballs=oids)
        if key == plain:
            continue  # (no manifest to read it with, no tarball there: the blob alone)
        stored = BlobKey(stored_oid(key), key.name)
        rows[f.path] = TreeFile(f.path, paired_mode(f.mode), stored.oid)
        if (stored.oid, stored.name) in have or stored in _PARSED_HERE:
            continue
        _PARSED_HERE.add(stored)
        if graph is None:
            graph = _parsed(read, key)
        if graph is None:
            blobs.append(StoredBlob(stored, None, 0, "not read", None, None, ()))
        elif isinstance(graph, StoredBlob):
            blobs.append(replace(graph, key=stored))
        else:
            releases = tarballs.releases(key.tarballs) if key.tarballs and tarballs else {}
            blobs.append(_store_paired(graph, key, data, stored, releases))
    return replace(snapshot, files=tuple(rows.get(f.path, f) for f in snapshot.files)), blobs


def _parsed(
    read: Callable[[Sequence[str]], Mapping[str, bytes]], key: BlobKey
) -> LockfileGraph | StoredBlob | None:
    """A lockfile's graph, or its content stored with the error it could not be parsed with
    (None: not read)."""
    lock = read([key.oid]).get(key.oid)
    if lock is None:
        return None
    try:
        return parse_blob(lock, BlobKey(key.oid, key.name))
    except GouvernanteError as exc:
        return StoredBlob(key, None, 0, exc.located(), None, None, ())


def _store_paired(
    graph: LockfileGraph,
    key: BlobKey,
    manifests: Mapping[str, bytes],
    stored: BlobKey,
    releases: Mapping[str, tuple[str, str] | None],
) -> StoredBlob:
    """A lockfile read with the package.json beside it and its workspaces' (``manifests``: the
    snapshot's package.json bytes by oid) and with its ``file:`` tarballs, as -git reads it."""
    if key.beside:
        manifest = manifests.get(key.beside)
        beside = None
        if manifest is not None:
            try:
                beside = parse_blob(manifest, BlobKey(key.beside, MANIFEST))
            except GouvernanteError:
                beside = None  # (its own error is the manifest's row's)
        members = member_manifests(key, manifests)
        graph = with_manifest_beside(graph, beside, key.members, members)
    named = named_tarballs(graph, key.tarballs, releases)
    graph = with_tarball_releases(graph, named)
    parsed = _parsed_blob(stored, graph)
    return replace(parsed, graph=graphs.encode_paired(graph, named), rows=())


def _store_blob(data: bytes, key: BlobKey) -> StoredBlob:
    try:
        graph, catalogs = parse_blob_catalogs(data, key)
    except GouvernanteError as exc:
        return StoredBlob(key, None, 0, exc.located(), None, None, ())
    return _parsed_blob(key, graph, catalogs)


def _parsed_blob(
    key: BlobKey, graph: LockfileGraph, catalogs: Catalogs | None = None
) -> StoredBlob:
    """A content as the inventory keeps it: its graph (with a pnpm-workspace.yaml's
    ``catalogs``), package rows, notes and the entries its parser could not read (one a line).
    The notes are those any scan of it gives whatever the rules (the parser's, and an entry
    bundling every dependency: ``bundled_notes`` with no rule); a note a rule's name calls for
    is the matcher's, from the graph."""
    notes = [*graph.notes, *bundled_notes(graph, _NO_RULES)] if graph.bundled else graph.notes
    return StoredBlob(
        key,
        graph.format.value,
        len(graph.packages),
        None,
        "\n".join(notes) or None,
        graphs.encode(graph, catalogs),
        graphs.package_rows(graph, catalogs),
        "\n".join(graph.entry_errors) or None,
    )


_NO_RULES = build_index(())


def add(
    database: str,
    git_paths: Sequence[str],
    *,
    dirs: Sequence[str] = (),
    recursive: bool = False,
    ref_patterns: tuple[str, ...] = (),
    workers: int | None = None,
    now: int | None = None,
    shard: Shard | None = None,
    sboms: Sequence[str] = (),
    reports: Sequence[str] = (),
) -> AddSummary:
    started = time.perf_counter()
    stamp = int(time.time()) if now is None else now
    summary = AddSummary()
    db = connect(database, create=True)
    if not db.postgres:
        db.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        repos = discover_repositories(git_paths, recursive, summary.errors, summary.notes)
        if shard is not None:  # this job's part of the organisation (inventory/shard.py)
            repos = [r for r in repos if shard.holds(_shard_name(r, git_paths))]
        summary.repositories = len(repos)
        known = _known_commits(db, repos)
        request = ListingRequest(ref_patterns, known=known)
        # (a pnpm root stored refused for its workspace links before decision 0135 is read
        # again where it is met, and stored in place of that row: ``_write_blobs``)
        # (and a yarn classic pairing stored as an error by the migration to schema 11)
        refused = frozenset(
            tuple(row)
            for row in db.execute(
                "SELECT oid, name FROM blobs WHERE error LIKE ? OR error = ?",
                (f"%{OWN_LOCKFILE_REFUSED}%", STALE_PAIRING),
            ).fetchall()
        )
        have = frozenset(db.execute("SELECT oid, name FROM blobs").fetchall()) - refused
        beside = frozenset(  # (the contents read with the package.json beside them)
            tuple(row)
            for row in db.execute(
                "SELECT b.oid, b.name FROM packages p JOIN blobs b ON b.id = p.blob_id"
                " WHERE p.name = '' AND p.declared = ?",
                (graphs.BESIDE_ROW,),
            ).fetchall()
        )
        tarred = frozenset(  # (yarn lockfiles naming file: tarballs)
            tuple(row)
            for row in db.execute(
                "SELECT DISTINCT b.oid, b.name FROM packages p JOIN blobs b ON b.id = p.blob_id"
                " WHERE p.name = '' AND p.declared IN (?, ?)",
                _TARBALL_ROWS,
            ).fetchall()
        )
        _PARSED_HERE.clear()
        listings: list[RepoListing] = []
        new_blobs: list[StoredBlob] = []
        state = {"request": request, "have": have, "beside": beside, "tarred": tarred}
        for listing, blobs in parallel_map(_add_job, repos, workers, state):
            listings.append(listing)
            new_blobs.extend(blobs)
        for directory in dirs:
            found, blobs = _directory(directory, have, beside, stamp, summary, tarred)
            if found is not None:
                summary.repositories += 1
                listings.append(found)
                new_blobs.extend(blobs)
        for path in sboms:
            _sbom(path, have, stamp, summary, listings=listings, blobs=new_blobs)
        summary.blobs_parsed = len(new_blobs)
        _write(db, new_blobs, listings, stamp, summary, replaced=refused)
        if reports:
            _reports(db, reports, stamp, summary)
    finally:
        db.close()
        reap_all()
    summary.elapsed_s = time.perf_counter() - started
    return summary


def _blob_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _folder_setting(
    wd: WalkedDir, rel_dir: str, parent: str | None
) -> tuple[str | None, list[tuple[TreeFile, str, bytes]]]:
    """A folder's ``.yarnrc.yml`` as ``ObjectStore.lockfiles`` reads it in a tree (decision
    0044): the lockfile name of the folder's projects (``yarnrc.inherit``, ``parent`` being its
    parent's) and, when it cannot be read exactly (a symbolic link, a setting not read), itself
    in ``YARNRC_REFUSED_MODE`` with the parser name and bytes its content is stored under (its
    projects get no name: that error stands for them); and itself in ``YARNRC_CATALOGS_MODE``
    when it may define catalogs (decision 0056)."""
    from gouvernante.lockfiles.pnpm_workspace import may_define_yarn_catalogs  # noqa: PLC0415

    rel = YARNRC if rel_dir == "." else f"{rel_dir}/{YARNRC}"
    data = b""
    catalogs: list[tuple[TreeFile, str, bytes]] = []
    if YARNRC not in wd.links:
        try:
            data = read_regular_file(os.path.join(wd.path, YARNRC), MAX_YARNRC_BYTES, rel)
        except GouvernanteError:
            pass  # (refused: the stored content's error says why)
        else:
            if may_define_yarn_catalogs(data):
                catalogs.append(
                    (TreeFile(rel, YARNRC_CATALOGS_MODE, _blob_oid(data)), YARNRC_CATALOGS, data)
                )
            try:
                return inherit(parent, data, rel), catalogs
            except GouvernanteError:
                pass  # (refused: the stored content's error says why, with the line)
    # (its catalogs are not read either: decision 0056)
    return None, [(TreeFile(rel, YARNRC_REFUSED_MODE, _blob_oid(data)), YARNRC, data)]


def _yarnrc_files(
    wd: WalkedDir,
    rel_dir: str,
    *,
    names: dict[str, str | None],
    above: str | None,
    directory: str,
    summary: AddSummary,
) -> list[tuple[TreeFile, str, bytes]]:
    """The files yarn berry's ``lockfileFilename`` adds in ``wd`` (``names``: the name of each
    folder walked so far, the walk going top-down; ``above``: the root's parent's)."""
    name = names.get(os.path.dirname(wd.path), above)
    found: list[tuple[TreeFile, str, bytes]] = []
    if YARNRC in wd.files:
        name, found = _folder_setting(wd, rel_dir, name)
    names[wd.path] = name
    return found + _named_lockfile(wd, rel_dir, name, directory, summary)


def _named_lockfile(
    wd: WalkedDir, rel_dir: str, name: str | None, directory: str, summary: AddSummary
) -> list[tuple[TreeFile, str, bytes]]:
    """The file ``name`` (yarn berry's ``lockfileFilename``, from the folder's ``.yarnrc.yml``
    or one above) as ``ObjectStore.lockfiles`` records it: the lockfile (``YARNRC_LOCK_MODE``,
    read as a yarn.lock); when it is a link or a folder, the folder's ``.yarnrc.yml`` or,
    without one, the entry itself in ``YARNRC_REFUSED_MODE``; nothing when there is none."""
    if name is None:
        return []
    full = os.path.join(wd.path, name)
    shown = name if rel_dir == "." else f"{rel_dir}/{name}"
    if name not in wd.files or name in wd.links:
        if not os.path.lexists(full):
            return []
        if YARNRC not in wd.files:
            return [(TreeFile(shown, YARNRC_REFUSED_MODE, _blob_oid(b"")), YARNRC, b"")]
        rel = YARNRC if rel_dir == "." else f"{rel_dir}/{YARNRC}"
        try:
            data = read_regular_file(os.path.join(wd.path, YARNRC), MAX_YARNRC_BYTES, rel)
        except GouvernanteError:
            data = b""
        return [(TreeFile(rel, YARNRC_REFUSED_MODE, _blob_oid(data)), YARNRC, data)]
    try:
        lock = read_regular_file(full, MAX_LOCKFILE_BYTES, shown)
    except GouvernanteError as exc:
        summary.errors.append(ScanIssue(os.path.join(directory, shown), exc.detail))
        return []
    return [(TreeFile(shown, YARNRC_LOCK_MODE, _blob_oid(lock)), YARN_LOCK, lock)]


def _shard_name(repo: Repository, git_paths: Sequence[str]) -> str:
    for root in git_paths:
        if repo.display == root or repo.display.startswith(root.rstrip("/") + "/"):
            return repository_name(root, repo.display)
    return repository_name(repo.display, repo.display)


DIRECTORY_REF = "worktree"


def _directory(  # noqa: PLR0917 - one private step of add
    directory: str,
    have: frozenset[tuple[str, str]],
    beside: frozenset[tuple[str, str]],
    now: int,
    summary: AddSummary,
    tarred: frozenset[tuple[str, str]] = frozenset(),
) -> tuple[RepoListing | None, list[StoredBlob]]:
    """A project folder as a source: ``host:/abs/dir`` at ref ``worktree``, its "commit" the
    hash of what it holds (lockfiles and .github files found as ``-dir -recursive`` finds them),
    so an unchanged folder is an unchanged ref."""
    root = os.path.abspath(directory)
    if not os.path.isdir(root):
        summary.errors.append(ScanIssue(directory, "no such directory"))
        return None, []
    files: list[TreeFile] = []
    contents: dict[str, bytes] = {}

    def on_error(path: str, message: str) -> None:
        summary.errors.append(ScanIssue(path, message))

    refused = _catalogs_above(root)
    repository = Repository(root, f"{_hostname()}:{root}", bare=True)
    if refused:  # recorded as the folder's last read failing: -inventory says so, never CLEAN
        return RepoListing(repository, errors=tuple(refused)), []
    before = len(summary.errors)
    above, unread = inherited_above(root)  # (yarn berry's lockfileFilename, as -dir reads it)
    summary.errors.extend(ScanIssue(path, reason) for path, reason in unread)
    names: dict[str, str | None] = {}
    real_root = os.path.realpath(root)  # (once: each folder link is resolved against it)
    # (yarn 1's --modules-folder trees are installs, not the folder's own files: as -dir)
    for walked in walk(root, on_error=on_error, installed=[]):
        wd = _links_followed(walked, root)
        rel_dir = os.path.relpath(wd.path, root).replace(os.sep, "/")
        in_github = GITHUB_DIR in rel_dir.split("/")
        _folder_files(
            wd,
            rel_dir,
            directory,
            (files, contents),
            summary,
            in_github=in_github,
            roots=(root, real_root),
        )
        if not in_github:
            for f, name, data in _yarnrc_files(
                wd, rel_dir, names=names, above=above, directory=directory, summary=summary
            ):
                files.append(f)
                contents[f.oid + "\0" + name] = data
    if len(summary.errors) > before:
        # a file or folder not read (a FIFO or device under a lockfile's name, one over the
        # limit, a folder that cannot be listed): the folder's read failed, as when a file
        # above it is not read. Recorded as a snapshot without that file, -inventory read it
        # CLEAN (red team, branch hostile-new); the errors name each path.
        unread_here = [
            ScanIssue(root, f"{issue.path}: {issue.message}; not recorded")
            for issue in summary.errors[before:]
        ]
        del summary.errors[before:]
        return RepoListing(repository, errors=tuple(unread_here)), []
    digest = hashlib.sha1(usedforsecurity=False)
    for f in sorted(files, key=lambda f: f.path):
        digest.update(f"{f.mode} {f.path} {f.oid}\n".encode("utf-8", "surrogateescape"))
    name = f"{_hostname()}:{root}"
    snapshot = Snapshot(name, DIRECTORY_REF, digest.hexdigest(), now, tuple(files))
    blobs: list[StoredBlob] = []
    for key in dict.fromkeys(
        BlobKey.of(f) for f in lockfiles_of(snapshot) if f.mode != SYMLINK_MODE
    ):
        if (key.oid, key.name) not in have:
            blobs.append(_store_blob(contents[key.oid + "\0" + key.name], key))
    needs = beside | {(b.key.oid, b.key.name) for b in blobs if _needs_manifest(b)}
    tarred = tarred | {(b.key.oid, b.key.name) for b in blobs if _names_tarballs(b)}
    by_oid = {k.partition("\0")[0]: v for k, v in contents.items()}
    on_disk = _FolderTarballs(root)
    snapshot, pairs = _with_pairs(
        snapshot,
        lambda oids: {o: by_oid[o] for o in oids if o in by_oid},
        lambda k: (k.oid, k.name) in needs,
        have,
        lambda k: (k.oid, k.name) in tarred,
        Tarballs(on_disk.locate, on_disk.releases),
    )
    blobs.extend(pairs)
    if on_disk.read:  # (a tarball changed is a changed folder, as a lockfile changed is)
        for path, oid in sorted(on_disk.read.items()):
            digest.update(f"tarball {path} {oid}\n".encode("utf-8", "surrogateescape"))
        snapshot = replace(snapshot, commit=digest.hexdigest())
    return RepoListing(Repository(root, name, bare=True), (snapshot,)), blobs


class _FolderTarballs:
    """A recorded folder's ``file:`` tarballs (``Tarballs``), read on disk as ``-dir`` reads
    them: a regular file inside the folder (a link resolving out of it is not read), at most
    ``TARBALL_BYTES``. Each file is read once however many entries name it, and named at once
    (by blob oid until the folder is recorded): its bytes are not kept."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self.named: dict[str, tuple[str, str] | None] = {}  # oid -> its package.json's release
        self.located: dict[str, str | None] = {}  # real path -> oid (None: not read)
        self.read: dict[str, str] = {}  # path -> oid

    def locate(self, path: str) -> str | None:
        real = real_path_inside(os.path.join(self.root, path), self.root)
        if real is None:
            return None
        if real not in self.located:
            try:
                data = read_regular_file(real, TARBALL_BYTES, path)
            except GouvernanteError:
                self.located[real] = None
                return None
            read = self.located[real] = _blob_oid(data)
            if read not in self.named:
                self.named[read] = tarball_release(read, data)
        oid = self.located[real]
        if oid is not None:
            self.read[path] = oid
        return oid

    def releases(self, oids: Sequence[str]) -> dict[str, tuple[str, str] | None]:
        return {oid: self.named.get(oid) for oid in oids}


def _links_followed(wd: WalkedDir, root: str) -> WalkedDir:
    """``wd`` with the links ``-dir`` follows (to a regular file inside ``root``: ``link_refusal``)
    read as the files they name: only the others stay links (recorded as a tree's symbolic link,
    an error when scanned, as ``-dir`` refuses them)."""
    if not wd.links:
        return wd
    kept = frozenset(
        name
        for name in wd.links
        if link_refusal(path := os.path.join(wd.path, name), root) is not None
        or not os.path.isfile(path)
    )
    return wd if kept == wd.links else msgspec.structs.replace(wd, links=kept)


def _folder_files(
    wd: WalkedDir,
    rel_dir: str,
    directory: str,
    into: tuple[list[TreeFile], dict[str, bytes]],
    summary: AddSummary,
    *,
    in_github: bool,
    roots: tuple[str, str],
) -> None:
    """The lockfiles (and, under ``.github``, every file) of one walked folder, as ``files``
    entries and their bytes (``contents``, by oid and parser name); a file not read is an
    error in ``summary``. ``roots``: the recorded folder, absolute and real."""
    files, contents = into
    for name in wd.files:
        known = lockfile_name(name)
        if known is None and not in_github:
            if name in wd.links:
                files.extend(_folder_link(wd, rel_dir, name, roots))
            continue
        rel = name if rel_dir == "." else f"{rel_dir}/{name}"
        if name in wd.links:
            files.append(TreeFile(rel, SYMLINK_MODE, "0" * 40))
            continue
        try:
            data = read_regular_file(os.path.join(wd.path, name), MAX_LOCKFILE_BYTES, rel)
        except GouvernanteError as exc:
            summary.errors.append(ScanIssue(os.path.join(directory, rel), exc.detail))
            continue
        oid = _blob_oid(data)
        files.append(TreeFile(rel, "100644", oid))
        if known is not None and not in_github:
            contents[oid + "\0" + known] = data


def _folder_link(wd: WalkedDir, rel_dir: str, name: str, roots: tuple[str, str]) -> list[TreeFile]:
    """A symbolic link to a folder of the recorded folder as a tree's link (``LINK_MODE``),
    its target where it leads as ``-dir`` resolves it (``link_end_inside``), relative to the
    link's folder; one that leads out of the folder an absolute target (out of the tree when
    placed); one to nothing, or to a file, is none (decision 0113)."""
    path = os.path.join(wd.path, name)
    if not os.path.isdir(path):
        return []
    rel = name if rel_dir == "." else f"{rel_dir}/{name}"
    end = link_end_inside(path, *roots)
    if end is None:
        return [TreeFile(rel, LINK_MODE, "/")]
    here = "" if rel_dir == "." else rel_dir
    return [TreeFile(rel, LINK_MODE, posixpath.relpath(end or ".", here or "."))]


def _catalogs_above(root: str) -> list[ScanIssue]:
    """The files above ``root`` defining catalogs (a pnpm-workspace.yaml, a package.json, a
    ``.yarnrc.yml``: yarn 4.10+, decision 0056), or not read. ``-dir`` answers a manifest's
    ``catalog:`` references by them (its folders above are read, never scanned); a snapshot holds
    the folder's own files, so the inventory could not: the folder is refused, naming the file
    and the folder to record instead (decision 0062)."""
    from gouvernante.lockfiles import pnpm_workspace  # noqa: PLC0415 - catalog files only

    limits = (
        (PNPM_WORKSPACE, pnpm_workspace.MAX_WORKSPACE_BYTES),
        (MANIFEST, MAX_LOCKFILE_BYTES),
        (YARNRC, MAX_YARNRC_BYTES),
    )
    refused: list[ScanIssue] = []
    current = os.path.dirname(root)
    while True:
        for name, limit in limits:
            path = os.path.join(current, name)
            if not os.path.lexists(path):
                continue
            try:
                data = read_regular_file(path, limit, path)
                defined = pnpm_workspace.catalog_file(data, path, name)[1]
            except GouvernanteError as exc:
                if name == MANIFEST:
                    continue  # (-dir: a package.json not read is no workspace root)
                refused.append(
                    ScanIssue(
                        root,
                        f"{path}, above the recorded folder, not read ({exc.detail}): -dir"
                        " reads it for the catalogs of the folder's manifests; not recorded",
                    )
                )
                continue
            if defined:
                refused.append(
                    ScanIssue(
                        root,
                        f"{path}, above the recorded folder, defines catalogs: -dir answers the"
                        " folder's catalog: references by it, an inventory holds the folder's"
                        f" own files only; not recorded (record {current} instead)",
                    )
                )
        parent = os.path.dirname(current)
        if parent == current:
            return refused
        current = parent


def _hostname() -> str:
    return socket.gethostname()


def _sbom(
    path: str,
    have: frozenset[tuple[str, str]],
    now: int,
    summary: AddSummary,
    *,
    listings: list[RepoListing],
    blobs: list[StoredBlob],
) -> None:
    """An SBOM file as a source (``inventory.external``); one that does not read as an SBOM is
    recorded with its error, so -inventory says so, and is an error of this add too."""
    found = sbom_source(path, _hostname(), now)
    if isinstance(found, ScanIssue):
        summary.errors.append(found)
        return
    summary.sboms += 1
    listings.append(found.listing)
    if found.error is not None:
        summary.errors.append(ScanIssue(path, found.error))
    if (found.key.oid, found.key.name) in have:
        return
    graph = found.graph
    if graph is None:
        blobs.append(StoredBlob(found.key, None, 0, found.error, None, None, ()))
        return
    blobs.append(_parsed_blob(found.key, graph))


def _reports(db: Database, paths: Sequence[str], now: int, summary: AddSummary) -> None:
    """JSON reports as sources without a package set (``inventory.external``)."""
    read: list[ReportSource] = []
    for path in paths:
        got = report_source(path, _hostname())
        if isinstance(got, ScanIssue):
            summary.errors.append(got)
        else:
            read.append(got)
    summary.reports = len(read)
    db.begin()
    try:
        summary.reports_new = write_reports(db, read, now)
        db.commit()
    except BaseException:
        db.rollback()
        raise


def _known_commits(db: Database, repos: Sequence[Repository]) -> dict[str, frozenset[str]]:
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


_PARSED_HERE: set[BlobKey] = set()  # blobs this process parsed during the current add


def _add_job(repo: Repository) -> tuple[RepoListing, list[StoredBlob]]:
    """One repository: its refs (git only when some ref moved) and its blobs the inventory has
    never seen, parsed through the same cat-file process. Two processes may meet the same new
    blob in one run; it is stored once."""
    request = worker_state("request")
    have = worker_state("have")
    beside = worker_state("beside")
    tarred_before = worker_state("tarred")
    assert isinstance(request, ListingRequest) and isinstance(have, frozenset)
    assert isinstance(beside, frozenset) and isinstance(tarred_before, frozenset)
    with ObjectStore(repo) as store:
        listing = list_repository(repo, request, store)
        keys = [
            key
            for key in dict.fromkeys(
                BlobKey.of(f)
                for snap in listing.snapshots
                for f in lockfiles_of(snap)
                if f.mode != SYMLINK_MODE
            )
            if (key.oid, key.name) not in have and key not in _PARSED_HERE
        ]
        _PARSED_HERE.update(keys)
        blobs: list[StoredBlob] = []
        got = store.read_each([k.oid for k in keys], "blob", MAX_LOCKFILE_BYTES, BLOB_BATCH)
        for key, data in zip(keys, got, strict=True):
            if isinstance(data, SourceError):
                blobs.append(StoredBlob(key, None, 0, data.detail, None, None, ()))
            else:
                blobs.append(_store_blob(data, key))
        needs = beside | {(b.key.oid, b.key.name) for b in blobs if _needs_manifest(b)}

        def read(oids: Sequence[str]) -> dict[str, bytes]:
            got = store.read_each(list(oids), "blob", MAX_LOCKFILE_BYTES, BLOB_BATCH)
            return {o: d for o, d in zip(oids, got, strict=True) if isinstance(d, bytes)}

        tarred = tarred_before | {(b.key.oid, b.key.name) for b in blobs if _names_tarballs(b)}

        def releases(oids: Sequence[str]) -> Mapping[str, tuple[str, str] | None]:
            return tarball_releases(repo, oids, store)

        snapshots = []
        for snap in listing.snapshots:
            found = Tarballs(partial(_blob_at, store, snap.commit), releases)
            with_pairs, pairs = _with_pairs(
                snap,
                read,
                lambda k: (k.oid, k.name) in needs,
                have,
                lambda k: (k.oid, k.name) in tarred,
                found,
            )
            snapshots.append(with_pairs)
            blobs.extend(pairs)
    return replace(listing, snapshots=tuple(snapshots)), blobs


def _blob_at(store: ObjectStore, commit: str, path: str) -> str | None:
    """``ObjectStore.blob_at``; None when the tree cannot be read (the entry stays unnamed)."""
    try:
        return store.blob_at(commit, path)
    except SourceError:
        return None


WRITE_ATTEMPTS = 5


def _write(
    db: Database,
    blobs: Sequence[StoredBlob],
    listings: Sequence[RepoListing],
    now: int,
    summary: AddSummary,
    *,
    replaced: frozenset[tuple[str, str]] = frozenset(),
) -> None:
    """All of one add in one transaction: a writer killed half-way leaves nothing behind.
    ``replaced``: (oid, name) of the stored contents the new ones of that key take the place of.

    Many writers may share a PostgreSQL inventory: blobs and repositories are unique keys
    (``ON CONFLICT DO NOTHING``: a blob two writers parsed is stored once), a repository's row
    is locked by its writer until commit (two writers of one repository take turns, so its ref
    history gets no duplicate rows), and both are written in sorted order so writers lock in the
    same order. Should the server still report a deadlock, the transaction runs again."""
    blobs = sorted(blobs, key=lambda b: (b.key.oid, b.key.name))
    listings = sorted(listings, key=lambda li: li.repository.display)
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        counts = AddSummary()
        db.begin()
        try:
            rebuild = _drop_package_indexes(db, blobs)
            _forget_blobs(db, [b.key for b in blobs if (b.key.oid, b.key.name) in replaced])
            _write_blobs(db, blobs)
            for statement in rebuild:
                db.execute(statement)
            for listing in listings:
                _write_listing(db, listing, now, counts)
            db.commit()
        except ConflictError:
            db.rollback()
            if attempt == WRITE_ATTEMPTS:
                raise
            continue
        except BaseException:
            db.rollback()
            raise
        summary.refs += counts.refs
        summary.refs_moved += counts.refs_moved
        summary.refs_gone += counts.refs_gone
        summary.errors.extend(counts.errors)
        summary.notes.extend(counts.notes)
        return


# The writer's SQLite page cache (KiB, negative): the packages' indexes take random inserts, and
# with SQLite's default 2 MiB most of them read a page back from the file. At most this much is
# used, only as the file grows.
SQLITE_CACHE_KIB = 256 * 1024
BULK_ROWS = 10_000  # below this, an add keeps the indexes up to date row by row


def _drop_package_indexes(db: Database, blobs: Sequence[StoredBlob]) -> list[str]:
    """SQLite, when this add brings more package rows than the inventory holds (the first add
    of an organisation): the packages' indexes are dropped and made again after the inserts, in
    the same transaction (building an index sorts once; keeping it up to date costs a random
    B-tree insert per row and index: 4.2x the CPU on 600,000 rows). The statements that make
    them again, in order; none when nothing was dropped."""
    if db.postgres:
        return []
    new_rows = sum(len(b.rows) for b in blobs)
    if new_rows < BULK_ROWS:
        return []
    stored = db.execute("SELECT COUNT(*) FROM packages").fetchone()[0]
    if new_rows <= stored:
        return []
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master"
        " WHERE type = 'index' AND tbl_name = 'packages' AND sql IS NOT NULL ORDER BY name"
    ).fetchall()
    for name, _sql in indexes:
        db.execute('DROP INDEX "' + name.replace('"', '""') + '"')
    return [sql for _name, sql in indexes]


def _forget_blobs(db: Database, keys: Sequence[BlobKey]) -> None:
    """The stored contents of ``keys`` (and their package rows) gone, for the new ones."""
    for key in keys:
        db.execute(
            "DELETE FROM packages WHERE blob_id IN"
            " (SELECT id FROM blobs WHERE oid = ? AND name = ?)",
            (key.oid, key.name),
        )
        db.execute("DELETE FROM blobs WHERE oid = ? AND name = ?", (key.oid, key.name))


def _write_blobs(db: Database, blobs: Sequence[StoredBlob]) -> None:
    for blob in blobs:
        blob_id = db.insert_id(
            "INSERT INTO blobs (oid, name, format, packages, error, notes, graph, entry_errors)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (oid, name) DO NOTHING",
            (
                blob.key.oid,
                blob.key.name,
                blob.format,
                blob.packages,
                blob.error,
                blob.notes,
                blob.graph,
                blob.entry_errors,
            ),
        )
        if blob_id is None:
            continue  # another process (or writer) stored it
        db.executemany(
            "INSERT INTO packages (blob_id, name, version, integrity, declared)"
            " VALUES (?, ?, ?, ?, ?)",
            [(blob_id, *row) for row in blob.rows],
        )


def _row_id(db: Database, select: str, insert: str, args: tuple[object, ...]) -> int:
    """The id of a row found by ``select``, inserted (``ON CONFLICT DO NOTHING``) if absent."""
    row = db.execute(select, args).fetchone()
    if row is None:
        db.execute(insert, args)
        row = db.execute(select, args).fetchone()
    return int(row[0])


def _clashes(listing: RepoListing) -> list[ScanIssue]:
    """An error for each commit two of whose paths are stored alike (``backend.storable``: a
    name not valid UTF-8 beside the same name spelled with ``\\xNN``): the inventory could
    keep one of the two files only, so it keeps neither (the repository's read failed)."""
    found: list[ScanIssue] = []
    for snap in listing.snapshots:
        seen: set[object] = set()
        for f in snap.files:
            stored = storable(f.path)
            if stored in seen:
                found.append(
                    ScanIssue(
                        f"{snap.repository}@{snap.ref}:{f.path}",
                        f"commit {snap.commit}: two paths are stored alike in the inventory"
                        " (a name that is not valid UTF-8 and its \\x spelling): not recorded",
                    )
                )
                break
            seen.add(stored)
    return found


def _write_listing(db: Database, listing: RepoListing, now: int, summary: AddSummary) -> None:
    repo = listing.repository
    rid = _repository_id(db, repo)
    errors = [*listing.errors, *_clashes(listing)]
    error = (
        "; ".join(e.message if e.path == repo.display else f"{e.path}: {e.message}" for e in errors)
        or None
    )
    summary.errors.extend(errors)
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
            commit_row = db.insert_id(
                "INSERT INTO commits_seen (repository_id, commit_id, committed_at)"
                " VALUES (?, ?, ?)",
                (rid, snap.commit, snap.time),
            )
            db.executemany(
                "INSERT INTO commit_files (commit_row, path, mode, oid) VALUES (?, ?, ?, ?)",
                [(commit_row, f.path, f.mode, f.oid) for f in snap.files],
            )
        else:
            commit_row = crow[0]
        sid = _row_id(
            db,
            "SELECT id FROM sources WHERE repository_id = ? AND ref = ?",
            "INSERT INTO sources (repository_id, ref) VALUES (?, ?)"
            " ON CONFLICT (repository_id, ref) DO NOTHING",
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


def _repository_id(db: Database, repo: Repository) -> int:
    """The repository's row, made if new, and locked until this writer commits: the UPDATE
    takes the row lock on PostgreSQL (SQLite has one writer at a time anyway)."""
    db.execute(
        "INSERT INTO repositories (name, location) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
        (repo.display, repo.gitdir),
    )
    db.execute("UPDATE repositories SET location = ? WHERE name = ?", (repo.gitdir, repo.display))
    row = db.execute("SELECT id FROM repositories WHERE name = ?", (repo.display,)).fetchone()
    return int(row[0])
