"""What was not checked is an error, never a clean verdict: limits reached, manifests not read."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from gouvernante.host import checks, paths
from gouvernante.host.checks import run_host_scan
from gouvernante.host.context import HostContext
from gouvernante.model import CheckOutcome
from gouvernante.rules.model import (
    FileHash,
    HashAlgorithm,
    HostIndicator,
    IndicatorType,
    OperatingSystem,
)


def _ctx(tmp_path: Path, no_system: str) -> HostContext:
    return HostContext(home=str(tmp_path / "home"), os=OperatingSystem.LINUX, system_root=no_system)


def test_project_walk_cap_is_an_error(
    h: Any, tmp_path: Path, no_system: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    for i in range(6):
        (project / f"d{i}" / "sub").mkdir(parents=True)
    monkeypatch.setattr(checks, "MAX_PROJECT_DIRS", 4)
    result = run_host_scan(h.STANDARD_RULES, _ctx(tmp_path, no_system), [str(project)])
    assert result.findings == ()
    (error,) = result.errors
    assert error.path == str(project)
    assert "stopped looking for node_modules folders after 4 directories" in error.message
    assert "not checked" in error.message


def test_file_pattern_cut_at_its_limit_is_an_error(
    h: Any, tmp_path: Path, no_system: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    drops = tmp_path / "drops"
    for i in range(5):
        (drops / f"d{i}").mkdir(parents=True)
    monkeypatch.setattr(paths, "MAX_GLOB_MATCHES", 3)
    dropped = HostIndicator(IndicatorType.FILE, frozenset(), path=f"{drops}/*/ld.py")
    rule = h.make_rule("R-F", indicators=[dropped])
    result = run_host_scan([rule], _ctx(tmp_path, no_system), [])
    (check,) = result.checks
    assert check.outcome is CheckOutcome.SKIPPED
    (error,) = result.errors
    assert error.path == f"{drops}/*/ld.py"
    assert "matched more than 3 paths" in error.message
    # within the limit: clean, no error
    monkeypatch.setattr(paths, "MAX_GLOB_MATCHES", 10)
    result = run_host_scan([rule], _ctx(tmp_path, no_system), [])
    assert result.errors == ()
    assert result.checks[0].outcome is CheckOutcome.CLEAN


def test_rule_named_folder_whose_package_json_is_not_read_is_an_error(
    h: Any, tmp_path: Path, no_system: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # npm-style tree (as npm 11 lays out node_modules/<name>): an axios folder whose
    # package.json is over the cap, one that is a FIFO, one with none; an unnamed folder over
    # the cap stays a note (the current design for folders no rule names).
    from gouvernante.host import installed

    monkeypatch.setattr(installed, "MAX_MANIFEST_BYTES", 1024)
    nm = tmp_path / "project" / "node_modules"
    big = h.write_package(nm / "x" / "node_modules" / "axios", "axios", "1.14.1")
    (big / "package.json").write_text('{"name": "axios", "version": "1.14.1"}' + " " * 2000)
    fifo = nm / "@ctrl" / "tinycolor"
    fifo.mkdir(parents=True)
    os.mkfifo(fifo / "package.json")
    none = nm / "atrix"
    none.mkdir()
    (none / "index.js").write_text("module.exports = 1;\n")
    other = h.write_package(nm / "other", "other", "1.0.0")
    (other / "package.json").write_text('{"name": "other"}' + " " * 2000)
    result = run_host_scan(h.STANDARD_RULES, _ctx(tmp_path, no_system), [str(nm.parent)])
    assert result.findings == ()
    errors = {e.path: e.message for e in result.errors}
    assert set(errors) == {
        str(big / "package.json"),
        str(fifo / "package.json"),
        str(none / "package.json"),
    }
    assert errors[str(none / "package.json")] == (
        "atrix is installed here (by the folder's name) and its package.json was not read "
        "(there is none): which version it is, is unknown"
    )
    assert "too large" in errors[str(big / "package.json")]
    assert "FIFO" in errors[str(fifo / "package.json")]
    assert [n.path for n in result.notes] == [str(other / "package.json")]


def test_a_fifo_at_an_indicator_path_is_described_once(
    h: Any, tmp_path: Path, no_system: str
) -> None:
    os.mkfifo(tmp_path / "drop")
    digest = FileHash(HashAlgorithm.SHA256, "0" * 64)
    dropped = HostIndicator(
        IndicatorType.FILE, frozenset(), path=str(tmp_path / "drop"), hashes=(digest,)
    )
    result = run_host_scan(
        [h.make_rule("R-F", indicators=[dropped])], _ctx(tmp_path, no_system), []
    )
    (finding,) = result.findings
    assert "not hashed: it is a FIFO" in finding.description
    assert "a a " not in finding.description
