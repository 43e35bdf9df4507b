"""One parsed lockfile x the rule index -> what a scan needs from it; and the project rule for
package.json ranges. Shared by directory scans, git scans and the inventory. Pure: no I/O."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

from gouvernante.fs import globs
from gouvernante.match.hits import (
    CATALOG_PREFIX,
    DeclaredHit,
    entry_errors,
    lockfile_notes,
    match_declared,
    match_graph,
)
from gouvernante.match.placing import (
    WorkspaceMembers,
    judge_declared,
    locked,
    manifest_name_of,
    outside_projects,
    override_names,
    project_shape,
    projects_of,
    rush_repositories,
    rush_temps,
)
from gouvernante.model import (
    Catalogs,
    DeclaredDependency,
    Finding,
    LockfileFormat,
    LockfileGraph,
    YarnView,
)
from gouvernante.rules.index import RuleIndex


@dataclass(frozen=True)
class LockfileMatch:
    format: LockfileFormat
    findings: tuple[Finding, ...]
    declared: tuple[DeclaredHit, ...]
    present_names: frozenset[str]  # rule-named packages the file resolves (registry or git)
    packages: int
    notes: tuple[str, ...]
    # entries not read or not checkable: errors of the scan (exit 1 unless findings), the rest
    # of the file was read
    entry_errors: tuple[str, ...] = ()
    # package.json: its pnpm ``catalog:`` references (any name: a catalog entry may be an npm:
    # alias of a package a rule names), judged by ``with_workspace_catalogs`` once the file's
    # place (and so its nearest pnpm-workspace.yaml) is known
    catalog_refs: tuple[DeclaredDependency, ...] = ()
    # pnpm-workspace.yaml: True, with its catalogs (None: not known, an inventory recorded the
    # file before they were kept)
    workspace: bool = False
    catalogs: Catalogs | None = None
    # What places a manifest in this lockfile's project (``match.placing.projects_of``): the
    # folders (relative to the lockfile's, normalised) of the importers and ``file:``
    # directories it records; and the rule-named packages that are the project's own
    # (workspaces, links: no registry package)
    workspace_dirs: frozenset[str] = frozenset()
    local_names: frozenset[str] = frozenset()
    # package.json: its ``workspaces`` globs and its ``name`` ('' when it has none)
    workspace_globs: tuple[str, ...] = ()
    manifest_name: str = ""
    # lockfile: what it locks of rule-named packages (``match.placing.locked``); package.json
    # and pnpm lockfile: the names it overrides (``match.placing``: a lockfile decides only a
    # range its package manager would keep what it locks for)
    locked: tuple[tuple[str, str], ...] = ()
    override_names: frozenset[str] = frozenset()
    # lockfile: the ``@rush-temp/`` projects a Rush npm or yarn lockfile installs
    rush_temps: frozenset[str] = frozenset()


def match_lockfile(
    graph: LockfileGraph,
    index: RuleIndex,
    display: str,
    *,
    workspace: bool = False,
    catalogs: Catalogs | None = None,
) -> LockfileMatch:
    """``workspace``: the file is a pnpm-workspace.yaml, whose ``catalogs`` answer the
    ``catalog:`` references of the manifests below it; a package.json's own (bun's, decision
    0054) are its graph's unless given."""
    if catalogs is None:
        catalogs = graph.catalogs
    findings = match_graph(graph, index, display)
    declared = tuple(match_declared(graph.declared, index, display))
    present, local, dirs = project_shape(graph, index.names)
    return LockfileMatch(
        graph.format,
        tuple(findings),
        declared,
        present,
        len(graph.packages),
        lockfile_notes(graph, index),
        tuple(entry_errors(graph, index)),
        catalog_refs=tuple(d for d in graph.declared if d.spec.startswith(CATALOG_PREFIX))
        if not workspace
        else (),
        workspace=workspace,
        catalogs=catalogs,
        workspace_dirs=dirs,
        local_names=local,
        workspace_globs=tuple(graph.workspaces) if not workspace else (),
        manifest_name=manifest_name_of(graph),
        rush_temps=rush_temps(graph),
        locked=locked(graph, index.names),
        override_names=override_names(graph) if not workspace else frozenset(),
    )


