"""What was not checked is an error, never a clean verdict: limits reached, manifests not read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gouvernante.host import checks, paths
from gouvernante.host.checks import run_host_scan
from gouvernante.host.context import HostContext
from gouvernante.model import CheckOutcome
from gouvernante.rules.model import HostIndicator, IndicatorType, OperatingSystem


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
