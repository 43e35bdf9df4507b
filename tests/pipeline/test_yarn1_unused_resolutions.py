"""yarn 1 writes an entry for every package.json ``resolutions`` entry, used or not, and the
entries its dependencies need, but installs only what the project's dependencies reach (a
resolution does not apply to a direct dependency): ``semver@7.6.0`` written for
``"resolutions": {"semver": "7.6.0"}`` beside ``"semver": "^7.0.0"``, which yarn 1.22.22
installs as 7.8.6. Such an entry stays a finding (the project pins the release: the next
dependency on the package gets it, and yarn's own reading lists it), which now says that yarn
does not install it. Fixtures made by yarn 1.22.22
(``fixtures/yarn1-unused-resolutions/generate.sh``), each with what yarn installed."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from helpers import compromised_rules, scan_report

FIXTURES = Path(__file__).parent / "fixtures" / "yarn1-unused-resolutions"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
# a header's first descriptor's name, then the entry's version (yarn 1's own layout)
_ENTRY = re.compile(r'^"?(@?[^@\s"]+)@[^\n]*:\n  version "([^"]+)"', re.MULTILINE)


def _written(case: str) -> set[tuple[str, str]]:
    return set(_ENTRY.findall((FIXTURES / case / "yarn.lock").read_text()))


def _installed(case: str) -> set[tuple[str, str]]:
    data = json.loads((FIXTURES / case / "installed.json").read_text())
    return {(name, version) for name, version in data["installed"]}


def test_the_fixtures_write_entries_yarn_does_not_install() -> None:
    assert CASES == [
        "direct-range",
        "direct-same",
        "nested-used",
        "unused-with-deps",
        "workspace-member",
    ]
    assert _written("direct-range") - _installed("direct-range") == {
        ("semver", "7.6.0"),
        ("lru-cache", "6.0.0"),
        ("yallist", "4.0.0"),
    }
    assert _written("unused-with-deps") - _installed("unused-with-deps") == {
        ("debug", "4.3.4"),
        ("ms", "2.1.2"),
    }


@pytest.mark.parametrize("case", CASES)
def test_findings_say_what_yarn_did_not_install(tmp_path: Path, case: str) -> None:
    project = tmp_path / case
    shutil.copytree(FIXTURES / case, project, ignore=shutil.ignore_patterns("installed.json"))
    written = _written(case)
    rules = compromised_rules("YARN-1", *((name, f"={version}") for name, version in written))
    code, report = scan_report(tmp_path, rules, "-dir", str(project))
    assert code == 2
    assert report["errors"] == []
    found = {(f["package"], f["version"]): f for f in report["findings"] if f.get("version")}
    assert set(found) == written
    said = {pair for pair, f in found.items() if "yarn 1 does not install it" in f["description"]}
    assert said == written - _installed(case)


def test_without_the_package_json_every_entry_is_a_finding(tmp_path: Path) -> None:
    """Alone, the file cannot say what its resolutions are: every entry is taken as installed."""
    lock = tmp_path / "yarn.lock"
    shutil.copy(FIXTURES / "direct-range" / "yarn.lock", lock)
    rules = compromised_rules("YARN-1", ("semver", "=7.6.0"))
    code, report = scan_report(tmp_path, rules, "-lockfile", str(lock))
    assert code == 2
    assert [(f["package"], f["version"]) for f in report["findings"]] == [("semver", "7.6.0")]


def test_a_workspace_root_takes_no_entry_as_unused(tmp_path: Path) -> None:
    """A workspace root: its members' dependencies are not in its package.json, so nothing is
    taken as unused there (debug@4.3.4 is the member's)."""
    project = tmp_path / "ws"
    shutil.copytree(FIXTURES / "workspace-member", project)
    rules = compromised_rules("YARN-1", ("debug", "=4.3.4"))
    code, report = scan_report(tmp_path, rules, "-dir", str(project))
    assert code == 2
    assert {(f["package"], f["version"]) for f in report["findings"]} == {("debug", "4.3.4")}
