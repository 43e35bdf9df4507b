"""Scan orchestration: find inputs, parse and match them (on both cores when many), add host
checks, and return one ``ScanResult``. Prints nothing, exits nothing."""

from __future__ import annotations

import gc
import os
import posixpath
import sys
import time
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Protocol

import msgspec

from gouvernante import trace
from gouvernante.errors import GouvernanteError, LockfileError
from gouvernante.fs.read import (
    MAX_LOCKFILE_BYTES,
    link_end_inside,
    link_refusal,
    read_regular_file,
    real_path_inside,
)
from gouvernante.lazy import lazy_pattern
from gouvernante.lockfiles import (
    MANIFEST,
    OWN_LOCKFILE,
    PNPM_WORKSPACE,
    linked_projects,
    needs_manifest,
    own_lockfile_in,
    parse_bytes,
    parser_for_name,
    reads_member_manifests,
    tarball_release,
    with_manifest_beside,
    with_tarball_releases,
)
from gouvernante.match.placing import (
    LINK_OUT,
    DeclaredJudge,
    judge_all,
    locked,
    manifest_name_of,
    override_names,
    project_shape,
    rush_repository,
    rush_temps,
    workspace_members,
)
from gouvernante.model import (
    SUBMODULE_CHECKOUT_NOT_SCANNED,
    Finding,
    HostCheck,
    LockfileFormat,
    LockfileGraph,
    ResolvedLockfile,
    ScanIssue,
    ScanResult,
    ScanStats,
)
from gouvernante.rules.index import RuleIndex, build_index
from gouvernante.rules.ruleset import RuleSet, any_file_hashes

if TYPE_CHECKING:
    from gouvernante.fs.digest import ContentHasher
    from gouvernante.fs.walk import WalkedDir
    from gouvernante.gitscan import GitScanOutput, GitScanRequest
    from gouvernante.host.checks import HostScanResult
    from gouvernante.host.context import HostContext
    from gouvernante.inventory.evaluate import InventoryRequest
    from gouvernante.model import Catalogs
from gouvernante.match.hits import (
    DeclaredHit,
    entry_errors,
    lockfile_notes,
    match_declared,
    match_graph,
)

# Below this many files, a process pool costs more than it saves.
PARALLEL_MIN_FILES = 8


class ScanRequest(msgspec.Struct, frozen=True, gc=False):
    directory: str = "."
    lockfiles: tuple[str, ...] = ()
    recursive: bool = False
    host: bool = False
    heuristic: bool = False
    heuristic_review_counts: bool = False  # medium/low-confidence heuristic findings count too
    workers: int | None = None  # None: both cores when there are many files
    resolved: bool = False  # keep each lockfile's packages and edges (SBOM output)


class FileTask(msgspec.Struct, frozen=True, gc=False):
    path: str  # as opened
    display: str  # as reported
    directory: str  # absolute directory of the file (project association)
    keep_graph: bool = False  # return the resolved packages and edges (SBOM output)
    kind: str = ""  # the well-known name whose parser reads it ("": the file's own name)
    root: str = ""  # the -dir scan root ("": -lockfile, whose files are each their own)

    @property
    def parser_name(self) -> str:
        return self.kind or os.path.basename(self.path)


class FileOutcome(msgspec.Struct, frozen=True, gc=False):
    task: FileTask
    format: LockfileFormat | None = None
    findings: tuple[Finding, ...] = ()
    declared: tuple[DeclaredHit, ...] = ()
    present_names: frozenset[str] = frozenset()  # registry packages named by a rule
    local_names: frozenset[str] = frozenset()  # workspaces, links named by a rule
    workspace_dirs: frozenset[str] = frozenset()  # importer folders the lockfile records
    workspace_globs: tuple[str, ...] = ()  # package.json ``workspaces``
    manifest_name: str = ""  # package.json ``name``
    rush_temps: frozenset[str] = frozenset()  # Rush npm/yarn lockfile: its ``@rush-temp/`` projects
    locked: tuple[tuple[str, str], ...] = ()  # lockfile: what it locks of rule names
    override_names: frozenset[str] = frozenset()  # package.json, pnpm lockfile: names overridden
    packages: int = 0
    error: ScanIssue | None = None
    notes: tuple[ScanIssue, ...] = ()
    entry_errors: tuple[ScanIssue, ...] = ()  # entries not read; the rest of the file was
    resolved: ResolvedLockfile | None = None  # with ``FileTask.keep_graph``
    # the pnpm-lock.yaml of each folder its links name (``lockfiles.linked_projects``), which
    # holds the dependencies of that project where it is there: scanned too (``_own_lockfiles``)
    own_lockfiles: tuple[str, ...] = ()


# The last file's bytes and graph, freed when the next file is read instead of when its scan
# returns: freeing a 55,000-entry package-lock's objects one by one takes ~8 ms, and the
# command line leaves by ``os._exit`` (``cli.entry``), so a one-file scan never pays it. At
# most one file is held beyond its scan, and none while the next one is parsed.
_last_file: list[object] = []


def _own_lockfile_beside(lockfile: str) -> Callable[[str], bool]:
    """Does a folder (relative to ``lockfile``'s) hold a pnpm-lock.yaml of its own
    (``LockfileGraph.own_lockfile_links``: pnpm's shared-workspace-lockfile=false), on disk: a
    regular file reached through no symbolic link below the lockfile's folder, as a git tree
    or an image holds it (``own_lockfile_in``; a link may lead out of what is scanned)."""

    def holds(path: str) -> bool:
        from gouvernante.fs.walk import is_regular_file  # noqa: PLC0415 - such files only

        return os.path.realpath(path) == os.path.normpath(path) and is_regular_file(path)

    return own_lockfile_in(os.path.realpath(os.path.dirname(lockfile)), holds)


def scan_file(task: FileTask, index: RuleIndex) -> FileOutcome:
    """Read, parse and match one lockfile or package.json."""
    _last_file.clear()
    try:
        data = read_regular_file(task.path, MAX_LOCKFILE_BYTES, task.display)
        graph = parse_bytes(
            data, task.display, task.parser_name, own_lockfile=_own_lockfile_beside(task.path)
        )
        _last_file.extend((data, graph))
    except GouvernanteError as exc:
        # The position (line, byte, JSON/YAML path) is part of what the report says.
        where = exc.located()
        return FileOutcome(task, error=ScanIssue(task.display, where))
    if needs_manifest(graph):
        graph = _with_manifest_beside(graph, task)
    if graph.unnamed_tarballs:
        graph = _with_tarball_releases(graph, task)
    catalog_errors: list[str] = []
    if graph.format is LockfileFormat.PACKAGE_JSON and graph.declared:
        graph = _with_catalogs(graph, task, catalog_errors)
    findings = match_graph(graph, index, task.display)
    declared = tuple(match_declared(graph.declared, index, task.display))
    rule_names = index.names
    table = graph.table
    present, local, workspace_dirs = project_shape(graph, rule_names)
    notes = tuple(ScanIssue(task.display, n) for n in lockfile_notes(graph, index))
    errors = [ScanIssue(task.display, e) for e in entry_errors(graph, index)]
    errors.extend(ScanIssue(task.display, e) for e in catalog_errors)
    bad = _control_in_names(table.names)
    if bad is not None:
        line = graph.details.line_of(table.ids[bad])
        at = f"line {line}: " if line is not None else ""
        message = f"{at}package entry {bad + 1}: a control character in its name"
        return FileOutcome(task, error=ScanIssue(task.display, message))
    return FileOutcome(
        task,
        format=graph.format,
        findings=tuple(findings),
        declared=declared,
        present_names=present,
        local_names=local,
        workspace_dirs=workspace_dirs,
        workspace_globs=tuple(graph.workspaces),
        manifest_name=manifest_name_of(graph),
        rush_temps=rush_temps(graph)
        if rush_repository(task.directory.replace(os.sep, "/")) is not None
        else frozenset(),
        locked=locked(graph, rule_names),
        override_names=override_names(graph),
        packages=len(graph.packages),
        notes=notes,
        entry_errors=tuple(errors),
        resolved=_resolved(graph, task.display) if task.keep_graph else None,
        own_lockfiles=tuple(
            os.path.join(os.path.dirname(task.path), *folder.split("/"), OWN_LOCKFILE)
            for folder in linked_projects(graph)
        ),
    )


