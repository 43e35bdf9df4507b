"""Scans of git repositories without a checkout: every ref's tree, each distinct lockfile blob
parsed once, history windows (``-history``) and pull-request differences (``-diff``).

Three steps, shared with the inventory (which stores the first two and replays the third):

1. *snapshots*: each ref's commit and the lockfiles (and ``.github`` files) of its tree;
2. *blob matches*: each distinct blob parsed and matched once (``match_lockfile``);
3. *findings*: ``snapshot_findings`` places the blob matches at each ref (declared ranges
   resolved per ref, project file indicators checked on the ref's tree).
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TypeVar

import msgspec

from gouvernante import trace
from gouvernante.errors import GouvernanteError, LockfileError, SourceError
from gouvernante.fs.read import MAX_LOCKFILE_BYTES
from gouvernante.fs.treelinks import link_ends
from gouvernante.host.files import indicator_finding, indicator_pattern
from gouvernante.host.paths import is_project_relative
from gouvernante.lockfiles import (
    CHECKED_BY_CALLER,
    MANIFEST,
    PNPM_WORKSPACE,
    TARBALL_BYTES,
    needs_manifest,
    own_lockfile_in,
    own_lockfile_refusal,
    parse_bytes,
    tarball_release,
    with_manifest_beside,
    with_tarball_releases,
)
from gouvernante.match.lockfile import (
    CatalogFiles,
    LockfileMatch,
    PlacedMatch,
    declared_judge,
    match_lockfile,
    resolve_declared,
    with_workspace_catalogs,
)
from gouvernante.match.placing import (
    LINK_OUT,
    members_out,
    posix_relative,
    with_links,
    workspace_members,
)
from gouvernante.model import (
    SUBMODULE_GITLINK_NOT_SCANNED,
    Catalogs,
    DiffChange,
    Finding,
    FindingType,
    HashResult,
    LockfileFormat,
    LockfileGraph,
    MatchKind,
    ScanIssue,
    ScannedRef,
)
from gouvernante.rules.index import RuleIndex
from gouvernante.rules.model import HostIndicator, IndicatorType, Rule
from gouvernante.sources.git import (
    GITHUB_DIR,
    GITLINK_MODE,
    LINK_MODE,
    SYMLINK_MODE,
    YARNRC_CATALOGS_MODE,
    YARNRC_LOCK_MODE,
    YARNRC_REFUSED_MODE,
    CommitChanges,
    FileChange,
    ObjectStore,
    Repository,
    TreeFile,
    blocking_file,
    find_repositories,
    heads_from_files,
    history_cut,
    list_refs,
    lockfile_history,
    read_ref_files,
    reap_all,
    resolve_commit,
    shallow_commits,
    short_ref,
)
from gouvernante.sources.names import lockfile_name
from gouvernante.sources.yarnrc import YARN_LOCK, YARNRC, YARNRC_CATALOGS, lockfile_setting

MAX_INDICATOR_BYTES = 16 * 1024 * 1024
# A compromised release is usually live hours to days before the advisory: an exposure window
# that reaches into the week before the rule's published_at is marked.
COMPROMISE_LEAD_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One ref of one repository at one commit, and the files of its tree that matter."""

    repository: str
    ref: str
    commit: str
    time: int
    files: tuple[TreeFile, ...]


@dataclass(frozen=True, slots=True)
class BlobKey:
    oid: str
    name: str  # the file name picks the parser: the same bytes may be two formats
    # A lockfile read with the package.json beside it (``match.lockfile.with_manifest_beside``):
    # that manifest's oid ('-': none, or not read) and the names of the workspaces its globs
    # name; both empty for the blob read alone
    beside: str = ""
    members: tuple[str, ...] = ()
    # A yarn lockfile read with the ``file:`` tarballs it names (``with_tarballs``): their blob
    # oids ('-': not there), in the order of its ``LockfileGraph.unnamed_tarballs``; empty for
    # the blob read without them
    tarballs: tuple[str, ...] = ()
    # the package.json of each of those workspaces: (folder relative to the lockfile's, blob
    # oid), whose dependencies yarn 1 locks too (decision 0133)
    member_manifests: tuple[tuple[str, str], ...] = ()

    @staticmethod
    def of(file: TreeFile) -> BlobKey:
        # (the well-known name whose parser reads it: ``Package-Lock.json``, a pnpm branch
        # lockfile; decision 0033)
        base = posixpath.basename(file.path)
        name = _NAMED.get(file.mode) or lockfile_name(base) or base
        return BlobKey(file.oid, name, tarballs=file.tarballs)


@dataclass(frozen=True)
class BlobOutcome:
    match: LockfileMatch | None = None
    error: str | None = None  # why the blob could not be read or parsed (no path, no bytes)
    # the lockfile is read with the package.json beside it (``paired_key``): this outcome is
    # of the blob alone, the one at a place is under that key
    needs_manifest: bool = False
    # entry errors of the blob alone that the package.json beside may take back (yarn classic:
    # a dependency no entry answers, which a workspace of that name does): -history, which
    # reads past blobs alone, does not report them
    provisional: tuple[str, ...] = ()
    # a blob read without its ``file:`` tarballs: their paths relative to its folder ("":
    # outside it), in the order of its ``LockfileGraph.unnamed_tarballs`` (``with_tarballs``)
    tarballs: tuple[str, ...] = ()
    # its workspace links to folders that must hold a pnpm-lock.yaml of their own in the tree
    # where it is placed (``LockfileGraph.own_lockfile_links``; refused there otherwise:
    # ``read_files``)
    own_lockfiles: tuple[tuple[str, str], ...] = ()


NO_MANIFEST = "-"
NO_TARBALL = "-"


def paired_key(
    file: TreeFile,
    snapshot: Snapshot,
    outcomes: Mapping[BlobKey, BlobOutcome],
    manifests: Mapping[str, tuple[TreeFile, LockfileMatch | None]] | None = None,
) -> BlobKey | None:
    """The key of ``file``'s outcome read with the package.json beside it in ``snapshot``, or
    None when its blob is read alone (roots recorded, or not read). ``manifests``: the
    snapshot's package.json files by folder (``manifests_of``), made once per snapshot."""
    key = BlobKey.of(file)
    outcome = outcomes.get(key)
    if outcome is None or not outcome.needs_manifest:
        return None
    if manifests is None:
        manifests = manifests_of(snapshot, outcomes)
    folder = posixpath.dirname(file.path)
    beside = manifests.get(folder)
    if beside is None or beside[1] is None:
        return BlobKey(key.oid, key.name, NO_MANIFEST, tarballs=key.tarballs)
    found = workspace_members(folder, beside[1].workspace_globs, manifests, _name_of(manifests))
    members = sorted(set(found.values()))
    read = tuple(sorted((posix_relative(d, folder), manifests[d][0].oid) for d in found))
    return BlobKey(key.oid, key.name, beside[0].oid, tuple(members), key.tarballs, read)


def _name_of(
    manifests: Mapping[str, tuple[TreeFile, LockfileMatch | None]],
) -> Callable[[str], str | None]:
    def name(folder: str) -> str | None:
        match = manifests[folder][1]
        return match.manifest_name if match is not None else None

    return name


def manifests_of(
    snapshot: Snapshot, outcomes: Mapping[BlobKey, BlobOutcome]
) -> dict[str, tuple[TreeFile, LockfileMatch | None]]:
    """The package.json files of a snapshot by folder, with their matches (None: not read); a
    symbolic link to a folder holding one holds it too (``with_links``, decision 0113)."""
    found: dict[str, tuple[TreeFile, LockfileMatch | None]] = {}
    for file in snapshot.files:
        if file.mode in (SBOM_MODE, GITLINK_MODE) or posixpath.basename(file.path) != MANIFEST:
            continue
        outcome = outcomes.get(BlobKey.of(file))
        match = outcome.match if outcome is not None and file.mode != SYMLINK_MODE else None
        found[posixpath.dirname(file.path)] = (file, match)
    ends, _out = tree_links(snapshot.files)
    return with_links(found, ends) if ends else found


def tree_links(files: Iterable[TreeFile]) -> tuple[dict[str, str], frozenset[str]]:
    """Where the symbolic links of a tree (``LINK_MODE`` files) lead: link -> its end inside
    the tree, and the links that lead out of it (a repository: an absolute target, a ``..``
    past its root; never read), by their paths alone (``fs.treelinks``)."""
    return link_ends({f.path: f.oid for f in files if f.mode == LINK_MODE})


def rooted_links(ends: Mapping[str, str]) -> dict[str, str]:
    """``tree_links``' ends spelled as placed folders are ('/'-rooted)."""
    return {"/" + link: "/" + end for link, end in ends.items()}


