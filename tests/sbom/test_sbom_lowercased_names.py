"""An SBOM whose purl *and* component name are lowercase (``jsonstream``) while a rule spells the
package with capitals (``JSONStream``, as the registry does): the registry holds both spellings
as different packages (``jsonstream`` has one release, 1.0.3; ``JSONStream`` 37, up to 1.3.5;
``base64`` and ``Base64`` both exist), so the SBOM cannot say which it lists. It read CLEAN on
a producer that lowercased ``JSONStream@1.3.5``. Now, at a version the rule affects, it is an
error naming the component by its JSON path (exit 1, never CLEAN, never a finding); at another
version it is nothing either way. Decision 0043."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.cli import main
from gouvernante.lockfiles.sbom import parse_sbom
from gouvernante.match.lockfile import match_lockfile
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rules

RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "CASE-1",
            "title": "JSONStream 1.3.5 and @Scope/Pkg 2.0.0",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "critical",
            "package_rules": [
                {"package_name": "JSONStream", "affected_versions": ["=1.3.5"]},
                {"package_name": "@Scope/Pkg", "affected_versions": ["=2.0.0"]},
            ],
        }
    ],
}
BOM_REF = "hostile-bom-ref-\u202e-text"


def _cyclonedx(*purls: str) -> bytes:
    components = [
        {
            "type": "library",
            "name": purl.rpartition("/")[2].rpartition("@")[0],
            "version": purl.rpartition("@")[2],
            "bom-ref": f"{BOM_REF}-{i}",
            "purl": purl,
            "hashes": [{"alg": "SHA-512", "content": "ab" * 64}],
        }
        for i, purl in enumerate(purls)
    ]
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {"component": {"type": "application", "name": "app", "bom-ref": "app"}},
        "components": [{"type": "library", "name": "other", "version": "1.0.0"}, *components],
    }
    return json.dumps(doc).encode()


def _spdx(purl: str) -> bytes:
    doc = {
        "spdxVersion": "SPDX-2.3",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "x",
        "creationInfo": {"creators": ["Tool: syft-1.0"]},
        "packages": [
            {
                "SPDXID": "SPDXRef-p0",
                "name": purl.rpartition("/")[2].rpartition("@")[0],
                "versionInfo": purl.rpartition("@")[2],
                "downloadLocation": "https://registry.npmjs.org/x/-/x-1.0.0.tgz",
                "externalRefs": [
                    {
                        "referenceCategory": "PACKAGE-MANAGER",
                        "referenceType": "purl",
                        "referenceLocator": purl,
                    }
                ],
            }
        ],
    }
    return json.dumps(doc).encode()


def _errors(data: bytes, tmp_path: Path) -> list[str]:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    index = build_index(load_rules([str(rules)]).rules)
    match = match_lockfile(parse_sbom(data, "bom.json").graph, index, "bom.json")
    assert match.findings == ()
    return list(match.entry_errors)


def test_a_lowercased_capitalised_name_at_an_affected_version_is_an_error(tmp_path: Path) -> None:
    data = _cyclonedx(
        "pkg:npm/jsonstream@1.3.5", "pkg:npm/%40scope/pkg@2.0.0", "pkg:npm/jsonstream@1.0.3"
    )
    errors = _errors(data, tmp_path)
    assert [e.partition(" is spelled")[0] for e in errors] == [
        "components[1]: jsonstream@1.3.5",
        "components[2]: @scope/pkg@2.0.0",
    ]
    assert "a rule names JSONStream at this version" in errors[0]
    assert BOM_REF not in "".join(errors)
    (spdx,) = _errors(_spdx("pkg:npm/jsonstream@1.3.5"), tmp_path)
    assert spdx.startswith("packages[0]#0: jsonstream@1.3.5 is spelled in lowercase")


def test_a_version_the_rule_does_not_affect_is_nothing(tmp_path: Path) -> None:
    assert _errors(_cyclonedx("pkg:npm/jsonstream@1.0.3", "pkg:npm/kit@1.3.5"), tmp_path) == []


@pytest.mark.parametrize(("version", "code"), [("1.3.5", 1), ("1.0.3", 0)])
def test_the_inventory_answers_the_same(tmp_path: Path, version: str, code: int) -> None:
    sbom = tmp_path / "bom.cdx.json"
    sbom.write_bytes(_cyclonedx(f"pkg:npm/jsonstream@{version}"))
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    db = str(tmp_path / "inv.sqlite")
    report = tmp_path / "report.json"
    assert main(["inventory", "add", "-db", db, "-sbom", str(sbom)]) == 0
    assert main(["-rules", str(rules), "-inventory", db, "-json", "-output", str(report)]) == code
    got = json.loads(report.read_text(encoding="utf-8"))
    assert got["findings"] == []
    messages = [e["message"] for e in got["errors"]]
    if code:
        # the inventory keeps no JSON path: the component is named by its name and version
        assert [m.partition(" is spelled")[0] for m in messages] == ["jsonstream@1.3.5"]
    else:
        assert messages == []
