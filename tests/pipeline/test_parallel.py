"""Many lockfiles on both cores give exactly the result of one process, in the same order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from gouvernante.pipeline import ScanRequest, run_scan
from gouvernante.rules.model import PackageRule, Rule, RuleKind
from gouvernante.rules.ruleset import RuleSet
from gouvernante.vocab import LockfileEcosystem, Severity

FIXTURES = Path(__file__).parents[1] / "lockfiles" / "fixtures"


def test_parallel_scan_equals_serial_scan(tmp_path: Path) -> None:
    sources = []
    for expected in sorted(FIXTURES.glob("*/*/expected.json")):
        name = json.loads(expected.read_text())["lockfile"]
        sources.append(expected.parent / name)
    for i in range(40):
        src = sources[i % len(sources)]
        project = tmp_path / f"p{i:02d}"
        project.mkdir()
        shutil.copy(src, project / src.name)
    rule = Rule(
        id="T-1",
        title="debug",
        kind=RuleKind.COMPROMISED_RELEASE,
        ecosystem="npm",
        severity=Severity.HIGH,
        source="t.json",
        package_rules=(
            PackageRule("debug", ("=4.3.4",), frozenset()),
            PackageRule("ms", ("*",), frozenset({LockfileEcosystem.PNPM})),
        ),
    )
    rules = RuleSet((rule,), ("t.json",))
    serial = run_scan(ScanRequest(directory=str(tmp_path), recursive=True, workers=1), rules)
    both = run_scan(ScanRequest(directory=str(tmp_path), recursive=True, workers=2), rules)
    assert serial.findings and serial.findings == both.findings
    assert serial.errors == both.errors
    assert serial.scanned_files == both.scanned_files
    assert serial.stats.packages_scanned == both.stats.packages_scanned
