"""``gouvernante -h`` as a user runs it (the real entry point, a new process) lists every command,
and no command module is left out of the one command table the help is drawn from."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

from gouvernante import cli
from gouvernante.cli import COMMANDS


@pytest.mark.parametrize("args", [["-h"], ["--help"], ["-dir", ".", "-h"]])
def test_entry_point_help_lists_every_command(tmp_path: Path, args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "gouvernante", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    for word in COMMANDS:
        assert f"\n  {word} " in proc.stdout, word
    assert {"rules", "collect"} <= set(COMMANDS)


def test_every_command_module_is_in_the_table() -> None:
    """A module of gouvernante.cli with a ``run(args)`` is a command: it must be in COMMANDS (or
    be the scan, which needs no word)."""
    modules = {f"gouvernante.cli.{m.name}" for m in pkgutil.iter_modules(cli.__path__)}
    commands = {
        name
        for name in modules
        if not name.rsplit(".", 1)[1].startswith("_")
        and callable(getattr(importlib.import_module(name), "run", None))
    }
    listed = {module for module, _summary in COMMANDS.values()}
    assert commands - {"gouvernante.cli.scan"} == listed
