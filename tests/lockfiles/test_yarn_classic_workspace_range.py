"""A yarn classic lockfile where a workspace answers one range of a name other entries answer
(``fixtures/yarn-classic-workspace-range``: made by yarn 1.22.22, ``generate.sh``;
``installed.json`` is what yarn installed, read from node_modules).

yarn 1 links a workspace whose version satisfies a dependency's range, for a registry package's
dependency too, and writes no entry for it: node-abi's ``semver "^7.3.5"`` is the workspace
semver 7.99.0 beside the entry ``semver@6.3.1``, debug 4's ``ms "^2.1.3"`` the workspace ms 2.1.3
beside ``ms@2.0.0``. Only a name no entry heads was left to the package.json beside; a name other
entries head was "resolves to no entry of the file" in every mode, exit 1, on a file yarn wrote
(a monorepo with a workspace semver and sharp's ``semver "^7.7.2"``). Found by the differential
test on monorepos (decision 0063)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import compromised_rules, scan_report

CASE = Path(__file__).parent / "fixtures" / "yarn-classic-workspace-range"
WORKSPACES = (("semver", "7.99.0"), ("ms", "2.1.3"))


def _installed() -> list[tuple[str, str]]:
    doc = json.loads((CASE / "installed.json").read_text(encoding="utf-8"))
    return sorted((name, version) for name, version in doc["installed"])


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(CASE, tree, ignore=shutil.ignore_patterns("generate.sh", "installed.json"))
    return tree


@pytest.mark.parametrize("mode", ["-dir", "-lockfile", "-recursive"])
def test_every_installed_release_is_found_and_no_error(tmp_path: Path, mode: str) -> None:
    tree = _tree(tmp_path)
    target = str(tree / "yarn.lock") if mode == "-lockfile" else str(tree)
    args = ("-dir", target, "-recursive") if mode == "-recursive" else (mode, target)
    rules = compromised_rules("WS-1", *((n, f"={v}") for n, v in _installed()))
    code, report = scan_report(tmp_path, rules, *args)
    assert report["errors"] == []
    assert code == 2
    found = sorted({(f["package"], f["version"]) for f in report["findings"]})
    assert found == _installed()


@pytest.mark.parametrize("mode", ["-dir", "-lockfile"])
def test_a_workspace_is_not_the_registry_release(tmp_path: Path, mode: str) -> None:
    tree = _tree(tmp_path)
    target = str(tree / "yarn.lock") if mode == "-lockfile" else str(tree)
    rules = compromised_rules("WS-2", *((n, f"={v}") for n, v in WORKSPACES))
    code, report = scan_report(tmp_path, rules, mode, target)
    assert (code, report["findings"], report["errors"]) == (0, [], [])


def test_without_the_workspace_the_range_is_still_an_error(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    (tree / "packages" / "semver" / "package.json").write_text('{"name": "not-semver"}')
    rules = compromised_rules("WS-3", ("debug", "=4.4.1"))
    code, report = scan_report(tmp_path, rules, "-dir", str(tree))
    assert code == 2
    assert [(f["package"], f["version"]) for f in report["findings"]] == [("debug", "4.4.1")]
    assert [e["message"][:50] for e in report["errors"]] == [
        "line 24: a dependency on semver resolves to no ent"
    ]
