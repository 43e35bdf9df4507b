"""The scan the lockfile injection tests run (decisions 0030, 0031): one rule set naming the
packages their URLs install, ``gouvernante -rules R -lockfile F -json`` through ``cli.main``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gouvernante.cli import main

RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "INJECT-1",
            "title": "Compromised releases",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "critical",
            "package_rules": [
                {"package_name": "evil", "affected_versions": ["=1.0.1"]},
                {"package_name": "@evil/left-pad", "affected_versions": ["=1.3.0"]},
                {"package_name": "left-pad", "affected_versions": ["=1.2.0"]},
            ],
            "metadata": {"published_at": "2025-09-08T12:00:00Z"},
        }
    ],
}


class Scan:
    def __init__(self, code: int, report: dict[str, Any]) -> None:
        self.code = code
        self.findings = {(f["package"], f["version"]) for f in report["findings"]}
        self.errors = [e["message"] for e in report["errors"]]


def scan_lockfile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: str | bytes
) -> Scan:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    folder = tmp_path / "project"
    folder.mkdir(exist_ok=True)
    lockfile = folder / name
    lockfile.write_bytes(data.encode() if isinstance(data, str) else data)
    capsys.readouterr()
    code = main(["-rules", str(rules), "-lockfile", str(lockfile), "-json"])
    return Scan(code, json.loads(capsys.readouterr().out))
