"""Workspaces are never registry packages: a package.json range on one of the project's own
workspaces is decided by the project (its lockfile, or for yarn classic its ``workspaces`` globs),
in ``-dir`` and ``-recursive`` alike; a folder that is no workspace of the lockfile's project is
not covered by it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gouvernante.fs.globs import expand, matches
from gouvernante.match.placing import LINK_OUT
from gouvernante.model import MatchKind
from gouvernante.pipeline import ScanRequest, run_scan
from gouvernante.rules.model import PackageRule, Rule, RuleKind
from gouvernante.rules.ruleset import RuleSet
from gouvernante.vocab import Severity
from helpers import compromised_rules, scan_report

YARN_LOCK = """# yarn lockfile v1


left-pad@^1.3.0:
  version "1.3.0"
  resolved "https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz#abc"
  integrity sha512-AAAA
"""


def _rules(*names: str) -> RuleSet:
    rule = Rule(
        id="T-WS",
        title="names",
        kind=RuleKind.MALICIOUS_PACKAGE,
        ecosystem="npm",
        severity=Severity.HIGH,
        source="t.json",
        package_rules=tuple(PackageRule(n, ("*",), frozenset()) for n in names),
    )
    return RuleSet((rule,), ("t.json",))


def _write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))


def _yarn_monorepo(root: Path, workspaces: object) -> None:
    _write(root / "yarn.lock", YARN_LOCK)
    _write(
        root / "package.json",
        {
            "name": "mono",
            "private": True,
            "workspaces": workspaces,
            "devDependencies": {"@acme/util": "^1.0.0", "left-pad": "^1.3.0"},
        },
    )
    _write(
        root / "packages" / "util" / "package.json",
        {"name": "@acme/util", "version": "1.0.0", "peerDependencies": {"react": "^18"}},
    )
    _write(
        root / "packages" / "app" / "package.json",
        {"name": "@acme/app", "version": "1.0.0", "dependencies": {"@acme/util": "^1.0.0"}},
    )


@pytest.mark.parametrize("workspaces", [["packages/*"], {"packages": ["packages/*"]}])
@pytest.mark.parametrize("recursive", [False, True])
def test_yarn_classic_workspaces_from_the_root_globs(
    tmp_path: Path, workspaces: object, recursive: bool
) -> None:
    _yarn_monorepo(tmp_path, workspaces)
    rules = _rules("@acme/util", "@acme/app", "react")
    result = run_scan(ScanRequest(directory=str(tmp_path), recursive=recursive), rules)
    assert result.findings == ()
    assert not result.errors
    texts = [n.message for n in result.notes]
    assert any("@acme/util is a workspace of this project" in t for t in texts)
    if recursive:  # the workspace's peer dependency is not installed by yarn.lock
        assert any("does not install this peer dependency" in t for t in texts)


def test_a_folder_outside_the_workspaces_is_not_covered(tmp_path: Path) -> None:
    _yarn_monorepo(tmp_path, ["packages/*"])
    _write(tmp_path / "fixtures" / "old" / "package.json", {"dependencies": {"left-pad": "^1"}})
    result = run_scan(
        ScanRequest(directory=str(tmp_path), recursive=True), _rules("left-pad", "@acme/util")
    )
    declared = [f for f in result.findings if f.match is MatchKind.DECLARED_RANGE]
    assert [f.lockfile for f in declared] == ["fixtures/old/package.json"]
    # the root's own range is decided by its lockfile
    locked = [f for f in result.findings if f.match is MatchKind.VERSION]
    assert [(f.package, f.version) for f in locked] == [("left-pad", "1.3.0")]


def test_negated_glob_excludes_a_workspace(tmp_path: Path) -> None:
    _yarn_monorepo(tmp_path, ["packages/*", "!packages/util"])
    result = run_scan(ScanRequest(directory=str(tmp_path)), _rules("@acme/util"))
    # the root's and the app's (a workspace: read without -recursive too) registry dependency
    assert [f.package for f in result.findings] == ["@acme/util", "@acme/util"]
    recursive = run_scan(ScanRequest(directory=str(tmp_path), recursive=True), _rules("@acme/util"))
    assert result.findings == recursive.findings


def test_glob_matching() -> None:
    assert matches("packages/a", ["packages/*"])
    assert matches("./packages/a", ["./packages/*/"])
    assert not matches("packages/a/b", ["packages/*"])
    assert matches("packages/a/b", ["packages/**"])
    assert matches("x/y/packages/a", ["**/packages/*"])
    assert not matches("packages/a", ["packages/*", "!packages/a"])
    assert not matches("", ["**"])
    # many '**' cost a product, not an exponential
    assert matches("/".join("a" * 12), ["**/" * 300 + "a"])


def test_glob_expansion_skips_node_modules_and_hidden(tmp_path: Path) -> None:
    for folder in ("packages/a", "packages/.b", "node_modules/c", "packages/d/node_modules/e"):
        _write(tmp_path / folder / "package.json", {"name": folder})
    (tmp_path / "packages" / "nomanifest").mkdir()
    assert expand(str(tmp_path), ["packages/*", "node_modules/*", "packages/**"]) == ["packages/a"]


def test_glob_matching_names_what_the_listing_lists(tmp_path: Path) -> None:
    """``matches`` (placing a manifest, a project's workspace names) names what ``expand``
    lists: no hidden folder by a wildcard, no ``node_modules`` (npm 11.19.1 wrote
    ``packages/.tool`` as a workspace for the literal glob only; decision 0109). It named
    ``packages/.b`` before, which ``expand`` never listed."""
    patterns = ["packages/*", "node_modules/*", "packages/**", "tools/.x", "node_modules"]
    folders = ["packages/a", "packages/.b", "node_modules/c", "packages/d/node_modules/e"]
    folders += ["packages/f/.g", "tools/.x", "packages/h/i"]
    for folder in folders:
        _write(tmp_path / folder / "package.json", {"name": folder})
    listed = expand(str(tmp_path), patterns)
    assert listed == ["packages/a", "packages/h/i", "tools/.x"]
    assert [f for f in folders if matches(f, patterns)] == [
        "packages/a",
        "tools/.x",
        "packages/h/i",
    ]
    assert matches(".cache/app", [".cache/app"])


# The red team of 2026-12-06 (npm 11.19.1 lists and installs each member below): a member the
# walk or the glob listing skipped read CLEAN, exit 0.
_AFFECTED_MEMBER = json.dumps({"name": "app", "dependencies": {"axios": "1.14.1"}})
_AXIOS = (("axios", "=1.14.1"),)


def _root(tmp_path: Path, globs: list[str]) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "package.json").write_text(json.dumps({"name": "root", "workspaces": globs}))
    return root


@pytest.mark.parametrize("folder", [".cache/app", ".yarn/app"])
@pytest.mark.parametrize("recursive", [False, True])
def test_a_member_in_a_folder_the_walk_skips(tmp_path: Path, folder: str, recursive: bool) -> None:
    root = _root(tmp_path, [folder])
    (root / folder).mkdir(parents=True)
    (root / folder / "package.json").write_text(_AFFECTED_MEMBER)
    args = ["-dir", str(root), *(["-recursive"] if recursive else [])]
    code, report = scan_report(tmp_path, compromised_rules("AX", *_AXIOS), *args)
    assert code == 2
    assert [f["lockfile"] for f in report["findings"]] == [f"{folder}/package.json"]


def test_a_symlinked_member_is_an_error(tmp_path: Path) -> None:
    root = _root(tmp_path, ["packages/*"])
    outside = tmp_path / "outside" / "app"
    outside.mkdir(parents=True)
    (outside / "package.json").write_text(_AFFECTED_MEMBER)
    (root / "packages").mkdir()
    (root / "packages" / "app").symlink_to(outside)
    code, report = scan_report(tmp_path, compromised_rules("AX", *_AXIOS), "-dir", str(root))
    assert code == 1
    ((path, message),) = [(e["path"], e["message"]) for e in report["errors"]]
    assert path == "package.json"
    # (outside the scanned folder: never read; one inside is read where it leads, 0113)
    assert f"packages/app: {LINK_OUT}" in message


def test_a_glob_past_the_listing_limit_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gouvernante.fs import globs

    monkeypatch.setattr(globs, "MAX_FOLDERS", 5)
    root = _root(tmp_path, ["packages/*"])
    for i in range(8):
        (root / "packages" / f"p{i}").mkdir(parents=True)
    (root / "packages" / "zzz").mkdir()
    (root / "packages" / "zzz" / "package.json").write_text(_AFFECTED_MEMBER)
    from gouvernante.pipeline import discover

    errors: list[Any] = []
    discover(ScanRequest(directory=str(root)), errors, [])
    assert [e.message for e in errors] == [
        "workspaces: more than 5 folders: the workspaces were not all listed (a member there is"
        " not scanned)"
    ]


def test_a_linked_project_folder_is_an_error_with_recursive(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    project = tmp_path / "elsewhere" / "proj"
    project.mkdir(parents=True)
    (project / "package.json").write_text(_AFFECTED_MEMBER)
    (root / "proj").symlink_to(project)
    code, report = scan_report(
        tmp_path, compromised_rules("AX", *_AXIOS), "-dir", str(root), "-recursive"
    )
    assert code == 1
    assert [(e["path"], e["message"]) for e in report["errors"]] == [
        (
            "proj",
            "a symbolic link to a folder holding package.json: not followed (scan its"
            " target with -dir)",
        )
    ]
