"""Manifest confusion (decision 0078): the registry does not check the package.json inside a
published tarball against the version document it serves, so a release installed as ms 2.1.3 may
carry a package.json saying 2.1.0, or naming another package. The package managers name what
they installed from the registry's document (a virtual store's folder, npm's hidden lockfile,
yarn's install state and ``.yarn-integrity``, pnpm's ``.modules.yaml``, cache folder and index
names): a package is a finding when its record OR its package.json names an affected release,
and a disagreement is a note naming the record (never what the package.json says).

Fixtures: ``fixtures/manifest-confusion`` (``generate.sh``: npm 11.19.1, pnpm 9.15.9 and
10.34.9, yarn 1.22.22 and 4.18.1, bun 1.4.5 installed the registry's ms 2.1.3 and is-number
7.0.0; the script then rewrote ms's package.json to say 2.1.0 and is-number's to say
``not-is-number``, as a tampered tarball would carry them)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from gouvernante.host.caches import scan_pnpm_store, scan_yarn_classic_cache
from gouvernante.host.install_state import HIDDEN_LOCKFILE, PNPM_STATE, YARN_STATE
from gouvernante.host.installed import scan_tree
from gouvernante.host.reader import Collector
from gouvernante.rules.index import build_index
from helpers import docker_save, scan_report
from host import conftest as h

FIXTURES = Path(__file__).parent / "fixtures" / "manifest-confusion"
T_INSTALL = 1_700_000_000
T_RECORD = T_INSTALL + 60
RECORDS = (HIDDEN_LOCKFILE, PNPM_STATE, YARN_STATE, ".yarn-integrity")
RULES = (("ms", "=2.1.3"), ("is-number", "=7.0.0"))
LIES = ("2.1.0", "not-is-number")  # what the tampered package.json files say: never echoed

TOP = {"ms@2.1.3 node_modules/ms", "is-number@7.0.0 node_modules/is-number"}
# case -> installed findings (release, folder under the project); each was CLEAN before
EXPECTED: dict[str, set[str]] = {
    "npm11": TOP,  # node_modules/.package-lock.json
    "npm11-linked": {  # the .store folder's name and the hidden lockfile
        "ms@2.1.3 node_modules/.store/ms@2.1.3-dMsxawcprWf7ZP5jTrgAlg/node_modules/ms",
        "is-number@7.0.0 node_modules/.store/is-number@7.0.0-9C8BjRcRzDOrS4TE11sgJQ"
        "/node_modules/is-number",
    },
    "pnpm9": {  # the .pnpm folder's name
        "ms@2.1.3 node_modules/.pnpm/ms@2.1.3/node_modules/ms",
        "is-number@7.0.0 node_modules/.pnpm/is-number@7.0.0/node_modules/is-number",
    },
    "pnpm10-hoisted": TOP,  # .modules.yaml hoistedLocations
    "yarn1": TOP,  # .yarn-integrity: one release for every pattern of the name
    "yarn4": TOP,  # .yarn-state.yml
    "bun-isolated": {  # the .bun folder's name
        "ms@2.1.3 node_modules/.bun/ms@2.1.3/node_modules/ms",
        "is-number@7.0.0 node_modules/.bun/is-number@7.0.0/node_modules/is-number",
    },
    # bun's hoisted layout keeps no record of its folders (bun.lock, read by -dir, does): the
    # package.json is all there is
    "bun": set(),
}
EXPECTED["pnpm10"] = EXPECTED["pnpm9"]


def _project(tmp_path: Path, case: str) -> Path:
    """The case's project, the records dated after every folder (as the tools leave them)."""
    project = tmp_path / case
    shutil.copytree(FIXTURES / case / "project", project, symlinks=True)
    for dirpath, dirnames, filenames in os.walk(project):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            when = T_RECORD if name in RECORDS else T_INSTALL
            if not os.path.islink(path):
                os.utime(path, (when, when))
    return project


def _collector() -> Collector:
    return Collector(build_index(tuple(h.make_rule(f"R-{n}", [r]) for n, r in enumerate(RULES))))


def _scan(project: Path) -> tuple[set[str], Collector]:
    collector = _collector()
    scan_tree(str(project / "node_modules"), collector, where="test")
    found = {
        f"{f.package}@{f.version} {Path(f.path or '').relative_to(project).as_posix()}"
        for f in collector.findings
    }
    return found, collector


def _confusion_notes(collector: Collector, base: Path) -> set[str]:
    notes = [n for n in collector.notes if "manifest confusion" in n.message]
    for note in notes:
        assert not any(lie in note.message for lie in LIES), note.message
    return {Path(n.path).relative_to(base).as_posix() for n in notes}


def test_every_case_is_checked() -> None:
    assert set(EXPECTED) == {p.name for p in FIXTURES.iterdir() if p.is_dir()}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_an_installed_package_is_what_its_record_names(tmp_path: Path, case: str) -> None:
    project = _project(tmp_path, case)
    found, collector = _scan(project)
    assert found == EXPECTED[case]
    assert _confusion_notes(collector, project) == {r.split(" ")[1] for r in EXPECTED[case]}
    assert collector.errors == []


