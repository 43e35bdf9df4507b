"""One of each mechanism among the lockfile readers (decision 0106).

Graphs whose edges are known when they are made share one ``GraphDetails``: ``model.KnownEdges``
(decision 0106). bun.lockb (``bun_binary.BunBinaryDetails``), an SBOM (``sbom._Edges``) and a
graph an inventory stored (``inventory.graphs._Edges``) each had their own copy of it.

Fixtures: ``tests/pipeline/fixtures/workspace-named-like-registry/bun-lockb`` (bun.lockb, made by
bun: its generate.sh) and ``tests/sbom/fixtures/npm11-v3.cyclonedx-npm.cdx.json``
(``make-sboms.sh``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gouvernante.inventory.graphs import decode, encode
from gouvernante.lockfiles import parse_bytes
from gouvernante.lockfiles._common import LOCKED_VERSION
from gouvernante.lockfiles.sbom import component_path, parse_sbom
from gouvernante.model import KnownEdges, LockfileGraph

TESTS = Path(__file__).resolve().parents[1]
BUN_LOCKB = TESTS / "pipeline/fixtures/workspace-named-like-registry/bun-lockb/bun.lockb"
SBOM = TESTS / "sbom/fixtures/npm11-v3.cyclonedx-npm.cdx.json"


def _parsed(path: Path) -> LockfileGraph:
    if path == SBOM:
        return parse_sbom(path.read_bytes(), path.name).graph
    return parse_bytes(path.read_bytes(), path.name, path.name)


def test_bun_lockb_sbom_and_inventory_graphs_share_one_details_class() -> None:
    for graph in (_parsed(BUN_LOCKB), _parsed(SBOM)):
        details = graph.details
        assert isinstance(details, KnownEdges)
        edges = details.edges()
        assert edges  # (each fixture has dependencies)
        assert all(details.line_of(node) is None for node in edges)
        stored = decode(encode(graph))
        assert type(stored.details) is KnownEdges
        assert {k: list(v) for k, v in stored.details.edges().items() if v} == {
            k: list(v) for k, v in edges.items() if v
        }


def test_an_sbom_still_names_each_component_by_its_json_path() -> None:
    graph = _parsed(SBOM)
    paths = {component_path(graph, n) for n in graph.details.edges()}
    assert any(p is not None and p.startswith("components[") for p in paths)
    assert component_path(decode(encode(graph)), next(iter(graph.details.edges()))) is None


@pytest.mark.parametrize(
    ("text", "locked"),
    [
        ("1.2.3", True),
        ("v1.2.3", True),
        ("01.2.3", True),  # (loose on leading zeros, as before)
        ("1.2.3-beta.1+build.5", True),
        ("1.2", False),
        ("=1.2.3", False),
        ("1.2.3 ", False),
        ("latest", False),
    ],
)
def test_npm_and_bun_read_a_locked_version_with_one_pattern(text: str, locked: bool) -> None:
    """``lockfiles._common.LOCKED_VERSION``: npm's ``_SEMVER`` and bun's ``_VERSION`` were the
    same pattern written twice (decision 0106)."""
    from gouvernante.lockfiles import bun, npm

    assert vars(npm)["LOCKED_VERSION"] is vars(bun)["LOCKED_VERSION"] is LOCKED_VERSION
    assert (LOCKED_VERSION.fullmatch(text) is not None) is locked
