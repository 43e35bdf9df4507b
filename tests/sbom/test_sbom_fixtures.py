"""The SBOM fixtures made by real generators (fixtures/make-sboms.sh) from lockfiles, and the
reader ``inventory add -sbom`` uses (``gouvernante.lockfiles.sbom``): every SBOM imports to the
package set our lockfile parser gives for the lockfile it was made from.

Facts of the generators the reader handles:

- the release is in the purl, not in ``name``: npm's own ``npm sbom`` writes an alias's name
  (``my-lodash``) as ``name`` and the real package only in the purl (``pkg:npm/lodash@4.17.20``);
- workspaces come out with registry-looking purls (``pkg:npm/%40acme/core@1.0.0``; a workspace
  named like a registry package, ``is-number@99.0.0``, too): cdxgen marks them
  (``cdx:npm:isWorkspace``), cyclonedx-npm and npm sbom only leave out their hash and download
  location, as they do for a registry release whose lockfile entry has no integrity (bundled
  dependencies, npm@10.9.2's; lockfiles npm wrote without integrity, decision 0083): read as
  registry releases.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from gouvernante.lockfiles import parse_bytes
from gouvernante.lockfiles.sbom import SbomKind, parse_sbom
from gouvernante.model import Source
from report.test_cyclonedx import _validator

HERE = Path(__file__).parent / "fixtures"
LOCKS = Path(__file__).parents[1] / "lockfiles" / "fixtures" / "npm"
CASES = ["npm11-v3", "npm8-v2"]
LOCKFILE_OF = {
    "npm11-v3": LOCKS / "npm11-v3" / "package-lock.json",
    "npm8-v2": LOCKS / "npm8-v2" / "package-lock.json",
    "bundled": HERE / "bundled" / "package-lock.json",
}
SBOMS = ["cyclonedx-npm.cdx", "npm-sbom.cdx", "npm-sbom.spdx", "cdxgen.cdx"]
WORKSPACES = {("@acme/core", "1.0.0"), ("@acme/util", "1.0.0"), ("is-number", "99.0.0")}
# npm sbom's CycloneDX writes an alias's name in ``name``: read too (decision 0083)
ALIASES = {
    "npm11-v3": {("my-lodash", "4.17.20")},
    "npm8-v2": {("my-lodash", "4.17.20")},
    "bundled": {("wrap-ansi-cjs", "7.0.0")},  # npm@10.9.2 bundles wrap-ansi under that alias
}


def _components(items: list[dict[str, Any]] | None) -> Iterator[dict[str, Any]]:
    for c in items or ():
        yield c
        yield from _components(c.get("components"))


def _purl_release(purl: str) -> tuple[str, str]:
    assert purl.startswith("pkg:npm/")
    path, _, version = purl[len("pkg:npm/") :].split("?", 1)[0].rpartition("@")
    return unquote(path), unquote(version)


def _lockfile_set(case: str) -> set[tuple[str, str]]:
    data = LOCKFILE_OF[case].read_bytes()
    graph = parse_bytes(data, "package-lock.json", "package-lock.json")
    return {(p.name, p.version) for p in graph.table if p.source is not Source.LOCAL}


def _lockfile_integrity(case: str) -> dict[tuple[str, str], str]:
    graph = parse_bytes(LOCKFILE_OF[case].read_bytes(), "package-lock.json", "package-lock.json")
    return {(p.name, p.version): p.integrity for p in graph.table if p.integrity}


@pytest.mark.parametrize("case", sorted(LOCKFILE_OF))
@pytest.mark.parametrize("generator", SBOMS)
def test_sbom_imports_to_the_lockfile_package_set(case: str, generator: str) -> None:
    sbom = parse_sbom((HERE / f"{case}.{generator}.json").read_bytes(), "bom.json")
    packages = sbom.graph.packages
    registry = {(p.name, p.version) for p in packages if p.source is not Source.LOCAL}
    local = {(p.name, p.version) for p in packages if p.source is Source.LOCAL}
    # The documented exceptions: the project itself is the subject, not a package; the
    # workspaces are read as local packages (never matched) where cdxgen marks them; the other
    # generators give no evidence that tells them from a registry release (npm@10.9.2 in the
    # bundled case has neither hash nor download location there either): registry releases.
    workspaces = WORKSPACES if case != "bundled" else set()
    aliases = ALIASES[case] if generator == "npm-sbom.cdx" else set()
    if generator != "cdxgen.cdx":
        assert registry == _lockfile_set(case) | workspaces | aliases
        assert local == set()
        assert any("neither a hash nor a download location" in n for n in sbom.graph.notes)
    else:
        assert registry == _lockfile_set(case)
        assert local == workspaces
    assert sbom.ignored == sbom.without_purl == 0
    assert sbom.kind is (SbomKind.SPDX if generator.endswith("spdx") else SbomKind.CYCLONEDX)
    assert sbom.subject is not None and sbom.subject.split("@")[0] in {
        "fixture-app",
        "bundle-case",
        case,  # npm sbom's CycloneDX names the project by its folder
    }


@pytest.mark.parametrize("case", sorted(LOCKFILE_OF))
@pytest.mark.parametrize("generator", SBOMS)
def test_sbom_hashes_are_the_lockfile_integrity(case: str, generator: str) -> None:
    sbom = parse_sbom((HERE / f"{case}.{generator}.json").read_bytes(), "bom.json")
    locked = _lockfile_integrity(case)
    with_hash = [p for p in sbom.graph.packages if p.integrity and not p.id.endswith("#stated")]
    # bundled: only npm@10.9.2 has a hash of its own, and cyclonedx-npm leaves it out (no
    # ``resolved`` in its lockfile entry)
    minimum = 20 if case != "bundled" else int(generator != "cyclonedx-npm.cdx")
    assert len(with_hash) >= minimum
    for p in with_hash:
        assert p.integrity == locked[(p.name, p.version)]


@pytest.mark.parametrize("generator", SBOMS)
def test_sbom_dependency_edges_start_at_the_project(generator: str) -> None:
    sbom = parse_sbom((HERE / f"npm11-v3.{generator}.json").read_bytes(), "bom.json")
    [root] = sbom.graph.importers
    names = {p.id: p.name for p in sbom.graph.packages}
    direct = {names[n] for n in sbom.graph.details.edges()[root.id]}
    assert {"chalk", "debug", "lodash", "react", "uuid"} <= direct


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("generator", ["cyclonedx-npm", "npm-sbom"])
def test_purls_name_the_lockfile_package_set_plus_workspaces(case: str, generator: str) -> None:
    doc = json.loads((HERE / f"{case}.{generator}.cdx.json").read_text())
    releases = {_purl_release(c["purl"]) for c in _components(doc["components"])}
    assert releases - WORKSPACES == _lockfile_set(case)
    assert releases >= WORKSPACES  # indistinguishable by purl: the reader must use more


def test_npm_sbom_names_the_alias_not_the_package() -> None:
    doc = json.loads((HERE / "npm11-v3.npm-sbom.cdx.json").read_text())
    [lodash] = [
        c for c in _components(doc["components"]) if c.get("purl", "").endswith("lodash@4.17.20")
    ]
    assert lodash["name"] == "my-lodash"


@pytest.mark.parametrize("case", CASES)
def test_cyclonedx_npm_output_is_valid_1_6(case: str) -> None:
    doc = json.loads((HERE / f"{case}.cyclonedx-npm.cdx.json").read_text())
    assert doc["specVersion"] == "1.6"
    assert not list(_validator().iter_errors(doc))
