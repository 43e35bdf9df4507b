"""Rule ids and titles cannot forge a report, and a rule id never writes outside its folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.cli.rules import _target_in, safe_rule_id
from gouvernante.rules.loader import parse_rule_document
from helpers import run_cli


def rule_doc(rule_id: str, title: str) -> bytes:
    rule = {
        "id": rule_id,
        "title": title,
        "kind": "compromised-release",
        "ecosystem": "npm",
        "severity": "high",
        "package_rules": [{"package_name": "a", "affected_versions": ["1.0.0"]}],
    }
    return json.dumps({"schema_version": "1.0.0", "rules": [rule]}).encode()


HOSTILE = ["X\x1b[2J", "X\nCLEAN", "X\u202eY", "X\u2066Y", "X\u200bY", "X\rY", "X\x00", "X\ufeff"]


@pytest.mark.parametrize("bad", HOSTILE)
@pytest.mark.parametrize("field", ["id", "title"])
def test_loader_refuses_invisible_and_control_characters(field: str, bad: str) -> None:
    data = rule_doc(bad if field == "id" else "OK-1", bad if field == "title" else "Title")
    _rules, errors = parse_rule_document(data, "r.json")
    assert errors, field
    message = errors[0].one_line()
    assert message.startswith(f"r.json: rules[0].{field}: "), message
    assert "control, bidi or invisible" in message
    assert bad not in message


def test_rules_validate_refuses_them(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_bytes(rule_doc("OK-1", "Looks \u202eclean"))
    r = run_cli("rules", "validate", "r.json", cwd=tmp_path)
    assert r.returncode == 1
    assert "rules[0].title" in r.stdout + r.stderr
    assert "\u202e" not in r.stdout + r.stderr


@pytest.mark.parametrize(
    "rule_id",
    [
        "../evil",
        "../../etc/x",
        "/tmp/evil",
        "a/b",
        ".hidden",
        "-rf",
        "a\\b",
        "..",
        "x" * 200,
        "a\x1b",
    ],
)
def test_unsafe_ids_are_refused(rule_id: str) -> None:
    assert not safe_rule_id(rule_id)


@pytest.mark.parametrize("rule_id", ["SSC-2026-005", "GHSA-abcd-1234.v2", "feed_1", "A"])
def test_ordinary_ids_are_safe(rule_id: str) -> None:
    assert safe_rule_id(rule_id)


def test_target_stays_in_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "rules"
    assert _target_in(out, "SSC-1.json") == out / "SSC-1.json"
    for name in ("../x.json", "a/../../x.json", ".x.json", "x.txt", ".json", "..json"):
        assert _target_in(out, name) is None, name


@pytest.mark.parametrize("command", ["new", "import"])
def test_cli_id_cannot_escape_the_output_folder(tmp_path: Path, command: str) -> None:
    (tmp_path / "iocs.txt").write_text("example-utils@2.3.1\n")
    base = ["rules", command]
    if command == "new":
        args = [*base, "--id", "../escaped", "--title", "t", "--package", "a@1.0.0", "-o", "out"]
    else:
        args = [*base, "list", "iocs.txt", "--id", "../escaped", "-o", "out"]
    r = run_cli(*args, cwd=tmp_path)
    assert r.returncode == 1
    assert "not a safe file name" in r.stderr
    assert not (tmp_path / "escaped.json").exists()
    assert "internal error" not in r.stderr


def test_rules_new_never_writes_through_a_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "SSC-1.json").symlink_to(victim)
    r = run_cli(
        "rules", "new", "--id", "SSC-1", "--title", "t", "--package", "a@1.0.0",
        "-o", "out", "--force",
        cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 1
    assert "is a symlink" in r.stderr
    assert victim.read_text() == "precious\n"
