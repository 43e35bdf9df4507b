"""An incident responder's view of a refused file: the message starts with the file and where in
it (JSON/YAML path or line), then says what is wrong, and quotes nothing the file holds. One
damaged document per reader, through the command line (decision 0108)."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest

from gouvernante.cli import main
from helpers import json_says

RUNBOOK = Path(__file__).parent / "fixtures" / "runbook"
RULES = RUNBOOK / "rules" / "SSC-2026-005.json"
AFFECTED = RUNBOOK / "test" / "affected-lockfile.json"
MARKER = "SECRET-5e1d"


def run(*argv: str, cwd: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    assert "Traceback" not in out.getvalue() + err.getvalue()
    return code, err.getvalue()


_TRAILING_COMMA = '{"name": "' + MARKER + '",\n "dependencies": {"a": "1.0.0",}}'
_SAID = json_says(_TRAILING_COMMA)  # its wording and position changed in Python 3.13

# name, damaged content (each cut short or broken after the marker), the first line of stderr
LOCKFILES = [
    (
        "package-lock.json",
        '{"lockfileVersion": 3,\n "packages": {"": {"name": "' + MARKER + '"}, "x": ' + MARKER,
        "gouvernante: package-lock.json: line 2 column 49 (byte 71): invalid JSON: Expecting value",
    ),
    (
        "bun.lock",
        '{\n  "lockfileVersion": 1,\n  "packages": {"a": ["a@1.0.0", "", {}, ' + MARKER + "]}\n}\n",
        "gouvernante: bun.lock: line 3 column 41 (byte 66): not valid JSON(C): Expecting value",
    ),
    (
        "package.json",
        _TRAILING_COMMA,
        f"gouvernante: package.json: line {_SAID.lineno} column {_SAID.colno} (byte {_SAID.pos}):"
        f" invalid JSON: {_SAID.msg}",
    ),
    (
        "pnpm-lock.yaml",
        "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies: {a: " + MARKER + "\n",
        "gouvernante: pnpm-lock.yaml: line 5 column 1: invalid YAML:",
    ),
    # one entry of the wrong shape: named by its key (decision 0110), not msgspec's ``[...]``
    (
        "package-lock.json",
        '{"lockfileVersion": 3,\n "packages": {"": {}, "node_modules/ms": {"version": ["'
        + MARKER
        + '"]}}}',
        "gouvernante: package-lock.json: packages['node_modules/ms'].version: unexpected lockfile"
        " shape: Expected `str | null`, got `array`",
    ),
    (
        "bun.lock",
        '{\n  "lockfileVersion": 1,\n  "packages": {"ms": ["ms@2.1.3", "", {}, ["'
        + MARKER
        + '"]]}\n}\n',
        "gouvernante: bun.lock: packages['ms'][3]: unexpected bun.lock shape: Expected `str | null`"
        ", got `array`",
    ),
    (
        "package-lock.json",
        '{"lockfileVersion": 3, "packages": {"node_modules/\\u001b[2J\\n' + "k" * 10_000 + '": '
        '{"version": ["' + MARKER + '"]}}}',
        "gouvernante: package-lock.json: packages['node_modules/\\x1b[2J\\x0a"
        + "k" * 40
        + "…(10018 chars)'].version: unexpected lockfile shape: Expected `str | null`, got `array`",
    ),
]


@pytest.mark.parametrize(("name", "content", "first"), LOCKFILES, ids=[n for n, _, _ in LOCKFILES])
def test_a_damaged_lockfile_is_named_with_its_position_first(
    tmp_path: Path, name: str, content: str, first: str
) -> None:
    (tmp_path / name).write_text(content)
    code, err = run("-rules", str(RULES), "-lockfile", name, cwd=tmp_path)
    assert code == 1
    assert err.splitlines()[0].startswith(first), err
    assert MARKER not in err
    assert "\x1b" not in err


def test_a_damaged_rule_file_is_named_with_its_position_first(tmp_path: Path) -> None:
    (tmp_path / "rule.json").write_text('{"schema_version": "1.0.0",\n "rules": [' + MARKER)
    code, err = run("-rules", "rule.json", "-lockfile", str(AFFECTED), cwd=tmp_path)
    assert code == 1
    assert err.splitlines()[0] == (
        "gouvernante: rule.json: line 2 column 12 (byte 39): invalid JSON: Expecting value"
    )
    assert MARKER not in err


def test_a_damaged_suppression_file_is_named_with_its_position_first(tmp_path: Path) -> None:
    (tmp_path / "ignore.json").write_text('{"suppressions": [\n  ' + MARKER + "]}")
    code, err = run(
        "-rules", str(RULES), "-lockfile", str(AFFECTED), "-ignore", "ignore.json", cwd=tmp_path
    )
    assert code == 1
    assert err.splitlines()[0] == (
        "gouvernante: ignore.json: line 2 column 3 (byte 21): invalid JSON: Expecting value"
    )
    assert MARKER not in err


def test_a_damaged_report_given_to_collect_is_named_with_its_position_first(
    tmp_path: Path,
) -> None:
    (tmp_path / "report.json").write_text('{"schema_version": "1",\n  "scan": ' + MARKER + "\n")
    code, err = run("collect", "report.json", cwd=tmp_path)
    assert code == 1
    assert err.splitlines()[0].startswith(
        "gouvernante collect: report.json: line 2 column 11 (byte 34): invalid JSON: Expecting"
        " value"
    ), err
    assert MARKER not in err


def test_a_bad_flag_is_named_once(tmp_path: Path) -> None:
    shutil.copy(AFFECTED, tmp_path / "lock.json")
    code, err = run("-nope", cwd=tmp_path)
    assert code == 1
    assert err == "gouvernante: unrecognized arguments: -nope\n"
