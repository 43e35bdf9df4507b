"""One parsed lockfile x the rule index -> what a scan needs from it; and the project rule for
package.json ranges. Shared by directory scans, git scans and the inventory. Pure: no I/O."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gouvernante.lockfiles.package_json import OVERRIDE_FIELDS
from gouvernante.match.hits import (
    DeclaredHit,
    bundled_notes,
    entry_errors,
    match_declared,
    match_graph,
)
from gouvernante.model import Finding, LockfileFormat, LockfileGraph, Source
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


def match_lockfile(graph: LockfileGraph, index: RuleIndex, display: str) -> LockfileMatch:
    findings = match_graph(graph, index, display)
    declared = tuple(match_declared(graph.declared, index, display))
    table = graph.table
    present = frozenset(
        pkg.name
        for pkg in map(table.__getitem__, table.positions_named(index.names))
        if pkg.source is not Source.LOCAL
    )
    return LockfileMatch(
        graph.format,
        tuple(findings),
        declared,
        present,
        len(graph.packages),
        (*graph.notes, *bundled_notes(graph, index)),
        tuple(entry_errors(graph, index)),
    )


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
    """A risky package.json range is a finding only when no lockfile of the project (its folder
    or a folder above it, up to ``root``) resolves the package. Returns findings and notes
    ``(display, message)``."""
    lock_dirs: dict[str, list[PlacedMatch]] = {}
    for p in placed:
        if p.match.format is not LockfileFormat.PACKAGE_JSON:
            lock_dirs.setdefault(p.directory, []).append(p)
    findings: list[Finding] = []
    notes: list[tuple[str, str]] = []
    for p in placed:
        if not p.match.declared:
            continue
        resolved: set[str] = set()
        lockfile_names: list[str] = []
        directory = p.directory
        while True:
            for lock in lock_dirs.get(directory, ()):
                resolved |= lock.match.present_names
                lockfile_names.append(lock.display)
            parent = dirname(directory)
            if root is None or directory in (root, parent):
                break
            directory = parent
        by = ", ".join(lockfile_names)
        for hit in p.match.declared:
            what = (
                f"declared range {hit.finding.declared_range!r} of {hit.name} could match"
                f" {hit.finding.rule_id} ({hit.finding.matched_expression or 'dropper'})"
            )
            if hit.name in resolved:
                notes.append((p.display, f"{what}, but {by} resolves it: the lockfile decides"))
            elif lockfile_names and hit.field == "peerDependencies":
                # (as pipeline._resolve_declared: what the project's lockfile does not install
                # is not installed)
                notes.append((p.display, f"{what}, but {by} does not install this peer dependency"))
            elif lockfile_names and hit.field in OVERRIDE_FIELDS:
                message = f"{what}, but {by} does not install it: the override forces nothing"
                notes.append((p.display, message))
            else:
                findings.append(hit.finding)
    return findings, notes