def links_out(placed: Sequence[PlacedMatch], out: Iterable[str]) -> list[str]:
    """The links of ``out`` (tree paths) that a workspace glob of a placed package.json names
    (``members_out``), as tree paths."""
    manifests = {p.directory: p.match for p in placed if p.name == MANIFEST}
    return [link[1:] for link in members_out(manifests, ["/" + link for link in out])]


# The parser of a file by the mode the tree walk marks it with (``sources.git``)
_NAMED = {
    YARNRC_LOCK_MODE: YARN_LOCK,
    YARNRC_REFUSED_MODE: YARNRC,
    YARNRC_CATALOGS_MODE: YARNRC_CATALOGS,
}
YARNRC_REFUSED = (
    "a symbolic link, or its lockfileFilename names a symbolic link, a folder or a submodule"
    " (the project's lockfile): not read"
)


# The mode of a file ``inventory add -sbom`` recorded: an SBOM read as one lockfile (a mode git
# never writes, so nothing in a repository is ever taken for one).
SBOM_MODE = "sbom"
# The mode ``inventory add`` writes for a lockfile (in place of its own) read with the
# package.json beside it: the oid is that reading's (``stored_oid``), which the
# inventory's evaluation reads (a regular file). A mode git never writes.
PAIRED_MODE = "paired"
# The same for a lockfile yarn berry's ``lockfileFilename`` names (``YARNRC_LOCK_MODE``): the
# pairing keeps the mark (decision 0044).
PAIRED_YARNRC_MODE = "paired-yarnrc"
# What each paired mode stands for once its reading is found again.
UNPAIRED_MODES = {PAIRED_MODE: "100644", PAIRED_YARNRC_MODE: YARNRC_LOCK_MODE}


def paired_mode(mode: str) -> str:
    """The mode ``inventory add`` writes for a file of ``mode`` read with its package.json."""
    return PAIRED_YARNRC_MODE if mode == YARNRC_LOCK_MODE else PAIRED_MODE


def stored_oid(key: BlobKey) -> str:
    """The ``blobs.oid`` the inventory keeps a paired key's content under: the lockfile's oid,
    the manifest's and a digest of the workspace names (a blob oid holds no ``+``); read with
    its ``file:`` tarballs, a digest of their oids after them (the manifest's oid empty when it
    is not read with one: a yarn berry lockfile)."""
    if not key.beside and not key.tarballs:
        return key.oid
    listed = [*key.members, *(f"{folder} {oid}" for folder, oid in key.member_manifests)]
    members = hashlib.sha256("\n".join(listed).encode()).hexdigest()[:16]
    if not key.tarballs:
        return f"{key.oid}+{key.beside}+{members}"
    tarballs = hashlib.sha256("\n".join(key.tarballs).encode()).hexdigest()[:16]
    return f"{key.oid}+{key.beside}+{members}+{tarballs}"


def lockfiles_of(snapshot: Snapshot) -> list[TreeFile]:
    return [
        f
        for f in snapshot.files
        if f.mode == SBOM_MODE or known_lockfile(f.path, f.mode) is not None
    ]


def known_lockfile(path: str, mode: str) -> str | None:
    """The well-known name whose parser reads the tree file at ``path`` (``lockfile_name``:
    ``Package-Lock.json``, a pnpm branch lockfile; decision 0033), or None: no lockfile's name,
    a submodule (gitlink), or a file under a .github folder (never a project's lockfile)."""
    if mode == GITLINK_MODE:
        return None
    if mode in _NAMED:  # (decision 0044: what a .yarnrc.yml names, or itself refused)
        return _NAMED[mode]
    known = lockfile_name(posixpath.basename(path))
    return known if known is None or not in_github(path) else None


def submodule_notes(snapshot: Snapshot) -> list[ScanIssue]:
    """One note per submodule (gitlink) of the snapshot's tree, naming its path and commit: its
    files live in another repository, which is neither fetched nor read. Named without the ref,
    so refs that share a submodule commit share the note."""
    return [
        ScanIssue(
            f"{snapshot.repository}:{f.path}",
            f"a git submodule at commit {f.oid}{SUBMODULE_GITLINK_NOT_SCANNED}",
        )
        for f in snapshot.files
        if f.mode == GITLINK_MODE
    ]


def in_github(path: str) -> bool:
    """Is ``path`` (a tree path) inside a .github folder?"""
    return f"{GITHUB_DIR}/" in path and GITHUB_DIR in path.split("/")[:-1]


def parse_blob(data: bytes, key: BlobKey) -> LockfileGraph:
    if key.name == YARNRC:  # (a refused one, ``YARNRC_REFUSED_MODE``: its reason, with the line)
        lockfile_setting(data, key.name)
        raise LockfileError(key.name, YARNRC_REFUSED)
    # (a blob is read once for every tree it is in: its workspace links to folders holding a
    # pnpm-lock.yaml of their own are judged where it is placed, ``read_files``)
    return parse_bytes(data, key.name, key.name, own_lockfile=CHECKED_BY_CALLER)


def parse_blob_catalogs(data: bytes, key: BlobKey) -> tuple[LockfileGraph, Catalogs | None]:
    """``parse_blob``, and the catalogs a pnpm-workspace.yaml, a package.json (bun's) or a
    .yarnrc.yml (yarn 4.10+, read as ``YARNRC_CATALOGS``: no packages) defines (the ranges the
    ``catalog:`` references of the manifests below it stand for); None for any other file."""
    if key.name not in (PNPM_WORKSPACE, YARNRC_CATALOGS):
        graph = parse_blob(data, key)
        return graph, graph.catalogs
    from gouvernante.lockfiles import pnpm_workspace  # noqa: PLC0415 - workspace files only

    if key.name == YARNRC_CATALOGS:
        catalogs = pnpm_workspace.yarnrc_catalogs(data, YARNRC)
        return LockfileGraph(LockfileFormat.PACKAGE_JSON, (), (), ()), catalogs

    graph, workspace = pnpm_workspace.parse_with_workspace(data, key.name)
    return graph, workspace.catalogs


def yarn_catalogs(files: CatalogFiles, path: str, outcome: BlobOutcome | None) -> None:
    """A ``.yarnrc.yml``'s catalogs (``YARNRC_CATALOGS_MODE``, at ``path`` in the tree) in
    ``files``: none when it defines none; its error (or the refused file's,
    ``YARNRC_REFUSED_MODE``), said where a manifest's ``catalog:`` references would have been
    answered by it (as -dir says it)."""
    directory = "/" + posixpath.dirname(path)
    if outcome is not None and outcome.match is not None:
        if outcome.match.catalogs is not None:
            files.yarnrc[directory] = outcome.match.catalogs
        return
    reason = outcome.error if outcome is not None else None
    files.yarnrc[directory] = f"{path}: {reason or 'not read'}"


def is_workspace_file(file: TreeFile) -> bool:
    return file.mode != SBOM_MODE and BlobKey.of(file).name == PNPM_WORKSPACE


# --- indicators ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProjectIndicator:
    rule: Rule
    indicator: HostIndicator
    pattern: str
    regex: re.Pattern[str]
    answerable: bool  # only looks inside .github folders: answered from recorded files
    note: str = ""  # what is said when it is not answerable


