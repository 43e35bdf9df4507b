"""The JSON report names each loaded rule file: path as given, SHA-256 of its bytes, counts."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from helpers import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "runbook"


def test_json_report_names_rule_files_with_hash_and_counts(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(FIXTURES, ws)
    rule_files = sorted((ws / "rules").rglob("*.json"))
    assert rule_files
    r = run_cli("-rules", "./rules", "-lockfile", "./test/clean-lockfile.json", "-json", cwd=ws)
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    sets = doc["rules"]["sets"]
    assert [s["path"] for s in sets] == doc["rules"]["sources"]
    by_path = {s["path"]: s for s in sets}
    total = 0
    for path in rule_files:
        shown = "./" + path.relative_to(ws).as_posix()
        entry = by_path[shown]
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        rules = json.loads(path.read_text())["rules"]
        assert entry["rules"] == len(rules)
        assert entry["packages"] == sum(len(x.get("package_rules", [])) for x in rules)
        total += entry["rules"]
    assert total == doc["summary"]["rules_loaded"] == len(doc["rules"]["loaded"])


def test_bundled_pack_alone_lists_no_rule_files(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(FIXTURES, ws)
    r = run_cli("-lockfile", "./test/clean-lockfile.json", "-json", cwd=ws)
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert doc["rules"]["builtin"] is True
    assert "sets" not in doc["rules"]
