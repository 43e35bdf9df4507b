"""One parsed lockfile x the rule index -> what a scan needs from it; and the project rule for
package.json ranges. Shared by directory scans, git scans and the inventory. Pure: no I/O."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from gouvernante.fs import globs
from gouvernante.lockfiles.package_json import OVERRIDE_FIELDS
from gouvernante.match.hits import (
    CATALOG_PREFIX,
    DeclaredHit,
    bundled_notes,
    declared_what,
    entry_errors,
    match_declared,
    match_graph,
    undecided_note,
)
from gouvernante.model import (
    DeclaredDependency,
    Finding,
    LockfileFormat,
    LockfileGraph,
    Source,
)
from gouvernante.rules.index import RuleIndex

# A pnpm-workspace.yaml's catalogs: catalog name ("default" for ``catalog:``) -> package -> range.
Catalogs = Mapping[str, Mapping[str, str]]


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
    # What places a manifest in this lockfile's project, as ``pipeline._projects_of`` does on
    # disk: the folders (relative to the lockfile's, normalised) of the importers and ``file:``
    # directories it records; and the rule-named packages that are the project's own
    # (workspaces, links: no registry package)
    workspace_dirs: frozenset[str] = frozenset()
    local_names: frozenset[str] = frozenset()
    # package.json: its ``workspaces`` globs and its ``name`` ('' when it has none)
    workspace_globs: tuple[str, ...] = ()
    manifest_name: str = ""


def project_shape(
    graph: LockfileGraph, rule_names: frozenset[str]
) -> tuple[frozenset[str], frozenset[str]]:
    """(importer and ``file:`` folders, rule-named local names) of a graph, as the -dir scan
    (``pipeline.scan_file``) takes them."""
    folders = [imp.folder for imp in graph.importers if imp.folder]
    folders.extend(graph.local_folders)
    table = graph.table
    local = {
        pkg.name
        for pkg in map(table.__getitem__, table.positions_named(rule_names))
        if pkg.source is Source.LOCAL
    }
    local.update(imp.label for imp in graph.importers if imp.folder and imp.label in rule_names)
    return frozenset(posixpath.normpath(f) for f in folders), frozenset(local)


def _manifest_name(graph: LockfileGraph) -> str:
    if graph.format is not LockfileFormat.PACKAGE_JSON or not graph.importers:
        return ""
    label = graph.importers[0].label
    return "" if label == "(root)" else label


def match_lockfile(
    graph: LockfileGraph,
    index: RuleIndex,
    display: str,
    *,
    workspace: bool = False,
    catalogs: Catalogs | None = None,
) -> LockfileMatch:
    """``workspace``: the file is a pnpm-workspace.yaml, whose ``catalogs`` answer the
    ``catalog:`` references of the manifests below it."""
    findings = match_graph(graph, index, display)
    declared = tuple(match_declared(graph.declared, index, display))
    table = graph.table
    present = frozenset(
        pkg.name
        for pkg in map(table.__getitem__, table.positions_named(index.names))
        if pkg.source is not Source.LOCAL
    )
    dirs, local = project_shape(graph, index.names)
    return LockfileMatch(
        graph.format,
        tuple(findings),
        declared,
        present,
        len(graph.packages),
        (*graph.notes, *bundled_notes(graph, index)),
        tuple(entry_errors(graph, index)),
        catalog_refs=tuple(d for d in graph.declared if d.spec.startswith(CATALOG_PREFIX))
        if not workspace
        else (),
        workspace=workspace,
        catalogs=catalogs,
        workspace_dirs=dirs,
        local_names=local,
        workspace_globs=tuple(graph.workspaces) if not workspace else (),
        manifest_name=_manifest_name(graph),
    )


def with_workspace_catalogs(  # noqa: PLR0917 - one pure step of three placing codes
    match: LockfileMatch,
    directory: str,
    display: str,
    workspaces: Mapping[str, LockfileMatch | None],
    index: RuleIndex,
    root: str | None,
    dirname: Callable[[str], str] = posixpath.dirname,
) -> tuple[LockfileMatch, str | None]:
    """A manifest's match with its ``catalog:`` references judged as the ranges the nearest
    pnpm-workspace.yaml at or above ``directory`` (up to ``root``; None: every folder above)
    gives them, as pnpm finds its workspace and as a ``-dir`` scan judges them
    (``pipeline._with_catalogs``). ``workspaces``: the workspace files by folder, None for one
    that could not be read (its own error is reported; the references stay as written, so
    not decidable: notes). Returns the match and an error: the nearest file's catalogs are not
    known (an inventory recorded it before they were kept) while a reference a rule may name
    was to be judged by them."""
    if not match.catalog_refs or not workspaces:
        return match, None
    current = directory
    while current not in workspaces:
        parent = dirname(current)
        if (root is not None and current == root) or parent == current:
            return match, None
        current = parent
    workspace = workspaces[current]
    if workspace is None:
        return match, None
    undecided = [h for h in match.declared if _from_catalog(h)]
    if workspace.catalogs is None:
        if not undecided:
            return match, None
        names = ", ".join(sorted({h.name for h in undecided}))
        return match, (
            f"its catalog: references ({names}) are not checked: the inventory recorded the"
            " pnpm-workspace.yaml that answers them without its catalogs (recorded by an older"
            " gouvernante; inventory add into a new database records them)"
        )
    from gouvernante.lockfiles import pnpm_workspace  # noqa: PLC0415 - catalog: refs only

    answers = pnpm_workspace.Workspace({k: dict(v) for k, v in workspace.catalogs.items()}, (), ())
    resolved = [pnpm_workspace.resolve_catalog(d, answers) or d for d in match.catalog_refs]
    kept = tuple(h for h in match.declared if not _from_catalog(h))
    judged = tuple(match_declared(resolved, index, display))
    return replace(match, declared=kept + judged, catalog_refs=()), None


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
    lock_dirs: dict[str, list[PlacedMatch]] = {}
    manifests: dict[str, PlacedMatch] = {}
    for p in placed:
        if p.match.format is not LockfileFormat.PACKAGE_JSON:
            lock_dirs.setdefault(p.directory, []).append(p)
        elif not p.match.workspace:  # (a pnpm-workspace.yaml's globs are pnpm's own)
            manifests.setdefault(p.directory, p)
    members = _MemberNames(manifests)
    findings: list[Finding] = []
    notes: list[tuple[str, str]] = []
    for p in placed:
        if not p.match.declared:
            continue
        projects = _projects_of(p.directory, root, lock_dirs, manifests, dirname)
        resolved: set[str] = set()
        local: set[str] = set()
        lockfile_names: list[str] = []
        for _, locks in projects:
            for lock in locks:
                resolved |= lock.match.present_names
                local |= lock.match.local_names
                lockfile_names.append(lock.display)
        by = ", ".join(lockfile_names)
        for hit in p.match.declared:
            what = declared_what(hit)
            if hit.name in resolved:
                notes.append((p.display, f"{what}, but {by} resolves it: the lockfile decides"))
            elif hit.name in local or any(hit.name in members(d) for d, _ in projects):
                message = (
                    f"{what}, but {hit.name} is a workspace of this project ({by}):"
                    " not a registry package"
                )
                notes.append((p.display, message))
            elif projects and hit.field == "peerDependencies":
                # (as pipeline._resolve_declared: what the project's lockfile does not install
                # is not installed)
                notes.append((p.display, f"{what}, but {by} does not install this peer dependency"))
            elif projects and hit.field in OVERRIDE_FIELDS:
                message = f"{what}, but {by} does not install it: the override forces nothing"
                notes.append((p.display, message))
            elif hit.undecided:  # (as pipeline._resolve_declared: a note, not a finding)
                notes.append((p.display, undecided_note(hit)))
            else:
                findings.append(hit.finding)
    return findings, notes


def _relative(directory: str, folder: str) -> str:
    """``directory`` relative to ``folder`` (a folder at or above it), ``/``-separated."""
    if directory == folder:
        return ""
    return posixpath.relpath(directory, folder)


def _projects_of(
    directory: str,
    root: str | None,
    lock_dirs: Mapping[str, list[PlacedMatch]],
    manifests: Mapping[str, PlacedMatch],
    dirname: Callable[[str], str],
) -> list[tuple[str, list[PlacedMatch]]]:
    """(folder, its lockfiles) of every project the manifest in ``directory`` belongs to: its
    own folder's, and a folder above's that has it as a workspace (``pipeline._projects_of``)."""
    found: list[tuple[str, list[PlacedMatch]]] = []
    current = directory
    while True:
        here = lock_dirs.get(current)
        if here:
            rel = _relative(directory, current)
            manifest = manifests.get(current)
            if (
                not rel
                or any(rel in lock.match.workspace_dirs for lock in here)
                or (manifest is not None and globs.matches(rel, manifest.match.workspace_globs))
            ):
                found.append((current, here))
        parent = dirname(current)
        if root is None or current in (root, parent):
            return found
        current = parent


class _MemberNames:
    """The names of the package.json files a project's ``workspaces`` globs name, from the
    manifests placed beside it (yarn classic records no workspace in yarn.lock)."""

    def __init__(self, manifests: Mapping[str, PlacedMatch]) -> None:
        self._manifests = manifests
        self._names: dict[str, frozenset[str]] = {}

    def __call__(self, folder: str) -> frozenset[str]:
        names = self._names.get(folder)
        if names is None:
            own = self._manifests.get(folder)
            patterns = own.match.workspace_globs if own is not None else ()
            names = self._names[folder] = frozenset(
                m.match.manifest_name
                for d, m in self._manifests.items()
                if patterns
                and m.match.manifest_name
                and d != folder
                and d.startswith(folder.rstrip("/") + "/")
                and globs.matches(_relative(d, folder), patterns)
            )
        return names