def _resolved(graph: LockfileGraph, display: str) -> ResolvedLockfile:
    edges = graph.details.edges()
    return ResolvedLockfile(
        display,
        graph.format,
        tuple(graph.table),
        tuple(graph.importers),
        tuple((node, tuple(targets)) for node, targets in edges.items()),
    )


def _with_manifest_beside(graph: LockfileGraph, task: FileTask) -> LockfileGraph:
    """npm v1 and yarn classic do not record the project's own dependencies: the package.json
    beside the lockfile does (``match.lockfile.with_manifest_beside``, as every mode reads it).
    Without a readable one, ``direct`` stays unknown (the -dir scan reports an unreadable
    package.json by itself)."""
    path = task.path
    manifest_path = os.path.join(os.path.dirname(path), "package.json")
    if task.parser_name == "package.json" or not os.path.isfile(manifest_path):
        return with_manifest_beside(graph, None)
    from gouvernante.lockfiles.package_json import parse as parse_manifest  # noqa: PLC0415

    try:
        data = read_regular_file(manifest_path, MAX_LOCKFILE_BYTES, manifest_path)
        manifest = parse_manifest(data, manifest_path)
    except GouvernanteError:
        return with_manifest_beside(graph, None)
    folder = os.path.dirname(path) or "."
    names: set[str] = set()
    members: dict[str, LockfileGraph] = {}
    wanted = reads_member_manifests(graph)
    for member, name, held in _member_folders(folder, manifest.workspaces, task.root or folder):
        names.add(name)
        if not wanted or held is None:
            continue
        try:
            members[_relative(member, folder)] = parse_manifest(
                held, os.path.join(member, MANIFEST)
            )
        except GouvernanteError:
            continue  # (its own error is the file's, reported where it is read)
    return with_manifest_beside(graph, manifest, names, members)


def _with_tarball_releases(graph: LockfileGraph, task: FileTask) -> LockfileGraph:
    """A yarn lockfile's ``file:`` tarballs named by their package.json (the file names the
    dependency only: ``lockfiles.with_tarball_releases``), each read where the lockfile says it
    is, inside the lockfile's folder (a tarball outside it, or a link out of it, is not read).
    One not read, damaged or with no name and version stays unnamed: an entry error when a
    rule names a package at its version (``match.hits.entry_errors``)."""
    folder = os.path.dirname(task.path) or "."
    inside = os.path.realpath(folder)
    releases: dict[str, tuple[str, str]] = {}
    for node_id, relative in graph.unnamed_tarballs:
        if not relative:
            continue
        path = os.path.join(folder, relative)
        if real_path_inside(path, inside) is None:
            continue
        release = tarball_release(path)
        if release is not None:
            releases[node_id] = release
    return with_tarball_releases(graph, releases)


def _with_catalogs(graph: LockfileGraph, task: FileTask, errors: list[str]) -> LockfileGraph:
    """A manifest's ``catalog:`` references replaced by the ranges they stand for: the nearest
    pnpm-workspace.yaml's at or above its folder (as pnpm finds its workspace) and the bun
    workspace root's (``match.lockfile.bun_root_catalogs``: the topmost package.json whose
    ``workspaces`` name the folder; decision 0054), as ``answer_catalogs`` keeps them. Every
    folder above is asked, above the -dir root too (a member scanned alone, ``-dir
    packages/app`` or the default ``.`` in it, is answered as the whole tree's scan answers it:
    its files above are read, never scanned as the tree's own). A pnpm file that cannot be read
    leaves them as written (notes: not decidable), a package.json that cannot be read is no
    root; where such a file is no scanned file reporting its own error (-lockfile, or above the
    -dir root), its error is an entry error of the manifest."""
    from gouvernante.lockfiles import pnpm_workspace  # noqa: PLC0415 - only for catalog: refs
    from gouvernante.match.lockfile import (  # noqa: PLC0415 - idem
        TOO_MANY_YARN_VIEWS,
        root_and_yarn_catalogs,
    )
    from gouvernante.sources.yarnrc import YARNRC  # noqa: PLC0415 - idem

    if not pnpm_workspace.uses_catalogs(graph) or task.parser_name == PNPM_WORKSPACE:
        return graph
    own = os.path.basename(task.path) == MANIFEST
    pnpm: Catalogs | None = None
    folder = task.directory
    while True:
        path = os.path.join(folder, PNPM_WORKSPACE)
        if os.path.lexists(path):
            got = _catalog_file(path, folder, task, errors)
            if got is None:
                return graph
            pnpm = got[1]
            break
        parent = os.path.dirname(folder)
        if folder == parent:
            break
        folder = parent

    def root_at(where: str) -> tuple[Sequence[str], Catalogs | None] | None:
        if own and where == task.directory:
            return (graph.workspaces, graph.catalogs) if graph.workspaces else None
        path = os.path.join(where, MANIFEST)
        got = _catalog_file(path, where, task, errors) if os.path.lexists(path) else None
        return got if got is not None and got[0] else None

    unread = False

    def rc_at(where: str) -> Catalogs | None:
        nonlocal unread
        path = os.path.join(where, YARNRC)
        if not os.path.lexists(path):
            return None
        got = _catalog_file(path, where, task, errors)
        unread = unread or got is None
        return None if got is None else got[1]

    bun, yarn, too_many = root_and_yarn_catalogs(
        task.directory, root_at, rc_at, None, os.path.dirname, _yarnrc_folders
    )
    if too_many:
        errors.append(TOO_MANY_YARN_VIEWS)
    if unread:  # (a .yarnrc.yml not read: yarn's answers are not known; its error is said)
        yarn = ()
    if pnpm is None and bun is None and not yarn:
        return graph
    declared = tuple(pnpm_workspace.answer_catalogs(graph.declared, pnpm, bun, yarn))
    return msgspec.structs.replace(graph, declared=declared)


# The files defining catalogs ``_with_catalogs`` read in this scan (``_scan_files`` empties
# it; forked workers start from that), by identity: the manifests of a workspace share one,
# which is parsed once, not once per manifest (a 4 MiB one under 200 manifests took a minute).
# Each kept as (workspace globs, catalogs); one that could not be read as its error, worded
# again for each manifest.
_CatalogFile = tuple[tuple[str, ...], "Catalogs | None"]
# The folders below a project's root holding a .yarnrc.yml (each a place yarn may be run in,
# reading it: decision 0056), by root, found by one walk of it per scan (``_scan_files``
# empties it, with ``_CATALOG_FILES``).
_YARNRC_FOLDERS: dict[str, list[str]] = {}
_CATALOG_FILES: dict[tuple[int, int, int, int], _CatalogFile | GouvernanteError] = {}
_CATALOG_FILES_KEPT = 16


