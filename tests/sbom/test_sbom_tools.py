"""SBOMs of one real project made by the generators an organisation meets (fixtures/tools/
generate.sh: ``npm sbom``, ``@cyclonedx/cyclonedx-npm``, ``@cyclonedx/cdxgen``, ``pnpm sbom``, in
every CycloneDX version they write and SPDX 2.3): what ``inventory add -sbom`` reads of each is
the installed package set our own lockfile reader gives, exactly, with the documented
differences only (decision 0083):

- workspaces: local (never matched) only where the generator marks them (cdxgen); the others
  write them like registry releases, so they are read as registry releases;
- generators that read the installed tree leave out the optional platform packages npm did not
  install (the lockfile locks esbuild's 24 other platforms);
- ``npm sbom``'s CycloneDX writes an alias's name (``my-lodash``) and a URL dependency's key
  (``is-odd-url``) in ``name``: read too (a name that disagrees with the purl is read both ways);
- the yarn plugin names the URL dependency by its key in the purl (``pkg:npm/is-odd-url``) and
  gives the release it installs only as its download URL: both are read;
- a purl is read as the purl spec reads it too, lowercased: the legacy ``JSONStream`` is also
  ``jsonstream`` (decision 0090).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.lockfiles import parse_bytes
from gouvernante.lockfiles.sbom import SbomKind, parse_sbom
from gouvernante.model import Source

HERE = Path(__file__).parent / "fixtures" / "tools"
LOCKFILES = {
    "app": HERE / "app" / "package-lock.json",
    "stripped": HERE / "stripped" / "package-lock.json",
    "pnpm": HERE / "pnpm" / "pnpm-lock.yaml",
    "yarn": HERE / "yarn" / "yarn.lock",
}
SBOMS = sorted(p.name for p in HERE.glob("*.json"))
WORKSPACES = {("@acme/core", "1.0.0"), ("@acme/util", "1.0.0")}
# npm sbom's CycloneDX ``name`` of the alias and of the URL dependency (their node_modules keys)
NPM_SBOM_NAMES = {("my-lodash", "4.17.20"), ("is-odd-url", "3.0.1")}
# the purl spec's reading of the legacy mixed-case name (npm names lowercased: decision 0090)
PURL_SPEC_NAMES = {("jsonstream", "1.3.5")}
# what only the workspaces depend on: the yarn plugin describes the root workspace
WORKSPACE_DEPENDENCIES = {("is-number", "7.0.0"), ("semver", "7.6.3")}


def _release_set(path: Path) -> set[tuple[str, str]]:
    graph = parse_bytes(path.read_bytes(), path.name, path.name)
    return {(p.name, p.version) for p in graph.table if p.source is not Source.LOCAL}


def _not_installed() -> set[tuple[str, str]]:
    """The optional platform packages the lockfile locks for other machines (made on linux x64)."""
    entries = json.loads(LOCKFILES["app"].read_text())["packages"]
    return {
        (key.rpartition("node_modules/")[2], entry["version"])
        for key, entry in entries.items()
        if "cpu" in entry and not ("x64" in entry["cpu"] and "linux" in entry.get("os", []))
    }


def test_the_fixtures_hold_what_they_are_for() -> None:
    assert len(SBOMS) == 15
    assert len(_not_installed()) == 24
    # the stripped lockfile: npm wrote no integrity and no resolved for the registry packages
    entries = json.loads(LOCKFILES["stripped"].read_text())["packages"]
    assert entries["node_modules/axios"].keys().isdisjoint({"integrity", "resolved"})
    assert _release_set(LOCKFILES["app"]) == _release_set(LOCKFILES["stripped"])
    assert _release_set(LOCKFILES["app"]) == _release_set(LOCKFILES["pnpm"])
    assert _release_set(LOCKFILES["app"]) == _release_set(LOCKFILES["yarn"])


@pytest.mark.parametrize("name", SBOMS)
def test_each_generator_reads_as_the_installed_packages(name: str) -> None:
    case, generator = name.split(".")[:2]
    sbom = parse_sbom((HERE / name).read_bytes(), name)
    registry = {(p.name, p.version) for p in sbom.graph.packages if p.source is not Source.LOCAL}
    local = {(p.name, p.version) for p in sbom.graph.packages if p.source is Source.LOCAL}
    locked = _release_set(LOCKFILES[case])
    installed = locked - _not_installed()
    registry -= PURL_SPEC_NAMES - locked
    assert ("jsonstream", "1.3.5") in {(p.name, p.version) for p in sbom.graph.packages}
    if generator.startswith("cdxgen"):  # reads the lockfile; marks workspaces
        assert (registry, local) == (locked, WORKSPACES)
    elif generator.startswith("pnpm"):  # lists the workspace another one depends on
        assert (registry, local) == (installed | {("@acme/util", "1.0.0")}, set())
    elif generator == "yarn-cyclonedx":  # the lockfile's, the URL dependency by its key too
        assert (registry, local) == (
            locked - WORKSPACE_DEPENDENCIES | {("is-odd-url", "3.0.1")},
            set(),
        )
    elif generator == "npm-sbom" and name.endswith(".cdx.json"):
        assert (registry, local) == (installed | WORKSPACES | NPM_SBOM_NAMES, set())
        assert sbom.stated == len(NPM_SBOM_NAMES) + len(PURL_SPEC_NAMES)
    else:
        assert (registry, local) == (installed | WORKSPACES, set())
    assert sbom.ignored == sbom.without_purl == 0
    assert sbom.kind is (SbomKind.SPDX if name.endswith(".spdx.json") else SbomKind.CYCLONEDX)


@pytest.mark.parametrize("name", ["app.cdxgen.cdx.json", "pnpm.pnpm-sbom.cdx.json"])
def test_cyclonedx_1_7_the_default_of_cdxgen_and_pnpm_is_read(name: str) -> None:
    """cdxgen 12.8.4 and pnpm 12.25.1 write CycloneDX 1.7 unless told otherwise: refused before
    (an error, never clean, but the default output of two generators)."""
    assert json.loads((HERE / name).read_text())["specVersion"] == "1.7"
    sbom = parse_sbom((HERE / name).read_bytes(), name)
    assert sbom.spec_version == "1.7"
    assert ("axios", "1.7.9") in {(p.name, p.version) for p in sbom.graph.packages}


@pytest.mark.parametrize("name", ["stripped.npm-sbom.cdx.json", "stripped.npm-sbom.spdx.json"])
def test_a_release_whose_lockfile_entry_lost_its_integrity_is_matched(name: str) -> None:
    """npm writes lockfiles without ``integrity`` (npm/cli#4263): ``npm sbom`` of one writes no
    hash and no download URL for axios, exactly as for a workspace. It was read as a workspace,
    never matched: a wrong CLEAN for every such package."""
    sbom = parse_sbom((HERE / name).read_bytes(), name)
    [axios] = [p for p in sbom.graph.packages if p.name == "axios"]
    assert (axios.version, axios.source, axios.integrity) == ("1.7.9", Source.REGISTRY, None)
    assert any("52 npm components carry neither a hash" in n for n in sbom.graph.notes)


def test_a_url_dependency_named_by_its_key_is_read_as_the_release_its_url_names() -> None:
    """The yarn plugin names the URL dependency ``pkg:npm/is-odd-url@3.0.1`` (its key) and gives
    is-odd 3.0.1's registry tarball as its ``distribution`` reference: is-odd 3.0.1 is what is
    installed (decision 0077); it was not read."""
    name = "yarn.yarn-cyclonedx.cdx.json"
    doc = json.loads((HERE / name).read_text())
    [url_dependency] = [c for c in doc["components"] if c["name"] == "is-odd-url"]
    assert url_dependency["purl"] == "pkg:npm/is-odd-url@3.0.1"
    assert {
        "type": "distribution",
        "url": "https://registry.npmjs.org/is-odd/-/is-odd-3.0.1.tgz",
    }.items() <= url_dependency["externalReferences"][-1].items()
    sbom = parse_sbom((HERE / name).read_bytes(), name)
    read = {(p.name, p.version) for p in sbom.graph.packages}
    assert {("is-odd", "3.0.1"), ("is-odd-url", "3.0.1")} <= read
