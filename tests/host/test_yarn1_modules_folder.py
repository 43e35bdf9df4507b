"""yarn 1's ``--modules-folder`` (fixture ``fixtures/yarn1-modules-folder``, made by yarn 1.22.22
with ``--modules-folder vendor_modules``, ``generate.sh``): the packages are installed in
``vendor_modules``, laid out as a ``node_modules`` (nested trees in each package's own
``node_modules``), with yarn's ``.yarn-integrity`` there. Before, -host and -image read none of
them (a rule on is-number 7.0.0, installed, read CLEAN but for what the package.json declares);
now a folder holding ``.yarn-integrity`` is read as a ``node_modules``, each package once."""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from pathlib import Path
from typing import Any

from gouvernante.host.checks import scan_projects
from gouvernante.host.reader import Collector
from gouvernante.pipeline import run_image_scan
from gouvernante.rules.index import build_index
from gouvernante.rules.ruleset import RuleSet
from helpers import compromised_rules, docker_save, scan_report

PROJECT = Path(__file__).parent / "fixtures" / "yarn1-modules-folder" / "project"
EXPECTED = [
    ("@sindresorhus/is", "4.6.0", "vendor_modules/@sindresorhus/is"),
    ("is-number", "6.0.0", "vendor_modules/is-odd/node_modules/is-number"),
    ("is-number", "7.0.0", "vendor_modules/is-number"),
    ("is-odd", "3.0.1", "vendor_modules/is-odd"),
]

RULE_FILE = compromised_rules("R-NUM", ("is-number", "*"))


def _rules(h: Any) -> tuple[Any, ...]:
    return (
        h.make_rule("R-NUM", [("is-number", "*")]),
        h.make_rule("R-ODD", [("is-odd", "*")]),
        h.make_rule("R-IS", [("@sindresorhus/is", "*")]),
    )


def test_host_reads_a_modules_folder_as_node_modules(h: Any, tmp_path: Path) -> None:
    collector = Collector(build_index(_rules(h)))
    scan_projects([str(PROJECT)], collector)
    found = sorted(
        (f.package, f.version, os.path.relpath(f.path or "", PROJECT)) for f in collector.findings
    )
    assert found == EXPECTED
    assert collector.installed == 4
    assert collector.errors == []


