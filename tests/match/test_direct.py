"""``direct`` is never a guess: npm lockfile v1 and yarn classic do not record the project's own
dependencies, the package.json beside the lockfile does. With it, a package the manifest names
(an alias too) is direct with the path ``[project, pkg@version]`` first, and one it does not name
is not; without it, ``direct`` is unknown (None), never False.

The lockfiles are the generated fixtures of ``tests/lockfiles/fixtures``; the manifests are the
ones their ``generate.sh`` scripts wrote (copied from the scripts' heredocs).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import msgspec
import pytest

from gouvernante.model import MatchKind
from gouvernante.pipeline import ScanRequest, run_scan
from gouvernante.rules.model import PackageRule, Rule, RuleKind
from gouvernante.rules.ruleset import RuleSet
from gouvernante.vocab import Severity
from lockfiles.fixture_manifests import NPM6_MANIFEST, YARN1_MANIFEST

FIXTURES = Path(__file__).parents[1] / "lockfiles" / "fixtures"

CASES = {
    "npm6-v1": ("npm/npm6-v1/package-lock.json", NPM6_MANIFEST),
    "yarn-classic": ("yarn/classic-1.22/yarn.lock", YARN1_MANIFEST),
}


def _rules() -> RuleSet:
    rule = Rule(
        id="T-DIRECT",
        title="t",
        kind=RuleKind.MALICIOUS_PACKAGE,
        ecosystem="npm",
        severity=Severity.HIGH,
        source="t.json",
        package_rules=(
            PackageRule("debug", ("=4.3.4",), frozenset()),
            PackageRule("lodash", ("=4.17.20",), frozenset()),  # as the alias my-lodash
            PackageRule("js-tokens", ("*",), frozenset()),  # only through @babel/highlight
        ),
    )
    return RuleSet((rule,), ("t.json",))


def _project(tmp_path: Path, case: str, with_manifest: bool) -> Path:
    lockfile, manifest = CASES[case]
    src = FIXTURES / lockfile
    shutil.copy(src, tmp_path / src.name)
    if with_manifest:
        (tmp_path / "package.json").write_text(json.dumps(manifest))
    return tmp_path / src.name


@pytest.mark.parametrize("mode", ["dir", "lockfile"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_direct_from_the_manifest_beside_the_lockfile(tmp_path: Path, case: str, mode: str) -> None:
    lockfile = _project(tmp_path, case, with_manifest=True)
    request = (
        ScanRequest(directory=str(tmp_path))
        if mode == "dir"
        else ScanRequest(lockfiles=(str(lockfile),))
    )
    result = run_scan(request, _rules())
    found = {f.package: f for f in result.findings if f.match is MatchKind.VERSION}
    assert set(found) == {"debug", "lodash", "js-tokens"}
    for name, version in (("debug", "4.3.4"), ("lodash", "4.17.20")):
        assert found[name].direct is True
        assert found[name].dependency_paths[0] == ("fixture-app", f"{name}@{version}")
    assert found["js-tokens"].direct is False
    assert all(len(p) > 2 for p in found["js-tokens"].dependency_paths)
    assert found["js-tokens"].dependency_paths[0][0] == "fixture-app"


@pytest.mark.parametrize("case", sorted(CASES))
def test_without_the_manifest_direct_is_unknown(tmp_path: Path, case: str) -> None:
    _project(tmp_path, case, with_manifest=False)
    result = run_scan(ScanRequest(directory=str(tmp_path)), _rules())
    package_findings = [f for f in result.findings if f.match is MatchKind.VERSION]
    assert len(package_findings) == 3
    assert all(f.direct is None for f in package_findings)


def test_json_report_says_null_for_unknown_and_omits_it_elsewhere(tmp_path: Path) -> None:
    from gouvernante.report.model import report_finding

    _project(tmp_path, "npm6-v1", with_manifest=False)
    result = run_scan(ScanRequest(directory=str(tmp_path)), _rules())
    encoded = [json.loads(msgspec.json.encode(report_finding(f))) for f in result.findings]
    assert encoded and all(e["direct"] is None for e in encoded)
    (tmp_path / "package.json").write_text(json.dumps(NPM6_MANIFEST))
    result = run_scan(ScanRequest(directory=str(tmp_path)), _rules())
    directs = {
        e["package"]: e["direct"]
        for e in (json.loads(msgspec.json.encode(report_finding(f))) for f in result.findings)
    }
    assert directs == {"debug": True, "lodash": True, "js-tokens": False}
    # a declared-range finding (no lockfile) has no "direct" question to answer as unknown
    (tmp_path / "package-lock.json").unlink()
    result = run_scan(ScanRequest(directory=str(tmp_path)), _rules())
    encoded = [json.loads(msgspec.json.encode(report_finding(f))) for f in result.findings]
    assert encoded and all(e.get("direct") is not None for e in encoded)


def test_text_and_markdown_say_unknown(tmp_path: Path) -> None:
    from gouvernante.report.markdown import _dependency
    from gouvernante.report.text import _finding_lines

    _project(tmp_path, "yarn-classic", with_manifest=False)
    result = run_scan(ScanRequest(directory=str(tmp_path)), _rules())
    finding = result.findings[0]
    assert _dependency(finding) == "unknown"
    assert any("direct or transitive: unknown" in line for line in _finding_lines(finding))
