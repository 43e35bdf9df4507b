"""npm 6's lockfile v1 ``file:`` tarball read for its package in every mode (decision 0146).

``fixtures/npm6-file-tarball`` (``generate.sh``, npm 6.14.18): ``"local-escape":
"file:vendor/escape-html-1.0.3.tgz"`` (the registry's escape-html 1.0.3) is written
``{"version": "file:vendor/escape-html-1.0.3.tgz", "integrity": …}``: the dependency's name only.
Before, no mode read the tarball: CLEAN for escape-html 1.0.3, with no note (no rule names
local-escape). Now it is read where the mode has the project's files, as yarn's are (0091).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers import compromised_rules, every_mode, scan_report

TREE = Path(__file__).parent / "fixtures" / "npm6-file-tarball" / "tree"
RULES = compromised_rules("ESC-1", ("escape-html", "=1.0.3"))


def _files(*, tarball: bool = True) -> dict[str, str | bytes]:
    return {
        p.relative_to(TREE).as_posix(): p.read_bytes()
        for p in TREE.rglob("*")
        if p.is_file() and (tarball or p.suffix != ".tgz")
    }


def _found(report: dict[str, Any]) -> list[tuple[str, str, str, list[list[str]]]]:
    return sorted(
        (f["package"], f["version"], f["source"], f["dependency_paths"]) for f in report["findings"]
    )


FOUND = [("escape-html", "1.0.3", "local", [["app", "escape-html@1.0.3"]])]


def test_the_lockfile_beside_its_tarball(tmp_path: Path) -> None:
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(TREE / "package-lock.json"))
    assert (code, report["errors"], _found(report)) == (2, [], FOUND)


def test_every_mode_reads_the_tarball(tmp_path: Path) -> None:
    for mode, (code, report) in every_mode(tmp_path, _files(), RULES).items():
        assert (code, report["errors"]) == (2, []), mode
        assert [f[:3] for f in _found(report)] == [f[:3] for f in FOUND], mode


def test_without_the_tarball_nothing_is_said_of_it(tmp_path: Path) -> None:
    """Not there: the file names local-escape, no rule does (as before: the file cannot say)."""
    for mode, (code, report) in every_mode(tmp_path, _files(tarball=False), RULES).items():
        assert (code, report["errors"], report["findings"]) == (0, [], []), mode