def test_image_reads_a_modules_folder_as_node_modules(h: Any, tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(PROJECT / "vendor_modules", arcname="app/vendor_modules")
        tar.add(PROJECT / "package.json", arcname="app/package.json")
    image = docker_save(tmp_path / "image.tar", [buf.getvalue()])
    result = run_image_scan((str(image),), RuleSet(rules=_rules(h), sources=()))
    installed = sorted(
        (f.package, f.version, (f.lockfile or f.path or "").removeprefix("/app/"))
        for f in result.findings
        if f.type.value == "installed_package"
    )
    assert installed == EXPECTED
    # the packages' own package.json files are installs, not a project's declarations (the
    # project's package.json declares its three dependencies)
    declared = sorted(
        (f.lockfile or "", f.package) for f in result.findings if f.type.value == "package"
    )
    assert [where for where, _name in declared] == ["/app/package.json"] * 3
    assert list(result.errors) == []


def test_a_folder_named_so_without_yarn_s_record_is_not_one(h: Any, tmp_path: Path) -> None:
    other = tmp_path / "project"
    (other / "vendor_modules" / "is-number").mkdir(parents=True)
    h.write_package(other / "vendor_modules" / "is-number", "is-number", "7.0.0")
    collector = Collector(build_index(_rules(h)))
    scan_projects([str(other)], collector)
    assert collector.findings == []


def test_dir_recursive_does_not_read_the_installed_packages_as_projects(
    h: Any, tmp_path: Path
) -> None:
    # before: vendor_modules/is-odd/package.json's "is-number": "^6.0.0" was a finding of
    # the project (a declared range no lockfile of it resolves)
    code, report = scan_report(
        tmp_path, RULE_FILE, "-dir", str(PROJECT), "-recursive", "-workers", "1"
    )
    assert report["errors"] == []
    places = sorted({f["lockfile"] for f in report["findings"]})
    assert places == ["yarn.lock"]
    assert code == 2


def test_a_folder_with_yarn_s_record_and_a_package_json_is_a_project(
    h: Any, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    (project / "vendor_modules" / "package.json").write_text('{"name": "not-an-install"}')
    collector = Collector(build_index(_rules(h)))
    scan_projects([str(project)], collector)
    # not read as an install: its nested node_modules only (is-odd's is-number 6.0.0)
    found = sorted((f.package, f.version) for f in collector.findings)
    assert found == [("is-number", "6.0.0")]


def test_inventory_add_dir_reads_the_folder_as_dir_does(tmp_path: Path) -> None:
    from gouvernante.inventory.record import add

    database = str(tmp_path / "inventory.db")
    summary = add(database, [], dirs=[str(PROJECT)], workers=1)
    assert not summary.errors
    code, report = scan_report(tmp_path, RULE_FILE, "-inventory", database)
    assert report["errors"] == []
    assert sorted({f["lockfile"].rpartition(":")[2] for f in report["findings"]}) == ["yarn.lock"]
    assert code == 2


def test_a_folder_with_yarn_s_record_and_a_lockfile_is_scanned(tmp_path: Path) -> None:
    """yarn 1 writes nothing but packages and its hidden records in a --modules-folder: a folder
    holding a lockfile beside a .yarn-integrity (and no package.json) is no install to pass
    over. -dir -recursive scans its lockfile."""
    tree = tmp_path / "tree"
    (tree / "legacy").mkdir(parents=True)
    (tree / "legacy" / ".yarn-integrity").write_text("{}")
    (tree / "legacy" / "yarn.lock").write_text(
        "# yarn lockfile v1\n\n\n"
        'is-number@^7.0.0:\n  version "7.0.0"\n'
        '  resolved "https://registry.yarnpkg.com/is-number/-/is-number-7.0.0.tgz#0"\n'
    )
    code, report = scan_report(tmp_path, RULE_FILE, "-dir", str(tree), "-recursive")
    assert [(f["package"], f["version"]) for f in report["findings"]] == [("is-number", "7.0.0")]
    assert code == 2


SETUP_JS = (
    Path(__file__).parents[1] / "heuristic" / "fixtures" / "recall" / "axios-plain-crypto-js-2026"
) / "setup.js"


def _with_dropper(tmp_path: Path, *, nested: str = "") -> Path:
    """The fixture with the nested is-number given a postinstall that runs the axios dropper's
    re-creation (tests/heuristic/fixtures/recall, never executed); ``nested``: the project is
    that deep below the scanned folder."""
    project = tmp_path / "tree" / nested / "project" if nested else tmp_path / "project"
    shutil.copytree(PROJECT, project)
    pkg = project / "vendor_modules" / "is-odd" / "node_modules" / "is-number"
    manifest = json.loads((pkg / "package.json").read_text())
    manifest["scripts"] = {"postinstall": "node setup.js"}
    (pkg / "package.json").write_text(json.dumps(manifest))
    shutil.copy(SETUP_JS, pkg / "setup.js")
    return project


def test_heuristic_scans_the_packages_of_a_modules_folder(tmp_path: Path) -> None:
    """Before, -heuristic looked at node_modules only: 'no installed packages (node_modules) to
    look at', exit 0. Now the modules folder is scanned as -host reads it, each package with its
    manifest (the install script found as the package's, not as the project's code)."""
    project = _with_dropper(tmp_path)
    for args in (["-dir", str(project)], ["-dir", str(tmp_path), "-recursive"]):
        _code, report = scan_report(tmp_path, RULE_FILE, *args, "-heuristic")
        hits = {
            (f["package"], f["version"], os.path.relpath(f["path"], project))
            for f in report["findings"]
            if f["type"] == "heuristic"
        }
        assert ("is-number", "6.0.0", "vendor_modules/is-odd/node_modules/is-number/setup.js") in (
            hits
        ), report
        assert not any("no installed packages" in n["message"] for n in report["notes"])