def project_indicators(rules: Iterable[Rule]) -> list[ProjectIndicator]:
    """Rules' file indicators relative to a project (``.github/workflows/x.yml``)."""
    out: list[ProjectIndicator] = []
    for rule in rules:
        for ind in rule.host_indicators:
            if ind.type is not IndicatorType.FILE:
                continue
            written = indicator_pattern(ind).replace("\\", "/")
            if not is_project_relative(written):
                continue
            pattern = written.strip("/")
            answerable = pattern.split("/", 1)[0] == GITHUB_DIR
            note = (
                f"{rule.id}: indicator {ind.describe()} is checked on checkouts only"
                " (-git and -inventory look inside .github folders)"
            )
            out.append(ProjectIndicator(rule, ind, pattern, _glob_regex(pattern), answerable, note))
    return out


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A project-relative glob as a regex over paths below any project folder."""
    parts: list[str] = []
    for part in pattern.split("/"):
        if part == "**":
            parts.append("(?:[^/]+/)*")
            continue
        rx = ""
        for ch in part:
            rx += {"*": "[^/]*", "?": "[^/]"}.get(ch, re.escape(ch))
        parts.append(rx + "/")
    body = "".join(parts).removesuffix("/")
    return re.compile(body)


def indicator_notes(indicators: Sequence[ProjectIndicator]) -> list[ScanIssue]:
    """Once per scan: the project indicators a git tree cannot answer."""
    return [ScanIssue(ind.rule.source, ind.note) for ind in indicators if not ind.answerable]


def _indicator_matches(
    ind: ProjectIndicator, snapshot: Snapshot, project_dirs: Sequence[str]
) -> list[tuple[str, TreeFile | None]]:
    """(path, file or None for a folder) that the indicator names in one snapshot."""
    recorded = {f.path: f for f in snapshot.files if in_github(f.path)}
    folders: set[str] = set()
    for path in recorded:
        parts = path.split("/")
        for n in range(1, len(parts)):
            folders.add("/".join(parts[:n]))
    hits: dict[str, TreeFile | None] = {}
    for base in project_dirs:
        prefix = f"{base}/" if base else ""
        for path, file in recorded.items():
            if path.startswith(prefix) and ind.regex.fullmatch(path[len(prefix) :]):
                hits[path] = file
        for folder in folders:
            if folder.startswith(prefix) and ind.regex.fullmatch(folder[len(prefix) :]):
                hits.setdefault(folder, None)
    return sorted(hits.items())


def _project_dirs(snapshot: Snapshot) -> list[str]:
    dirs = {""} | {posixpath.dirname(f.path) for f in lockfiles_of(snapshot)}
    return sorted(dirs)


def indicator_findings(
    indicators: Sequence[ProjectIndicator],
    snapshot: Snapshot,
    read_blob: Callable[[str], bytes] | None,
) -> list[Finding]:
    """Findings of project file indicators on one snapshot's recorded files. ``read_blob`` hashes
    files for indicators with hashes (None: an inventory, which keeps no file content)."""
    findings: list[Finding] = []
    if not any(in_github(f.path) for f in snapshot.files):
        indicators = [ind for ind in indicators if not ind.answerable]  # nothing to match
    dirs = _project_dirs(snapshot) if indicators else []
    for ind in indicators:
        if not ind.answerable:
            continue  # said once per scan: indicator_notes
        for path, file in _indicator_matches(ind, snapshot, dirs):
            kind = "folder" if file is None else "file"
            if file is not None and file.mode == SYMLINK_MODE:
                kind = "symlink"
            hashes: tuple[HashResult, ...] = ()
            match = MatchKind.FILE
            note = ""
            if ind.indicator.hashes and file is not None and kind == "file":
                if read_blob is None:
                    note = "; not hashed: the inventory keeps no file content (scan with -git)"
                else:
                    data = read_blob(file.oid)
                    hashes = tuple(
                        HashResult(
                            h.algorithm.value,
                            h.value,
                            hashlib.new(h.algorithm.value, data).hexdigest() == h.value,
                        )
                        for h in ind.indicator.hashes
                    )
                    if any(h.matched for h in hashes):
                        match, note = MatchKind.HASH, "; its hash matches a known-malicious hash"
                    else:
                        note = "; its hash matches none of the listed hashes"
            text = (
                f"{kind} {path} is in {snapshot.repository} at {snapshot.ref},"
                f" an indicator of {ind.rule.id}{note}"
            )
            finding = indicator_finding(ind.rule, ind.indicator, match, text, path, hashes=hashes)
            findings.append(
                msgspec.structs.replace(
                    finding,
                    repository=snapshot.repository,
                    ref=snapshot.ref,
                    commit=snapshot.commit,
                )
            )
    return findings


# --- placing blob matches -----------------------------------------------------------------


@dataclass
class Placed:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanIssue] = field(default_factory=list)
    notes: list[ScanIssue] = field(default_factory=list)
    lockfiles: int = 0
    packages: int = 0


_NOT_PAIRED = BlobOutcome(error="not read with the package.json beside it (run the scan again)")


def where(snapshot: Snapshot, path: str) -> str:
    return f"{snapshot.repository}@{snapshot.ref}:{path}"


def snapshot_findings(
    snapshot: Snapshot,
    outcomes: Mapping[BlobKey, BlobOutcome],
    indicators: Sequence[ProjectIndicator],
    read_blob: Callable[[str], bytes] | None,
    index: RuleIndex,
) -> Placed:
    """The findings, errors and notes of one ref from the matches of its blobs."""
    out = Placed()
    placed: list[PlacedMatch] = []
    workspaces, read = read_files(snapshot, outcomes, out.errors)
    for file, found in read:
        shown = where(snapshot, file.path)
        here, error = place_file(file, found, snapshot, workspaces, index)
        if error is not None:
            out.errors.append(ScanIssue(shown, error))
        m = here.match
        out.lockfiles += 1
        out.packages += m.packages
        out.notes.extend(ScanIssue(shown, n) for n in m.notes)
        out.errors.extend(ScanIssue(shown, e) for e in m.entry_errors)
        out.findings.extend(m.findings)
        placed.append(here)
    ends, out_links = tree_links(snapshot.files)
    if any(p.match.declared for p in placed):
        declared, declared_notes = resolve_declared(placed, "/", rooted_links(ends))
        out.findings.extend(declared)
        out.notes.extend(ScanIssue(p, msg) for p, msg in declared_notes)
    if out_links:
        out.errors.extend(
            ScanIssue(where(snapshot, link), LINK_OUT) for link in links_out(placed, out_links)
        )
    out.findings.extend(indicator_findings(indicators, snapshot, read_blob))
    out.notes.extend(submodule_notes(snapshot))
    return out


def read_files(
    snapshot: Snapshot, outcomes: Mapping[BlobKey, BlobOutcome], errors: list[ScanIssue] | None
) -> tuple[CatalogFiles, list[tuple[TreeFile, LockfileMatch]]]:
    """The catalog files of a snapshot's tree and its lockfiles (and manifests) read, in tree
    order; those not read are errors in ``errors``."""
    read: list[tuple[TreeFile, LockfileMatch]] = []
    workspaces = CatalogFiles()
    manifests = manifests_of(snapshot, outcomes)
    regular: frozenset[str] | None = None  # the tree's regular files' paths, when asked
    for file in lockfiles_of(snapshot):
        shown = where(snapshot, file.path)
        outcome = outcomes.get(BlobKey.of(file))
        paired = paired_key(file, snapshot, outcomes, manifests)
        if paired is not None:
            # (read with its manifest: never the blob alone, which misses the manifest's
            # dependencies the lockfile does not lock)
            outcome = outcomes.get(paired, _NOT_PAIRED)
        if outcome is not None and outcome.own_lockfiles and outcome.match is not None:
            if regular is None:
                regular = frozenset(f.path for f in snapshot.files if f.mode in _REGULAR)
            outcome = _own_lockfiles_here(outcome, file.path, regular)
        match = outcome.match if outcome is not None and file.mode != SYMLINK_MODE else None
        if file.mode == YARNRC_CATALOGS_MODE:  # (decision 0056: what it answers, not a lockfile)
            yarn_catalogs(workspaces, file.path, outcome)
            continue
        if file.mode == YARNRC_REFUSED_MODE and posixpath.basename(file.path) == YARNRC:
            yarn_catalogs(workspaces, file.path, outcome)  # (not read: nor its catalogs)
        if file.mode != SBOM_MODE:  # (a workspace file not read answers nothing)
            directory = "/" + posixpath.dirname(file.path)
            workspaces.add(directory, match, workspace_file=is_workspace_file(file))
        if file.mode == SYMLINK_MODE:
            if errors is not None:
                errors.append(ScanIssue(shown, "a symbolic link in the repository: not followed"))
        elif match is None:
            reason = outcome.error if outcome is not None else "not read"
            if errors is not None:
                errors.append(ScanIssue(shown, reason or "not read"))
        else:
            read.append((file, match))
    return workspaces, read


def _own_lockfiles_here(outcome: BlobOutcome, path: str, regular: frozenset[str]) -> BlobOutcome:
    """A blob's outcome at ``path`` of a tree (``regular``: the paths of its regular files):
    refused (as ``parse_bytes`` refuses the file on disk) unless each folder its workspace
    links name (``BlobOutcome.own_lockfiles``) holds a pnpm-lock.yaml of its own there (a git
    tree lists no file under a symbolic link: none is followed)."""
    own = own_lockfile_in(posixpath.dirname(path), regular.__contains__)
    refusal = own_lockfile_refusal(outcome.own_lockfiles, path, own)
    return outcome if refusal is None else BlobOutcome(error=refusal.located())


def place_file(
    file: TreeFile,
    found: LockfileMatch,
    snapshot: Snapshot,
    workspaces: CatalogFiles,
    index: RuleIndex,
) -> tuple[PlacedMatch, str | None]:
    """A file's match at its place in the snapshot: its ``catalog:`` references judged by the
    tree's catalogs (and the error when they cannot be), its findings and ranges placed."""
    shown = where(snapshot, file.path)
    directory = "/" + posixpath.dirname(file.path)
    m, error = with_workspace_catalogs(found, directory, file.path, workspaces, index, "/")
    m = replace(m, findings=tuple(replace_many(m.findings, snapshot, file.path)))
    if m.declared:
        m = replace(
            m,
            declared=tuple(
                msgspec.structs.replace(d, finding=_placed(d.finding, snapshot, file.path))
                for d in m.declared
            ),
        )
    return PlacedMatch(directory, shown, m, BlobKey.of(file).name), error


