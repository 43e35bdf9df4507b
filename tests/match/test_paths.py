from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from gouvernante.match.paths import MAX_PATHS_SHOWN, dependency_paths
from gouvernante.model import Importer, LockedPackage, LockfileFormat, LockfileGraph, Source


@dataclass
class Details:
    graph_edges: dict[str, list[str]]

    def edges(self) -> Mapping[str, Sequence[str]]:
        return self.graph_edges

    def line_of(self, node_id: str) -> int | None:
        return None


def graph(
    edges: dict[str, list[str]], importers: list[Importer], pkgs: list[LockedPackage]
) -> LockfileGraph:
    return LockfileGraph(LockfileFormat.PACKAGE_LOCK, pkgs, importers, details=Details(edges))


def pkg(node: str, name: str, version: str, source: Source = Source.REGISTRY) -> LockedPackage:
    return LockedPackage(node, name, version, source)


def test_shortest_paths_first_from_root_and_workspace() -> None:
    g = graph(
        {
            "": ["babel", "ws-link"],
            "babel": ["debug"],
            "ws-link": ["packages/core"],
            "packages/core": ["debug"],
        },
        [Importer("", "app"), Importer("packages/core", "@acme/core")],
        [
            pkg("babel", "@babel/core", "7.24.0"),
            pkg("debug", "debug", "4.4.2"),
            pkg("ws-link", "@acme/core", "", Source.LOCAL),
        ],
    )
    result = dependency_paths(g, ["debug"])
    assert result.paths == (
        ("@acme/core", "debug@4.4.2"),
        ("app", "@babel/core@7.24.0", "debug@4.4.2"),
    )
    assert result.direct is True
    assert result.more == 0


def test_paths_are_capped_with_a_count_of_the_rest() -> None:
    edges: dict[str, list[str]] = {"": [f"p{i}" for i in range(12)]}
    for i in range(12):
        edges[f"p{i}"] = ["target"]
    pkgs = [pkg(f"p{i}", f"p{i}", "1.0.0") for i in range(12)] + [pkg("target", "t", "1.0.0")]
    result = dependency_paths(graph(edges, [Importer("", "app")], pkgs), ["target"])
    assert len(result.paths) == MAX_PATHS_SHOWN
    assert result.more == 12 - MAX_PATHS_SHOWN
    assert result.direct is False


def test_cycles_terminate() -> None:
    edges = {"": ["a"], "a": ["b"], "b": ["a", "c"], "c": ["a"]}
    pkgs = [pkg("a", "a", "1.0.0"), pkg("b", "b", "1.0.0"), pkg("c", "c", "1.0.0")]
    result = dependency_paths(graph(edges, [Importer("", "app")], pkgs), ["c"])
    assert result.paths == (("app", "a@1.0.0", "b@1.0.0", "c@1.0.0"),)


def test_no_importers_means_unknown_directness() -> None:
    result = dependency_paths(graph({}, [], [pkg("a", "a", "1.0.0")]), ["a"])
    assert result.paths == () and result.direct is None


# The forward search (one importer) and the backward one (several) must give the same chains.
_NODES = [f"n{i}" for i in range(12)]


@st.composite
def _graphs(draw: st.DrawFn) -> tuple[dict[str, list[str]], list[str]]:
    edges: dict[str, list[str]] = {"": draw(st.lists(st.sampled_from(_NODES), max_size=4))}
    for node in _NODES:
        edges[node] = draw(st.lists(st.sampled_from(_NODES), max_size=4, unique=True))
    targets = draw(st.lists(st.sampled_from(_NODES), min_size=1, max_size=3))
    return edges, targets


@settings(max_examples=300, deadline=None)
@given(_graphs())
def test_forward_and_backward_searches_agree(case: tuple[dict[str, list[str]], list[str]]) -> None:
    edges, targets = case
    pkgs = [pkg(n, n, "1.0.0") for n in _NODES]
    one = graph(edges, [Importer("", "app")], pkgs)
    # An importer nothing reaches forces the backward search without changing the answer.
    two = graph({**edges, "lonely": []}, [Importer("", "app"), Importer("lonely", "x")], pkgs)
    forward = dependency_paths(one, targets)
    backward = dependency_paths(two, targets)
    assert forward == backward
    for chain in forward.paths:  # every chain is real: consecutive nodes are edges
        ids = ["", *(label.split("@")[0] for label in chain[1:])]
        assert all(b in edges[a] for a, b in pairwise(ids))
        assert ids[-1] in targets


def test_forward_search_counts_every_shortest_chain() -> None:
    # a diamond of diamonds: 2 x 2 = 4 shortest chains, one longer chain not counted
    edges = {
        "": ["a", "b", "long"],
        "a": ["m"],
        "b": ["m"],
        "m": ["c", "d"],
        "c": ["t"],
        "d": ["t"],
        "long": ["x"],
        "x": ["y"],
        "y": ["z"],
        "z": ["t"],
    }
    pkgs = [pkg(n, n, "1.0.0") for n in ["a", "b", "m", "c", "d", "t", "long", "x", "y", "z"]]
    result = dependency_paths(graph(edges, [Importer("", "app")], pkgs), ["t"])
    assert [len(p) for p in result.paths] == [5, 5, 5, 5]
    assert len(result.paths) + result.more == 4
    assert result.paths[0] == ("app", "a@1.0.0", "m@1.0.0", "c@1.0.0", "t@1.0.0")
    assert result.direct is False
