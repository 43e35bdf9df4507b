"""Dependency paths: how a package got into a project (``app > @babel/core@7.24.0 > debug@4.4.2``).

Computed only for packages with findings. The chains shown are the shortest ones from the nearest
importer (the project, or the workspace in a monorepo), shortest first, in a stable order, with a
count of the others.

Two searches give the same chains:

- a lockfile with one importer (a single project, the common case) is searched forward from the
  project, level by level, until the level holding the package: only the children of the nodes
  visited are resolved;
- a lockfile with several importers is searched backward from the package, so that each
  workspace's nearest chain is found; that needs to know who depends on what, which costs a pass
  over every dependency map of the file. A parser that knows who depends on what cheaply says so
  (``search_backward``): its single-importer files are searched backward too, up to the level
  where the importer is met, which visits the package's nearest ancestors only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import msgspec

from gouvernante.model import LockfileGraph

MAX_PATHS_SHOWN = 5
MAX_PATHS_COUNTED = 1000
MAX_NODES_AFTER_ROOT = 2_000  # ancestors visited before stopping once a root is reached
MAX_NODES = 200_000  # hard cap on nodes visited


class PathResult(msgspec.Struct, frozen=True):
    paths: tuple[tuple[str, ...], ...]
    more: int  # paths found beyond those shown (counting stops at MAX_PATHS_COUNTED)
    direct: bool | None  # None when unknown: the file records no roots, or no chain was found


class GraphView:
    """Labels and edges of one graph, computed on first use; share one view between the findings
    of a lockfile.

    A parser's details may offer ``children_of(node_id)`` and ``parents_of(node_id)``, answered
    without building every edge of a big lockfile; otherwise ``edges()`` is built (and reversed)
    once.
    """

    def __init__(self, graph: LockfileGraph) -> None:
        self.importers = {imp.id: imp.label for imp in graph.importers}
        self.roots_known = graph.roots_known
        self._graph = graph
        self._table = graph.table
        self._labels: dict[str, str] = {}
        details = graph.details
        fast_parents = getattr(details, "parents_of", None)
        fast_children = getattr(details, "children_of", None)
        self._fast_parents: Callable[[str], Sequence[str]] | None = (
            fast_parents if callable(fast_parents) else None
        )
        self._fast_children: Callable[[str], Sequence[str]] | None = (
            fast_children if callable(fast_children) else None
        )
        self._edges: Mapping[str, Sequence[str]] | None = None
        self._parents: dict[str, list[str]] | None = None
        self._searches: dict[str, _Levels] = {}  # forward searches, shared by the findings
        # the parser's parents_of is cheap: search back from each package, even from one importer
        self.backward = self._fast_parents is not None and bool(
            getattr(details, "search_backward", False)
        )

    def levels_from(self, importer: str) -> _Levels:
        """The breadth-first levels from ``importer``, as far as a finding has needed them."""
        levels = self._searches.get(importer)
        if levels is None:
            levels = self._searches[importer] = _Levels(importer, self.children_of)
        return levels

    def children_of(self, node_id: str) -> Sequence[str]:
        if self._fast_children is not None:  # each node once: the search is shared (_Levels)
            return self._fast_children(node_id)
        if self._edges is None:
            self._edges = self._graph.details.edges()
        return self._edges.get(node_id, ())

    def parents_of(self, node_id: str) -> Sequence[str]:
        if self._fast_parents is not None:
            return self._fast_parents(node_id)
        if self._parents is None:
            parents: dict[str, list[str]] = {}
            if self._edges is None:
                self._edges = self._graph.details.edges()
            for parent, children in self._edges.items():
                for child in children:
                    if child != parent:
                        parents.setdefault(child, []).append(parent)
            self._parents = parents
        return self._parents.get(node_id, ())

    def label(self, node_id: str) -> str:
        imp = self.importers.get(node_id)
        if imp is not None:
            return imp
        label = self._labels.get(node_id)
        if label is None:
            position = self._table.position_of(node_id)
            if position is None:
                label = node_id
            else:
                # (the name and version columns: the package is not built)
                name, version = self._table.names[position], self._table.version(position)
                label = f"{name}@{version}" if version else name
            self._labels[node_id] = label
        return label


class _Geodesics(msgspec.Struct):
    """What a search leaves for the enumeration: chain starts with their lengths, and for each
    node on a shortest chain its next nodes (``down``), ending at the ``ends``."""

    starts: dict[str, int]
    down: dict[str, list[str]]
    ends: set[str]


def dependency_paths(
    graph: LockfileGraph, node_ids: Sequence[str], view: GraphView | None = None
) -> PathResult:
    """Chains from an importer to any of ``node_ids`` (the same package at several places)."""
    if not graph.importers:
        return PathResult((), 0, None)
    view = view if view is not None else GraphView(graph)
    targets = list(dict.fromkeys(node_ids))
    if len(view.importers) == 1 and not view.backward:
        found = _forward(view, next(iter(view.importers)), targets)
    else:
        found = _backward(view, targets, first_importer=len(view.importers) == 1)
    if found is None:
        return PathResult((), 0, None)
    return _chains(view, found)


class _Levels:
    """A breadth-first search from one importer, level by level, kept for the next finding of
    the lockfile (a big lockfile's findings would otherwise each walk the same levels again)."""

    __slots__ = ("_children_of", "dist", "levels", "preds")

    def __init__(self, importer: str, children_of: Callable[[str], Sequence[str]]) -> None:
        self._children_of = children_of
        self.dist: dict[str, int] = {importer: 0}
        # node -> its parents one level up: one parent as itself (most nodes), several as a list
        self.preds: dict[str, str | list[str]] = {}
        self.levels: list[list[str]] = [[importer]]

    def level(self, depth: int) -> list[str] | None:
        """The nodes at ``depth`` (None once the search has ended: no nodes left, or too many
        visited)."""
        dist = self.dist
        preds = self.preds
        children_of = self._children_of
        while len(self.levels) <= depth:
            last = self.levels[-1]
            if not last or len(dist) > MAX_NODES:
                return None
            at = len(self.levels)
            nxt: list[str] = []
            for node in last:
                for child in children_of(node):
                    if child not in dist:
                        dist[child] = at
                        preds[child] = node
                        nxt.append(child)
                    elif dist[child] == at:
                        known = preds[child]
                        if isinstance(known, str):
                            if known != node:
                                preds[child] = [known, node]
                        elif node not in known:
                            known.append(node)
            self.levels.append(nxt)
        return self.levels[depth]


def _forward(view: GraphView, importer: str, targets: Sequence[str]) -> _Geodesics | None:
    """Breadth-first from the one importer until a level holds a target."""
    wanted = set(targets)
    search = view.levels_from(importer)
    depth = 0
    ends: list[str] = []
    while not ends:
        depth += 1
        level = search.level(depth)
        if level is None:
            return None
        ends = [n for n in level if n in wanted]
    preds = search.preds
    # Keep the edges that lie on a shortest chain: walk back from the targets reached.
    down: dict[str, list[str]] = {}
    on_chain = set(ends)
    todo = list(ends)
    while todo:
        node = todo.pop()
        parents = preds.get(node, ())
        for parent in (parents,) if isinstance(parents, str) else parents:
            down.setdefault(parent, []).append(node)
            if parent not in on_chain:
                on_chain.add(parent)
                todo.append(parent)
    return _Geodesics({importer: depth}, down, set(ends))


def _backward(
    view: GraphView, targets: Sequence[str], *, first_importer: bool = False
) -> _Geodesics | None:
    """One breadth-first search back from the targets gives every ancestor's distance to them;
    a chain starts at the first importer met (the workspace, in monorepos).

    ``first_importer``: stop after the level where an importer is first met (a single importer:
    the chains are then the forward search's, every shortest one from it)."""
    importers = view.importers
    dist: dict[str, int] = dict.fromkeys(targets, 0)
    down: dict[str, list[str]] = {}  # node -> its children one step closer to a target
    level: list[str] = list(targets)
    reached: list[str] = []
    depth = 0
    while level:
        nxt: list[str] = []
        for node in level:
            if node in importers and depth > 0:
                reached.append(node)
                continue
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
        if first_importer:
            met = [node for node in nxt if node in importers]
            if met:
                reached = met
                break
        # Stop once the nearest roots are found and either enough of them or enough work is done:
        # further levels only add longer chains to a big, highly connected graph.
        if reached and (len(reached) >= MAX_PATHS_SHOWN or len(dist) > MAX_NODES_AFTER_ROOT):
            break
        if len(dist) > MAX_NODES:
            break
    if not reached:
        return None
    return _Geodesics({n: dist[n] for n in reached}, down, set(targets))


def _chains(view: GraphView, found: _Geodesics) -> PathResult:
    """The first chains in a stable order (shortest first), and how many others there are."""
    down = found.down
    ends = found.ends
    for children in down.values():
        children.sort()
    count_memo: dict[str, int] = dict.fromkeys(ends, 1)

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

    starts = sorted(found.starts, key=lambda n: (found.starts[n], view.label(n)))
    chains: list[tuple[str, ...]] = []
    total = 0
    for start in starts:
        total = min(MAX_PATHS_COUNTED, total + count(start))
        # depth-first enumeration along shortest chains until enough are collected
        stack: list[tuple[str, ...]] = [(start,)]
        while stack and len(chains) < MAX_PATHS_SHOWN:
            chain = stack.pop()
            head = chain[-1]
            if head in ends:
                chains.append(tuple(view.label(n) for n in chain))
                continue
            stack.extend((*chain, c) for c in reversed(down[head]))
    chains.sort(key=len)
    direct = any(len(p) == 2 for p in chains) if view.roots_known else None
    return PathResult(tuple(chains), max(0, total - len(chains)), direct)
