"""The Pythons gouvernante runs on (decision 0124): CPython before 3.11.5 misreads possessive
quantifiers (``x*+``, ``x++``: CPython gh-106052 and gh-100061, both fixed in 3.11.5), which
the lockfile readers and heuristics use; Debian 12's ``python3`` (3.11.2) has both bugs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import gouvernante

ROOT = Path(__file__).resolve().parents[1]
SRC = Path(gouvernante.__file__).resolve().parents[1]


def test_the_declared_python_is_the_one_imported() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert declared == ">=" + ".".join(map(str, gouvernante.OLDEST_PYTHON))


def test_this_python_reads_possessive_quantifiers_right() -> None:
    """The two bugs, as their reports give them (3.11.2: a match, and ``ABC``)."""
    assert re.fullmatch("(?:ab?c)*+", "a") is None
    assert re.findall("(((?!C).)++)", "ABC") == [("AB", "B")]


def test_an_older_python_is_refused_at_import() -> None:
    script = (
        "import sys\n"
        "sys.version_info = (3, 11, 4, 'final', 0)\n"
        "try:\n"
        "    import gouvernante\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
        "else:\n"
        "    print('imported')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(SRC)
    r = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, env=env
    )
    assert r.stdout.startswith("gouvernante needs Python 3.11.5 or newer (this is 3.11.4):"), r
    assert "gh-106052" in r.stdout