@dataclass(slots=True)
class CatalogFiles:
    """The files of a tree (git commit, image) that may answer its manifests' ``catalog:``
    references, by folder (absolute, in the form ``dirname`` of ``with_workspace_catalogs``
    walks): each pnpm-workspace.yaml (None: not read, it answers nothing) and each package.json
    with ``workspaces`` globs (a bun workspace root, whose catalogs answer its members')."""

    pnpm: dict[str, LockfileMatch | None] = field(default_factory=dict)
    roots: dict[str, LockfileMatch] = field(default_factory=dict)
    # each .yarnrc.yml that may define catalogs (yarn 4.10+, decision 0056): its catalogs, or
    # why it is not read (its tree path and the reader's error, file and YAML path)
    yarnrc: dict[str, Catalogs | str] = field(default_factory=dict)

    def add(self, directory: str, match: LockfileMatch | None, *, workspace_file: bool) -> None:
        if workspace_file:
            self.pnpm[directory] = match
        elif match is not None and match.workspace_globs and not match.workspace:
            self.roots[directory] = match


def bun_root_catalogs(
    directory: str,
    roots: Callable[[str], tuple[Sequence[str], Catalogs | None] | None],
    root: str | None,
    dirname: Callable[[str], str] = posixpath.dirname,
) -> Catalogs | None:
    """The catalogs bun answers a manifest of ``directory`` from: the topmost package.json at
    or above it (up to ``root``; None: every folder above) whose ``workspaces`` globs name the
    folder, or that is the manifest's own (a root's own dependencies use its catalogs). bun
    1.4.5 climbs to the outermost root, run in a member or in a nested root, and reads no other
    package.json's catalogs (decision 0054). ``roots(folder)``: that folder's package.json
    (globs, catalogs), None when there is none with globs."""
    found = workspace_root(directory, roots, root, dirname)
    return None if found is None else found[1] if found[1] is not None else {}


def workspace_root(
    directory: str,
    roots: Callable[[str], tuple[Sequence[str], Catalogs | None] | None],
    root: str | None,
    dirname: Callable[[str], str] = posixpath.dirname,
) -> tuple[str, Catalogs | None] | None:
    """The folder of ``bun_root_catalogs``'s package.json and its catalogs, or None."""
    found: tuple[str, Catalogs | None] | None = None
    current = directory
    while True:
        here = roots(current)
        if here is not None:
            patterns, catalogs = here
            if current == directory or globs.matches(_relative(directory, current), patterns):
                found = (current, catalogs)
        parent = dirname(current)
        if (root is not None and current == root) or parent == current:
            return found
        current = parent


# More places to run yarn in than this under one project (each a .yarnrc.yml defining catalogs):
# its references are an error, not a walk of every view per reference (hostile trees).
MAX_YARN_VIEWS = 64


TOO_MANY_YARN_VIEWS = (
    f"more than {MAX_YARN_VIEWS} folders of its project have a .yarnrc.yml defining catalogs"
    " (each a place yarn may be run in): its catalog: references are not checked"
)


class TooManyYarnViews(Exception):
    """More than ``MAX_YARN_VIEWS`` folders of one project have a .yarnrc.yml defining catalogs."""


