"""The Pythons gouvernante runs on (decisions 0124, 0131): 3.11.2 (Debian 12's ``python3``) and
newer. CPython before 3.11.5 misreads possessive quantifiers over more than one character
(CPython gh-106052 and gh-100061); ``src`` writes them so that 3.11.2 reads them right
(tests/test_regex_forms.py). Older releases were not run: refused at import."""

from __future__ import annotations

import os
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


def _import_as(version: tuple[int, int, int]) -> str:
    """What ``import gouvernante`` prints in a fresh process whose ``sys.version_info`` says
    ``version``: the ImportError's message, or ``imported``."""
    script = (
        "import sys\n"
        f"sys.version_info = ({', '.join(map(str, version))}, 'final', 0)\n"
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
    return r.stdout


def test_an_older_python_is_refused_at_import() -> None:
    out = _import_as((3, 11, 1))
    assert out.startswith("gouvernante needs Python 3.11.2 or newer (this is 3.11.1):"), out


def test_a_verified_python_imports() -> None:
    """3.11.2 itself is let in (the refusal is below it, not at it)."""
    assert _import_as((3, 11, 2)) == "imported\n"
