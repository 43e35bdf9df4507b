"""npm v2/v3 entries ``npm ci`` does not install: ``"extraneous": true`` that nothing reaches
(decision 0163).

``fixtures/npm-extraneous`` (``generate.sh``, npm 11.19.1): ``npm shrinkwrap`` of a tree that
still holds is-number 7.0.0 after package.json dropped it writes that entry ``"extraneous":
true``. ``npm ci`` installs no is-number 7.0.0 from it, as npm-shrinkwrap.json or as
package-lock.json; with is-odd and its nested is-number 6.0.0 flagged too by hand, it installs
those two all the same (``installed.json``): npm prunes what nothing reaches, flag or not. The
entry stays a finding (npm wrote it from a node_modules that held is-number 7.0.0), in every
mode, and its description says npm ci does not install it (``LockfileGraph.uninstalled``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers import compromised_rules, every_mode, scan_report

CASE = Path(__file__).parent / "fixtures" / "npm-extraneous"
INSTALLED: dict[str, dict[str, str | None]] = json.loads(
    (CASE / "installed.json").read_text(encoding="utf-8")
)
LOCKS = {
    "shrinkwrap": "npm-shrinkwrap.json",
    "lock": "package-lock.json",
    "flagged-reachable": "package-lock.json",
}
AT_7 = compromised_rules("ISN-7", ("is-number", "=7.0.0"))
AT_6 = compromised_rules("ISN-6", ("is-number", "=6.0.0"), ("is-odd", "=3.0.1"))
PRUNED = "the lockfile marks it extraneous and nothing in it depends on it: npm ci does not"


def _found(report: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((f["package"], f["version"]) for f in report["findings"])


def test_what_npm_ci_installs() -> None:
    for case in LOCKS:
        assert INSTALLED[case] == {
            "node_modules/is-number": None,
            "node_modules/is-odd": "3.0.1",
            "node_modules/is-odd/node_modules/is-number": "6.0.0",
        }, case
    lock = json.loads((CASE / "lock" / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/is-number"]["extraneous"] is True
    assert lock["packages"]["node_modules/is-number"]["version"] == "7.0.0"


@pytest.mark.parametrize("case", sorted(LOCKS))
def test_an_entry_npm_does_not_install_is_a_finding_that_says_so(tmp_path: Path, case: str) -> None:
    lock = CASE / case / LOCKS[case]
    code, report = scan_report(tmp_path, AT_7, "-lockfile", str(lock))
    assert (code, report["errors"], _found(report)) == (2, [], [("is-number", "7.0.0")]), case
    assert PRUNED in report["findings"][0]["description"], case
    code, report = scan_report(tmp_path, AT_6, "-lockfile", str(lock))
    assert (code, report["errors"]) == (2, []), case
    assert _found(report) == [("is-number", "6.0.0"), ("is-odd", "3.0.1")], case
    # (installed, flagged or not: no such word)
    assert not [f for f in report["findings"] if PRUNED in f["description"]], case


def test_every_mode(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        name: (CASE / "lock" / name).read_bytes() for name in ("package.json", "package-lock.json")
    }
    for mode, (code, report) in every_mode(tmp_path, files, AT_7).items():
        assert (code, report["errors"], _found(report)) == (2, [], [("is-number", "7.0.0")]), mode
        assert PRUNED in report["findings"][0]["description"], mode


def test_an_installed_tree_that_has_it_is_read(tmp_path: Path) -> None:
    """-host reads node_modules: the extraneous package there is installed, and found."""
    project = tmp_path / "p"
    for name in ("package.json", "package-lock.json"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_bytes((CASE / "lock" / name).read_bytes())
    installed = project / "node_modules" / "is-number"
    installed.mkdir(parents=True)
    (installed / "package.json").write_text('{"name": "is-number", "version": "7.0.0"}\n')
    code, report = scan_report(tmp_path, AT_7, "-host", "-dir", str(project))
    assert code == 2
    assert ("is-number", "7.0.0") in _found(report)
