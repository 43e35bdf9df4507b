"""A file's entry errors are listed up to ``MAX_ERRORS_PER_FILE``, the rest counted in one more
line, in every format, and every count stays exact (decision 0149: a package-lock.json whose
root declared 100,000 dependencies no entry answers gave 100,000 lines in the text report,
100,000 on stderr, and as many in JSON, SARIF and Markdown)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.cli import main
from gouvernante.errors import MAX_ERRORS_PER_FILE
from helpers import compromised_rules

EXTRA = 7
COUNT = MAX_ERRORS_PER_FILE + EXTRA
MORE = f"and {EXTRA} more errors of this file, not listed (the first {MAX_ERRORS_PER_FILE} are)"


def _lockfile(tmp_path: Path, count: int) -> Path:
    deps = {f"x{i}": "1.0.0" for i in range(count)}
    root = {"name": "p", "version": "1.0.0", "dependencies": deps}
    lock = {"name": "p", "lockfileVersion": 3, "requires": True, "packages": {"": root}}
    path = tmp_path / "package-lock.json"
    path.write_text(json.dumps(lock), encoding="utf-8")
    return path


def _scan(tmp_path: Path, lockfile: Path, fmt: str) -> tuple[int, str]:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(compromised_rules("EVIL-1")), encoding="utf-8")
    out = tmp_path / f"report.{fmt}"
    code = main(
        ["-rules", str(rules), "-lockfile", str(lockfile), "-format", fmt, "-output", str(out)]
    )
    return code, out.read_text(encoding="utf-8")


def test_json_lists_the_first_errors_and_counts_every_one(tmp_path: Path) -> None:
    code, text = _scan(tmp_path, _lockfile(tmp_path, COUNT), "json")
    report = json.loads(text)
    messages = [e["message"] for e in report["errors"]]
    assert len(messages) == MAX_ERRORS_PER_FILE + 1
    assert MORE in messages
    assert report["summary"]["errors"] == COUNT
    assert report["summary"]["verdict"] == "error"
    assert code == 1


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_the_verdict_line_counts_every_error(tmp_path: Path, fmt: str) -> None:
    code, text = _scan(tmp_path, _lockfile(tmp_path, COUNT), fmt)
    assert f"ERROR: {COUNT} errors;" in text
    assert f"Errors ({COUNT})" in text
    assert MORE in text or fmt == "markdown"  # (Markdown lists fewer issues still: MAX_LIST)
    assert code == 1


def test_sarif_lists_as_json_does(tmp_path: Path) -> None:
    code, text = _scan(tmp_path, _lockfile(tmp_path, COUNT), "sarif")
    invocation = json.loads(text)["runs"][0]["invocations"][0]
    notes = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert len(notes) == MAX_ERRORS_PER_FILE + 1
    assert any(MORE in n for n in notes)
    assert invocation["executionSuccessful"] is False
    assert code == 1


def test_up_to_the_bound_every_error_is_listed(tmp_path: Path) -> None:
    code, text = _scan(tmp_path, _lockfile(tmp_path, MAX_ERRORS_PER_FILE), "json")
    report = json.loads(text)
    assert len(report["errors"]) == MAX_ERRORS_PER_FILE
    assert not any("not listed" in e["message"] for e in report["errors"])
    assert report["summary"]["errors"] == MAX_ERRORS_PER_FILE
    assert code == 1
