"""The project rule for package.json ranges, once for every source: a risky declared range is
a finding only when no lockfile of the manifest's project decides it.

``-dir`` (``pipeline``) places the files it read on disk, ``-git``, ``-image`` and
``-inventory`` (``match.lockfile.resolve_declared``) the blobs of a tree; both hand this module
the same facts of each file (``Facts``) and get the same answer. Pure: no I/O (a caller's
``members`` may read the manifests its globs name). No dataclass: a lockfile scan imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, TypeVar

from gouvernante.fs import globs
from gouvernante.lockfiles.package_json import OVERRIDE_FIELDS
from gouvernante.match.hits import DeclaredHit, declared_what, undecided_note
from gouvernante.model import Finding, LockfileFormat, LockfileGraph


class Facts(Protocol):
    """What placing needs of one file: a lockfile's names and recorded workspace folders, a
    package.json's ``workspaces`` globs and overridden names."""

    @property
    def present_names(self) -> frozenset[str]: ...  # rule-named registry packages it resolves
    @property
    def npm_locked(self) -> tuple[tuple[str, str], ...]: ...  # npm: rule-named (folder, version)
    @property
    def override_names(self) -> frozenset[str]: ...  # package.json: names its overrides pin
    @property
    def local_names(self) -> frozenset[str]: ...  # rule-named workspaces and links
    @property
    def workspace_dirs(self) -> frozenset[str]: ...  # importer and file: folders it records
    @property
    def workspace_globs(self) -> Sequence[str]: ...  # package.json ``workspaces``


F = TypeVar("F", bound=Facts)


def projects_of(
    directory: str,
    root: str | None,
    locks: Mapping[str, Sequence[tuple[str, F]]],
    manifests: Mapping[str, F],
    *,
    relative: Callable[[str, str], str],
    dirname: Callable[[str], str],
) -> list[tuple[str, Sequence[tuple[str, F]]]]:
    """(project folder, its lockfiles as (display, facts)) for every project the manifest in
    ``directory`` belongs to: its own folder's, and a folder above's (up to ``root``; None:
    every folder above) whose lockfile records it as a workspace or ``file:`` folder, or whose
    package.json names it in ``workspaces``. ``relative(directory, folder)``: '/'-separated."""
    found: list[tuple[str, Sequence[tuple[str, F]]]] = []
    current = directory
    while True:
        here = locks.get(current)
        if here:
            rel = "" if current == directory else relative(directory, current)
            manifest = manifests.get(current)
            if (
                not rel
                or any(rel in facts.workspace_dirs for _, facts in here)
                or (manifest is not None and globs.matches(rel, manifest.workspace_globs))
            ):
                found.append((current, here))
        parent = dirname(current)
        if current in (root, parent):
            return found
        current = parent


def judge_declared(
    declared: Sequence[DeclaredHit],
    projects: Sequence[tuple[str, Sequence[tuple[str, Facts]]]],
    members: Callable[[str], frozenset[str]],
    *,
    in_project: Callable[[str], str] | None = None,
    overridden: Callable[[str], frozenset[str]] | None = None,
) -> tuple[list[Finding], list[str]]:
    """Findings and notes for a manifest's risky ranges, given its projects (``projects_of``)
    and ``members(folder)``: the package names the ``workspaces`` globs of the package.json in
    ``folder`` name (yarn classic writes no workspace into yarn.lock). A name a project's
    lockfile resolves is the lockfile's to decide; one of the project's own workspaces is no
    registry package; a peer dependency or an override's package the lockfile does not install
    is not installed; a spec no lockfile decides offline (git, tarball, ``file:``) is a note
    (a dist-tag is a finding: ``hits``). An npm lockfile whose locked folder does not satisfy
    the range is out of date, which the note says (``_npm_out_of_date``; ``in_project(folder)``:
    the manifest's folder relative to a project's, ``overridden(folder)``: the names that
    project's package.json overrides): a note, not a finding, as public projects' lockfiles are
    often a little out of date and ``npm ci`` refuses them (decision 0060)."""
    resolved: set[str] = set()
    local: set[str] = set()
    names: list[str] = []
    for _, locks in projects:
        for display, facts in locks:
            resolved |= facts.present_names
            local |= facts.local_names
            names.append(display)
    by = ", ".join(names)
    findings: list[Finding] = []
    notes: list[str] = []
    for hit in declared:
        what = declared_what(hit)
        stale = (
            None
            if in_project is None or hit.name not in resolved
            else _npm_out_of_date(hit, projects, in_project, overridden)
        )
        if stale is not None:  # (a note: npm ci, what CI runs, refuses such a file)
            notes.append(
                f"{what}, but {stale}: the lockfile is out of date with this package.json"
                " (npm ci refuses it; npm install resolves this range again, and could install"
                " an affected release)"
            )
        elif hit.name in resolved:
            notes.append(f"{what}, but {by} resolves it: the lockfile decides")
        elif hit.name in local or any(hit.name in members(d) for d, _ in projects):
            notes.append(
                f"{what}, but {hit.name} is a workspace of this project ({by}):"
                " not a registry package"
            )
        elif projects and hit.field == "peerDependencies":
            notes.append(f"{what}, but {by} does not install this peer dependency")
        elif projects and hit.field in OVERRIDE_FIELDS:
            notes.append(f"{what}, but {by} does not install it: the override forces nothing")
        elif hit.undecided:
            notes.append(undecided_note(hit))
        else:
            findings.append(hit.finding)
    return findings, notes