def yarn_views(  # noqa: PLR0917 - the walk's parameters, as bun_root_catalogs
    directory: str,
    rc: Callable[[str], Catalogs | None],
    top: str,
    root: str | None,
    dirname: Callable[[str], str] = posixpath.dirname,
    inside: Iterable[str] = (),
) -> tuple[YarnView, ...]:
    """The catalogs yarn 4.10+ may answer a manifest of ``directory`` from: yarn reads the
    ``.yarnrc.yml`` of the folder it is run in and of each folder above, merged entry by entry,
    the closer first, and installs the whole project with them (measured with yarn 4.18.1: run
    at the workspace root, a member's own file is not read; run in the member, or in another
    member, that one's is, for every workspace). One view (the files' catalogs, the closer
    first) for ``top``, the project's root (its workspace root, else ``directory``), and one for
    each folder below ``top`` whose file defines catalogs (those between ``directory`` and
    ``top``, and ``inside``: the others the caller knows of), each a place yarn may be run in
    (decision 0056). ``rc(folder)``: that folder's catalogs, None when it defines none; folders
    up to ``root`` (None: every folder above). ``TooManyYarnViews`` past ``MAX_YARN_VIEWS``."""
    chains: dict[str, tuple[Catalogs, ...]] = {}

    def chain(folder: str) -> tuple[Catalogs, ...]:
        met: list[str] = []
        current = folder
        while current not in chains:
            met.append(current)
            parent = dirname(current)
            if (root is not None and current == root) or parent == current:
                break
            current = parent
        rest = chains.get(current, ()) if current not in met else ()
        for at in reversed(met):
            here = rc(at)
            rest = (here, *rest) if here is not None else rest
            chains[at] = rest
        return chains[folder]

    starts = [top, *inside]
    current = directory
    while current != top:
        starts.append(current)
        parent = dirname(current)
        if parent == current or (root is not None and current == root):
            break
        current = parent
    views: dict[tuple[int, ...], YarnView] = {}
    for start in starts:
        if start != top and rc(start) is None:
            continue
        view = chain(start)
        if view:
            views.setdefault(tuple(map(id, view)), view)
            if len(views) > MAX_YARN_VIEWS:
                raise TooManyYarnViews
    return tuple(views.values())


def root_and_yarn_catalogs(  # noqa: PLR0917 - the walk's parameters, as yarn_views
    directory: str,
    roots: Callable[[str], tuple[Sequence[str], Catalogs | None] | None],
    rc: Callable[[str], Catalogs | None],
    root: str | None,
    dirname: Callable[[str], str],
    inside: Callable[[str], Iterable[str]],
) -> tuple[Catalogs | None, tuple[YarnView, ...], bool]:
    """For a manifest of ``directory``: the bun workspace root's catalogs (``workspace_root``;
    ``{}`` for a root defining none, None when there is no root), yarn's views from the
    project's root (that root, else ``directory``; ``inside(project)``: the folders below it
    with a .yarnrc.yml, ``yarn_views``), and whether there were too many views (then none)."""
    top = workspace_root(directory, roots, root, dirname)
    bun = None if top is None else top[1] if top[1] is not None else {}
    project = directory if top is None else top[0]
    try:
        return bun, yarn_views(directory, rc, project, root, dirname, inside(project)), False
    except TooManyYarnViews:
        return bun, (), True


def yarn_folders_inside(top: str, folders: Iterable[str]) -> list[str]:
    """The ``folders`` ('/'-separated, absolute) strictly inside ``top``."""
    prefix = top.rstrip("/") + "/"
    return [f for f in folders if f.startswith(prefix)]


