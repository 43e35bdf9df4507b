"""Fixtures of the CI-template tests: a ``gouvernante`` on PATH and a workspace to scan."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

import pytest

from ci_templates.ci_support import REPO, RUNBOOK


@pytest.fixture
def shim(tmp_path: Path) -> Path:
    """A folder holding a ``gouvernante`` executable that runs this checkout."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "gouvernante"
    exe.write_text(
        f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(REPO / 'src'))} exec"
        f' {shlex.quote(sys.executable)} -m gouvernante "$@"\n'
    )
    exe.chmod(0o755)
    return bindir


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """The runbook fixture: rules/ and app/package-lock.json (affected by SSC-2026-005)."""
    ws = tmp_path / "ws"
    ws.mkdir()
    shutil.copytree(RUNBOOK / "rules", ws / "rules")
    (ws / "app").mkdir()
    shutil.copy(RUNBOOK / "test" / "affected-lockfile.json", ws / "app" / "package-lock.json")
    return ws


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "pip_install: installs gouvernante with pip into a fresh environment, as the CI"
        " integration does (dependencies from PyPI; tens of seconds each;"
        " deselect with -m 'not pip_install')",
    )