def test_the_package_json_still_counts(tmp_path: Path) -> None:
    """A rule on what the tampered package.json says matches it too: record OR manifest."""
    project = _project(tmp_path, "npm11")
    collector = Collector(build_index((h.make_rule("R-LIE", [("ms", "=2.1.0")]),)))
    scan_tree(str(project / "node_modules"), collector, where="test")
    assert {(f.package, f.version) for f in collector.findings} == {("ms", "2.1.0")}


@pytest.mark.parametrize("case", ["npm11", "yarn4", "yarn1", "pnpm10-hoisted"])
def test_a_folder_changed_after_the_record_is_its_package_json(tmp_path: Path, case: str) -> None:
    """A record older than the folder says nothing of it (decision 0025: a package replaced by
    hand after the install is not what the record lists)."""
    project = _project(tmp_path, case)
    later = T_RECORD + 60
    os.utime(project / "node_modules" / "ms", (later, later))
    found, collector = _scan(project)
    assert found == {"is-number@7.0.0 node_modules/is-number"}
    assert _confusion_notes(collector, project) == {"node_modules/is-number"}


def test_a_true_record_adds_nothing(tmp_path: Path) -> None:
    """The package.json put back as the registry serves it: one finding each, no note."""
    project = _project(tmp_path, "npm11")
    for name, version in (("ms", "2.1.3"), ("is-number", "7.0.0")):
        manifest = project / "node_modules" / name / "package.json"
        manifest.write_text(f'{{"name":"{name}","version":"{version}"}}')
        os.utime(manifest.parent, (T_INSTALL, T_INSTALL))
    found, collector = _scan(project)
    assert found == TOP
    assert _confusion_notes(collector, project) == set()


# --- caches -------------------------------------------------------------------------------


def test_pnpm_10_index_is_named_by_its_file_name(tmp_path: Path) -> None:
    """pnpm 10 names an index file ``<hash>-<name>@<version>.json`` from the registry's
    document; the index's own name and version are the tarball's package.json's."""
    store = tmp_path / "store"
    shutil.copytree(FIXTURES / "pnpm10" / "cache", store / "v10")
    collector = _collector()
    scan_pnpm_store(str(store), collector)
    assert {(f.package, f.version) for f in collector.findings} == {
        ("ms", "2.1.3"),
        ("is-number", "7.0.0"),
    }
    assert len(_confusion_notes(collector, store)) == 2


def test_pnpm_9_index_names_only_what_the_tarball_says(tmp_path: Path) -> None:
    """pnpm 9 names an index file by the tarball's integrity alone and writes the tarball's
    package.json's name and version in it: no record of the registry's says otherwise (a
    rule's ``integrity`` would find it). Left: not found by name and version."""
    store = tmp_path / "store"
    shutil.copytree(FIXTURES / "pnpm9" / "cache", store / "v3")
    collector = _collector()
    scan_pnpm_store(str(store), collector)
    assert collector.findings == []


def test_yarn_classic_entry_is_named_by_its_folder(tmp_path: Path) -> None:
    cache = tmp_path / "v6"
    shutil.copytree(FIXTURES / "yarn1" / "cache", cache)
    collector = _collector()
    scan_yarn_classic_cache(str(cache), collector)
    assert {(f.package, f.version) for f in collector.findings} == {
        ("ms", "2.1.3"),
        ("is-number", "7.0.0"),
    }
    assert len(_confusion_notes(collector, cache)) == 2


# --- images -------------------------------------------------------------------------------


def _layer(case: str) -> dict[str, bytes]:
    root = FIXTURES / case / "project"
    return {
        f"app/{p.relative_to(root).as_posix()}": p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _image_found(tmp_path: Path, layers: list[dict[str, bytes]]) -> tuple[set[str], Any]:
    image = docker_save(tmp_path / "image.tar", layers)
    rules = {
        "schema_version": "1.0.0",
        "rules": [
            {
                "id": "T-1",
                "title": "t",
                "kind": "compromised-release",
                "ecosystem": "npm",
                "severity": "critical",
                "package_rules": [
                    {"package_name": name, "affected_versions": [expr]} for name, expr in RULES
                ],
                "metadata": {"published_at": "2026-01-01T00:00:00Z"},
            }
        ],
    }
    _, report = scan_report(tmp_path, rules, "-image", str(image))
    assert report["errors"] == []
    found = {
        f"{f['package']}@{f['version']} {f['path'].removeprefix('/app/')}"
        for f in report["findings"]
        if f["type"] == "installed_package"
    }
    return found, report


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_an_image_reads_the_records_as_the_host_does(tmp_path: Path, case: str) -> None:
    found, report = _image_found(tmp_path, [_layer(case)])
    assert found == EXPECTED[case]
    notes = [n for n in report["notes"] if "manifest confusion" in n["message"]]
    assert {n["path"].partition(":/app/")[2] for n in notes} == {
        r.split(" ")[1] for r in EXPECTED[case]
    }
    assert not any(lie in n["message"] for n in notes for lie in LIES)


def test_an_image_layer_rewriting_a_package_after_the_record(tmp_path: Path) -> None:
    """A later layer writing node_modules/ms/package.json again: the record of an earlier layer
    says nothing of what that layer put there."""
    first = _layer("npm11")
    manifest = "app/node_modules/ms/package.json"
    found, _ = _image_found(tmp_path, [first, {manifest: first[manifest]}])
    assert found == {"is-number@7.0.0 node_modules/is-number"}
