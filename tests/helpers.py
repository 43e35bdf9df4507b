"""Shared by the tests that run the command line (``tests`` is on ``pythonpath``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m gouvernante ARGS`` in ``cwd``, output captured, no stdin."""
    return subprocess.run(
        [sys.executable, "-m", "gouvernante", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )
