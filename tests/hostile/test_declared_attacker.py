"""An attacker's view of a project without a lockfile (decision 0081): a package.json spec a
package manager installs as a release a rule names (stand-in: ms 2.1.3) on a fresh install (no
lockfile, scripts off, an empty cache) must not read CLEAN; one no tool installs as it must
not be a finding. Each fixture was installed by npm 11, pnpm 10, yarn 1 and 4 and bun 1.4.5
(``fixtures/declared-attacker/generate.sh``; ``installed.json``: what each tool installed).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import compromised_rules, scan_report

FIXTURES = Path(__file__).parent / "fixtures" / "declared-attacker"
RULES = compromised_rules("AV-1", ("ms", "=2.1.3"), published_at=None)
CLEAN, FINDINGS = 0, 2

# case -> the tools that installed ms 2.1.3 (each read CLEAN, exit 0, before; the others
# refused the spec or installed another release)
EXPECTED = {
    "url-escaped-version": {"npm", "pnpm", "yarn 1", "yarn 4", "bun"},
    "url-escaped-version-alias": {"npm", "pnpm", "yarn 1", "yarn 4", "bun"},
    "url-escaped-extension": {"npm", "pnpm", "yarn 1", "bun"},
    "url-upper-extension": set(),  # every tool refused ".TGZ": a note, no finding
    "bun-empty-prerelease": {"bun"},
    "bun-empty-prerelease-le": {"bun"},  # npm, pnpm, yarn 1: 2.1.2
    "bun-empty-prerelease-or": {"bun"},
    "bun-empty-prerelease-hyphen": {"bun"},  # npm, pnpm, yarn 1: 2.1.2
    "bun-empty-prerelease-other": set(),  # bun: 2.1.2, the others refuse it
    # dependency names the registry reads as ms (escapes, dot segments, backslashes)
    "name-escaped": {"yarn 1", "yarn 4", "bun"},
    "name-escaped-path": {"yarn 1", "bun"},
    "name-escaped-dot": {"yarn 1"},
    "name-dot-segment": {"yarn 1"},
    "name-trailing-slash": {"yarn 1"},
    "name-backslash": {"yarn 1", "yarn 4"},
    "name-folder": set(),  # "./ms": a folder to yarn 1, refused by the others
    "name-other-path": set(),  # "foo/ms": no package to the registry
    "alias-escaped-name": {"pnpm", "yarn 1", "yarn 4", "bun"},
}


def _installers(case: str) -> set[str]:
    records = json.loads((FIXTURES / case / "installed.json").read_text(encoding="utf-8"))
    out = set()
    for record in records:
        if record["exit"] == 0 and ["ms", "2.1.3"] in record["installed"]:
            tool = record["tool"].split()[0]
            out.add(f"yarn {record['tool'].split()[1][0]}" if tool == "yarn" else tool)
    return out


def test_every_fixture_is_expected_and_matches_what_the_tools_installed() -> None:
    cases = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    assert cases == set(EXPECTED)
    for case, tools in EXPECTED.items():
        assert _installers(case) == tools, case


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_a_declared_spec_is_found_when_a_tool_installs_the_release(
    tmp_path: Path, case: str
) -> None:
    folder = tmp_path / "project"
    shutil.copytree(FIXTURES / case, folder, ignore=shutil.ignore_patterns("installed.json"))
    code, report = scan_report(tmp_path, RULES, "-dir", str(folder))
    found = {(f["package"], f["match"]) for f in report["findings"]}
    assert not report["errors"]
    if EXPECTED[case]:
        assert code == FINDINGS
        assert found == {("ms", "declared-range")}
    else:
        assert code == CLEAN
        assert not found
