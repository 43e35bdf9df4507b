from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gouvernante.model import Importer, LockedPackage, LockfileFormat, LockfileGraph, Source
from gouvernante.scan.paths import MAX_PATHS_SHOWN, dependency_paths


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
