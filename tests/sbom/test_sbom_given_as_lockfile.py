"""An SBOM given with ``-lockfile`` (any name is read by content there) is no package.json: its
top-level ``name`` and ``version`` are the document's, and read as a manifest it was 0
packages, CLEAN, whatever it lists. It is now not recognised (an error, exit 1); SBOMs are read
by ``inventory add -sbom``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.cli import main

RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "KIT-1",
            "title": "kit 1.0.0",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "critical",
            "package_rules": [{"package_name": "kit", "affected_versions": ["=1.0.0"]}],
        }
    ],
}
PURL = "pkg:npm/kit@1.0.0"
CYCLONEDX = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.5",
    "version": 1,
    "metadata": {"component": {"type": "application", "name": "app", "version": "1.0.0"}},
    "components": [{"type": "library", "name": "kit", "version": "1.0.0", "purl": PURL}],
}
SPDX = {
    "spdxVersion": "SPDX-2.3",
    "SPDXID": "SPDXRef-DOCUMENT",
    "name": "app",
    "packages": [
        {
            "SPDXID": "SPDXRef-p0",
            "name": "kit",
            "versionInfo": "1.0.0",
            "externalRefs": [
                {
                    "referenceCategory": "PACKAGE-MANAGER",
                    "referenceType": "purl",
                    "referenceLocator": PURL,
                }
            ],
        }
    ],
}


@pytest.mark.parametrize("doc", [CYCLONEDX, SPDX], ids=["cyclonedx", "spdx"])
def test_an_sbom_given_as_a_lockfile_is_not_read_as_a_manifest(
    tmp_path: Path, doc: dict[str, object]
) -> None:
    bom = tmp_path / "bom.json"
    bom.write_text(json.dumps(doc), encoding="utf-8")
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    report = tmp_path / "report.json"
    code = main(["-rules", str(rules), "-lockfile", str(bom), "-json", "-output", str(report)])
    assert code == 1
    errors = json.loads(report.read_text(encoding="utf-8"))["errors"]
    assert [e["message"] for e in errors] == ["not a recognised lockfile or package.json"]