def _yarnrc_folders(top: str) -> list[str]:
    """The folders strictly below ``top`` holding a ``.yarnrc.yml``, walked as ``-dir`` walks
    (dependency and VCS folders skipped); kept for the scan."""
    from gouvernante.fs.walk import walk  # noqa: PLC0415 - only for catalog: refs
    from gouvernante.sources.yarnrc import YARNRC  # noqa: PLC0415 - idem

    got = _YARNRC_FOLDERS.get(top)
    if got is None:
        if len(_YARNRC_FOLDERS) >= _CATALOG_FILES_KEPT:
            _YARNRC_FOLDERS.clear()
        got = _YARNRC_FOLDERS[top] = [
            walked.path
            for walked in walk(top)
            if walked.path != top and (YARNRC in walked.files or YARNRC in walked.links)
        ]
    return got


def _catalog_file(path: str, folder: str, task: FileTask, errors: list[str]) -> _CatalogFile | None:
    """(workspace globs, catalogs) of a pnpm-workspace.yaml, package.json or .yarnrc.yml (no
    globs); None when it cannot be read (its error is the manifest's, ``errors``, with -lockfile
    and for a .yarnrc.yml, which no scan reads as a file of its own)."""
    from gouvernante.lockfiles import pnpm_workspace  # noqa: PLC0415 - only for catalog: refs
    from gouvernante.sources.yarnrc import (  # noqa: PLC0415 - idem
        MAX_YARNRC_BYTES,
        YARNRC,
        lockfile_setting,
    )

    root = task.root
    in_tree = bool(root) and (folder == root or folder.startswith(root.rstrip(os.sep) + os.sep))
    shown = posixpath.normpath(
        posixpath.join(
            posixpath.dirname(task.display),
            os.path.relpath(path, task.directory).replace(os.sep, "/"),
        )
    )
    try:
        st = os.stat(path)
        key: tuple[int, int, int, int] | None = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        key = None  # (the read below says why)
    got = _CATALOG_FILES.get(key) if key is not None else None
    if got is None:
        try:
            if os.path.islink(path):
                refusal = link_refusal(path, task.root if in_tree else folder)
                if refusal is not None:
                    raise LockfileError(shown, refusal)
            name = os.path.basename(path)
            limits = {PNPM_WORKSPACE: pnpm_workspace.MAX_WORKSPACE_BYTES, YARNRC: MAX_YARNRC_BYTES}
            data = read_regular_file(path, limits.get(name, MAX_LOCKFILE_BYTES), shown)
            if name == YARNRC:
                lockfile_setting(data, shown)  # (a file not read exactly: nor its catalogs)
            got = pnpm_workspace.catalog_file(data, shown, name)
        except GouvernanteError as exc:
            got = exc
        if key is not None:
            if len(_CATALOG_FILES) >= _CATALOG_FILES_KEPT:
                _CATALOG_FILES.clear()
            _CATALOG_FILES[key] = got
    if isinstance(got, GouvernanteError):
        if not in_tree or os.path.basename(path) == YARNRC:  # (a scanned file says its own)
            where = got.located()
            errors.append(f"{shown}: {where}; its catalog: references are not checked")
        return None
    return got


_CONTROL = lazy_pattern(r"[\x00-\x1f\x7f]")
# The same characters as a deletion table: an ASCII text translated without them keeps its
# length unless it holds one (~0.15 ms for 16,384 names joined, where the search takes ~0.9).
_WITHOUT_CONTROL = str.maketrans("", "", "".join(map(chr, (*range(0x20), 0x7F))))


_NAMES_AT_ONCE = 16_384


def _control_in_names(names: Sequence[str]) -> int | None:
    """The position of the first package name holding NUL or another control character: no
    name npm installs, so the file is refused (its line named, the name not echoed)."""
    # One pass over the names joined, a slice at a time: a big lockfile's names column may be
    # computed as it is read (npm's big-file path), and joined whole it would be held at once.
    names_left = iter(names)
    while chunk := list(islice(names_left, _NAMES_AT_ONCE)):
        joined = " ".join(chunk)
        if joined.isascii():
            if len(joined.translate(_WITHOUT_CONTROL)) != len(joined):
                break
        elif _CONTROL.search(joined) is not None:
            break
    else:  # the common case
        return None
    for position, name in enumerate(names):
        if _CONTROL.search(name) is not None:
            return position
    return None


_WORKER_INDEX: RuleIndex | None = None


def _init_worker(index: RuleIndex | None) -> None:
    global _WORKER_INDEX  # noqa: PLW0603 - per-process state of the pool worker
    if index is not None:
        _WORKER_INDEX = index


if TYPE_CHECKING:  # (a Protocol class costs ~0.13 M instructions to create: decision 0105)

    class Progress(Protocol):
        """Receives progress of long scans (the CLI draws it on a TTY's stderr)."""

        def update(self, phase: str, done: int, total: int, findings: int) -> None: ...

        def finish(self) -> None: ...


def _scan_files(
    tasks: Sequence[FileTask],
    index: RuleIndex,
    workers: int | None,
    progress: Progress | None = None,
) -> list[FileOutcome]:
    """Outcomes in the order of ``tasks``, whichever process scanned them."""
    _CATALOG_FILES.clear()
    _YARNRC_FOLDERS.clear()
    outcomes: list[FileOutcome | None] = [None] * len(tasks)
    found = 0
    for done, (position, outcome) in enumerate(_iter_scan_files(tasks, index, workers), 1):
        outcomes[position] = outcome
        if progress is not None:
            found += len(outcome.findings)
            progress.update("lockfiles", done, len(tasks), found)
    return [o for o in outcomes if o is not None]


def _scan_chunk(chunk: Sequence[FileTask]) -> list[FileOutcome]:
    assert _WORKER_INDEX is not None
    return [scan_file(t, _WORKER_INDEX) for t in chunk]


