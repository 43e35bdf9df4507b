"""One parsed lockfile x the rule index -> what a scan needs from it; and the project rule for
package.json ranges. Shared by directory scans, git scans and the inventory. Pure: no I/O."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    DeclaredJudge,
    judge_all,
    locked,
    manifest_name_of,
    override_names,
    posix_relative,
    project_shape,
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
            if current == directory or globs.matches(posix_relative(directory, current), patterns):
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
    """A lockfile's match at a place: its folder (absolute, '/'-separated), its name as
    reported, and the well-known name whose parser read it (``match.placing.DeclaredJudge``
    tells a folder's package.json from a deno.json by it)."""

    directory: str
    display: str
    match: LockfileMatch
    name: str

    @property
    def entry(self) -> tuple[str, str, str, LockfileMatch]:
        """What ``DeclaredJudge`` places of it."""
        return self.directory, self.display, self.name, self.match


def declared_judge(
    placed: Sequence[PlacedMatch], root: str | None, links: Mapping[str, str] | None = None
) -> DeclaredJudge[LockfileMatch]:
    """The one judgement of package.json ranges (``match.placing.DeclaredJudge``) over the
    files of a tree (a commit, an image); ``links``: its symbolic links to folders inside it
    (link -> where it leads, spelled as the placed folders)."""
    return DeclaredJudge([p.entry for p in placed], root, links=links)


def resolve_declared(
    placed: Sequence[PlacedMatch], root: str | None, links: Mapping[str, str] | None = None
) -> tuple[list[Finding], list[tuple[str, str]]]:
    """A risky package.json range is a finding only when no lockfile of its project resolves
    the package (``match.placing.DeclaredJudge``, as ``-dir`` judges it). Returns findings and
    notes ``(display, message)``."""
    entries = [p.entry for p in placed]
    return judge_all(DeclaredJudge(entries, root, links=links), entries)
