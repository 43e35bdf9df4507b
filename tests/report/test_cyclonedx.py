"""-format cyclonedx: a CycloneDX 1.6 SBOM of what the scan resolved, valid under the official
schema (tests/report/cyclonedx, from the cyclonedx-python-lib wheel: see its README)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from gouvernante.model import ScanResult, ScanStats
from gouvernante.pipeline import ScanRequest, run_scan
from gouvernante.report import ReportFormat, render
from gouvernante.report.cyclonedx import bom, hashes, purl
from gouvernante.rules.loader import load_rules
from helpers import run_cli

HERE = Path(__file__).parent
SCHEMAS = HERE / "cyclonedx"
FIXTURES = HERE.parent / "lockfiles" / "fixtures"
RULES = HERE.parent / "image" / "fixtures" / "rules.json"  # names left-pad 1.3.0, among others


def _validator() -> Draft7Validator:
    resources = []
    for name in ("bom-1.6", "spdx", "jsf-0.82"):
        schema = json.loads((SCHEMAS / f"{name}.SNAPSHOT.schema.json").read_text())
        file_name = f"{name}.SNAPSHOT.schema.json"
        # the relative $refs resolve against the 1.6 schema's $id
        resources.append(
            (f"http://cyclonedx.org/schema/{file_name}", Resource.from_contents(schema))
        )
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry: Registry[Any] = Registry().with_resources(resources)
    main = json.loads((SCHEMAS / "bom-1.6.SNAPSHOT.schema.json").read_text())
    return Draft7Validator(main, registry=registry)


def _sbom(*lockfiles: Path, rules: Path = RULES) -> dict[str, Any]:
    ruleset = load_rules([str(rules)])
    result = run_scan(
        ScanRequest(lockfiles=tuple(str(p) for p in lockfiles), resolved=True, workers=1), ruleset
    )
    assert result.errors == ()
    doc: dict[str, Any] = json.loads(render(result, ReportFormat.CYCLONEDX))
    return doc


LOCKFILES = [
    FIXTURES / "npm" / "npm11-v3" / "package-lock.json",
    FIXTURES / "npm" / "npm6-v1" / "package-lock.json",
    FIXTURES / "pnpm" / "pnpm9" / "pnpm-lock.yaml",
    FIXTURES / "yarn" / "berry-4.18" / "yarn.lock",
    FIXTURES / "yarn" / "classic-1.22" / "yarn.lock",
    FIXTURES / "bun" / "bun-1.2.0" / "bun.lock",
]


@pytest.mark.parametrize("lockfile", LOCKFILES, ids=lambda p: p.parent.name)
def test_valid_under_the_official_schema(lockfile: Path) -> None:
    doc = _sbom(lockfile)
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors][:5] == []
    expected = json.loads((lockfile.parent / "expected.json").read_text())
    registry = {
        c["purl"] for c in doc["components"] if "purl" in c
    }  # every registry release the parser resolved
    wanted = {purl(name, version) for name, version in expected["packages"]}
    assert wanted <= registry | {r for r in (c["bom-ref"] for c in doc["components"])}


def test_npm_components_hashes_graph_and_vulnerabilities() -> None:
    doc = _sbom(FIXTURES / "npm" / "npm11-v3" / "package-lock.json")
    by_ref = {c["bom-ref"]: c for c in doc["components"]}
    frame = by_ref["pkg:npm/%40babel/code-frame@7.22.13"]
    assert frame["group"] == "@babel" and frame["name"] == "code-frame"
    # the lockfile's integrity, sha512 base64 -> hex
    integrity = (
        "XktuhWlJ5g+3TJXc5upd9Ks1HutSArik6jf2eAjYFyIOf4ej3RN+184cZbzDvbPnuTJIUhPKKJE3cIsYTiAT3w=="
    )
    assert frame["hashes"] == [{"alg": "SHA-512", "content": base64.b64decode(integrity).hex()}]
    assert len(frame["hashes"][0]["content"]) == 128
    # the alias my-lodash is lodash 4.17.20 from the registry
    assert "pkg:npm/lodash@4.17.20" in by_ref
    # workspaces are not registry packages: no purl
    workspaces = [c for c in doc["components"] if c["name"] in ("@acme/core", "@acme/util")]
    assert workspaces and all("purl" not in c for c in workspaces)
    deps = {d["ref"]: set(d["dependsOn"]) for d in doc["dependencies"]}
    root_importer = next(r for r in deps["scan-root"] if r.endswith("package-lock.json#"))
    assert "pkg:npm/%40babel/code-frame@7.22.13" in deps[root_importer]
    assert "pkg:npm/%40babel/highlight@7.25.9" in deps["pkg:npm/%40babel/code-frame@7.22.13"]


def test_findings_are_vulnerabilities_with_the_rule_as_source(tmp_path: Path) -> None:
    rules = _rule(tmp_path, "chalk", "4.1.2")
    doc = _sbom(FIXTURES / "yarn" / "classic-1.22" / "yarn.lock", rules=rules)
    [vuln] = doc["vulnerabilities"]
    assert vuln["id"] == "SBOM-1"
    assert vuln["source"]["name"] == "gouvernante rule SBOM-1"
    assert vuln["source"]["url"] == "https://example.invalid/advisory"
    assert vuln["ratings"][0]["severity"] == "high"
    assert vuln["affects"] == [
        {"ref": "pkg:npm/chalk@4.1.2", "versions": [{"version": "4.1.2", "status": "affected"}]}
    ]
    assert not list(_validator().iter_errors(doc))


def _rule(folder: Path, name: str, version: str) -> Path:
    rule = {
        "schema_version": "1.0.0",
        "rules": [
            {
                "id": "SBOM-1",
                "title": "t",
                "kind": "compromised-release",
                "ecosystem": "npm",
                "severity": "high",
                "summary": "s",
                "aliases": [{"type": "ghsa", "value": "GHSA-aaaa-bbbb-cccc"}],
                "references": [{"url": "https://example.invalid/advisory", "type": "advisory"}],
                "package_rules": [{"package_name": name, "affected_versions": [f"={version}"]}],
                "dropper_packages": [],
                "host_indicators": [],
                "remediation": {"summary": "upgrade", "steps": []},
            }
        ],
    }
    path = folder / "rule.json"
    path.write_text(json.dumps(rule))
    return path


def test_purl_and_hashes() -> None:
    assert purl("@scope/name", "1.0.0+build") == "pkg:npm/%40scope/name@1.0.0%2Bbuild"
    assert purl("left-pad", "1.3.0") == "pkg:npm/left-pad@1.3.0"
    assert hashes("sha1-qvNrCb6z0tj8SI6Vfy0XCJPz6c0= sha512-AAAA md5-x") == [
        {"alg": "SHA-1", "content": "aaf36b09beb3d2d8fc488e957f2d170893f3e9cd"}
    ]
    assert hashes(None) == [] and hashes("sha512-not base64!") == []


def test_only_sbom_scans_keep_the_resolved_set() -> None:
    ruleset = load_rules([str(RULES)])
    lock = str(FIXTURES / "npm" / "npm11-v3" / "package-lock.json")
    assert run_scan(ScanRequest(lockfiles=(lock,), workers=1), ruleset).resolved == ()


def test_cli_extension_and_refusals(tmp_path: Path) -> None:
    lock = FIXTURES / "pnpm" / "pnpm9" / "pnpm-lock.yaml"
    out = tmp_path / "sbom.cdx.json"
    proc = run_cli("-rules", str(RULES), "-lockfile", str(lock), "-output", str(out), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr  # the fixture locks left-pad 1.3.0
    doc = json.loads(out.read_text())
    assert [v["id"] for v in doc["vulnerabilities"]] == ["IMG-1"]
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.6"
    assert len(doc["components"]) > 10
    proc = run_cli(
        "-rules", str(RULES), "-image", str(tmp_path), "-format", "cyclonedx", cwd=tmp_path
    )
    assert proc.returncode == 1  # usage error: an SBOM describes -dir/-lockfile scans
    assert "cyclonedx" in proc.stderr


def test_bom_without_resolved_set_is_still_valid() -> None:
    doc = bom(ScanResult(findings=(), errors=(), notes=(), stats=ScanStats()))
    assert not list(_validator().iter_errors(doc))


def test_golden_sample_is_valid() -> None:
    """The golden report of the shared sample (findings of every type, no resolved set)."""
    doc = json.loads((HERE / "golden" / "sample.cdx.json").read_text())
    assert not list(_validator().iter_errors(doc))
    assert len(doc["vulnerabilities"]) >= 3


def test_a_scan_error_is_written_in_the_sbom(tmp_path: Path) -> None:
    """A lockfile the scan could not read is absent from the SBOM: the SBOM says so, one
    ``gouvernante:scan_error`` property per error, still valid under the official schema."""
    good = tmp_path / "good"
    cut = tmp_path / "cut"
    good.mkdir()
    cut.mkdir()
    lock = (FIXTURES / "npm" / "npm11-v3" / "package-lock.json").read_bytes()
    (good / "package-lock.json").write_bytes(lock)
    (cut / "package-lock.json").write_bytes(lock[: len(lock) // 2])
    ruleset = load_rules([str(RULES)])
    request = ScanRequest(directory=str(tmp_path), recursive=True, resolved=True, workers=1)
    result = run_scan(request, ruleset)
    [error] = result.errors
    doc: dict[str, Any] = json.loads(render(result, ReportFormat.CYCLONEDX))
    assert not list(_validator().iter_errors(doc))
    assert doc["metadata"]["properties"] == [
        {"name": "gouvernante:scan_error", "value": f"{error.path}: {error.message}"}
    ]
    assert error.path.endswith("cut/package-lock.json")
    assert any(c.get("purl") for c in doc["components"])  # the readable lockfile is there
