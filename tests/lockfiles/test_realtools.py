"""Lockfile shapes found by installing projects with the real package managers (decision 0122;
``fixtures/realtools/generate.sh`` made each case, its expected.json is the tool's own listing:
``test_fixtures`` compares the pairs). Here: what else each case was read wrong for."""

from __future__ import annotations

from pathlib import Path

import pytest

from gouvernante.lockfiles import parse_bytes
from gouvernante.model import MatchKind
from gouvernante.pipeline import ScanRequest, run_scan
from gouvernante.rules.model import PackageRule, Rule, RuleKind, RuleSet
from gouvernante.vocab import Severity

HERE = Path(__file__).parent / "fixtures" / "realtools"

# a `file:` folder (local/thing, depending on kind-of 6.0.3) as the tool recorded it
FILE_FOLDER = {"npm9-install-links": "package-lock.json", "bun1138-lockb-folder": "bun.lockb"}


@pytest.mark.parametrize("case", sorted(FILE_FOLDER))
def test_a_copied_file_folder_is_a_local_folder(case: str) -> None:
    """npm 9.9.4 ``--install-links`` copies the folder (``"resolved": "file:local/thing"``, no
    link, so no importer either) and bun 1.1.38's bun.lockb holds a folder resolution: neither
    reader gave the folder, so its package.json was judged by no lockfile."""
    lockfile = HERE / case / FILE_FOLDER[case]
    graph = parse_bytes(lockfile.read_bytes(), str(lockfile))
    assert list(graph.local_folders) == ["local/thing"]


@pytest.mark.parametrize("case", sorted(FILE_FOLDER))
def test_the_folders_manifest_is_judged_by_the_lockfile(case: str) -> None:
    """``-dir -recursive``: kind-of 6.0.3 is found as locked, not as local/thing's declared
    range (a declared-range finding before the fix)."""
    rule = Rule(
        id="T-KIND-OF",
        title="every kind-of",
        kind=RuleKind.MALICIOUS_PACKAGE,
        ecosystem="npm",
        severity=Severity.LOW,
        source="t.json",
        package_rules=(PackageRule("kind-of", ("*",), frozenset()),),
    )
    result = run_scan(
        ScanRequest(directory=str(HERE / case), recursive=True, workers=1),
        RuleSet((rule,), ("t.json",)),
    )
    assert not result.errors
    found = [(f.package, f.version, f.match) for f in result.findings]
    assert found == [("kind-of", "6.0.3", MatchKind.VERSION)]


def test_a_file_folders_own_file_dependency_is_its_entry() -> None:
    """yarn 1.22.22 writes local-thing's ``other "file:../other"`` as a path into its cache
    and keys the entry ``other@file:local/other``: the dependency answered no entry, an error
    in every mode ("a dependency on other resolves to no entry of the file")."""
    case = HERE / "yarn1-nested-file"
    graph = parse_bytes((case / "yarn.lock").read_bytes(), "yarn.lock")
    assert list(graph.unkeyed) == []
    assert not graph.entry_errors
    cut = (case / "yarn.lock").read_text().split('\n"other@file:')[0] + "\n"
    assert [name for name, _line in parse_bytes(cut.encode(), "yarn.lock").unkeyed] == ["other"]