def _placed(f: Finding, snapshot: Snapshot, path: str) -> Finding:
    return msgspec.structs.replace(
        f, lockfile=path, repository=snapshot.repository, ref=snapshot.ref, commit=snapshot.commit
    )


def replace_many(findings: Iterable[Finding], snapshot: Snapshot, path: str) -> list[Finding]:
    return [_placed(f, snapshot, path) for f in findings]


# --- reading repositories -----------------------------------------------------------------


@dataclass(frozen=True)
class RefHistory:
    """What ``-history`` needs of one ref: the lockfiles at the boundary and each change."""

    boundary: Snapshot | None  # the ref's state just before -since (None: from the start)
    commits: tuple[CommitChanges, ...]


@dataclass(frozen=True)
class RepoListing:
    repository: Repository
    snapshots: tuple[Snapshot, ...] = ()
    histories: tuple[tuple[str, RefHistory], ...] = ()  # (ref, history)
    errors: tuple[ScanIssue, ...] = ()
    notes: tuple[ScanIssue, ...] = ()


@dataclass(frozen=True)
class ListingRequest:
    ref_patterns: tuple[str, ...] = ()
    history: bool = False
    since: int | None = None
    revisions: tuple[tuple[str, str], ...] = ()  # (label, revision): -diff sides, not refs
    # Commits whose files are already known (the inventory): their trees are not read again.
    known: Mapping[str, frozenset[str]] = field(default_factory=dict)  # gitdir -> commits


def _unmoved(repo: Repository, request: ListingRequest) -> RepoListing | None:
    """Without running git: the refs, when every one points at a commit already known."""
    known = request.known.get(repo.gitdir)
    if not known or request.history or request.revisions:
        return None
    refs = read_ref_files(repo, request.ref_patterns)
    if refs is None:
        return None
    snapshots: list[Snapshot] = []
    for name, oid, peeled in refs:
        short = short_ref(name)
        if request.ref_patterns and not any(
            fnmatch.fnmatchcase(short, p) or fnmatch.fnmatchcase(name, p)
            for p in request.ref_patterns
        ):
            continue
        commit = peeled or oid
        if commit not in known:
            return None
        snapshots.append(Snapshot(repo.display, short, commit, 0, ()))
    return RepoListing(repo, tuple(snapshots)) if snapshots else None


def list_repository(
    repo: Repository, request: ListingRequest, store: ObjectStore | None = None
) -> RepoListing:
    """Every selected ref of one repository, its tree's files, and its lockfile history."""
    blocking = blocking_file(repo, request.ref_patterns)
    if blocking is not None:
        reason = f"{blocking}, which git would wait on (or read without end): not read"
        return RepoListing(repo, errors=(ScanIssue(repo.display, reason),))
    unmoved = _unmoved(repo, request)
    if unmoved is not None:
        return unmoved
    notes: list[tuple[str, str]] = []
    errors: list[ScanIssue] = []
    snapshots: list[Snapshot] = []
    histories: list[tuple[str, RefHistory]] = []
    opened: contextlib.AbstractContextManager[ObjectStore] = (
        ObjectStore(repo) if store is None else contextlib.nullcontext(store)
    )
    try:
        with opened as reader:
            shallow = shallow_commits(repo) if request.history else frozenset()
            if request.revisions:
                for label, revision in request.revisions:
                    commit, tree, when = resolve_commit(repo, revision)
                    files = reader.lockfiles(tree)
                    snapshots.append(Snapshot(repo.display, label, commit, when, files))
            else:
                known = request.known.get(repo.gitdir, frozenset())
                heads = heads_from_files(repo, reader, request.ref_patterns, notes)
                if heads is None:
                    heads = list_refs(repo, request.ref_patterns, notes)
                for head in heads:
                    files = () if head.commit in known else reader.lockfiles(head.tree)
                    snapshots.append(
                        Snapshot(repo.display, head.short, head.commit, head.time, files)
                    )
                    if request.history:
                        linked = tuple(f.path for f in files if f.mode == LINK_MODE)
                        history = _history(
                            repo, reader, head.short, head.commit, request, links=linked
                        )
                        histories.append((head.short, history))
                        cut = history_cut(repo, head.commit, request.since, shallow)
                        if cut is not None:
                            errors.append(_cut_error(repo, head.short, *cut))
    except SourceError as exc:
        return RepoListing(repo, errors=(ScanIssue(repo.display, exc.detail),))
    if not snapshots and not request.revisions:
        notes.append((repo.display, "no branch or tag (an empty repository?)"))
    return RepoListing(
        repo,
        tuple(snapshots),
        tuple(histories),
        errors=tuple(errors),
        notes=tuple(ScanIssue(p, m) for p, m in notes),
    )


def _cut_error(repo: Repository, ref: str, commit: str, when: int) -> ScanIssue:
    """A ref whose ``-history`` reaches a shallow clone's cut: what came before is not known."""
    return ScanIssue(
        f"{repo.display}@{ref}",
        f"a shallow clone: this ref's history is cut at commit {commit[:12]} ({utc(when)}), what"
        " its lockfiles held before is not in the clone (scan a full clone or mirror, or give"
        " -since after that date)",
    )


def _history(
    repo: Repository,
    store: ObjectStore,
    ref: str,
    commit: str,
    request: ListingRequest,
    *,
    links: Sequence[str] = (),
) -> RefHistory:
    boundary_commit, commits = lockfile_history(repo, commit, request.since, store, links)
    boundary = None
    if boundary_commit is not None:
        b_commit, b_tree, b_time = resolve_commit(repo, boundary_commit)
        boundary = Snapshot(repo.display, ref, b_commit, b_time, store.lockfiles(b_tree))
    return RefHistory(boundary, tuple(commits))


BLOB_BATCH = 32  # blobs asked for in one round trip


def read_blob_outcomes(
    repo: Repository, keys: Sequence[BlobKey], index: RuleIndex
) -> list[BlobOutcome]:
    """Parse and match blobs of one repository (each key once); a paired key's lockfile with
    the package.json it names."""
    wanted = sorted(
        {k.beside for k in keys if k.beside and k.beside != NO_MANIFEST}
        | {oid for k in keys for _folder, oid in k.member_manifests}
    )
    manifests = {
        key.oid: data
        for key, data in read_blobs(repo, [BlobKey(oid, MANIFEST) for oid in wanted])
        if not isinstance(data, SourceError)
    }
    releases = tarball_releases(repo, [t for k in keys for t in k.tarballs])
    return [
        BlobOutcome(error=data.detail)
        if isinstance(data, SourceError)
        else blob_outcome(data, key, index, manifests.get(key.beside), releases, blobs=manifests)
        for key, data in read_blobs(repo, keys)
    ]


def tarball_releases(
    repo: Repository, oids: Iterable[str], store: ObjectStore | None = None
) -> dict[str, tuple[str, str] | None]:
    """The (name, version) of each ``file:`` tarball blob's package.json
    (``lockfiles.tarball_release``; None: not read), each read once and one at a time, never
    written anywhere."""
    wanted = sorted({oid for oid in oids if oid != NO_TARBALL})
    if not wanted:
        return {}
    releases: dict[str, tuple[str, str] | None] = dict.fromkeys(wanted)
    opened: contextlib.AbstractContextManager[ObjectStore] = (
        ObjectStore(repo) if store is None else contextlib.nullcontext(store)
    )
    try:
        with opened as reader:
            got = reader.read_each(wanted, "blob", TARBALL_BYTES, 1)
            for oid, data in zip(wanted, got, strict=True):
                if isinstance(data, bytes):
                    releases[oid] = tarball_release(f"{repo.display}:{oid}", data)
    except SourceError:
        pass  # (those not read stay None: the entries stay unnamed, an error if a rule may hit)
    return releases


def read_blobs(
    repo: Repository, keys: Sequence[BlobKey]
) -> Iterator[tuple[BlobKey, bytes | SourceError]]:
    """The bytes of each blob (or why not), a batch per round trip."""
    done = 0
    try:
        with ObjectStore(repo) as store:
            got = store.read_each([k.oid for k in keys], "blob", MAX_LOCKFILE_BYTES, BLOB_BATCH)
            for pair in zip(keys, got, strict=True):
                done += 1
                yield pair
    except SourceError as exc:
        yield from ((k, exc) for k in keys[done:])


