"""yarn classic lockfiles where a workspace answers one range of a name other entries answer
(``fixtures/yarn-classic-monorepos``: made by yarn 1.22.22, ``generate.sh``; ``installed.json``
is what yarn installed, read from node_modules): ``workspace-range``, the least such project,
and ``monorepo``, the monorepo of the differential run that showed it (nohoist, resolutions,
aliases, a ``file:`` tarball, a ``link:``, sharp and esbuild).

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

FIXTURES = Path(__file__).parent / "fixtures" / "yarn-classic-monorepos"
CASES = ("workspace-range", "monorepo")
CASE = FIXTURES / "workspace-range"


def _own(case: str) -> list[tuple[str, str]]:
    """The project's own packages: its workspaces and ``link:``/``file:`` sources (every
    package.json of the case's tree), never registry releases."""
    own = []
    for manifest in sorted((FIXTURES / case).rglob("package.json")):
        doc = json.loads(manifest.read_text(encoding="utf-8"))
        if "version" in doc:
            own.append((doc["name"], doc["version"]))
    return own


def _installed(case: str) -> list[tuple[str, str]]:
    """What yarn installed from the registry (its ``file:`` tarball's package left out)."""
    doc = json.loads((FIXTURES / case / "installed.json").read_text(encoding="utf-8"))
    own = set(_own(case))
    return sorted((n, v) for n, v in doc["installed"] if (n, v) not in own)


def _tree(tmp_path: Path, case: str = "workspace-range") -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / case, tree, ignore=shutil.ignore_patterns("installed.json"))
    return tree


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("mode", ["-dir", "-lockfile", "-recursive"])
def test_every_installed_release_is_found_and_no_error(
    tmp_path: Path, case: str, mode: str
) -> None:
    tree = _tree(tmp_path, case)
    target = str(tree / "yarn.lock") if mode == "-lockfile" else str(tree)
    args = ("-dir", target, "-recursive") if mode == "-recursive" else (mode, target)
    rules = compromised_rules("WS-1", *((n, f"={v}") for n, v in _installed(case)))
    code, report = scan_report(tmp_path, rules, *args)
    assert report["errors"] == []
    assert code == 2
    # (-recursive also reads the package.json of the link: folder and of the tarball's source,
    # no workspace: their own ranges are declared-range findings there)
    declared = {f["lockfile"] for f in report["findings"] if f["match"] == "declared-range"}
    assert declared <= {"vendor/linked-lib/package.json", "vendor/tarball-src/package.json"}
    found = {(f["package"], f["version"]) for f in report["findings"] if f["match"] == "version"}
    assert sorted(found) == _installed(case)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("mode", ["-dir", "-lockfile"])
def test_a_workspace_is_not_the_registry_release(tmp_path: Path, case: str, mode: str) -> None:
    tree = _tree(tmp_path, case)
    target = str(tree / "yarn.lock") if mode == "-lockfile" else str(tree)
    own = _own(case)
    assert ("semver", "7.99.0") in own
    rules = compromised_rules("WS-2", *((n, f"={v}") for n, v in own))
    code, report = scan_report(tmp_path, rules, mode, target)
    assert report["errors"] == []
    # the workspaces, the link: and file: folders: never; the file: tarball (packed from
    # vendor/tarball-src here, but a packed tarball may as well be an affected release's own
    # copy: decision 0072) is matched by name and version, saying so
    found = [(f["package"], f["version"], f["description"]) for f in report["findings"]]
    if case == "monorepo":
        assert [(n, v) for n, v, _ in found] == [("tarball-lib", "1.0.0")]
        assert "locked from a local tarball" in found[0][2]
        assert code == 2
    else:
        assert (code, found) == (0, [])


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
