"""Fixture-driven tests: every valid fixture loads, every invalid one gives its exact message,
and schema.json agrees with the loader on all of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gouvernante.rules.loader import parse_rule_document
from gouvernante.rules.model import (
    Alias,
    AliasType,
    DropperPackage,
    FileHash,
    HashAlgorithm,
    HostIndicator,
    IndicatorType,
    OperatingSystem,
    Reference,
    ReferenceType,
    Remediation,
    Rule,
    RuleKind,
)
from gouvernante.vocab import Confidence, LockfileEcosystem, Severity
from helpers import json_says

FIXTURES = Path(__file__).parent / "fixtures"
VALID = sorted((FIXTURES / "valid").glob("*.json"))
INVALID_DIR = FIXTURES / "invalid"
EXPECTED: dict[str, str] = json.loads((INVALID_DIR / "EXPECTED.json").read_text("utf-8"))
INVALID = sorted(p for p in INVALID_DIR.glob("*.json") if p.name != "EXPECTED.json")
SCHEMA_PATH = Path(__file__).parents[2] / "src" / "gouvernante" / "rules" / "schema.json"

# Invalid fixtures the schema cannot reject: the loader's semantic checks.
SEMANTIC_ONLY = {
    "affected-version-invalid-range.json",  # npm range syntax
    "duplicate-id-in-file.json",  # unique ids
    "metadata-impossible-date.json",  # calendar validity of a well-formed timestamp
}


def _load(path: Path, display: str | None = None) -> tuple[list[Rule], list[str]]:
    rules, errors = parse_rule_document(path.read_bytes(), display or path.name)
    return rules, [str(e) for e in errors]


def test_fixture_inventory() -> None:
    assert len(VALID) >= 5
    assert sorted(EXPECTED) == [p.name for p in INVALID]
    assert len(INVALID) >= 80


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_fixture_loads(path: Path) -> None:
    rules, errors = _load(path)
    assert errors == []
    assert rules
    for rule in rules:
        assert rule.source == path.name
        assert (
            rule.package_rules or rule.dropper_packages or rule.host_indicators or rule.file_hashes
        )


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_fixture_message(path: Path) -> None:
    """``{json}`` in EXPECTED.json: what the running Python's ``json`` says of the file, with its
    position (its wording changed in 3.13)."""
    _, errors = _load(path)
    expected = EXPECTED[path.name]
    if "{json}" in expected:
        said = json_says(path.read_text("utf-8"))
        position = f"line {said.lineno} column {said.colno} (byte {said.pos})"
        expected = expected.replace("{json}", f"{position}: invalid JSON: {said.msg}")
    assert errors == [expected]


def test_runbook_example_fields() -> None:
    rules, errors = _load(FIXTURES / "valid" / "SSC-2026-005.json", "rules/SSC-2026-005.json")
    assert errors == []
    (rule,) = rules
    assert rule.id == "SSC-2026-005"
    assert rule.title == "Compromised example-utils releases"
    assert rule.kind is RuleKind.COMPROMISED_RELEASE
    assert rule.ecosystem == "npm"
    assert rule.severity is Severity.CRITICAL
    assert rule.source == "rules/SSC-2026-005.json"
    assert rule.summary is not None and rule.summary.startswith("Versions 2.3.1 and 2.3.2")
    assert rule.aliases == ()
    assert rule.references == (Reference(url="https://github.com/advisories/GHSA-xxxx-yyyy-zzzz"),)
    assert rule.references[0].type is None
    (pr,) = rule.package_rules
    assert pr.package_name == "example-utils"
    assert pr.affected_versions == ("=2.3.1", "=2.3.2")
    assert [r.raw for r in pr.ranges] == ["=2.3.1", "=2.3.2"]
    assert pr.lockfile_ecosystems == {
        LockfileEcosystem.NPM,
        LockfileEcosystem.PNPM,
        LockfileEcosystem.YARN,
    }
    assert pr.applies_to(LockfileEcosystem.PNPM)
    assert not pr.applies_to(LockfileEcosystem.BUN)
    assert pr.notes == "Compromised via maintainer account takeover."
    assert rule.dropper_packages == ()
    assert rule.host_indicators == (
        HostIndicator(
            type=IndicatorType.FILE,
            oses=frozenset({OperatingSystem.LINUX, OperatingSystem.MACOS}),
            path="/tmp",
            file_name=".node-cache",
            confidence=Confidence.HIGH,
            notes="Exfiltration staging file created by postinstall script.",
        ),
    )
    assert rule.host_indicators[0].describe() == "file /tmp/.node-cache"
    assert rule.remediation == Remediation(
        summary="Pin example-utils to version 2.3.0 or upgrade to 2.3.3 once published.",
        steps=("Pin example-utils to 2.3.0", "Upgrade to 2.3.3 once published"),
    )
    assert rule.published_at == "2026-04-01T12:00:00Z"
    assert rule.last_updated_at == "2026-04-01T12:00:00Z"
    assert rule.bad_integrity == ()


def test_full_fixture_fields() -> None:
    rules, errors = _load(FIXTURES / "valid" / "full.json")
    assert errors == []
    first, second = rules
    assert first.kind is RuleKind.MALICIOUS_PACKAGE
    assert first.severity is Severity.HIGH
    assert first.aliases == (
        Alias(AliasType.CVE, "CVE-2026-0001"),
        Alias(AliasType.GHSA, "GHSA-aaaa-bbbb-cccc"),
        Alias(AliasType.INTERNAL, "INC-42"),
    )
    assert first.references == (
        Reference("https://example.invalid/advisory", ReferenceType.ADVISORY),
        Reference("https://example.invalid/plain", None),
        Reference("https://example.invalid/repo", ReferenceType.REPOSITORY),
    )
    scoped, legacy = first.package_rules
    assert scoped.package_name == "@evil-scope/pkg"
    assert scoped.affected_versions == ("*",)
    assert scoped.lockfile_ecosystems == frozenset()
    assert all(scoped.applies_to(e) for e in LockfileEcosystem)
    assert legacy.package_name == "JSONStream"
    assert legacy.affected_versions == (">=1.3.6 <1.3.8", "=2.0.0 || =2.0.1")
    assert len(legacy.ranges) == 2
    assert legacy.lockfile_ecosystems == {LockfileEcosystem.BUN}
    assert legacy.notes == "Legacy upper-case name."
    assert first.dropper_packages == (
        DropperPackage("plain-crypto-js", "Installed by postinstall."),
        DropperPackage("@scope/dropper"),
    )
    file_ind, process, network, env, registry = first.host_indicators
    assert file_ind.type is IndicatorType.FILE
    assert file_ind.path is None and file_ind.file_name == "ld.py"
    assert file_ind.oses == frozenset()
    assert file_ind.hashes == (
        FileHash(HashAlgorithm.SHA256, "a1b2c3d4e5f60718293a4b5c6d7e8f90" * 2),  # lower-cased
        FileHash(HashAlgorithm.MD5, "0123456789abcdef0123456789abcdef"),
    )
    assert process.type is IndicatorType.PROCESS
    assert process.value == "node sentry.js"
    assert process.oses == {OperatingSystem.WINDOWS, OperatingSystem.MACOS}
    assert process.confidence is Confidence.LOW
    assert (network.type, network.value) == (IndicatorType.NETWORK, "evil.example.invalid")
    assert (env.type, env.value) == (IndicatorType.ENVIRONMENT, "NPM_TOKEN_EXFIL")
    assert registry.type is IndicatorType.REGISTRY
    assert (registry.path, registry.value) == ("HKCU\\Software\\Evil", "Run")
    assert first.remediation == Remediation(None, ("Remove the package", "Rotate tokens."))
    assert first.remediation.text() == "Remove the package. Rotate tokens."
    assert first.published_at == "2026-04-01T12:00:00.123+02:00"
    assert first.last_updated_at is None
    assert len(first.bad_integrity) == 2
    assert first.bad_integrity[0].startswith("sha512-")
    assert first.bad_integrity[1].startswith("sha1-")
    assert second.id == "TEST-FULL-002"
    assert second.kind is RuleKind.VULNERABILITY
    assert second.severity is Severity.LOW
    assert second.summary is None and second.remediation is None


def test_dropper_and_host_only_rules() -> None:
    (dropper,), errors = _load(FIXTURES / "valid" / "dropper-only.json")
    assert errors == []
    assert dropper.package_rules == ()
    assert dropper.dropper_packages == (DropperPackage("plain-crypto-js"),)
    (host,), errors = _load(FIXTURES / "valid" / "host-only.json")
    assert errors == []
    assert host.package_rules == () and host.dropper_packages == ()
    assert host.host_indicators[0].path == "~/.node_modules/.cache/sentry.js"
    assert host.host_indicators[0].oses == frozenset()


# -- schema.json agrees with the loader -------------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _schema_accepts(validator: Any, path: Path) -> bool:
    try:
        instance = json.loads(path.read_bytes())
    except ValueError:  # not JSON at all (includes bad UTF-8)
        return False
    return bool(validator.is_valid(instance))


def test_schema_is_strict_everywhere() -> None:
    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    objects: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object":
                objects.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert len(objects) >= 10
    assert all(o.get("additionalProperties") is False for o in objects)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_schema_accepts_valid_fixture(validator: Any, path: Path) -> None:
    assert _schema_accepts(validator, path)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_schema_agrees_on_invalid_fixture(validator: Any, path: Path) -> None:
    _, errors = _load(path)
    assert errors  # the loader rejects it...
    if path.name in SEMANTIC_ONLY:
        assert _schema_accepts(validator, path)  # ...and the schema, by design, cannot
    else:
        assert not _schema_accepts(validator, path)


def test_hash_only_rule_fields() -> None:
    rules, errors = _load(FIXTURES / "valid" / "hash-only.json")
    assert errors == []
    (rule,) = rules
    assert rule.package_rules == () and rule.host_indicators == ()
    (digest,) = rule.file_hashes
    assert digest.algorithm is HashAlgorithm.SHA256
    assert digest.value == "a68dd1e6a6e35ec3771e1f94fe796f55dfe65a2b94560516ff4ac189390dfa1c"
    assert digest.notes is not None and digest.notes.startswith("bun bundle")