_NPM_FORMATS = frozenset({LockfileFormat.PACKAGE_LOCK, LockfileFormat.SHRINKWRAP})


def npm_locked(graph: LockfileGraph, names: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """An npm lockfile's (folder, version) of the packages named in ``names`` (``Facts``)."""
    if graph.format not in _NPM_FORMATS:
        return ()
    table = graph.table
    return tuple((table.ids[i], table.version(i)) for i in table.positions_named(names))


def override_names(graph: LockfileGraph) -> frozenset[str]:
    """A package.json's names its ``overrides``/``resolutions``/``pnpm.overrides`` pin."""
    return frozenset(d.name for d in graph.declared if d.field in OVERRIDE_FIELDS)


# The fields npm installs from a project's own package.json (its peers are its consumers')
_NPM_INSTALLED_FIELDS = ("dependencies", "devDependencies", "optionalDependencies")


def _npm_out_of_date(
    hit: DeclaredHit,
    projects: Sequence[tuple[str, Sequence[tuple[str, Facts]]]],
    in_project: Callable[[str], str],
    overridden: Callable[[str], frozenset[str]] | None,
) -> str | None:
    """Why the npm lockfiles holding ``hit``'s package do not decide its range (None: some
    lockfile does). npm (arborist) keeps a locked folder for a dependency only when its version
    satisfies the package.json's range (read loose); else ``npm install`` resolves the range
    again (``npm ci`` refuses the file). The folder is the one node's resolution finds from the
    manifest's: ``<its folder>/node_modules/<key>``, then each folder above up to the project's
    ``node_modules/<key>``. Only for a plain range of a field npm installs, no alias, and a
    name the project's package.json does not override; any other kind of lockfile holding the
    name decides as before."""
    from gouvernante.errors import SemverError  # noqa: PLC0415 - only for a risky range
    from gouvernante.semver import parse_range, parse_version  # noqa: PLC0415 - idem

    if hit.alias or hit.field not in _NPM_INSTALLED_FIELDS or not hit.spec:
        return None
    try:
        wanted = parse_range(hit.spec, loose=True)
    except SemverError:
        return None
    why: list[str] = []
    for folder, locks in projects:
        holding = [(d, f) for d, f in locks if hit.name in f.present_names]
        if not holding:
            continue
        if overridden is not None and hit.name in overridden(folder):
            return None
        rel = in_project(folder)
        for display, facts in holding:
            if not facts.npm_locked:
                return None  # another package manager's lockfile: it decides
            locked = dict(facts.npm_locked)
            version = next((locked[p] for p in _npm_candidates(rel, hit.name) if p in locked), None)
            if version is None:
                why.append(f"{display} locks {hit.name} for no folder this package.json uses")
                continue
            try:
                if wanted.test(parse_version(version, loose=True)):
                    return None
            except SemverError:
                return None
            why.append(f"{display} locks {hit.name} {version}, outside this range")
    return "; ".join(why) if why else None


def _npm_candidates(rel: str, name: str) -> list[str]:
    """The lockfile folders node's resolution tries for ``name`` from the folder ``rel``."""
    parts = [p for p in rel.split("/") if p]
    out = []
    while parts:
        out.append("/".join(parts) + "/node_modules/" + name)
        parts.pop()
    out.append("node_modules/" + name)
    return out


class WorkspaceMembers:
    """``members`` for ``judge_declared``: each folder's answer worked out once, by
    ``names_of(folder, globs)`` from the package.json in that folder (none: no globs)."""

    def __init__(
        self,
        manifests: Mapping[str, Facts],
        names_of: Callable[[str, Sequence[str]], frozenset[str]],
    ) -> None:
        self._manifests = manifests
        self._names_of = names_of
        self._names: dict[str, frozenset[str]] = {}

    def __call__(self, folder: str) -> frozenset[str]:
        names = self._names.get(folder)
        if names is None:
            manifest = self._manifests.get(folder)
            patterns = manifest.workspace_globs if manifest is not None else ()
            names = frozenset() if not patterns else self._names_of(folder, patterns)
            self._names[folder] = names
        return names
