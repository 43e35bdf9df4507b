"""SARIF 2.1.0: golden file, JSON schema, locations at the lockfile line, stable fingerprints."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest

from gouvernante.model import Finding, ScanResult
from gouvernante.pipeline import ScanRequest, run_scan
from gouvernante.report import sarif
from gouvernante.rules.model import Rule
from gouvernante.rules.ruleset import RuleSet

HERE = Path(__file__).parent
SCHEMA = json.loads((HERE / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
FIXTURES = HERE.parent / "lockfiles" / "fixtures"
UPDATE = bool(os.environ.get("GOUVERNANTE_UPDATE_GOLDEN"))


def validate(doc: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert errors == [], [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def render(result: ScanResult, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(sarif, "__version__", "0.0.0-golden")
    return sarif.render(result)


def test_golden(sample: ScanResult, monkeypatch: pytest.MonkeyPatch) -> None:
    text = render(sample, monkeypatch)
    golden = HERE / "golden" / "sample.sarif"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_sample_validates_and_has_what_github_needs(sample: ScanResult) -> None:
    doc = json.loads(sarif.render(sample))
    validate(doc)
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json")
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "gouvernante"
    assert driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    # every loaded rule (even one without findings), then the heuristic pattern seen
    assert ids == ["TEST-2026-001", "TEST-2026-002", "TEST-2026-003", "HEUR-EXAMPLE-PATTERN"]
    r1 = driver["rules"][0]
    assert r1["helpUri"] == "https://github.com/advisories/GHSA-test-0000-0001"
    assert r1["properties"]["security-severity"] == "9.5"
    assert driver["rules"][1]["properties"]["security-severity"] == "5.5"
    assert driver["rules"][2]["properties"]["security-severity"] == "3.0"
    assert "Pin chalk to 4.1.1" in r1["help"]["text"]
    assert "- Pin debug to 4.3.5" in r1["help"]["markdown"]
    assert "GHSA-test-0000-0001" in r1["properties"]["tags"]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///work/demo/"}}
    results = run["results"]
    assert len(results) == len(sample.findings)
    for res in results:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["message"]["text"].endswith(".")
    by_pkg = {(r["properties"].get("package"), r["properties"]["findingType"]): r for r in results}
    chalk = by_pkg[("chalk", "package")]
    assert "chalk@4.1.2" in chalk["message"]["text"]
    loc = chalk["locations"][0]["physicalLocation"]
    assert loc == {
        "artifactLocation": {"uri": "package-lock.json", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 577},
    }
    debug = by_pkg[("debug", "package")]
    assert debug["properties"]["dependencyPaths"] == [
        "@demo/api > express@4.18.2 > debug@4.3.4",
        "@demo/api > body-parser@1.20.1 > debug@4.3.4",
    ]
    assert debug["properties"]["moreDependencyPaths"] == 3
    host = by_pkg[(None, "host_indicator")]
    assert host["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "file:///tmp/.node-cache"}
    }
    installed = by_pkg[("chalk", "installed_package")]
    assert installed["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "file:///home/dev/demo/node_modules/chalk"
    )
    declared = by_pkg[("ms", "package")]
    assert "region" not in declared["locations"][0]["physicalLocation"]
    assert declared["level"] == "warning"
    dropper = by_pkg[("left-pad", "package")]
    assert dropper["suppressions"] == [
        {
            "kind": "external",
            "justification": "internal mirror of left-pad, reviewed (until 2026-12-31)",
        }
    ]
    assert "suppressions" not in chalk
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["level"] == "error"
    assert "stale" in invocation["toolConfigurationNotifications"][0]["message"]["text"]


def test_fingerprints_are_stable_and_distinct(sample: ScanResult) -> None:
    moved = msgspec.structs.replace(
        sample,
        findings=tuple(
            msgspec.structs.replace(f, line=(f.line or 0) + 40) for f in sample.findings
        ),
        scan_id="another-run",
        started_at="2026-05-01T00:00:00Z",
    )
    a = json.loads(sarif.render(sample))["runs"][0]["results"]
    b = json.loads(sarif.render(moved))["runs"][0]["results"]
    prints_a = [r["partialFingerprints"] for r in a]
    assert prints_a == [r["partialFingerprints"] for r in b]
    assert len({json.dumps(p) for p in prints_a}) == len(prints_a)


def test_uris() -> None:
    assert sarif.artifact_location("apps/web/package-lock.json") == {
        "uri": "apps/web/package-lock.json",
        "uriBaseId": "%SRCROOT%",
    }
    assert sarif.artifact_location("./my app/yarn.lock") == {
        "uri": "my%20app/yarn.lock",
        "uriBaseId": "%SRCROOT%",
    }
    assert sarif.artifact_location("/home/u/.npm/_cacache") == {
        "uri": "file:///home/u/.npm/_cacache"
    }
    assert sarif.artifact_location("C:\\Users\\u\\AppData\\x.js") == {
        "uri": "file:///C:/Users/u/AppData/x.js"
    }


def test_clean_result_is_valid(rules: tuple[Rule, ...]) -> None:
    result = ScanResult(findings=(), errors=(), notes=(), stats=sarif_stats(), rules=rules)
    doc = json.loads(sarif.render(result))
    validate(doc)
    assert doc["runs"][0]["results"] == []
    assert doc["runs"][0]["invocations"][0]["executionSuccessful"] is True


def sarif_stats() -> Any:
    from gouvernante.model import ScanStats

    return ScanStats()


# decisions 0146's, 0155's, 0159's and 0163's fixtures: packages no rule here names (tarballs,
# git, URLs, an npm workspace record, yarn 1 resolved spellings, pnpm YAML forms, npm extraneous)
_TARBALL_CASES = (
    "yarn1-resolved-spellings",
    "pnpm-yaml-forms",
    "npm-extraneous",
    "bun-file-tarball",
    "npm6-file-tarball",
    "yarn1-resolution-tarball",
    "bun-tarball-overrides",
    "npm6-nested-file-tarball",
    "versionless-url-entries",
    "npm-stale-member-record",
    "yarn1-registry-resolved-file",
)


def _fixture_dirs() -> list[Path]:
    # (npm-v1-versionless/*: npm 6's file with an entry's version taken out, an error by
    # decision 0149; its healthy file is one level up. yarn1-range-trailing-space/local: the
    # file: package of decision 0148's project, no project of its own)
    skipped = {"npm-v1-versionless", "yarn1-range-trailing-space"}
    return sorted(
        {
            p.parent
            for p in FIXTURES.glob("*/*/*")
            if p.name != "expected.json" and p.parent.parent.name not in skipped
        }
    )


@pytest.mark.parametrize("directory", _fixture_dirs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_lockfile_format_points_at_the_entry_line(
    directory: Path, rules: tuple[Rule, ...]
) -> None:
    result = run_scan(
        ScanRequest(directory=str(directory), workers=1), RuleSet(rules, ("rules.json",))
    )
    doc = json.loads(sarif.render(result))
    validate(doc)
    run = doc["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == directory.as_uri() + "/"
    binary = directory.name.endswith("-lockb") or directory.parent.name == "bun-tarball-overrides"
    if binary and (directory / "bun.lockb").is_file():  # results point at the file, no line
        assert len(run["results"]) >= (0 if directory.parent.name in _TARBALL_CASES else 3)
        for res in run["results"]:
            loc = res["locations"][0]["physicalLocation"]
            assert loc["artifactLocation"]["uri"] == "bun.lockb"
            assert "region" not in loc
        return
    # (other projects: deno-2.9.6-apps and yarn-classic-monorepos/monorepo hold two of the
    # rules' releases, chalk and ms; yarn-classic-monorepos/workspace-range none;
    # url-dependencies/* one, ms 2.1.2 under a URL dependency named foo; realtools/* none)
    least = {"deno-2.9.6-apps": 2, "monorepo": 2, "workspace-range": 0}.get(directory.name, 3)
    if directory.parent.name == "url-dependencies":
        least = 1
    if directory.parent.name == "realtools":  # (is-number, kind-of: no release of the rules)
        least = 0
    if directory.parent.name == "npm-outside-link":  # (an error, no finding: decision 0142)
        least = 0
    if directory.parent.name in _TARBALL_CASES:  # (escape-html, is-number: none of the rules')
        least = 0
    assert len(run["results"]) >= least
    for res in run["results"]:
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        lines = (directory / loc["artifactLocation"]["uri"]).read_text().splitlines()
        line = lines[loc["region"]["startLine"] - 1]
        package = res["properties"]["package"]
        # (a URL dependency's entry line names the dependency, foo, that holds ms)
        alias = "foo" if directory.parent.name == "url-dependencies" else package
        assert package in line or alias in line, (res["ruleId"], package, line)


def test_findings_without_loaded_rule_get_a_rule_entry(sample: ScanResult) -> None:
    lone = msgspec.structs.replace(sample, rules=())
    doc = json.loads(sarif.render(lone))
    validate(doc)
    ids = [r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]]
    assert sorted(ids) == sorted({f.rule_id for f in sample.findings})


def test_messages_name_the_package(sample: ScanResult) -> None:
    f: Finding = msgspec.structs.replace(sample.findings[0], description="matched a rule")
    res = sarif.sarif_dict(msgspec.structs.replace(sample, findings=(f,)))["runs"][0]["results"][0]
    assert res["message"]["text"] == f"{f.package}@{f.version}: matched a rule."


def test_heuristic_pattern_rule_entry_comes_from_the_pattern_table(sample: ScanResult) -> None:
    from gouvernante.heuristic.patterns import PATTERNS

    pattern = next(iter(PATTERNS.values()))
    f = msgspec.structs.replace(sample.findings[0], rule_id=pattern.id, rule_title="x")
    doc = sarif.sarif_dict(msgspec.structs.replace(sample, findings=(f,), rules=()))
    validate(doc)
    (entry,) = doc["runs"][0]["tool"]["driver"]["rules"]
    assert entry["id"] == pattern.id
    assert entry["shortDescription"]["text"].startswith(pattern.title)
    assert entry["properties"]["security-severity"] == sarif.SECURITY_SEVERITY[pattern.severity]