def with_workspace_catalogs(  # noqa: PLR0917 - one pure step of three placing codes
    match: LockfileMatch,
    directory: str,
    display: str,
    files: CatalogFiles,
    index: RuleIndex,
    root: str | None,
    dirname: Callable[[str], str] = posixpath.dirname,
) -> tuple[LockfileMatch, str | None]:
    """A manifest's match with its ``catalog:`` references judged as the ranges the nearest
    pnpm-workspace.yaml at or above ``directory`` and the bun workspace root
    (``bun_root_catalogs``) give them (up to ``root``; None: every folder above), as a
    ``-dir`` scan judges them (``pipeline._with_catalogs``). A pnpm file not read leaves them
    as written (its own error is reported). Returns the match and an error: the nearest pnpm
    file's catalogs are not known (an inventory recorded it before they were kept) while a
    reference a rule may name was to be judged by them."""
    if not match.catalog_refs:
        return match, None
    pnpm: Catalogs | None = None
    current = directory
    while True:
        if current in files.pnpm:
            workspace = files.pnpm[current]
            if workspace is None:
                return match, None
            if workspace.catalogs is None:
                return _unknown_catalogs(match)
            pnpm = workspace.catalogs
            break
        parent = dirname(current)
        if (root is not None and current == root) or parent == current:
            break
        current = parent

    def root_at(folder: str) -> tuple[Sequence[str], Catalogs | None] | None:
        found = files.roots.get(folder)
        return None if found is None else (found.workspace_globs, found.catalogs)

    unread: list[str] = []

    def rc_at(folder: str) -> Catalogs | None:
        found = files.yarnrc.get(folder)
        if isinstance(found, str):
            unread.append(found)
            return None
        return found

    bun, yarn, too_many = root_and_yarn_catalogs(
        directory, root_at, rc_at, root, dirname, partial(yarn_folders_inside, folders=files.yarnrc)
    )
    error = TOO_MANY_YARN_VIEWS if too_many else None
    if unread:  # (yarn's answers are not known)
        yarn, error = (), f"{unread[0]}; its catalog: references are not checked"
    if pnpm is None and bun is None and not yarn:
        return match, error
    from gouvernante.lockfiles import pnpm_workspace  # noqa: PLC0415 - catalog: refs only

    resolved = pnpm_workspace.answer_catalogs(match.catalog_refs, pnpm, bun, yarn)
    kept = tuple(h for h in match.declared if not _from_catalog(h))
    judged = tuple(match_declared(resolved, index, display))
    return replace(match, declared=kept + judged, catalog_refs=()), error


def _unknown_catalogs(match: LockfileMatch) -> tuple[LockfileMatch, str | None]:
    undecided = [h for h in match.declared if _from_catalog(h)]
    if not undecided:
        return match, None
    names = ", ".join(sorted({h.name for h in undecided}))
    return match, (
        f"its catalog: references ({names}) are not checked: the inventory recorded the"
        " pnpm-workspace.yaml that answers them without its catalogs (recorded by an older"
        " gouvernante; inventory add into a new database records them)"
    )


def _from_catalog(hit: DeclaredHit) -> bool:
    return (hit.finding.declared_range or "").startswith(CATALOG_PREFIX)


@dataclass(frozen=True, slots=True)
class PlacedMatch:
    """A lockfile's match at a place: its folder (absolute, in the form ``dirname`` of
    ``resolve_declared`` walks up) and its name as reported."""

    directory: str
    display: str
    match: LockfileMatch


def resolve_declared(
    placed: Sequence[PlacedMatch],
    root: str | None,
    dirname: Callable[[str], str] = posixpath.dirname,
) -> tuple[list[Finding], list[tuple[str, str]]]:
    """A risky package.json range is a finding only when no lockfile of its project resolves
    the package, as ``pipeline._resolve_declared`` judges on disk: the lockfiles of a manifest
    are those in its folder, and those in a folder above (up to ``root``) whose project has the
    manifest's folder as a workspace (an importer or ``file:`` folder the lockfile records, or
    one the package.json beside it names in ``workspaces``). A name one of them resolves is the
    lockfile's to decide; a name that is one of the project's own workspaces is no registry
    package. Returns findings and notes ``(display, message)``."""
    judge = DeclaredJudge(placed, root, dirname)
    findings: list[Finding] = []
    notes: list[tuple[str, str]] = []
    for p in placed:
        found, messages = judge(p)
        findings.extend(found)
        notes.extend((p.display, message) for message in messages)
    return findings, notes


