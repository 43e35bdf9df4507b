"""Dependency paths: how a package got into a project (``app > @babel/core@7.24.0 > debug@4.4.2``).

Computed only for packages with findings: edges are reversed once per lockfile, then a breadth-first
search walks from the package back to the importers, so the shortest chains come first. Work is
bounded (paths shown, paths counted, search steps) so a pathological graph cannot stall a scan.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gouvernante.model import LockfileGraph

MAX_PATHS_SHOWN = 5
MAX_PATHS_COUNTED = 1000
MAX_STEPS = 200_000


@dataclass(frozen=True, slots=True)
class PathResult:
    paths: tuple[tuple[str, ...], ...]
    more: int  # paths found beyond those shown (counting stops at MAX_PATHS_COUNTED)
    direct: bool | None  # None when the lockfile records no roots


class _GraphView:
    """Reverse edges and labels of one graph, cached on first use."""

    def __init__(self, graph: LockfileGraph) -> None:
        self.importers = {imp.id: imp.label for imp in graph.importers}
        self.labels: dict[str, str] = {}
        for pkg in graph.packages:
            if pkg.id not in self.labels:
                self.labels[pkg.id] = f"{pkg.name}@{pkg.version}" if pkg.version else pkg.name
        parents: dict[str, list[str]] = {}
        edges: Mapping[str, Sequence[str]] = graph.details.edges()
        for parent, children in edges.items():
            for child in children:
                if child != parent:
                    parents.setdefault(child, []).append(parent)
        self.parents = parents

    def label(self, node_id: str) -> str:
        imp = self.importers.get(node_id)
        if imp is not None:
            return imp
        return self.labels.get(node_id, node_id)


_VIEWS: dict[int, tuple[LockfileGraph, _GraphView]] = {}


def _view(graph: LockfileGraph) -> _GraphView:
    cached = _VIEWS.get(id(graph))
    if cached is not None and cached[0] is graph:
        return cached[1]
    if len(_VIEWS) > 8:
        _VIEWS.clear()
    view = _GraphView(graph)
    _VIEWS[id(graph)] = (graph, view)
    return view


def dependency_paths(graph: LockfileGraph, node_ids: Sequence[str]) -> PathResult:
    """Chains from an importer to any of ``node_ids`` (the same package at several places)."""
    if not graph.importers:
        return PathResult((), 0, None)
    view = _view(graph)
    importers = view.importers
    found: list[tuple[str, ...]] = []
    total = 0
    steps = 0
    # Each queue item is a chain from the target back towards a root (reversed path).
    queue: deque[tuple[str, ...]] = deque((nid,) for nid in dict.fromkeys(node_ids))
    while queue and total < MAX_PATHS_COUNTED and steps < MAX_STEPS:
        chain = queue.popleft()
        steps += 1
        head = chain[-1]
        if head in importers and len(chain) > 1:
            total += 1
            if len(found) < MAX_PATHS_SHOWN:
                found.append(tuple(view.label(n) for n in reversed(chain)))
            continue
        for parent in view.parents.get(head, ()):
            if parent not in chain:
                queue.append((*chain, parent))
    direct = any(len(p) == 2 for p in found)
    return PathResult(tuple(found), total - len(found), direct if found else None)