def blob_outcome(
    data: bytes,
    key: BlobKey,
    index: RuleIndex,
    manifest: bytes | None = None,
    releases: Mapping[str, tuple[str, str] | None] | None = None,
    *,
    blobs: Mapping[str, bytes] | None = None,
) -> BlobOutcome:
    """A blob's match; with ``key.beside``, read with that package.json (``manifest``: its
    bytes, None when there is none or it was not read) and its workspaces' (``blobs``: bytes
    by oid, ``member_manifests``); with ``key.tarballs``, its ``file:`` tarballs named by their
    package.json (``releases``: by tarball oid, ``tarball_releases``)."""
    try:
        graph, catalogs = parse_blob_catalogs(data, key)
    except GouvernanteError as exc:
        return BlobOutcome(error=exc.located())
    pending = needs_manifest(graph)
    provisional: tuple[str, ...] = ()
    if key.beside:
        members = member_manifests(key, blobs or {})
        graph = with_manifest_beside(graph, _manifest(manifest), key.members, members)
        pending = False
    elif graph.unkeyed:
        from gouvernante.lockfiles._yarn_common import unkeyed_error  # noqa: PLC0415 - yarn 1

        provisional = tuple(unkeyed_error(name, line) for name, line, _range in graph.unkeyed)
    tarballs: tuple[str, ...] = ()
    if key.tarballs:
        graph = with_tarball_releases(graph, named_tarballs(graph, key.tarballs, releases or {}))
    elif graph.unnamed_tarballs:
        tarballs = tuple(path for _node, path in graph.unnamed_tarballs)
    workspace = key.name == PNPM_WORKSPACE
    return BlobOutcome(
        match=match_lockfile(graph, index, key.name, workspace=workspace, catalogs=catalogs),
        needs_manifest=pending,
        provisional=provisional,
        tarballs=tarballs,
        own_lockfiles=tuple(graph.own_lockfile_links),
    )


def named_tarballs(
    graph: LockfileGraph, oids: Sequence[str], releases: Mapping[str, tuple[str, str] | None]
) -> dict[str, tuple[str, str]]:
    """node id -> (name, version) of the ``file:`` tarballs of ``graph`` (``oids``: their blobs,
    in the order of its ``unnamed_tarballs``) as their package.json names them (``releases``,
    by oid; one not read is left out), for ``lockfiles.with_tarball_releases``."""
    return {
        node: release
        for (node, _path), oid in zip(graph.unnamed_tarballs, oids, strict=False)
        if (release := releases.get(oid)) is not None
    }


def tarball_paths(lockfile: str, relative: Sequence[str]) -> tuple[str, ...]:
    """The tree paths of a lockfile's ``file:`` tarballs (``relative``: relative to its folder,
    ``BlobOutcome.tarballs``); "" for one outside the folder."""
    folder = posixpath.dirname(lockfile)
    return tuple(posixpath.join(folder, rel) if rel else "" for rel in relative)


def member_manifests(key: BlobKey, blobs: Mapping[str, bytes]) -> dict[str, LockfileGraph]:
    """The workspaces' package.json files of a paired key (``member_manifests``) read, by folder
    relative to the lockfile's; one not read or not readable is left out (its own error is the
    manifest's, reported where it is placed)."""
    out: dict[str, LockfileGraph] = {}
    for folder, oid in key.member_manifests:
        graph = _manifest(blobs.get(oid))
        if graph is not None:
            out[folder] = graph
    return out


def _manifest(data: bytes | None) -> LockfileGraph | None:
    if data is None:
        return None
    try:
        return parse_blob(data, BlobKey("", MANIFEST))
    except GouvernanteError:
        return None  # (its own error is the manifest's, reported where it is placed)


# --- parallel map -------------------------------------------------------------------------

_WORKER_STATE: dict[str, object] = {}
_T = TypeVar("_T")
_R = TypeVar("_R")


