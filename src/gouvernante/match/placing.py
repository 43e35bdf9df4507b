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
from gouvernante.model import Finding


class Facts(Protocol):
    """What placing needs of one file: a lockfile's names and recorded workspace folders, a
    package.json's ``workspaces`` globs."""

    @property
    def present_names(self) -> frozenset[str]: ...  # rule-named registry packages it resolves
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
) -> tuple[list[Finding], list[str]]:
    """Findings and notes for a manifest's risky ranges, given its projects (``projects_of``)
    and ``members(folder)``: the package names the ``workspaces`` globs of the package.json in
    ``folder`` name (yarn classic writes no workspace into yarn.lock). A name a project's
    lockfile resolves is the lockfile's to decide; one of the project's own workspaces is no
    registry package; a peer dependency or an override's package the lockfile does not install
    is not installed; a spec no lockfile decides offline (git, tarball, ``file:``) is a note
    (a dist-tag is a finding: ``hits``)."""
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
        if hit.name in resolved:
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
