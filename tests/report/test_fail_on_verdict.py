"""``-fail-on``: findings below it are reported and leave the exit code 0; every format's
verdict says so (decision 0062). Before, the text and Markdown verdict said ``AFFECTED: 1
finding (1 low)`` and the JSON ``findings`` with exit 0, which read as a failed gate that did not
fail; the verdict stays AFFECTED (the findings are real), marked as below the threshold, and the
JSON summary and the SARIF invocation carry the threshold and the findings at or above it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import compromised_rules, run_cli

LOCK = Path(__file__).parents[1] / "e2e" / "fixtures" / "runbook" / "project" / "package-lock.json"


def _rules(tmp_path: Path, severity: str) -> Path:
    doc = compromised_rules("LP-1", ("left-pad", "=1.3.0"))
    doc["rules"][0]["severity"] = severity
    path = tmp_path / f"{severity}.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize(
    ("severity", "fail_on", "code", "word"),
    [
        ("low", "high", 0, "AFFECTED (below -fail-on high)"),
        ("medium", "critical", 0, "AFFECTED (below -fail-on critical)"),
        ("low", "low", 2, "AFFECTED"),
        ("high", "high", 2, "AFFECTED"),
    ],
)
def test_every_format_says_the_findings_are_below_fail_on(
    tmp_path: Path, severity: str, fail_on: str, code: int, word: str
) -> None:
    rules = _rules(tmp_path, severity)
    outputs = [tmp_path / n for n in ("r.txt", "r.md", "r.json", "r.sarif")]
    args = ["-rules", str(rules), "-lockfile", str(LOCK), "-fail-on", fail_on]
    proc = run_cli(*args, *(a for o in outputs for a in ("-output", str(o))), cwd=tmp_path)
    assert proc.returncode == code, proc.stdout + proc.stderr
    line = f"{word}: 1 finding (1 {severity})"
    assert proc.stdout.startswith(line + " (report: ")
    assert line in outputs[0].read_text()
    assert outputs[1].read_text().startswith(f"### gouvernante: {line}\n")
    summary = json.loads(outputs[2].read_text())["summary"]
    failing = 0 if code == 0 else 1
    assert (summary["verdict"], summary["total_findings"]) == ("findings", 1)
    assert (summary["fail_on"], summary["failing_findings"]) == (fail_on, failing)
    [invocation] = json.loads(outputs[3].read_text())["runs"][0]["invocations"]
    assert invocation["properties"] == {
        "failOn": fail_on,
        "failingFindings": failing,
        "submodulesNotScanned": 0,
    }
