"""`gouvernante rules new/validate/test/import`: the runbook's steps 3-4 as two commands."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import run_cli

RUNBOOK = Path(__file__).parents[1] / "e2e" / "fixtures" / "runbook"


def test_new_then_test_reproduces_runbook_steps_3_and_4(tmp_path: Path) -> None:
    r = run_cli(
        "rules",
        "new",
        "--id",
        "SSC-2026-005",
        "--title",
        "Compromised example-utils releases",
        "--package",
        "example-utils@2.3.1,2.3.2",
        "--file-ioc",
        "/tmp/.node-cache",
        "--reference",
        "https://github.com/advisories/GHSA-xxxx-yyyy-zzzz",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    rule_file = tmp_path / "rules" / "SSC-2026-005.json"
    doc = json.loads(rule_file.read_text())
    (rule,) = doc["rules"]
    assert rule["package_rules"] == [
        {"package_name": "example-utils", "affected_versions": ["=2.3.1", "=2.3.2"]}
    ]
    assert rule["host_indicators"][0] == {
        "type": "file",
        "path": "/tmp",
        "file_name": ".node-cache",
        "confidence": "high",
    }
    assert rule["kind"] == "compromised-release"
    cases = tmp_path / "rules" / "SSC-2026-005.tests"
    (cases / "affected").mkdir(parents=True)
    (cases / "clean").mkdir()
    shutil.copy(RUNBOOK / "test" / "affected-lockfile.json", cases / "affected" / "lock.json")
    shutil.copy(RUNBOOK / "test" / "clean-lockfile.json", cases / "clean" / "lock.json")
    r = run_cli("rules", "test", "rules", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 passed, 0 failed" in r.stdout
    # the rule directory, with its .tests folder inside, still scans as a rule directory
    r = run_cli("-rules", "rules", "-lockfile", str(cases / "affected" / "lock.json"), cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    # the fix line says each step once: `rules new` writes its first step as the summary too
    (fix,) = [line.strip() for line in r.stdout.splitlines() if line.strip().startswith("fix:")]
    assert fix == (
        "fix: Pin example-utils to a version outside the affected list and regenerate the"
        " lockfile. If an affected version was installed, treat the machine as compromised and"
        " rotate its credentials."
    )


def test_rules_test_fails_when_clean_case_matches(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(RUNBOOK / "rules" / "SSC-2026-005.json", rules)
    clean = rules / "SSC-2026-005.tests" / "clean"
    clean.mkdir(parents=True)
    shutil.copy(RUNBOOK / "test" / "affected-lockfile.json", clean / "oops.json")
    r = run_cli("rules", "test", "rules", cwd=tmp_path)
    assert r.returncode == 1
    assert "expected no findings, got example-utils@2.3.1" in r.stdout


def test_validate_reports_errors_and_warnings(tmp_path: Path) -> None:
    doc = {
        "schema_version": "1.0.0",
        "rules": [
            {
                "id": "X-1",
                "title": "t",
                "kind": "compromised-release",
                "ecosystem": "npm",
                "severity": "high",
                "package_rules": [
                    {
                        "package_name": "a",
                        "affected_versions": ["*"],
                        "lockfile_ecosystems": ["npm"],
                    }
                ],
            }
        ],
    }
    (tmp_path / "ok.json").write_text(json.dumps(doc))
    r = run_cli("rules", "validate", "ok.json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout
    assert "omits bun, pnpm, yarn" in r.stdout
    assert "a note, not a finding" in r.stdout  # (decision 0064: never left unsaid)
    assert "did you mean a dropper" in r.stdout
    doc["rules"][0]["package_rules"][0]["affected_version"] = ["1"]  # type: ignore[index]
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    r = run_cli("rules", "validate", "bad.json", cwd=tmp_path)
    assert r.returncode == 1
    assert 'bad.json: rules[0].package_rules[0]: unknown field "affected_version"' in r.stdout


@pytest.mark.parametrize(
    ("spec", "name", "exprs"),
    [
        ("axios@1.14.1,0.30.4", "axios", ["=1.14.1", "=0.30.4"]),
        ("@ctrl/tinycolor@4.1.1", "@ctrl/tinycolor", ["=4.1.1"]),
        ("debug@>=4.4.2 <4.4.3", "debug", [">=4.4.2 <4.4.3"]),
    ],
)
def test_split_package_spec(spec: str, name: str, exprs: list[str]) -> None:
    from gouvernante.cli.rules import split_package_spec

    assert split_package_spec(spec) == (name, exprs)


def test_import_list_writes_valid_rules_that_scan(tmp_path: Path) -> None:
    (tmp_path / "iocs.txt").write_text("# wave 1\nexample-utils@2.3.1\nexample-utils:2.3.2\n")
    r = run_cli(
        "rules",
        "import",
        "list",
        "iocs.txt",
        "-o",
        "imported",
        "--id",
        "FEED-1",
        "--reference",
        "https://example.invalid/advisory",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    (written,) = sorted((tmp_path / "imported").glob("*.json"))
    rule = json.loads(written.read_text())["rules"][0]
    assert rule["id"] == "FEED-1"
    versions = rule["package_rules"][0]["affected_versions"]
    assert sorted(versions) == ["=2.3.1", "=2.3.2"]
    r = run_cli(
        "-rules",
        "imported",
        "-lockfile",
        str(RUNBOOK / "test" / "affected-lockfile.json"),
        cwd=tmp_path,
    )
    assert r.returncode == 2, r.stdout + r.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_new_asks_interactively_on_a_terminal(tmp_path: Path) -> None:
    import os
    import pty

    master, slave = pty.openpty()
    answers = "SSC-2026-777\nInteractive rule\nleft-pad@1.3.1\n\nevil-dropper\n\n/tmp/x.py\n\n\n"
    os.write(master, answers.encode())
    proc = subprocess.run(
        [sys.executable, "-m", "gouvernante", "rules", "new"],
        cwd=tmp_path,
        stdin=slave,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    os.close(slave)
    os.close(master)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rule = json.loads((tmp_path / "rules" / "SSC-2026-777.json").read_text())["rules"][0]
    assert rule["title"] == "Interactive rule"
    assert rule["package_rules"][0] == {"package_name": "left-pad", "affected_versions": ["=1.3.1"]}
    assert rule["dropper_packages"] == [{"package_name": "evil-dropper"}]
    assert rule["host_indicators"][0]["file_name"] == "x.py"
