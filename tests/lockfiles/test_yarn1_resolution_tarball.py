"""A yarn 1 ``resolutions`` entry forcing a package to a ``file:`` tarball (decision 0146).

``fixtures/yarn1-resolution-tarball`` (``generate.sh``, yarn 1.22.22): debug 4.3.7's ms forced to
``file:vendor/is-number-7.0.0.tgz`` (the registry's is-number 7.0.0). yarn merges it into the
range's entry, ``ms@^2.1.3, "ms@file:vendor/is-number-7.0.0.tgz"`` (version "7.0.0", ``resolved
"file:…"``), and installs is-number 7.0.0 in node_modules/ms (``after-install.json``). The
entry's first range is the registry's, so it was read as the registry's ms 7.0.0 and its
tarball never read: CLEAN for is-number 7.0.0 in every mode. Now the ``resolved`` ``file:``
tarball is read as yarn's own tarball entries are (decision 0091).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import compromised_rules, every_mode, scan_report

CASE = Path(__file__).parent / "fixtures" / "yarn1-resolution-tarball"
TREE = CASE / "tree"
RULES = compromised_rules("ISN-1", ("is-number", "=7.0.0"))
NOT_READ = "is locked from a local tarball that was not read"


def _files(*, tarball: bool = True) -> dict[str, str | bytes]:
    return {
        p.relative_to(TREE).as_posix(): p.read_bytes()
        for p in TREE.rglob("*")
        if p.is_file() and (tarball or p.suffix != ".tgz")
    }


def _found(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((f["package"], f["version"], f["source"]) for f in report["findings"])


def test_what_yarn_installs() -> None:
    after = json.loads((CASE / "after-install.json").read_text(encoding="utf-8"))
    assert after == {"node_modules/ms": ["is-number", "7.0.0"]}
    lock = (TREE / "yarn.lock").read_text(encoding="utf-8")
    assert 'ms@^2.1.3, "ms@file:vendor/is-number-7.0.0.tgz":\n  version "7.0.0"' in lock


def test_the_lockfile_beside_its_tarball(tmp_path: Path) -> None:
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(TREE / "yarn.lock"))
    assert (code, report["errors"], _found(report)) == (2, [], [("is-number", "7.0.0", "local")])


def test_every_mode_reads_the_tarball(tmp_path: Path) -> None:
    for mode, (code, report) in every_mode(tmp_path, _files(), RULES).items():
        assert (code, report["errors"]) == (2, []), mode
        assert _found(report) == [("is-number", "7.0.0", "local")], mode


def test_without_the_tarball_it_is_an_error(tmp_path: Path) -> None:
    """Not there: the file names ms 7.0.0, and a rule names a package at 7.0.0 (yarn 1's
    tarball entries' error, decision 0091)."""
    for mode, (code, report) in every_mode(tmp_path, _files(tarball=False), RULES).items():
        assert code == 1, mode
        assert report["findings"] == [], mode
        assert [e for e in report["errors"] if NOT_READ in e["message"]], mode
