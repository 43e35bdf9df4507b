"""``npm:`` aliases read as the package manager that wrote the lockfile reads them.

Fixtures: ``fixtures/npm-tag-alias`` (``generate.sh``: npm 11, pnpm 10.34.9, yarn 1.22.22 and
4.18.1, bun 1.4.5), one manifest: ``"is-number": "npm:is-odd@3.0.1"`` (every tool installs
is-odd) and ``"ms": "npm:latest"``, which yarn berry reads as ms's own dist-tag (ms 2.1.3) and
the others as the package named ``latest`` (0.2.0); ``installed.json`` is what each install put
in node_modules/ms and node_modules/is-number. With a rule on each of the four names, every
mode finds exactly what was installed: no rule on the alias key (is-number) and no reading of
``npm:latest`` but the lockfile's tool's (before: the other tool's reading was a declared-range
finding, "no lockfile of this project resolves it", and yarn 1's ``"ms@npm:latest"`` entry an
error, "the registry tarball of another package").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import compromised_rules, every_mode

FIXTURES = Path(__file__).parent / "fixtures" / "npm-tag-alias"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
RULES = compromised_rules(
    "TAG-1", ("ms", "=2.1.3"), ("latest", "=0.2.0"), ("is-number", "=3.0.1"), ("is-odd", "=3.0.1")
)


def _files(case: str) -> dict[str, str | bytes]:
    folder = FIXTURES / case
    return {
        p.name: p.read_text(encoding="utf-8")
        for p in sorted(folder.iterdir())
        if p.name != "installed.json"
    }


def test_the_tools_differ() -> None:
    assert CASES == ["bun", "npm11", "pnpm10", "yarn1", "yarn4"]
    installed = {c: json.loads((FIXTURES / c / "installed.json").read_text()) for c in CASES}
    assert {c: i["ms"] for c, i in installed.items() if i["ms"] != "latest@0.2.0"} == {
        "yarn4": "ms@2.1.3"
    }


@pytest.mark.parametrize("case", CASES)
def test_every_mode_finds_what_the_tool_installed(tmp_path: Path, case: str) -> None:
    installed = json.loads((FIXTURES / case / "installed.json").read_text())
    wanted = set(installed.values())
    for mode, (code, report) in every_mode(tmp_path, _files(case), RULES).items():
        assert report["errors"] == [], mode
        found = {f"{f['package']}@{f['version']}" for f in report["findings"]}
        assert found == wanted, mode
        assert code == 2, mode
        # the other tool's reading is said, not dropped
        assert any("reads ms's spec otherwise" in n["message"] for n in report["notes"]), mode


def test_without_a_lockfile_both_readings_are_findings(tmp_path: Path) -> None:
    files = {"package.json": (FIXTURES / "npm11" / "package.json").read_text()}
    for mode, (_, report) in every_mode(tmp_path, files, RULES).items():
        assert {f["package"] for f in report["findings"]} >= {"ms", "latest"}, mode
