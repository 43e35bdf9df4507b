"""A ``file:`` directory dependency (berry: also ``portal:``) is installed with its dependencies,
which the project's lockfile resolves: under ``-dir -recursive`` the package.json in that folder
is judged by the lockfile, as a workspace's is (decision 0038). Its ranges were findings ("no
lockfile of this project resolves it", exit 2) on a clean project with yarn 1, berry, pnpm and
bun (npm records such a folder as an importer and was right). The same manifest in a folder the
lockfile does not name stays a finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.pipeline import ScanRequest, run_scan
from gouvernante.rules.model import PackageRule, Rule, RuleKind
from gouvernante.rules.ruleset import RuleSet
from gouvernante.vocab import Severity
from lockfiles.local_folder_lockfiles import LOCKFILES


def _rules() -> RuleSet:
    # ms@^2.1.3 could resolve to 2.1.4; the lockfile resolves 2.1.3
    rule = Rule(
        id="T-LOCAL",
        title="ms 2.1.4",
        kind=RuleKind.MALICIOUS_PACKAGE,
        ecosystem="npm",
        severity=Severity.CRITICAL,
        source="t.json",
        package_rules=(PackageRule("ms", ("2.1.4",), frozenset()),),
    )
    return RuleSet((rule,), ("t.json",))


def _project(root: Path, which: str, *, loc: str = "vendor/loc") -> None:
    name = which.rpartition("/")[2]
    (root / name).write_text(LOCKFILES[which])
    manifest = {"name": "root", "version": "1.0.0", "dependencies": {"loc": "file:./vendor/loc"}}
    (root / "package.json").write_text(json.dumps(manifest))
    folder = root / loc
    folder.mkdir(parents=True)
    loc_manifest = {"name": "loc", "version": "0.1.0", "dependencies": {"ms": "^2.1.3"}}
    (folder / "package.json").write_text(json.dumps(loc_manifest))


@pytest.mark.parametrize("which", sorted(LOCKFILES))
def test_a_file_dependency_manifest_is_judged_by_the_lockfile(tmp_path: Path, which: str) -> None:
    _project(tmp_path, which)
    result = run_scan(ScanRequest(directory=str(tmp_path), recursive=True), _rules())
    assert result.findings == ()
    assert not result.errors
    notes = [(n.path, n.message) for n in result.notes]
    assert any(
        path == "vendor/loc/package.json" and "the lockfile decides" in message
        for path, message in notes
    ), notes


@pytest.mark.parametrize("which", sorted(LOCKFILES))
def test_another_folder_is_not_covered(tmp_path: Path, which: str) -> None:
    """The same manifest in a folder the lockfile does not name is still a finding."""
    _project(tmp_path, which, loc="other/loc")
    result = run_scan(ScanRequest(directory=str(tmp_path), recursive=True), _rules())
    assert [(f.package, f.declared_range, f.lockfile) for f in result.findings] == [
        ("ms", "^2.1.3", "other/loc/package.json")
    ]
