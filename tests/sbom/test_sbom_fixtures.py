"""The SBOM fixtures made by real generators (fixtures/make-sboms.sh) from the npm lockfile
fixtures, and the facts an ``inventory add -sbom`` reader must handle (not built yet, issue 16):

- the release is in the purl, not in ``name``: npm's own ``npm sbom`` writes an alias's name
  (``my-lodash``) as ``name`` and the real package only in the purl (``pkg:npm/lodash@4.17.20``);
- workspaces come out with registry-looking purls (``pkg:npm/%40acme/core@1.0.0``; a workspace
  named like a registry package, ``is-number@99.0.0``, too): they must not be read as registry
  releases (a workspace is not the registry package of the same name);
- with ``--package-lock-only`` there are no hashes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from gouvernante.lockfiles import parse_bytes
from gouvernante.model import Source
from report.test_cyclonedx import _validator

HERE = Path(__file__).parent / "fixtures"
LOCKS = Path(__file__).parents[1] / "lockfiles" / "fixtures" / "npm"
CASES = ["npm11-v3", "npm8-v2"]
WORKSPACES = {("@acme/core", "1.0.0"), ("@acme/util", "1.0.0"), ("is-number", "99.0.0")}


def _components(items: list[dict[str, Any]] | None) -> Iterator[dict[str, Any]]:
    for c in items or ():
        yield c
        yield from _components(c.get("components"))


def _purl_release(purl: str) -> tuple[str, str]:
    assert purl.startswith("pkg:npm/")
    path, _, version = purl[len("pkg:npm/") :].split("?", 1)[0].rpartition("@")
    return unquote(path), unquote(version)


def _lockfile_set(case: str) -> set[tuple[str, str]]:
    data = (LOCKS / case / "package-lock.json").read_bytes()
    graph = parse_bytes(data, "package-lock.json", "package-lock.json")
    return {(p.name, p.version) for p in graph.table if p.source is not Source.LOCAL}


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