def parallel_map(
    fn: Callable[[_T], _R], items: Sequence[_T], workers: int | None, state: dict[str, object]
) -> Iterator[_R]:
    """``fn`` over ``items`` in order, on both cores when there are several items. ``state`` is
    handed to forked workers without pickling (``worker_state()`` reads it)."""
    count = workers if workers is not None else min(2, os.cpu_count() or 1)
    _WORKER_STATE.clear()
    _WORKER_STATE.update(state)
    if count <= 1 or len(items) < 2 or not hasattr(os, "fork"):
        yield from map(fn, items)
        return
    import multiprocessing  # noqa: PLC0415 - only when a pool pays off

    from gouvernante.procpool import process_pool  # noqa: PLC0415

    ctx = multiprocessing.get_context("fork")
    with process_pool(count, mp_context=ctx, initializer=_worker_init) as pool:
        yield from pool.map(fn, items, chunksize=max(1, min(16, len(items) // (count * 8))))


def _worker_init() -> None:
    """A pool worker waits for its git processes when it ends (workers end with the scan)."""
    from multiprocessing.util import Finalize  # noqa: PLC0415

    Finalize(None, reap_all, exitpriority=10)


def worker_state(name: str) -> object:
    return _WORKER_STATE[name]


def _list_one(repo: Repository) -> RepoListing:
    request = worker_state("request")
    assert isinstance(request, ListingRequest)
    return list_repository(repo, request)


def _blobs_one(job: tuple[Repository, tuple[BlobKey, ...]]) -> list[BlobOutcome]:
    index = worker_state("index")
    assert isinstance(index, RuleIndex)
    return read_blob_outcomes(job[0], job[1], index)


# --- the scan -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GitScanRequest:
    paths: tuple[str, ...]
    recursive: bool = False
    ref_patterns: tuple[str, ...] = ()
    history: bool = False
    since: int | None = None
    diff_base: str | None = None
    diff_head: str = "HEAD"
    workers: int | None = None


@dataclass
class GitScanOutput:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanIssue] = field(default_factory=list)
    notes: list[ScanIssue] = field(default_factory=list)
    scanned: list[str] = field(default_factory=list)  # repository@ref (commit)
    refs: list[ScannedRef] = field(default_factory=list)  # the same refs, typed
    lockfiles: int = 0
    packages: int = 0
    blobs_parsed: int = 0


NO_REPOSITORY_FOUND = "no git repository found in this folder or below"


def discover_repositories(
    paths: Sequence[str],
    recursive: bool,
    errors: list[ScanIssue],
    notes: list[ScanIssue] | None = None,
) -> list[Repository]:
    """The repositories of ``paths`` (each once). A ``-recursive`` folder holding none, with no
    error either, gets a note in ``notes`` (as ``-dir`` of a folder without lockfiles): a scan
    of nothing is said to be one."""
    repos: dict[str, Repository] = {}
    for path in paths:
        before = len(errors)
        found = find_repositories(path, recursive, lambda p, m: errors.append(ScanIssue(p, m)))
        if not found and len(errors) == before and notes is not None:
            notes.append(ScanIssue(path, NO_REPOSITORY_FOUND))
        for repo in found:
            repos.setdefault(repo.gitdir, repo)
    return list(repos.values())


def match_blobs(
    listings: Sequence[RepoListing], index: RuleIndex, workers: int | None
) -> tuple[list[RepoListing], dict[BlobKey, BlobOutcome]]:
    """Each distinct lockfile blob of the listings (snapshots and histories), parsed and matched
    once, read from the first repository that holds it; then a yarn lockfile naming ``file:``
    tarballs again with those of each tree it is in (the listings returned say which:
    ``with_tarballs``), and one read with its package.json at each place."""
    outcomes = _run_blob_jobs(_owners(listings, all_files=True), index, workers)
    listings = list(listings)
    if any(outcome.tarballs for outcome in outcomes.values()):  # (yarn file: tarballs only)
        listings = [with_tarballs(listing, outcomes) for listing in listings]
        outcomes.update(_run_blob_jobs(_owners(listings, all_files=False), index, workers))
    # npm v1, yarn classic (and a berry entry only an override explains) are read again with
    # the package.json beside them at each place (``paired_key``), as -dir reads them
    paired: dict[str, tuple[Repository, list[BlobKey]]] = {}
    for listing in listings:
        for snap in _all_snapshots(listing):
            for key in _paired_keys(snap, outcomes):
                if key not in outcomes:
                    outcomes[key] = BlobOutcome(error="not read")  # (once per key)
                    repo = listing.repository
                    paired.setdefault(repo.gitdir, (repo, []))[1].append(key)
    outcomes.update(_run_blob_jobs(paired, index, workers))
    trace.debug("%d distinct lockfile blobs parsed", len(outcomes))
    return listings, outcomes


def _owners(
    listings: Sequence[RepoListing], *, all_files: bool
) -> dict[str, tuple[Repository, list[BlobKey]]]:
    """The blob keys of the listings' lockfiles (``all_files`` False: those read with their
    ``file:`` tarballs only), by the first repository that holds each."""
    owner: dict[BlobKey, Repository] = {}
    for listing in listings:
        for snap in _all_snapshots(listing):
            for file in lockfiles_of(snap):
                if file.mode != SYMLINK_MODE and (all_files or file.tarballs):
                    owner.setdefault(BlobKey.of(file), listing.repository)
        for _ref, hist in listing.histories:
            for commit in hist.commits:
                for change in commit.changes:
                    if (
                        change.oid is not None
                        and change.mode not in (SYMLINK_MODE, LINK_MODE)
                        and (all_files or change.tarballs)
                    ):
                        owner.setdefault(BlobKey.of(changed(change)), listing.repository)
    by_repo: dict[str, tuple[Repository, list[BlobKey]]] = {}
    for key, repo in owner.items():
        by_repo.setdefault(repo.gitdir, (repo, []))[1].append(key)
    return by_repo


def changed(change: FileChange) -> TreeFile:
    """A history's change (not a deletion) as the file it leaves in the tree."""
    assert change.oid is not None
    return TreeFile(change.path, change.mode, change.oid, change.tarballs)


def with_tarballs(listing: RepoListing, outcomes: Mapping[BlobKey, BlobOutcome]) -> RepoListing:
    """The listing with each yarn lockfile that names ``file:`` tarballs (its blob's
    ``BlobOutcome.tarballs``) marked with their blobs in the same commit's tree
    (``TreeFile.tarballs``), so it is read with them, as -dir reads them beside the lockfile:
    a path inside the lockfile's folder, a regular file (no link followed). One with none there
    keeps the blob's reading alone (its entries stay unnamed: an error where a rule may hit)."""

    def pending(path: str, mode: str, oid: str | None) -> tuple[str, ...]:
        if oid is None or mode == SYMLINK_MODE or known_lockfile(path, mode) is None:
            return ()
        outcome = outcomes.get(BlobKey.of(TreeFile(path, mode, oid)))
        return outcome.tarballs if outcome is not None else ()

    wanted = any(
        pending(f.path, f.mode, f.oid) for snap in _all_snapshots(listing) for f in snap.files
    ) or any(
        pending(c.path, c.mode, c.oid)
        for _ref, hist in listing.histories
        for commit in hist.commits
        for c in commit.changes
    )
    if not wanted:
        return listing
    with ObjectStore(listing.repository) as store:

        def oids(commit: str, path: str, mode: str, oid: str | None) -> tuple[str, ...]:
            found: list[str] = []
            for full in tarball_paths(path, pending(path, mode, oid)):
                try:
                    found.append((store.blob_at(commit, full) if full else None) or NO_TARBALL)
                except SourceError:
                    found.append(NO_TARBALL)
            return tuple(found) if any(o != NO_TARBALL for o in found) else ()

        def snapshot(snap: Snapshot) -> Snapshot:
            files = tuple(
                replace(f, tarballs=oids(snap.commit, f.path, f.mode, f.oid)) for f in snap.files
            )
            return replace(snap, files=files)

        def history(hist: RefHistory) -> RefHistory:
            commits = tuple(
                replace(
                    commit,
                    changes=tuple(
                        replace(c, tarballs=oids(commit.commit, c.path, c.mode, c.oid))
                        for c in commit.changes
                    ),
                )
                for commit in hist.commits
            )
            boundary = None if hist.boundary is None else snapshot(hist.boundary)
            return RefHistory(boundary, commits)

        return replace(
            listing,
            snapshots=tuple(snapshot(s) for s in listing.snapshots),
            histories=tuple((ref, history(h)) for ref, h in listing.histories),
        )


def _paired_keys(snap: Snapshot, outcomes: Mapping[BlobKey, BlobOutcome]) -> list[BlobKey]:
    """The paired keys (``paired_key``) of a snapshot's lockfiles read with their manifest."""
    manifests: dict[str, tuple[TreeFile, LockfileMatch | None]] | None = None
    keys: list[BlobKey] = []
    for file in lockfiles_of(snap):
        outcome = outcomes.get(BlobKey.of(file))
        if outcome is None or not outcome.needs_manifest or file.mode == SYMLINK_MODE:
            continue
        if manifests is None:
            manifests = manifests_of(snap, outcomes)
        key = paired_key(file, snap, outcomes, manifests)
        if key is not None:
            keys.append(key)
    return keys


def _run_blob_jobs(
    by_repo: Mapping[str, tuple[Repository, list[BlobKey]]], index: RuleIndex, workers: int | None
) -> dict[BlobKey, BlobOutcome]:
    jobs = [(repo, tuple(keys)) for repo, keys in by_repo.values()]
    outcomes: dict[BlobKey, BlobOutcome] = {}
    for (_repo, keys), results in zip(
        jobs, parallel_map(_blobs_one, jobs, workers, {"index": index}), strict=True
    ):
        outcomes.update(zip(keys, results, strict=True))
    return outcomes


def _all_snapshots(listing: RepoListing) -> Iterator[Snapshot]:
    yield from listing.snapshots
    for _ref, hist in listing.histories:
        if hist.boundary is not None:
            yield hist.boundary


def list_repositories(
    repos: Sequence[Repository], request: ListingRequest, workers: int | None
) -> list[RepoListing]:
    return list(parallel_map(_list_one, repos, workers, {"request": request}))


def run_git_scan(request: GitScanRequest, rules: Sequence[Rule], index: RuleIndex) -> GitScanOutput:
    out = GitScanOutput()
    repos = discover_repositories(request.paths, request.recursive, out.errors, out.notes)
    if request.diff_base is not None:
        if len(repos) != 1:
            out.errors.append(
                ScanIssue(", ".join(request.paths), "-diff needs exactly one repository")
            )
            return out
        revisions = (("base", request.diff_base), ("head", request.diff_head))
        listing_request = ListingRequest(revisions=revisions)
    else:
        listing_request = ListingRequest(request.ref_patterns, request.history, request.since)
    listings = list_repositories(repos, listing_request, request.workers)
    listings, outcomes = match_blobs(listings, index, request.workers)
    out.blobs_parsed = len(outcomes)
    indicators = project_indicators(rules)
    out.notes.extend(indicator_notes(indicators))
    stores: dict[str, ObjectStore] = {}

    def reader(repo: Repository) -> Callable[[str], bytes]:
        def read(oid: str) -> bytes:
            store = stores.get(repo.gitdir)
            if store is None:
                store = stores[repo.gitdir] = ObjectStore(repo)
            return store.read(oid, "blob", MAX_INDICATOR_BYTES)

        return read

    try:
        per_snapshot: dict[tuple[str, str], Placed] = {}
        for listing in listings:
            out.errors.extend(listing.errors)
            out.notes.extend(listing.notes)
            for snap in listing.snapshots:
                placed = snapshot_findings(
                    snap, outcomes, indicators, reader(listing.repository), index
                )
                per_snapshot[(snap.repository, snap.ref)] = placed
                out.scanned.append(f"{snap.repository}@{snap.ref} ({snap.commit[:12]})")
                out.refs.append(ScannedRef(snap.repository, snap.ref, snap.commit))
            if request.history:
                out.findings.extend(
                    history_findings(
                        listing,
                        outcomes,
                        per_snapshot,
                        rules,
                        out.notes,
                        errors=out.errors,
                        index=index,
                    )
                )
        if request.diff_base is not None:
            _diff(per_snapshot, out)
        else:
            for placed in per_snapshot.values():
                out.findings.extend(placed.findings)
                _merge_issues(placed, out)
    finally:
        for store in stores.values():
            store.close()
        reap_all()
    out.notes[:] = list(dict.fromkeys(out.notes))
    return out


def _merge_issues(placed: Placed, out: GitScanOutput) -> None:
    out.errors.extend(placed.errors)
    out.notes.extend(placed.notes)
    out.lockfiles += placed.lockfiles
    out.packages += placed.packages


def finding_identity(f: Finding) -> tuple[object, ...]:
    """What makes two findings the same for ``-diff``: rule, kind, package, version, path."""
    return (f.rule_id, f.type, f.match, f.package, f.version, f.declared_range, f.lockfile, f.path)


def _diff(per_snapshot: Mapping[tuple[str, str], Placed], out: GitScanOutput) -> None:
    base = next((p for (_r, ref), p in per_snapshot.items() if ref == "base"), None)
    head = next((p for (_r, ref), p in per_snapshot.items() if ref == "head"), None)
    if base is None or head is None:
        return
    before = {finding_identity(f) for f in base.findings}
    after = {finding_identity(f) for f in head.findings}
    for f in head.findings:
        if finding_identity(f) not in before:
            out.findings.append(msgspec.structs.replace(f, change=DiffChange.ADDED))
    for f in base.findings:
        if finding_identity(f) not in after:
            out.findings.append(msgspec.structs.replace(f, change=DiffChange.REMOVED))
    _merge_issues(head, out)
    out.errors.extend(e for e in base.errors if e not in head.errors)


# --- history ------------------------------------------------------------------------------


def utc(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _window_text(start: int | None, end: int) -> str:
    if start is None:
        return f"until {_human(end)}"
    a, b = datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)
    if a.date() == b.date():
        return f"from {a:%Y-%m-%d %H:%M} to {b:%H:%M} UTC"
    return f"from {a:%Y-%m-%d %H:%M} to {b:%Y-%m-%d %H:%M} UTC"


def _human(ts: int) -> str:
    return f"{datetime.fromtimestamp(ts, UTC):%Y-%m-%d %H:%M} UTC"


def _published(rule: Rule) -> int | None:
    if not rule.published_at:
        return None
    text = rule.published_at.replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def in_compromise_window(rule: Rule, start: int | None, end: int | None) -> bool | None:
    """Does [start, end) reach into the rule's compromise window (from a week before its
    published_at, open-ended)? None when the rule has no published_at."""
    published = _published(rule)
    if published is None:
        return None
    return end is None or end > published - COMPROMISE_LEAD_SECONDS


HitKey = tuple[str, str | None, str | None, MatchKind]


def _hit_key(f: Finding) -> HitKey:
    return (f.rule_id, f.package, f.version, f.match)


@dataclass
class _Open:
    finding: Finding  # as last seen (its lockfile path)
    commit: str | None
    time: int | None


class _Matched:
    """The findings of each path of a ref's history whose file has some: a commit changes a
    few files, and the others' are not looked up again (a long history costs its changes, not
    commits x lockfiles)."""

    def __init__(self, outcomes: Mapping[BlobKey, BlobOutcome], repository: str) -> None:
        self.outcomes = outcomes
        self.repository = repository
        self.found: dict[str, Sequence[Finding]] = {}

    def put(self, path: str, file: TreeFile | None) -> None:
        """The file now at ``path`` (None: gone)."""
        outcome = self.outcomes.get(BlobKey.of(file)) if file is not None else None
        if outcome is None or outcome.match is None or not outcome.match.findings:
            self.found.pop(path, None)
        else:
            self.found[path] = outcome.match.findings

    def hits(self, ref: str, commit: str) -> dict[HitKey, Finding]:
        """Each hit once, at the first path (in path order) whose file has it."""
        found: dict[HitKey, Finding] = {}
        for path in sorted(self.found):
            for f in self.found[path]:
                found.setdefault(
                    _hit_key(f),
                    msgspec.structs.replace(
                        f, lockfile=path, repository=self.repository, ref=ref, commit=commit
                    ),
                )
        return found


class _Declared:
    """The declared-range findings of a ref's history, each commit's lockfiles and manifests
    placed as a ref's head is (``snapshot_findings``: the catalogs of its pnpm-workspace.yaml,
    bun root and ``.yarnrc.yml`` files, and whether a lockfile of the project resolves the name),
    at the commits whose tree holds a manifest a rule may hit (a declared hit or a ``catalog:``
    reference). A lockfile a head reads with its package.json is read alone here.

    A commit costs what it changed (decision 0073): the tree's *context* (its catalogs, the
    lockfiles and each manifest's project facts, ``DeclaredJudge``) is built again only when a
    commit adds, removes or changes a file other than a manifest whose ranges alone changed;
    each file's placed findings are kept until its file or the context changes, and the
    commit's hits are worked out again only when something changed."""

    def __init__(
        self, outcomes: Mapping[BlobKey, BlobOutcome], repository: str, index: RuleIndex | None
    ) -> None:
        self.outcomes = _Unpaired(outcomes)
        self.repository = repository
        self.index = index
        self.tree: dict[str, TreeFile] = {}
        self.may_hit: set[str] = set()  # paths whose file has a declared hit or catalog: ref
        self.others: dict[str, int] = {}  # folder -> its files other than a package.json
        self.context: _Context | None = None  # None: to build again from the tree
        self.previous: _Context | None = None  # the last one built (its placed files reused)
        # path -> its file's own findings with a declared range and its judged ones (those
        # with findings only)
        self.hitting: dict[str, tuple[list[Finding], list[Finding]]] = {}
        self.stale: set[str] = set()  # paths changed since (their ranges alone)
        self.last: dict[HitKey, Finding] | None = None  # None: something changed

    def put(self, path: str, file: TreeFile | None) -> None:
        old = self.tree.get(path)
        if old is not None and old == file:
            return
        if self.context is not None and not self._ranges_only(old, file):
            self.context = None
        self.stale.add(path)
        self.last = None
        folder, name = posixpath.split(path)
        if name != MANIFEST and (old is None) != (file is None):
            self.others[folder] = self.others.get(folder, 0) + (1 if old is None else -1)
        if file is None:
            self.tree.pop(path, None)
            self.may_hit.discard(path)
            return
        self.tree[path] = file
        match = self._match(file)
        if match is not None and (match.declared or match.catalog_refs):
            self.may_hit.add(path)
        else:
            self.may_hit.discard(path)

    def _match(self, file: TreeFile) -> LockfileMatch | None:
        outcome = self.outcomes.get(BlobKey.of(file))
        return outcome.match if outcome is not None else None

    def _ranges_only(self, old: TreeFile | None, new: TreeFile | None) -> bool:
        """Is the change from ``old`` to ``new`` at one path a manifest's ranges only (the
        context unchanged: ``DeclaredJudge`` reads no other manifest's ranges)? Not for a
        package.json beside a lockfile, which may be read with it (``paired_key``)."""
        if old is None or new is None or self.others.get(posixpath.dirname(old.path)):
            return False
        facts = [self._facts(f) for f in (old, new)]
        return facts[0] is not None and facts[0] == facts[1]

    def _facts(self, file: TreeFile) -> LockfileMatch | None:
        """A regular package.json's match without its ranges (what others are judged by)."""
        if file.mode not in _REGULAR or posixpath.basename(file.path) != MANIFEST:
            return None
        match = self._match(file)
        if match is None or match.format is not LockfileFormat.PACKAGE_JSON or match.workspace:
            return None
        return replace(match, findings=(), declared=(), catalog_refs=(), notes=(), entry_errors=())

    def hits(self, ref: str, commit: str, when: int) -> dict[HitKey, Finding]:
        if self.index is None or not self.may_hit:
            return {}
        if self.last is None:
            self.last = self._hits(ref, when)
        return {
            key: msgspec.structs.replace(f, commit=commit) if f.commit == _PENDING else f
            for key, f in self.last.items()
        }

    def _hits(self, ref: str, when: int) -> dict[HitKey, Finding]:
        assert self.index is not None
        snap = Snapshot(self.repository, ref, _PENDING, when, ())  # (where files are placed)
        if self.context is None:
            whole = replace(snap, files=tuple(self.tree.values()))
            self.context = _Context(whole, self.outcomes, self.index, self.previous)
            self.previous = self.context
            self.hitting = {p: j for p, j in self.context.judged.items() if j[0] or j[1]}
        else:
            for path in self.stale:  # (manifests whose ranges alone changed)
                if path not in self.context.read:
                    continue
                match = self._match(self.tree[path])
                assert match is not None
                again = self.context.judge(self.tree[path], match, snap)
                if again[0] or again[1]:
                    self.hitting[path] = again
                else:
                    self.hitting.pop(path, None)
        self.stale.clear()
        order = sorted(self.hitting, key=self.context.position.__getitem__)
        lists = [self.hitting[p] for p in order]
        found: dict[HitKey, Finding] = {}
        for own, _judged in lists:  # (the files' own findings first, as snapshot_findings)
            for f in own:
                found.setdefault(_hit_key(f), f)
        for _own, judged in lists:
            for f in judged:
                found.setdefault(_hit_key(f), f)
        return found


_REGULAR = ("100644", "100755")
_PENDING = "-"  # the commit placed findings are stamped with until a commit's hits are given


class _Context:
    """What a tree's declared ranges are judged by (``snapshot_findings``' steps): its catalog
    files, the files read (in tree order) and the ``DeclaredJudge`` of their project facts."""

    def __init__(
        self,
        snap: Snapshot,
        outcomes: Mapping[BlobKey, BlobOutcome],
        index: RuleIndex,
        previous: _Context | None,
    ) -> None:
        self.index = index
        self.workspaces, read = read_files(snap, outcomes, None)
        self.read = {file.path: (file, match) for file, match in read}
        self.position = {path: n for n, path in enumerate(self.read)}  # (tree order)
        # a file's placing reads the tree's catalog files only: the same ones, the same
        # file (and match) placed alike
        same = previous is not None and previous.workspaces == self.workspaces
        self.placed: dict[str, PlacedMatch] = {}
        for file, match in read:
            before = previous.read.get(file.path) if same and previous is not None else None
            if before is not None and before[0] == file and before[1] is match:
                assert previous is not None
                self.placed[file.path] = previous.placed[file.path]
            else:
                self.placed[file.path] = place_file(file, match, snap, self.workspaces, index)[0]
        placed = list(self.placed.values())
        self.judge_of = declared_judge(placed, "/", rooted_links(tree_links(snap.files)[0]))
        # each file's findings in this context (then ``_Declared.hitting``)
        self.inputs = {path: self.judge_of.inputs(p.directory) for path, p in self.placed.items()}
        self.judged: dict[str, tuple[list[Finding], list[Finding]]] = {}
        for path, here in self.placed.items():
            if (
                previous is not None
                and previous.placed.get(path) is here
                and previous.inputs.get(path) == self.inputs[path]
            ):
                self.judged[path] = previous.judged[path]  # (judged alike: the same inputs)
            else:
                self.judged[path] = self._judged(here)

    def judge(
        self,
        file: TreeFile,
        match: LockfileMatch,
        snap: Snapshot,
    ) -> tuple[list[Finding], list[Finding]]:
        """The file's own findings with a declared range (a lockfile's have none) and the
        findings of its ranges, judged in this context (the file a manifest whose ranges
        alone changed since: it is placed here from now on)."""
        here = place_file(file, match, snap, self.workspaces, self.index)[0]
        self.read[file.path] = (file, match)
        self.placed[file.path] = here
        judged = self.judged[file.path] = self._judged(here)
        return judged

    def _judged(self, here: PlacedMatch) -> tuple[list[Finding], list[Finding]]:
        found, _notes = self.judge_of(here.directory, here.match.declared)
        own = [f for f in here.match.findings if f.declared_range is not None]
        return own, [f for f in found if f.declared_range is not None]


class _Unpaired(Mapping[BlobKey, BlobOutcome]):
    """Blob outcomes, where a lockfile read with its package.json (a head's) falls back to the
    blob read alone (what a past commit's lockfile was read as)."""

    def __init__(self, outcomes: Mapping[BlobKey, BlobOutcome]) -> None:
        self.outcomes = outcomes

    def __getitem__(self, key: BlobKey) -> BlobOutcome:
        got = self.outcomes.get(key)
        if got is None and (key.beside or key.members):
            got = self.outcomes.get(BlobKey(key.oid, key.name, tarballs=key.tarballs))
        if got is None and (key.beside or key.members):
            got = self.outcomes.get(BlobKey(key.oid, key.name))
        if got is None:
            raise KeyError(key)
        return got

    def __iter__(self) -> Iterator[BlobKey]:
        return iter(self.outcomes)

    def __len__(self) -> int:
        return len(self.outcomes)


def history_findings(  # noqa: C901 - listed in pyproject, to shrink
    listing: RepoListing,
    outcomes: Mapping[BlobKey, BlobOutcome],
    current: Mapping[tuple[str, str], Placed],
    rules: Sequence[Rule],
    notes: list[ScanIssue],
    *,
    errors: list[ScanIssue] | None = None,
    index: RuleIndex | None = None,
) -> list[Finding]:
    """Per ref: each affected version's windows. The window still open at the ref's head dates
    the current finding (``introduced_*``); closed windows become ``past_package`` findings.
    With ``index``, a manifest's declared ranges too (``_Declared``: plain, or by a pnpm, bun or
    yarn catalog of that commit), as each commit's tree places them.
    A lockfile (or ``.yarnrc.yml``) of the walked history that could not be read is an error in
    ``errors`` (once per path and content; the head's own are its snapshot's): what the ref
    resolved while it was there is unknown, so the history cannot be called clean."""
    by_id = {r.id: r for r in rules}
    dated: list[Finding] = []
    unread = _PastUnread(listing, outcomes)
    for ref, hist in listing.histories:
        placed = current.get((listing.repository.display, ref))
        if placed is None:
            continue
        matched = _Matched(outcomes, listing.repository.display)
        declared = _Declared(outcomes, listing.repository.display, index)
        if hist.boundary is not None:  # (a lockfile a .yarnrc.yml names too: decision 0044)
            for file in lockfiles_of(hist.boundary):
                unread.check(file, hist.boundary.commit, hist.boundary.time)
                declared.put(file.path, file)
                if file.mode != YARNRC_REFUSED_MODE:
                    matched.put(file.path, file)
            for file in hist.boundary.files:  # (where its links lead: decision 0113)
                if file.mode == LINK_MODE:
                    declared.put(file.path, file)
        open_hits: dict[HitKey, _Open] = {}
        if hist.boundary is not None:
            b = hist.boundary
            at_boundary = matched.hits(ref, b.commit) | declared.hits(ref, b.commit, b.time)
            for key, f in at_boundary.items():
                open_hits[key] = _Open(f, None, None)
        for commit in hist.commits:
            for change in commit.changes:
                put = None if change.oid is None else changed(change)
                if put is not None and put.mode != LINK_MODE:
                    unread.check(put, commit.commit, commit.time)
                declared.put(change.path, put)
                matched.put(change.path, put)
            now = matched.hits(ref, commit.commit)
            now.update(declared.hits(ref, commit.commit, commit.time))
            for key in list(open_hits):
                if key not in now:
                    started = open_hits.pop(key)
                    dated.append(_past(started, commit.commit, commit.time, ref, by_id.get(key[0])))
            for key, f in now.items():
                if key in open_hits:
                    open_hits[key].finding = f
                else:
                    open_hits[key] = _Open(f, commit.commit, commit.time)
        # The walk ends at the head: the current findings get the start of their window.
        current_findings = placed.findings
        dated_current: list[Finding] = []
        for found in current_findings:
            started_at = open_hits.get(_hit_key(found))
            rule = by_id.get(found.rule_id)
            if found.type is FindingType.PACKAGE and started_at is not None:
                found = msgspec.structs.replace(  # noqa: PLW2901
                    found,
                    introduced_commit=started_at.commit,
                    introduced_at=utc(started_at.time) if started_at.time is not None else None,
                    in_compromise_window=(
                        in_compromise_window(rule, started_at.time, None) if rule else None
                    ),
                )
            dated_current.append(found)
        placed.findings[:] = dated_current
    if errors is not None:
        errors.extend(unread.errors)
    return dated


class _PastUnread:
    """The lockfiles of a repository's walked history that could not be read: each (path,
    content) once, not the ones some ref's head still holds (its snapshot reports those)."""

    def __init__(self, listing: RepoListing, outcomes: Mapping[BlobKey, BlobOutcome]) -> None:
        self.outcomes = outcomes
        self.repository = listing.repository.display
        self.seen = {
            (file.path, file.oid) for snap in listing.snapshots for file in lockfiles_of(snap)
        }
        self.errors: list[ScanIssue] = []

    def check(self, file: TreeFile, commit: str, when: int | None) -> None:
        if (file.path, file.oid) in self.seen:
            return
        self.seen.add((file.path, file.oid))
        shown = f"{self.repository}@{commit[:12]}:{file.path}"
        at = f"in the history at commit {commit[:12]}" + (f" ({utc(when)})" if when else "")
        if file.mode == SYMLINK_MODE:
            reasons = ["a symbolic link in the repository: not followed"]
        else:
            outcome = self.outcomes.get(BlobKey.of(file))
            if outcome is None or outcome.match is None:
                reasons = [(outcome.error if outcome is not None else None) or "not read"]
            else:
                reasons = [e for e in outcome.match.entry_errors if e not in outcome.provisional]
        self.errors.extend(
            ScanIssue(shown, f"{reason} ({at}: what the ref resolved then is unknown)")
            for reason in reasons
        )


def _past(started: _Open, commit: str, when: int, ref: str, rule: Rule | None) -> Finding:
    f = started.finding
    window = _window_text(started.time, when)
    what = f"{f.package}@{f.version}" if f.version else (f.package or f.rule_id)
    description = (
        f"{what} was resolved on {ref} {window} (affected by {f.rule_id});"
        " gone now, but anything that installed it then ran it"
    )
    if f.declared_range is not None:
        description = (
            f"{f.package} was declared with range {f.declared_range!r} on {ref} {window}, which"
            f" could resolve to a release affected by {f.rule_id} (no lockfile of its project"
            " resolved it); gone now, but an install then could have run it"
        )
    return msgspec.structs.replace(
        f,
        type=FindingType.PAST_PACKAGE,
        description=description,
        introduced_commit=started.commit,
        introduced_at=utc(started.time) if started.time is not None else None,
        removed_commit=commit,
        removed_at=utc(when),
        in_compromise_window=in_compromise_window(rule, started.time, when) if rule else None,
        dependency_paths=f.dependency_paths,
    )