def _iter_scan_files(
    tasks: Sequence[FileTask], index: RuleIndex, workers: int | None
) -> Iterator[tuple[int, FileOutcome]]:
    """(position, outcome) as files are scanned. With N processes, this process is one of them
    and N - 1 pool workers take the others: chunks are handed out as each side gets free, so
    big and small lockfiles balance out."""
    count = workers if workers is not None else (os.cpu_count() or 1)
    count = max(1, min(count, 2 if workers is None else count, len(tasks)))
    if count == 1 or (workers is None and len(tasks) < PARALLEL_MIN_FILES):
        for position, t in enumerate(tasks):
            yield position, scan_file(t, index)
        return
    import multiprocessing  # noqa: PLC0415 - only when a pool pays off
    from concurrent.futures import FIRST_COMPLETED, Future, wait  # noqa: PLC0415

    from gouvernante.procpool import process_pool  # noqa: PLC0415

    global _WORKER_INDEX  # noqa: PLW0603 - inherited by forked workers without pickling
    _WORKER_INDEX = index
    # Import the parsers these files need before forking, so workers do not each import them.
    for name in {t.parser_name for t in tasks}:
        spec = parser_for_name(name)
        if spec is not None:
            spec.load()
    if sys.platform.startswith("linux"):
        # Objects alive now are shared with the forked workers: keep the cyclic GC off them, so
        # collections in a worker neither walk them nor copy their pages.
        gc.freeze()
        ctx = multiprocessing.get_context("fork")
        init_arg: RuleIndex | None = None
    else:
        ctx = multiprocessing.get_context("spawn")
        init_arg = index
    trace.debug("scanning %d files with %d processes", len(tasks), count)
    size = max(1, min(8, len(tasks) // (count * 8)))
    chunks = deque((start, tasks[start : start + size]) for start in range(0, len(tasks), size))
    pending: dict[Future[list[FileOutcome]], int] = {}
    # Workers end with this process: a signal, an error or a closed generator terminates them.
    with process_pool(
        count - 1, mp_context=ctx, initializer=_init_worker, initargs=(init_arg,)
    ) as pool:

        def refill() -> None:
            while chunks and len(pending) < 4 * (count - 1):
                start, chunk = chunks.popleft()
                pending[pool.submit(_scan_chunk, chunk)] = start

        refill()
        while chunks or pending:
            if chunks:  # this process takes the next chunk itself
                start, chunk = chunks.popleft()
                for offset, t in enumerate(chunk):
                    yield start + offset, scan_file(t, index)
            else:
                wait(pending, return_when=FIRST_COMPLETED)
            for future in [f for f in pending if f.done()]:
                start = pending.pop(future)
                for offset, outcome in enumerate(future.result()):
                    yield start + offset, outcome
            refill()


def discover(
    request: ScanRequest,
    errors: list[ScanIssue],
    notes: list[ScanIssue] | None = None,
    links: dict[str, str] | None = None,
) -> tuple[list[FileTask], str | None]:
    """The files to scan and the scan root (None in ``-lockfile`` mode); ``notes`` gets the
    git submodules of a ``-recursive`` walk that are not checked out (nothing of them read);
    ``links`` the symbolic links to folders inside the root the scan knows of (link -> the
    folder it leads to, spelled as the tasks' folders: ``DeclaredJudge``, decision 0113)."""
    if request.lockfiles:
        tasks = []
        cwd = os.getcwd()
        for p in request.lockfiles:
            folder = os.path.dirname(os.path.abspath(p))
            if os.path.islink(p):
                # A named link is followed inside the working folder (or its own folder).
                tree = cwd if os.path.abspath(p).startswith(cwd.rstrip(os.sep) + os.sep) else folder
                refusal = link_refusal(p, tree)
                if refusal is not None:
                    errors.append(ScanIssue(p, refusal))
                    continue
            tasks.append(FileTask(p, p, folder))
        return tasks, None
    # (-dir only: a -lockfile scan imports none of these; decision 0024)
    from gouvernante.fs.walk import walk  # noqa: PLC0415
    from gouvernante.sources.names import lockfile_name  # noqa: PLC0415
    from gouvernante.sources.submodules import GITMODULES  # noqa: PLC0415
    from gouvernante.sources.yarnrc import inherited_above  # noqa: PLC0415

    root = os.path.abspath(request.directory)
    if not os.path.isdir(root):
        what = "no such directory" if not os.path.exists(root) else "not a directory"
        errors.append(ScanIssue(request.directory, what))
        return [], root
    tasks = []

    def on_error(path: str, message: str) -> None:
        errors.append(ScanIssue(_display(path, root), message))

    # yarn berry's lockfileFilename, as each folder inherits it (from above the root too)
    above, unread = inherited_above(root)
    errors.extend(ScanIssue(path, reason) for path, reason in unread)
    names: dict[str, str | None] = {}
    # (yarn 1's --modules-folder trees are installs, as node_modules is: not the project's)
    installed: list[str] = []
    found: dict[str, str] = {} if links is None else links
    for wd in walk(root, recursive=request.recursive, on_error=on_error, installed=installed):
        if request.recursive and notes is not None and GITMODULES in wd.files:
            notes.extend(_unchecked_submodules(wd.path, root, GITMODULES in wd.links))
        if request.recursive and wd.links:
            errors.extend(_linked_projects(wd, root, found))
        for name in wd.files:
            kind = lockfile_name(name)
            if kind is not None:
                full = os.path.join(wd.path, name)
                if name in wd.links:
                    refusal = link_refusal(full, root)
                    if refusal is not None:  # an error naming the link, never a silent skip
                        errors.append(ScanIssue(_display(full, root), refusal))
                        continue
                tasks.append(FileTask(full, _display(full, root), wd.path, kind=kind, root=root))
        named = _named_lockfile(wd, root, _folder_name(wd, root, names, above, errors), errors)
        if named is not None:
            tasks.append(named)
    # (with -recursive too: a member in a folder the walk skips by name, ".cache/app", is one
    # the root's install installs; the walk's own members are taken already)
    tasks.extend(_member_manifests(root, {t.path for t in tasks}, errors, found))
    return tasks, root


def _link_end(link: str, root: str, real_root: str | None = None) -> str | None:
    """The folder the symbolic link ``link`` leads to, spelled as the walk spells ``root``'s
    folders, when it lies inside ``root`` (None: outside it, never read; decision 0113)."""
    rel = link_end_inside(link, root, real_root)
    return None if rel is None else os.path.normpath(os.path.join(root, *rel.split("/")))


def _walked(folder: str, root: str) -> bool:
    """Does the ``-recursive`` walk of ``root`` reach ``folder`` (inside it)?"""
    from gouvernante.fs.walk import SKIP_DIRS  # noqa: PLC0415 - -dir only

    rel = os.path.relpath(folder, root)
    parts = [] if rel == os.curdir else rel.split(os.sep)
    return not any(p in SKIP_DIRS or p.startswith(".") for p in parts)


def _linked_projects(wd: WalkedDir, root: str, links: dict[str, str]) -> list[ScanIssue]:
    """A symbolic link to a folder holding a lockfile or a package.json at its top: the walk
    never follows a linked folder; one to a folder it walks is read there, and placed at the
    link too (``links``: npm, pnpm and yarn 1 install a workspace member that is a link at the
    link's path, decision 0113); for another, the project there is not scanned: an error naming
    the link (as for a linked lockfile), never a silent skip. Only its names are listed."""
    from gouvernante.fs.walk import SKIP_DIRS  # noqa: PLC0415 - -dir only
    from gouvernante.sources.names import lockfile_name  # noqa: PLC0415 - idem

    out: list[ScanIssue] = []
    real_root = os.path.realpath(root)
    for name in sorted(wd.links):
        full = os.path.join(wd.path, name)
        if name in SKIP_DIRS or not os.path.isdir(full):
            continue
        end = _link_end(full, root, real_root)
        if end is not None and _walked(end, root):
            links[full] = end
            continue
        try:
            held = [n for n in os.listdir(full) if n == MANIFEST or lockfile_name(n) is not None]
        except OSError:
            continue
        if held:
            out.append(
                ScanIssue(
                    _display(full, root),
                    f"a symbolic link to a folder holding {sorted(held)[0]}: not followed (scan"
                    " its target with -dir)",
                )
            )
    return out


def _member_manifests(
    root: str, taken: set[str], errors: list[ScanIssue], links: dict[str, str]
) -> list[FileTask]:
    """The package.json of each workspace the root names (its
    package.json ``workspaces``, its pnpm-workspace.yaml ``packages``): installing the root
    installs their dependencies, so they are part of the project (before, a member declaring a
    compromised release of a project with no lockfile read CLEAN). A root file that cannot be
    read names none here (its own task reports it); links are refused as the walk refuses them.
    A member that is a symbolic link to a folder inside the root is read where it leads, and
    placed at the link too (``links``); one to a folder outside the root is not read, an error
    (decision 0113)."""
    from gouvernante.fs import globs  # noqa: PLC0415 - -dir only
    from gouvernante.sources.workspaces import workspace_patterns  # noqa: PLC0415 - idem

    inside = workspace_patterns(root)
    tasks: list[FileTask] = []
    problems: list[str] = []
    linked: list[str] = []
    members = globs.expand(root, inside, problems, linked) if inside else []
    shown_root = _display(os.path.join(root, MANIFEST), root)
    real_root = os.path.realpath(root)
    for member in linked:
        full = os.path.join(root, *member.split("/"))
        end = links.get(full) or _link_end(full, root, real_root)  # (-recursive: walked)
        if end is None:
            problems.append(f"{member}: {LINK_OUT}")
        else:
            links[full] = end
            if end != root:
                members.append(_display(end, root))
    errors.extend(
        ScanIssue(shown_root, f"workspaces: {problem} (a member there is not scanned)")
        for problem in problems
    )
    for member in dict.fromkeys(members):
        if ".." in member.split("/"):
            continue
        folder = os.path.join(root, *member.split("/"))
        full = os.path.join(folder, MANIFEST)
        if full in taken or folder == root:
            continue
        tasks.extend(_member_lockfiles(folder, root, taken, errors))
        tasks.extend(_member_task(full, folder, MANIFEST, root, errors))
    return tasks


def _member_lockfiles(
    folder: str, root: str, taken: set[str], errors: list[ScanIssue]
) -> list[FileTask]:
    """The lockfiles in a workspace member's folder: pnpm's ``shared-workspace-lockfile=false``
    installs each member from its own ``pnpm-lock.yaml`` (the root's then holds the root's
    dependencies only), and any member's file is what an install in that folder uses. Links
    are refused as the walk refuses them."""
    from gouvernante.sources.names import lockfile_name  # noqa: PLC0415 - -dir only

    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []  # (no folder: the member's manifest task says so)
    tasks: list[FileTask] = []
    for name in names:
        kind = lockfile_name(name)
        full = os.path.join(folder, name)
        if kind is None or kind == MANIFEST or full in taken:
            continue
        if os.path.isdir(full) and not os.path.islink(full):
            continue  # (a folder of that name holds no lockfile; a FIFO or device is refused)
        tasks.extend(_member_task(full, folder, kind, root, errors))
    return tasks


def _member_task(
    full: str, folder: str, kind: str, root: str, errors: list[ScanIssue]
) -> list[FileTask]:
    """The task reading one file of a member's folder; a link the walk would refuse is an
    error instead (none)."""
    shown = _display(full, root)
    if os.path.islink(full):
        refusal = link_refusal(full, root)
        if refusal is not None:
            errors.append(ScanIssue(shown, refusal))
            return []
    return [FileTask(full, shown, folder, kind=kind, root=root)]


def _folder_name(
    wd: WalkedDir,
    root: str,
    names: dict[str, str | None],
    above: str | None,
    errors: list[ScanIssue],
) -> str | None:
    """The lockfile name yarn berry uses in ``wd`` (``names``: each folder walked so far, the
    walk going top-down; ``above``: the root's parent's)."""
    from gouvernante.sources.yarnrc import YARNRC  # noqa: PLC0415 - -dir only

    name = names.get(os.path.dirname(wd.path), above)
    if YARNRC in wd.files:
        name = _folder_setting(wd, root, name, errors)
    names[wd.path] = name
    return name


def _folder_setting(
    wd: WalkedDir, root: str, parent: str | None, errors: list[ScanIssue]
) -> str | None:
    """The lockfile name yarn berry uses in ``wd`` (``yarnrc.inherit``), its ``.yarnrc.yml``
    read under the walk's symlink rules; one not read, or a setting refused, is an error naming
    it (and its folder's projects get no name: that error stands for them)."""
    from gouvernante.sources.yarnrc import MAX_YARNRC_BYTES, YARNRC, inherit  # noqa: PLC0415

    path = os.path.join(wd.path, YARNRC)
    shown = _display(path, root)
    try:
        refusal = link_refusal(path, root) if YARNRC in wd.links else None
        if refusal is not None:
            raise LockfileError(shown, refusal)
        return inherit(parent, read_regular_file(path, MAX_YARNRC_BYTES, shown), shown)
    except GouvernanteError as exc:
        errors.append(ScanIssue(shown, exc.detail))
        return None


def _named_lockfile(
    wd: WalkedDir, root: str, name: str | None, errors: list[ScanIssue]
) -> FileTask | None:
    """The lockfile ``name`` (yarn berry's ``lockfileFilename``, set by the folder's
    ``.yarnrc.yml`` or one above) in ``wd``, read as a yarn.lock, under the walk's symlink
    rules (decision 0044). A name with nothing there is nothing (yarn would create it: the
    package.json is judged alone, as without a lockfile)."""
    if name is None:
        return None
    from gouvernante.sources.yarnrc import (  # noqa: PLC0415 - -dir only
        NOT_A_FILE,
        NOT_A_FILE_INHERITED,
        YARN_LOCK,
        YARNRC,
    )

    full = os.path.join(wd.path, name)
    if name not in wd.files:
        if os.path.lexists(full):
            if YARNRC in wd.files:
                errors.append(ScanIssue(_display(os.path.join(wd.path, YARNRC), root), NOT_A_FILE))
            else:
                errors.append(ScanIssue(_display(full, root), NOT_A_FILE_INHERITED))
        return None
    full_shown = _display(full, root)
    refusal = link_refusal(full, root) if name in wd.links else None
    if refusal is not None:
        errors.append(ScanIssue(full_shown, refusal))
        return None
    return FileTask(full, full_shown, wd.path, kind=YARN_LOCK, root=root)


def _unchecked_submodules(folder: str, root: str, linked: bool) -> list[ScanIssue]:
    from gouvernante.sources.submodules import (  # noqa: PLC0415 - -dir -recursive only
        GITMODULES,
        MAX_GITMODULES_BYTES,
        unchecked_submodules,
    )

    path = os.path.join(folder, GITMODULES)
    shown = _display(path, root)
    try:
        if linked:
            raise LockfileError(shown, "is a symbolic link; not read")
        data = read_regular_file(path, MAX_GITMODULES_BYTES, shown)
    except GouvernanteError as exc:
        return [ScanIssue(shown, f"{exc.detail}: the submodules it may name are not checked")]
    how = SUBMODULE_CHECKOUT_NOT_SCANNED
    return [
        ScanIssue(
            _display(os.path.join(folder, rel), root),
            f"a git submodule (.gitmodules) that is not checked out{how}",
        )
        if rel is not None
        else ScanIssue(
            shown, f"line {line}: a git submodule whose path holds nothing (not checked out){how}"
        )
        for rel, line in unchecked_submodules(folder, data)
    ]


def _installed_not_checked(project_dirs: Sequence[str], root: str) -> list[ScanIssue]:
    """Without ``-host``, a note when a scanned project has a ``node_modules``: what is
    installed there is not checked (it may differ from the lockfile: an install made before the
    lockfile changed, a ``npm install`` of something else), and a clean verdict says nothing of
    it. One note, naming the first such folder and how many there are."""
    found = [d for d in project_dirs if os.path.lexists(os.path.join(d, "node_modules"))]
    if not found:
        return []
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return [
        ScanIssue(
            _display(os.path.join(found[0], "node_modules"), root),
            f"installed packages not checked{more}: -host checks what node_modules holds",
        )
    ]


def _own_lockfiles(
    tasks: list[FileTask], outcomes: list[FileOutcome], index: RuleIndex, workers: int | None
) -> tuple[list[FileTask], list[FileOutcome], list[ScanIssue]]:
    """``tasks`` and ``outcomes`` with the pnpm-lock.yaml of each folder a scanned file links
    to as a project with a lockfile of its own (pnpm's shared-workspace-lockfile=false: the
    root's file holds its links, each member's file its dependencies; decisions 0130, 0135),
    when no task reads it yet: ``-lockfile ROOT`` answers for the members as a shared file
    does, and ``-dir`` reads a linked folder its workspace globs do not list. A member's own
    file is followed in turn (its ``link:../b`` to a sibling holding its own file: decision
    0138), and a root holding packages as well as links alike. Each file once (by its real
    path), so links between members end; only a file inside the folder the scan started from
    (the -dir root, or the folder of the file ``-lockfile`` names) is read. One out of it that
    no task reads is an error each (decision 0149: ``-lockfile packages/a/pnpm-lock.yaml`` whose
    ``link:../b`` leads to b's own file, which locks what a runs, was CLEAN)."""
    if not any(out.own_lockfiles for out in outcomes):
        return tasks, outcomes, []
    from gouvernante.fs.walk import is_regular_file  # noqa: PLC0415 - such links only

    # each file read, by real path: the widest folder a scan started from that reaches it (a
    # file two -lockfile arguments name is followed as far as the outer one allows), and its
    # outcome, to follow its links again when a wider one reaches it
    anchors = {
        os.path.realpath(t.path): os.path.realpath(t.root or os.path.dirname(t.path) or ".")
        for t in tasks
    }
    read = {os.path.realpath(out.task.path): out for out in outcomes}
    outside: dict[str, tuple[FileTask, str]] = {}  # real path -> the first file linking it, path
    new = outcomes
    while True:
        more: list[FileTask] = []
        again: list[FileOutcome] = []
        for out in new:
            anchor = anchors[os.path.realpath(out.task.path)]
            for path in out.own_lockfiles:
                real = real_path_inside(path, anchor)
                if real is None:
                    out_real = os.path.realpath(path)
                    if out_real not in outside and is_regular_file(out_real):
                        outside[out_real] = (out.task, path)
                    continue
                if not is_regular_file(real):
                    continue
                known = anchors.get(real)
                if known is not None:
                    if known != anchor and real_path_inside(known, anchor) is not None:
                        anchors[real] = anchor  # (a wider start reaches it: follow it again)
                        if real in read:
                            again.append(read[real])
                    continue
                anchors[real] = anchor
                task = out.task
                if task.root:
                    shown = _display(path, task.root)
                else:  # (-lockfile: beside the file as it was named)
                    rel = os.path.relpath(path, os.path.dirname(task.path))
                    shown = os.path.normpath(os.path.join(os.path.dirname(task.display), rel))
                more.append(
                    FileTask(
                        path,
                        shown,
                        os.path.dirname(os.path.abspath(path)),
                        keep_graph=task.keep_graph,
                        kind=OWN_LOCKFILE,
                        root=task.root,
                    )
                )
        if not more and not again:
            return tasks, outcomes, _own_lockfiles_not_read(outside, anchors)
        new = _scan_files(more, index, workers) if more else []
        read.update((os.path.realpath(out.task.path), out) for out in new)
        tasks = [*tasks, *more]
        outcomes = [*outcomes, *new]
        new = [*new, *again]


def _own_lockfiles_not_read(
    outside: dict[str, tuple[FileTask, str]], anchors: dict[str, str]
) -> list[ScanIssue]:
    """An error for each project's own pnpm-lock.yaml a scanned file links to out of the folder
    its scan started from (``outside``: real path -> the first linking file's task, the path as
    linked) that no task of the scan read (``anchors``: the real paths read): pnpm installs that
    project's dependencies from it, and what the linking project runs includes them."""
    errors: list[ScanIssue] = []
    for real, (task, path) in outside.items():
        if real in anchors:
            continue
        rel = os.path.relpath(path, os.path.dirname(task.path)).replace(os.sep, "/")
        errors.append(
            ScanIssue(
                task.display,
                f"a linked project's own {OWN_LOCKFILE} ({rel}, from this file's folder) is out"
                " of the folder scanned: not read (pnpm installs that project's dependencies"
                " from it; scan the workspace with -dir, or name that file with -lockfile)",
            )
        )
    return errors


def _display(path: str, root: str) -> str:
    rel = os.path.relpath(path, root)
    return rel.replace(os.sep, "/")


def _resolve_declared(
    outcomes: Sequence[FileOutcome],
    root: str | None,
    recursive: bool,
    links: Mapping[str, str] | None = None,
) -> tuple[list[Finding], list[ScanIssue]]:
    """A risky package.json range is a finding only when no lockfile of its project resolves
    it: the files read on disk, judged by the one judgement of every mode
    (``match.placing.DeclaredJudge``), their folders spelled by ``os.path``."""
    placed = [(o.task.directory, o.task.display, o.task.parser_name, o) for o in outcomes]
    members = [
        (o.task.directory, o.task.display, MANIFEST, o)
        for o in _members_not_walked(outcomes, root, recursive)
    ]
    judge = DeclaredJudge(
        placed + members,
        root,
        dirname=os.path.dirname,
        relative=_relative,
        join=_joined,
        links=links,
    )
    findings, notes = judge_all(judge, placed)
    return findings, [ScanIssue(display, message) for display, message in notes]


def _relative(directory: str, folder: str) -> str:
    """``directory`` relative to ``folder`` (a folder at or above it), '/'-separated ('' when
    they are one)."""
    return "" if directory == folder else os.path.relpath(directory, folder).replace(os.sep, "/")


def _joined(folder: str, relative: str) -> str:
    """``folder``'s '/'-separated ``relative`` folder, absolute and normalised as the tasks'
    directories are."""
    return os.path.normpath(os.path.join(folder, relative))


def _named_folders(directory: str, patterns: Sequence[str], root: str) -> Iterator[tuple[str, str]]:
    """(folder, package name) of each package.json the globs name below ``directory``
    (``_member_folders``)."""
    for folder, name, _data in _member_folders(directory, patterns, root):
        yield folder, name


def _member_folders(
    directory: str, patterns: Sequence[str], root: str
) -> Iterator[tuple[str, str, bytes | None]]:
    """(folder, package name, its package.json's bytes) of each package.json the globs name
    below ``directory``: the folders ``globs.expand`` lists on disk, and its symbolic links to
    a folder inside ``root`` named by the package.json there (``with_links``: read at the
    link's end), named as every mode names them (``match.placing.workspace_members``). Each
    package.json is read once, for its name and for what the caller reads of it."""
    from gouvernante.fs import globs  # noqa: PLC0415 - yarn classic workspaces only

    linked: list[str] = []
    found = globs.expand(directory, patterns, None, linked)
    listed = {f: f for f in (os.path.join(directory, *f.split("/")) for f in found)}
    real_root = os.path.realpath(root) if linked else None
    for link in linked:
        full = os.path.join(directory, *link.split("/"))
        end = _link_end(full, root, real_root)
        if end is not None:
            listed[full] = end
    from gouvernante.lockfiles.package_json import manifest_name  # noqa: PLC0415 - idem

    read: dict[str, bytes | None] = {}  # (the folders asked about)

    def name_of(folder: str) -> str | None:
        data = read[folder] = _disk_bytes(listed[folder])
        return manifest_name(data) if data is not None else None

    named = workspace_members(directory, patterns, listed, name_of, _relative)
    for folder, name in named.items():
        yield folder, name, read[folder]


def _disk_bytes(folder: str) -> bytes | None:
    """The package.json in ``folder`` on disk (None: not readable; the scan reads it, and says
    so, if asked)."""
    path = os.path.join(folder, MANIFEST)
    try:
        return read_regular_file(path, MAX_LOCKFILE_BYTES, path)
    except GouvernanteError:
        return None


def _members_not_walked(
    outcomes: Sequence[FileOutcome], root: str | None, recursive: bool
) -> list[FileOutcome]:
    """The names of the workspaces a project's globs name where the scan did not walk (each
    ``-lockfile`` folder; without ``-recursive``, a project below the root: the walk read the
    root's members), read from disk, as placed name-only manifests: the judgement finds a
    project's workspace names among the placed manifests (``DeclaredJudge``), and these are
    manifests of the tree it did not read."""
    read = {o.task.directory for o in outcomes if o.format is LockfileFormat.PACKAGE_JSON}
    locks = {
        o.task.directory for o in outcomes if o.format not in (None, LockfileFormat.PACKAGE_JSON)
    }
    out: list[FileOutcome] = []
    for o in outcomes:
        folder = o.task.directory
        if (
            not o.workspace_globs
            or folder not in locks
            or (root is not None and (recursive or folder == root))
        ):
            continue
        for member, name in _named_folders(folder, o.workspace_globs, root or folder):
            if member not in read:
                task = FileTask(os.path.join(member, MANIFEST), MANIFEST, member)
                out.append(FileOutcome(task, LockfileFormat.PACKAGE_JSON, manifest_name=name))
    return out


def run_scan(
    request: ScanRequest,
    ruleset: RuleSet,
    host: HostContext | None = None,
    *,
    progress: Progress | None = None,
    host_scanner: Callable[[RuleSet, HostContext, Sequence[str]], HostScanResult] | None = None,
) -> ScanResult:
    started = time.perf_counter()
    started_at = _utc_now()
    errors: list[ScanIssue] = []
    notes: list[ScanIssue] = []
    index = build_index(ruleset.rules)
    links: dict[str, str] = {}
    tasks, root = discover(request, errors, notes, links)
    if request.resolved:
        tasks = [msgspec.structs.replace(t, keep_graph=True) for t in tasks]
    trace.debug("found %d files to scan", len(tasks))
    outcomes = _scan_files(tasks, index, request.workers, progress)
    tasks, outcomes, not_read = _own_lockfiles(tasks, outcomes, index, request.workers)
    errors.extend(not_read)
    findings: list[Finding] = []
    packages = 0
    parsed = 0
    for out in outcomes:
        if out.error is not None:
            errors.append(out.error)
            continue
        parsed += 1
        packages += out.packages
        findings.extend(out.findings)
        notes.extend(out.notes)
        errors.extend(out.entry_errors)
    declared_findings, declared_notes = _resolve_declared(outcomes, root, request.recursive, links)
    findings.extend(declared_findings)
    notes.extend(declared_notes)
    if not tasks and root is not None and not errors:
        notes.append(ScanIssue(request.directory, "no lockfile or package.json found"))
    host_checks: list[HostCheck] = []
    installed = cached = 0
    project_dirs = sorted({t.directory for t in tasks} | ({root} if root else set()))
    # Payload hashes (file_hashes): -heuristic hashes the files it reads whole, so it runs first
    # and the payload pass (-host's, or its own without -host) does not read them again.
    digests: dict[tuple[int, int, int, int], str] | None = (
        {} if request.heuristic and any_file_hashes(ruleset.rules) else None
    )
    h_findings: list[Finding] = []
    h_notes: list[ScanIssue] = []
    if request.heuristic:
        roots = _heuristic_roots(tasks, root, host if request.host else None, request.host)
        h_findings, h_notes = _run_heuristics(roots, request.heuristic_review_counts, digests)
    if request.host:
        from gouvernante.host.context import HostContext  # noqa: PLC0415 - only with -host

        ctx = host or HostContext.current()
        if host_scanner is not None:
            hr = host_scanner(ruleset, ctx, project_dirs)
        else:
            hr = _default_host_scanner(ruleset, ctx, project_dirs, digests)
        findings.extend(hr.findings)
        host_checks = list(hr.checks)
        errors.extend(hr.errors)
        notes.extend(hr.notes)
        installed, cached = hr.installed_packages, hr.cache_entries
    findings.extend(h_findings)
    notes.extend(h_notes)
    if digests is not None and not request.host:
        pr = _payload_scan(ruleset, project_dirs, digests)
        findings.extend(pr.findings)
        errors.extend(pr.errors)
        notes.extend(pr.notes)
    if not request.host and root is not None:
        notes.extend(_installed_not_checked(project_dirs, root))
    if progress is not None:
        progress.finish()
    findings.sort(key=Finding.sort_key)
    elapsed = int((time.perf_counter() - started) * 1000)
    return ScanResult(
        findings=tuple(findings),
        errors=tuple(sorted(errors, key=lambda e: (e.path, e.message))),
        notes=tuple(dict.fromkeys(notes)),  # (a note said twice, once: as -git says it)
        stats=ScanStats(
            lockfiles_scanned=parsed,
            packages_scanned=packages,
            rules_loaded=len(ruleset.rules),
            elapsed_ms=elapsed,
            installed_packages_scanned=installed,
            cache_entries_scanned=cached,
        ),
        scanned_files=tuple(t.display for t in tasks),
        rule_sources=ruleset.sources,
        rule_files=ruleset.files,
        builtin_rules=ruleset.builtin,
        host_checks=tuple(host_checks),
        rules=ruleset.rules,
        scan_id=_uuid4(),
        started_at=started_at,
        finished_at=_utc_now(),
        scan_root=root,
        hostname=_hostname(),
        host_scan=request.host,
        resolved=tuple(o.resolved for o in outcomes if o.resolved is not None),
    )


def _uuid4() -> str:
    """A random RFC 4122 version-4 UUID (without importing ``uuid`` on every start)."""
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _hostname() -> str:
    uname = getattr(os, "uname", None)
    if uname is not None:
        return str(uname().nodename)
    import socket  # noqa: PLC0415 - Windows has no os.uname

    return socket.gethostname()


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _heuristic_roots(
    tasks: Sequence[FileTask], root: str | None, ctx: HostContext | None, host: bool
) -> list[str]:
    """The installed trees to look at: each scanned project's node_modules and yarn 1
    ``--modules-folder`` trees (as -host reads them), and with -host the global install folders
    of this host."""
    dirs = {t.directory for t in tasks} | ({root} if root else set())
    roots = sorted(
        os.path.join(d, "node_modules")
        for d in dirs
        if os.path.isdir(os.path.join(d, "node_modules"))
    )
    roots.extend(p for p in _modules_folders(dirs) if p not in roots)
    if host:
        from gouvernante.host.context import HostContext  # noqa: PLC0415
        from gouvernante.host.locations import LocationKind, host_locations  # noqa: PLC0415

        for loc in host_locations(ctx or HostContext.current()):
            if loc.kind is LocationKind.INSTALLED and loc.path not in roots:
                roots.append(loc.path)
    return roots


def _modules_folders(dirs: Collection[str]) -> list[str]:
    """yarn 1's ``--modules-folder`` trees in the projects ``dirs`` (at any depth, as -host's
    project walk finds them: ``fs.walk.modules_folder``). Each folder walked once: a project
    inside another is in the outer one's walk."""
    from gouvernante.fs.walk import walk  # noqa: PLC0415 - -heuristic only

    found: list[str] = []
    tops: list[str] = []
    for d in sorted(dirs):
        if not any(d.startswith(t.rstrip(os.sep) + os.sep) for t in tops):
            tops.append(d)
    for top in tops:
        for _wd in walk(top, installed=found):
            pass
    return sorted(found)


def _run_heuristics(
    roots: Sequence[str],
    review_counts: bool = False,
    digests: dict[tuple[int, int, int, int], str] | None = None,
) -> tuple[list[Finding], list[ScanIssue]]:
    if not roots:
        return [], [ScanIssue(".", "heuristic: no installed packages (node_modules) to look at")]
    from gouvernante.heuristic.engine import scan_trees, to_finding  # noqa: PLC0415

    hits, tree_notes = scan_trees(roots, workers=2, digests=digests)
    where = roots[0] if len(roots) == 1 else f"{len(roots)} node_modules trees"
    findings = [to_finding(h, review_counts=review_counts) for h in hits]
    return findings, [ScanIssue(where, n) for n in tree_notes]


def _default_host_scanner(
    ruleset: RuleSet,
    ctx: HostContext,
    project_dirs: Sequence[str],
    digests: dict[tuple[int, int, int, int], str] | None = None,
) -> HostScanResult:
    from gouvernante.host.checks import run_host_scan  # noqa: PLC0415 - only with -host

    return run_host_scan(ruleset.rules, ctx, project_dirs, _seeded_hasher(digests))


def _payload_scan(
    ruleset: RuleSet, project_dirs: Sequence[str], digests: dict[tuple[int, int, int, int], str]
) -> HostScanResult:
    """-heuristic without -host: the rules' file_hashes against the projects' installs."""
    from gouvernante.host.checks import run_payload_scan  # noqa: PLC0415

    return run_payload_scan(ruleset.rules, project_dirs, _seeded_hasher(digests))


def _seeded_hasher(digests: dict[tuple[int, int, int, int], str] | None) -> ContentHasher | None:
    if digests is None:
        return None
    from gouvernante.fs.digest import ContentHasher as Hasher  # noqa: PLC0415

    hasher = Hasher()
    hasher.seed(digests)
    return hasher


def run_git_scan(request: GitScanRequest, ruleset: RuleSet) -> ScanResult:
    """``-git``: every ref of every repository read from its object store (see ``gitscan``)."""
    from gouvernante.gitscan import run_git_scan as scan_repositories  # noqa: PLC0415

    started = time.perf_counter()
    started_at = _utc_now()
    out = scan_repositories(request, ruleset.rules, build_index(ruleset.rules))
    if not out.scanned and not out.errors:
        _nothing_answered(
            ", ".join(request.paths), request.ref_patterns, False, out, inventory=False
        )
    if out.scanned:
        out.notes.append(
            ScanIssue(
                ", ".join(request.paths),
                f"{len(out.scanned)} refs, {out.lockfiles} lockfiles,"
                f" {out.blobs_parsed} distinct lockfile contents parsed",
            )
        )
    return _git_result(request.paths, ruleset, out.findings, out, started, started_at)


def _nothing_answered(
    where: str, ref_patterns: Sequence[str], at: bool, out: GitScanOutput, *, inventory: bool
) -> None:
    """No ref was read. Refs asked for with ``-ref`` that none matches, an ``-at`` time the
    inventory knows nothing of, or an inventory that records no ref at all (no ``inventory
    add`` reached it, or only empty repositories: a fan-out whose shards never arrived) are
    errors: the question was not answered, which is not a CLEAN. A repository without any ref
    (``-git`` of a new repository) is the note ``gitscan`` gives it: nothing to scan, as ``-dir``
    of an empty folder."""
    if ref_patterns:
        patterns = " ".join(ref_patterns)
        out.errors.append(ScanIssue(where, f"no branch or tag matches -ref {patterns}"))
    elif at:
        out.errors.append(ScanIssue(where, "no ref recorded at the -at time: nothing is known"))
    elif inventory:
        out.errors.append(
            ScanIssue(where, "the inventory records no branch or tag: nothing was scanned")
        )


def run_inventory_scan(request: InventoryRequest, ruleset: RuleSet) -> ScanResult:
    """``-inventory``: the rules against what the inventory recorded; no repository is read."""
    from gouvernante.inventory.backend import is_postgres, shown_location  # noqa: PLC0415
    from gouvernante.inventory.evaluate import evaluate  # noqa: PLC0415

    started = time.perf_counter()
    started_at = _utc_now()
    out = evaluate(request, ruleset.rules, build_index(ruleset.rules))
    shown = shown_location(request.database)  # a URL's password never reaches a report
    if not out.scanned and not out.errors:
        _nothing_answered(shown, request.ref_patterns, request.at is not None, out, inventory=True)
    result = _git_result((shown,), ruleset, out.findings, out, started, started_at)
    if is_postgres(request.database):  # a server, not a path: named as given
        result = msgspec.structs.replace(result, scan_root=shown)
    return result


def run_image_scan(paths: Sequence[str], ruleset: RuleSet) -> ScanResult:
    """``-image``: each image's final filesystem, layers applied in memory (see ``image``)."""
    from gouvernante.gitscan import GitScanOutput  # noqa: PLC0415
    from gouvernante.image.scan import scan_images  # noqa: PLC0415

    started = time.perf_counter()
    started_at = _utc_now()
    found = scan_images(paths, build_index(ruleset.rules))
    if found.scanned:
        found.notes.append(
            ScanIssue(
                ", ".join(paths),
                f"{found.lockfiles} lockfiles, {found.installed} installed packages",
            )
        )
    out = GitScanOutput(
        findings=found.findings,
        errors=found.errors,
        notes=found.notes,
        scanned=found.scanned,
        lockfiles=found.lockfiles,
        packages=found.packages,
    )
    result = _git_result(paths, ruleset, found.findings, out, started, started_at)
    stats = msgspec.structs.replace(result.stats, installed_packages_scanned=found.installed)
    return msgspec.structs.replace(result, stats=stats)


def _git_result(  # noqa: PLR0917 - one private helper of the two source scans
    paths: Sequence[str],
    ruleset: RuleSet,
    findings: Sequence[Finding],
    out: GitScanOutput,
    started: float,
    started_at: str,
) -> ScanResult:
    root = os.path.abspath(paths[0]) if len(paths) == 1 else None
    return ScanResult(
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        errors=tuple(sorted(set(out.errors), key=lambda e: (e.path, e.message))),
        notes=tuple(dict.fromkeys(out.notes)),
        stats=ScanStats(
            lockfiles_scanned=out.lockfiles,
            packages_scanned=out.packages,
            rules_loaded=len(ruleset.rules),
            elapsed_ms=int((time.perf_counter() - started) * 1000),
        ),
        scanned_files=tuple(out.scanned),
        scanned_refs=tuple(out.refs),
        rule_sources=ruleset.sources,
        rule_files=ruleset.files,
        builtin_rules=ruleset.builtin,
        rules=ruleset.rules,
        scan_id=_uuid4(),
        started_at=started_at,
        finished_at=_utc_now(),
        scan_root=root,
        hostname=_hostname(),
    )
