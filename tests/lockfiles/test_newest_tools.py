"""What the newest package-manager releases wrote on 2026-12-06 (decision 0087), read in every
mode: npm 12.2.3, pnpm 11.29.0 and 12.25.1, yarn 4.18.1 and 1.22.22 installed one project each
(``newest/generate.sh``: scoped packages, aliases, a prerelease, an override, a tarball URL, a
local tarball under an alias, peers, optional platform packages, catalogs, a workspace named
like a registry package). Each case's ``expected.json`` is what the tool itself installed or
locked, read by its own code (npm's arborist, ``pnpm list``, the installed trees): the five
agree, and every mode must find exactly it with a ``<name> *`` rule per name
(``realworld.harness.evaluate``).

yarn records a ``file:`` tarball under the dependency's name only (``local-escape``), never the
package's (escape-html): every mode reads the tarball's package.json where the lockfile says it
is (``-dir`` and ``-lockfile`` on disk, ``-git`` and the inventory in the same commit, ``-image``
in its layers: decision 0091); one not read is an error when a rule names a package at its
version (``test_tarball_modes``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gouvernante.inventory import evaluate as inventory_evaluate
from gouvernante.inventory.record import add
from gouvernante.lockfiles.sbom import parse_sbom
from gouvernante.model import Source
from gouvernante.pipeline import ScanRequest, run_scan
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rules
from gouvernante.rules.ruleset import RuleSet
from realworld.harness import _GIT_ENV, evaluate

HERE = Path(__file__).parent / "newest"
CASES = ("npm12", "pnpm11", "pnpm12", "yarn4", "yarn1")
YARN = ("yarn4", "yarn1")
FROM_SOURCES = ("git", "inventory", "image")
TARBALL = ("escape-html", "1.0.3")  # vendor/escape-html-1.0.3.tgz, the dependency local-escape
NOT_READ = "is locked from a local tarball that was not read"


def _expected(case: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((HERE / case / "expected.json").read_text())
    return data


def _ruleset(tmp_path: Path, pairs: list[tuple[str, str]]) -> RuleSet:
    rules = {
        "schema_version": "1.0.0",
        "rules": [
            {
                "id": "NEWEST-1",
                "title": "t",
                "kind": "compromised-release",
                "ecosystem": "npm",
                "severity": "critical",
                "package_rules": [{"package_name": n, "affected_versions": [v]} for n, v in pairs],
            }
        ],
    }
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(rules))
    return load_rules([str(path)])


def _tree(case: str, tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(HERE / case / "tree", tree)
    return tree


def test_the_five_tools_installed_the_same_releases() -> None:
    sets = {case: sorted(map(tuple, _expected(case)["packages"])) for case in CASES}  # type: ignore[call-overload]
    assert len({json.dumps(s) for s in sets.values()}) == 1
    pairs = sets["npm12"]
    assert len(pairs) == 37
    assert {("ms", "2.1.3"), ("ms", "3.0.0-canary.1"), ("ms", "2.0.0"), TARBALL} <= set(pairs)
    assert ("left-pad", "99.0.0") not in pairs  # the workspace
    assert [_expected(c)["generated_by"] for c in CASES] == [
        "npm 12.2.3",
        "pnpm 11.29.0",
        "pnpm 12.25.1",
        "yarn 4.18.1",
        "yarn 1.22.22",
    ]


@pytest.mark.parametrize("mode", ["lockfile", "dir", "recursive"])
@pytest.mark.parametrize("case", CASES)
def test_read_exactly_with_the_files_at_hand(case: str, mode: str) -> None:
    outcome = evaluate(case, mode, data=HERE)
    assert outcome.exact, outcome


@pytest.mark.parametrize("mode", FROM_SOURCES)
@pytest.mark.parametrize("case", CASES)
def test_read_exactly_from_a_commit_or_an_image(case: str, mode: str) -> None:
    """yarn's aliased tarball too: read from the commit's tree or the image's layers (it was an
    error: "read the lockfile alone")."""
    outcome = evaluate(case, mode, data=HERE)
    assert outcome.exact, outcome


@pytest.mark.parametrize("case", CASES)
def test_a_rule_naming_none_of_it_is_clean(case: str, tmp_path: Path) -> None:
    ruleset = _ruleset(tmp_path, [("ms", "=2.1.1"), ("is-number", "=7.0.1"), ("left-pad", "*")])
    result = run_scan(ScanRequest(directory=str(HERE / case / "tree"), workers=1), ruleset)
    assert (list(result.findings), list(result.errors)) == ([], [])


@pytest.mark.parametrize("case", YARN)
def test_the_aliased_tarball_is_its_package(case: str, tmp_path: Path) -> None:
    ruleset = _ruleset(tmp_path, [("escape-html", "=1.0.3")])
    tree = _tree(case, tmp_path)
    for request in (
        ScanRequest(directory=str(tree), workers=1),
        ScanRequest(lockfiles=(str(tree / "yarn.lock"),), workers=1),
    ):
        result = run_scan(request, ruleset)
        assert [(f.package, f.version) for f in result.findings] == [TARBALL], result
        assert list(result.errors) == []


@pytest.mark.parametrize("case", YARN)
def test_a_tarball_not_there_or_out_of_the_folder_is_refused(case: str, tmp_path: Path) -> None:
    ruleset = _ruleset(tmp_path, [("escape-html", "=1.0.3")])
    tree = _tree(case, tmp_path)
    tarball = tree / "vendor" / "escape-html-1.0.3.tgz"
    outside = tmp_path / "elsewhere.tgz"
    tarball.rename(outside)
    line = {"yarn4": 304, "yarn1": 175}[case]
    for state in ("gone", "linked out", "not a tarball"):
        if state == "linked out":
            tarball.symlink_to(outside)
        elif state == "not a tarball":
            tarball.unlink()
            tarball.write_bytes(b"not gzip")
        result = run_scan(ScanRequest(directory=str(tree), workers=1), ruleset)
        assert list(result.findings) == [], state
        [error] = [e for e in result.errors if e.path == "yarn.lock"]
        assert error.message.startswith(f"line {line}: local-escape {NOT_READ}"), state
    # no rule names a package at its version: nothing to say
    result = run_scan(
        ScanRequest(directory=str(tree), workers=1), _ruleset(tmp_path, [("ms", "=2.1.1")])
    )
    assert (list(result.findings), list(result.errors)) == ([], [])


def test_the_inventory_finds_a_local_tarball_a_rule_names_alone(tmp_path: Path) -> None:
    """A packed tarball is matched by name and version (decision 0072) in -inventory too: its
    package row is recorded, so a rule naming it alone decodes the lockfile (it was not: CLEAN)."""
    ruleset = _ruleset(tmp_path, [("escape-html", "=1.0.3")])
    repo = tmp_path / "repo"
    shutil.copytree(HERE / "npm12" / "tree", repo)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "case"]):
        subprocess.run(["git", *args], cwd=repo, env=_GIT_ENV, check=True, capture_output=True)
    database = str(tmp_path / "inventory.db")
    assert not add(database, [str(repo)], workers=1).errors
    asked = inventory_evaluate.InventoryRequest(database)
    result = inventory_evaluate.evaluate(asked, ruleset.rules, build_index(ruleset.rules))
    assert [(f.package, f.version) for f in result.findings] == [TARBALL]


SBOMS = [(case, kind) for case in ("npm12", "pnpm11", "pnpm12") for kind in ("cdx", "spdx")]


@pytest.mark.parametrize(("case", "kind"), SBOMS)
def test_the_sboms_the_tools_write_read_as_what_they_installed(case: str, kind: str) -> None:
    """npm 12's and pnpm's SBOMs describe the installed tree: the expected releases but the
    platform packages installed for other machines only, and (npm 12, pnpm 12) the workspaces,
    written as releases with a purl, read so (decision 0083). npm 12's CycloneDX names an
    alias's component by the real name (npm 11 wrote the alias: ``my-lodash``)."""
    name = f"sbom.{kind}.json"
    sbom = parse_sbom((HERE / case / name).read_bytes(), name)
    read = {(p.name, p.version) for p in sbom.graph.packages if p.source is not Source.LOCAL}
    installed = {
        (n, v)
        for n, v in _expected(case)["packages"]  # type: ignore[attr-defined]
        if not n.startswith("@esbuild/") or n == "@esbuild/linux-x64"
    }
    workspaces = {("@acme/core", "1.0.0"), ("left-pad", "99.0.0")}
    assert read == installed | (set() if case == "pnpm11" else workspaces)
    assert len(installed) == 15
    if (case, kind) == ("npm12", "cdx"):
        components = json.loads((HERE / case / name).read_text())["components"]
        assert {c["name"] for c in components} >= {"ms", "escape-html"}
        assert not {c["name"] for c in components} & {"my-ms", "ms-canary", "local-escape"}