class DeclaredJudge:
    """``resolve_declared``'s judgement of one placed manifest among ``placed`` (its tree's
    lockfiles and manifests). It reads the others' project facts only (format, globs, name,
    ``present_names``, ``workspace_dirs``, ``local_names``, ``locked``, ``override_names``),
    never their ranges: a manifest whose ranges alone changed is judged again against the same
    judge (``-history``: a commit's cost follows what it changed, decision 0073)."""

    def __init__(
        self,
        placed: Sequence[PlacedMatch],
        root: str | None,
        dirname: Callable[[str], str] = posixpath.dirname,
    ) -> None:
        self.root = root
        self.dirname = dirname
        self.locks: dict[str, list[tuple[str, LockfileMatch]]] = {}
        self.manifests: dict[str, LockfileMatch] = {}
        for p in placed:
            if p.match.format is not LockfileFormat.PACKAGE_JSON:
                self.locks.setdefault(p.directory, []).append((p.display, p.match))
            elif not p.match.workspace:  # (a pnpm-workspace.yaml's globs are pnpm's own)
                self.manifests.setdefault(p.directory, p.match)
        self.members = WorkspaceMembers(self.manifests, self._names_of)
        self.outside = outside_projects(self.locks, _joined)
        self.rush = rush_repositories(self.locks)

    def _names_of(self, folder: str, patterns: Sequence[str]) -> frozenset[str]:
        """The names of the manifests placed below ``folder`` that its globs name."""
        below = folder.rstrip("/") + "/"
        return frozenset(
            m.manifest_name
            for d, m in self.manifests.items()
            if m.manifest_name
            and d != folder
            and d.startswith(below)
            and globs.matches(_relative(d, folder), patterns)
        )

    def _overridden(self, folder: str) -> frozenset[str]:
        manifest = self.manifests.get(folder)
        return manifest.override_names if manifest is not None else frozenset()

    def inputs(self, directory: str) -> tuple[object, ...]:
        """What ``self(p)`` reads of the tree for a manifest in ``directory``: the lockfiles
        (by identity) and package.json of each folder from it up to the root, and the
        workspace names of those holding a lockfile, and the lockfiles elsewhere that record
        ``directory`` (``outside_projects``; ``projects_of`` reads no other). The same inputs of
        two judges whose objects are alive: the same judgement."""
        out: list[object] = [
            (folder, tuple((display, id(m)) for display, m in self.locks[folder]))
            for folder in self.outside.get(directory, ())
        ]
        current = directory
        while True:
            for folder in self.rush.get(current, ()):
                out.append((folder, tuple((display, id(m)) for display, m in self.locks[folder])))
            here = self.locks.get(current)
            if here:
                locks = tuple((display, id(m)) for display, m in here)
                out.append((current, locks, id(self.manifests.get(current)), self.members(current)))
            parent = self.dirname(current)
            if current in (self.root, parent):
                return tuple(out)
            current = parent

    def __call__(self, p: PlacedMatch) -> tuple[list[Finding], list[str]]:
        """The findings and notes of ``p``'s risky ranges."""
        if not p.match.declared:
            return [], []
        projects = projects_of(
            p.directory,
            self.root,
            self.locks,
            self.manifests,
            relative=_relative,
            dirname=self.dirname,
            outside=self.outside,
            rush=self.rush,
        )
        return judge_declared(
            p.match.declared,
            projects,
            self.members,
            in_project=partial(_relative, p.directory),
            overridden=self._overridden,
        )


def _relative(directory: str, folder: str) -> str:
    """``directory`` relative to ``folder`` (a folder at or above it), ``/``-separated."""
    if directory == folder:
        return ""
    return posixpath.relpath(directory, folder)


def _joined(folder: str, relative: str) -> str:
    """``folder``'s ``relative`` folder, normalised as the placed directories are spelled."""
    return posixpath.normpath(posixpath.join(folder, relative))
