"""Dependency paths: how a package got into a project (``app > @babel/core@7.24.0 > debug@4.4.2``).

Computed only for packages with findings: edges are reversed once per lockfile, then a breadth-first
search walks from the package back to the importers, so the shortest chains come first. Work is
linear in the graph size, whatever its shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from gouvernante.model import LockfileGraph

MAX_PATHS_SHOWN = 5
MAX_PATHS_COUNTED = 1000
MAX_NODES_AFTER_ROOT = 2_000  # ancestors visited before stopping once a root is reached
MAX_NODES = 200_000  # hard cap on ancestors visited


@dataclass(frozen=True, slots=True)
class PathResult:
    paths: tuple[tuple[str, ...], ...]
    more: int  # paths found beyond those shown (counting stops at MAX_PATHS_COUNTED)
    direct: bool | None  # None when the lockfile records no roots


class GraphView:
    """Labels and reverse edges of one graph, computed on first use; share one view between the
    findings of a lockfile.

    A parser's details may offer ``parents_of(node_id)`` (who depends on this node), computed
    without building every edge of a big lockfile; otherwise edges are reversed once.
    """

    def __init__(self, graph: LockfileGraph) -> None:
        self.importers = {imp.id: imp.label for imp in graph.importers}
        self._graph = graph
        self._labels: dict[str, str] | None = None
        fast = getattr(graph.details, "parents_of", None)
        self._fast: Callable[[str], Sequence[str]] | None = fast if callable(fast) else None
        self._parents: dict[str, list[str]] | None = None

    def parents_of(self, node_id: str) -> Sequence[str]:
        if self._fast is not None:
            return self._fast(node_id)
        if self._parents is None:
            parents: dict[str, list[str]] = {}
            edges: Mapping[str, Sequence[str]] = self._graph.details.edges()
            for parent, children in edges.items():
                for child in children:
                    if child != parent:
                        parents.setdefault(child, []).append(parent)
            self._parents = parents
        return self._parents.get(node_id, ())

    def label(self, node_id: str) -> str:
        imp = self.importers.get(node_id)
        if imp is not None:
            return imp
        if self._labels is None:
            labels: dict[str, str] = {}
            for pkg in self._graph.packages:
                if pkg.id not in labels:
                    labels[pkg.id] = f"{pkg.name}@{pkg.version}" if pkg.version else pkg.name
            self._labels = labels
        return self._labels.get(node_id, node_id)


def dependency_paths(
    graph: LockfileGraph, node_ids: Sequence[str], view: GraphView | None = None
) -> PathResult:
    """Chains from an importer to any of ``node_ids`` (the same package at several places).

    One backward breadth-first search from the targets gives every ancestor's distance to them;
    the chains shown are the geodesics (each step one closer to a target), shortest first, in a
    stable order. ``more`` counts the other geodesics (capped), so the work is O(V + E) of the
    ancestors only.
    """
    if not graph.importers:
        return PathResult((), 0, None)
    view = view if view is not None else GraphView(graph)
    importers = view.importers
    targets = list(dict.fromkeys(node_ids))
    dist: dict[str, int] = dict.fromkeys(targets, 0)
    down: dict[str, list[str]] = {}  # node -> its children one step closer to a target
    level: list[str] = targets
    reached: list[str] = []
    depth = 0
    while level:
        nxt: list[str] = []
        for node in level:
            if node in importers and depth > 0:
                reached.append(node)
                continue  # a chain starts at the nearest importer (the workspace, in monorepos)
            for parent in view.parents_of(node):
                pd = dist.get(parent)
                if pd is None:
                    dist[parent] = depth + 1
                    nxt.append(parent)
                    down[parent] = [node]
                elif pd == depth + 1 and node not in down[parent]:
                    down[parent].append(node)
        depth += 1
        level = nxt
        # Stop once the nearest roots are found and either enough of them or enough work is done:
        # further levels only add longer chains to a big, highly connected graph.
        if reached and (len(reached) >= MAX_PATHS_SHOWN or len(dist) > MAX_NODES_AFTER_ROOT):
            break
        if len(dist) > MAX_NODES:
            break
    if not reached:
        return PathResult((), 0, None)
    for children in down.values():
        children.sort()

    count_memo: dict[str, int] = dict.fromkeys(targets, 1)

    def count(node: str) -> int:
        # iterative post-order, so deep graphs cannot hit the recursion limit
        stack = [node]
        while stack:
            top = stack[-1]
            if top in count_memo:
                stack.pop()
                continue
            pending = [c for c in down[top] if c not in count_memo]
            if pending:
                stack.extend(pending)
                continue
            count_memo[top] = min(MAX_PATHS_COUNTED, sum(count_memo[c] for c in down[top]))
            stack.pop()
        return count_memo[node]

    reached.sort(key=lambda n: (dist[n], view.label(n)))
    found: list[tuple[str, ...]] = []
    total = 0
    for start in reached:
        total = min(MAX_PATHS_COUNTED, total + count(start))
        # depth-first enumeration along geodesics until enough chains are collected
        stack: list[tuple[str, ...]] = [(start,)]
        while stack and len(found) < MAX_PATHS_SHOWN:
            chain = stack.pop()
            head = chain[-1]
            if dist[head] == 0:
                found.append(tuple(view.label(n) for n in chain))
                continue
            stack.extend((*chain, c) for c in reversed(down[head]))
    found.sort(key=len)
    direct = any(len(p) == 2 for p in found)
    return PathResult(tuple(found), max(0, total - len(found)), direct)
