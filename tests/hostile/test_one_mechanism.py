"""Round 5 of the hostile inputs (decision 0154): the two rules every reader and every line we
print must follow, checked on the source itself so that a new one cannot forget them, and the
holes they closed.

- Every ``print`` of the package shows its text through ``safetext.shown`` (``terminal_safe`` is
  the same function): the pre-commit hook printed the errors it met while looking for a changed
  manifest's lockfile as they were, and their paths are the repository's folder names (a folder
  named with ESC, BEL or CR moved the terminal of whoever ran ``git commit``).
- Every file read by path goes through ``fs.read`` (``open_regular``: non-blocking, refuses
  what is not a regular file): ``-image FIFO``, ``inventory merge -db T FIFO`` and
  ``rules import osv FIFO.zip`` opened with a plain ``open()`` and waited for ever.
"""

from __future__ import annotations

import ast
import json
import os
import sys
from pathlib import Path

import pytest

from gouvernante import precommit
from helpers import compromised_rules, run_cli

SRC = Path(__file__).resolve().parents[2] / "src" / "gouvernante"
ESCAPES = {"shown", "terminal_safe"}
# sys.stdout.write of a rendered report: each renderer escapes what it writes (property tests
# of test_render_hostile), and a JSON or SARIF report must keep its own escapes
REPORT_WRITES = {"cli/scan.py", "cli/collect.py"}
# open() of files that are not scanned input: our own temporary file (fs.write), the kernel's
# mount table (/proc/self/mountinfo), the rule pack shipped inside the package
PLAIN_OPENS = {"fs/write.py", "host/mounts.py", "rules/pack.py"}


def _calls() -> list[tuple[str, int, ast.Call]]:
    found: list[tuple[str, int, ast.Call]] = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                found.append((rel, node.lineno, node))
    return found


def test_every_print_shows_its_text_escaped() -> None:
    unescaped = [
        f"{rel}:{line}: {ast.unparse(call)[:80]}"
        for rel, line, call in _calls()
        if isinstance(call.func, ast.Name)
        and call.func.id == "print"
        and call.args
        and not isinstance(call.args[0], ast.Constant)
        and not (
            isinstance(call.args[0], ast.Call)
            and isinstance(call.args[0].func, ast.Name)
            and call.args[0].func.id in ESCAPES
        )
    ]
    assert unescaped == []


def test_only_reports_are_written_to_the_streams_directly() -> None:
    writes = {
        rel
        for rel, _line, call in _calls()
        if isinstance(call.func, ast.Attribute)
        and call.func.attr == "write"
        and ast.unparse(call.func.value) in ("sys.stdout", "sys.stderr")
    }
    assert writes <= REPORT_WRITES


def test_no_file_is_opened_but_through_fs_read() -> None:
    opens = [
        f"{rel}:{line}"
        for rel, line, call in _calls()
        if isinstance(call.func, ast.Name) and call.func.id == "open" and rel not in PLAIN_OPENS
    ]
    assert opens == []


def _rules(tmp_path: Path) -> str:
    path = tmp_path / "rules.json"
    rules = compromised_rules("ROUND5-1", ("evil", "=1.0.1"), published_at=None)
    path.write_text(json.dumps(rules), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "args",
    [
        ["-image", "planted"],
        ["inventory", "merge", "-db", "target.sqlite", "planted"],
        ["rules", "import", "osv", "planted.zip", "-output", "out"],
    ],
    ids=["-image", "inventory merge", "rules import osv zip"],
)
def test_a_fifo_given_as_an_input_is_refused_at_once(tmp_path: Path, args: list[str]) -> None:
    name = args[-3] if args[-2] == "-output" else args[-1]
    os.mkfifo(tmp_path / name)
    if args[0] == "-image":
        args = ["-rules", _rules(tmp_path), *args]
    done = run_cli(*args, cwd=tmp_path, timeout=60)
    assert done.returncode == 1
    assert f"{name}: not a regular file (a FIFO)" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_image_that_is_a_device_is_refused(tmp_path: Path) -> None:
    done = run_cli("-rules", _rules(tmp_path), "-image", os.devnull, cwd=tmp_path, timeout=60)
    assert done.returncode == 1
    assert "not a regular file (a character device)" in done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="folder names with control characters")
def test_precommit_errors_name_hostile_folders_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "w\x1b[2J\x07\r\u202e"
    folder.mkdir()
    (folder / "package.json").write_text(json.dumps({"name": "w"}), encoding="utf-8")
    os.symlink("/etc/passwd", folder / ".yarnrc.yml")  # an error naming the folder
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        capsys.readouterr()
        code = precommit.main(["-rules", _rules(tmp_path), str(folder.name) + "/package.json"])
    finally:
        os.chdir(cwd)
    err = capsys.readouterr().err
    assert code == 1
    assert "w\\x1b[2J\\x07\\x0d\\u202e/.yarnrc.yml: is a symbolic link; not read" in err
    assert not {"\x1b", "\x07", "\r", "\u202e"} & set(err)
