"""The purl spec lowercases npm names (``pkg:npm/jsonstream@1.3.5`` for the registry's
``JSONStream``, as cdxgen and syft write them): the component's own name gives the spelling when
the two differ by case alone, so a rule naming ``JSONStream`` finds it (it was a wrong CLEAN).
A name that differs by more than case (an alias ``npm sbom`` writes there) does not rename the
package."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gouvernante.cli import main
from gouvernante.lockfiles.sbom import parse_sbom
from helpers import compromised_rules

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
SHA512 = "ab" * 64


def _cyclonedx(*components: dict[str, object]) -> bytes:
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {"component": {"type": "application", "name": "app", "bom-ref": "app"}},
        "components": list(components),
    }
    return json.dumps(doc).encode()


def _cdx_component(name: str, purl: str, group: str = "") -> dict[str, object]:
    out: dict[str, object] = {
        "type": "library",
        "name": name,
        "version": purl.rpartition("@")[2],
        "bom-ref": purl,
        "purl": purl,
        "hashes": [{"alg": "SHA-512", "content": SHA512}],
    }
    if group:
        out["group"] = group
    return out


def _spdx(*packages: tuple[str, str]) -> bytes:
    doc = {
        "spdxVersion": "SPDX-2.3",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "x",
        "creationInfo": {"creators": ["Tool: syft-1.0"]},
        "packages": [
            {
                "SPDXID": f"SPDXRef-p{i}",
                "name": name,
                "versionInfo": purl.rpartition("@")[2],
                "downloadLocation": "https://example.test/x.tgz",
                "externalRefs": [
                    {
                        "referenceCategory": "PACKAGE-MANAGER",
                        "referenceType": "purl",
                        "referenceLocator": purl,
                    }
                ],
            }
            for i, (name, purl) in enumerate(packages)
        ],
    }
    return json.dumps(doc).encode()


def _names(data: bytes) -> list[tuple[str, str]]:
    return [(p.name, p.version) for p in parse_sbom(data, "bom.json").graph.packages]


def test_cyclonedx_takes_the_components_spelling_of_a_lowercased_purl() -> None:
    data = _cyclonedx(
        _cdx_component("JSONStream", "pkg:npm/jsonstream@1.3.5"),
        _cdx_component("Pkg", "pkg:npm/%40scope/pkg@2.0.0", group="@Scope"),
        _cdx_component("@Scope/Pkg", "pkg:npm/%40scope/pkg@2.0.1"),
    )
    # and as the purl spec reads it, lowercased (decision 0090): either may be the one meant
    assert _names(data) == [
        ("JSONStream", "1.3.5"),
        ("jsonstream", "1.3.5"),
        ("@Scope/Pkg", "2.0.0"),
        ("@scope/pkg", "2.0.0"),
        ("@Scope/Pkg", "2.0.1"),
        ("@scope/pkg", "2.0.1"),
    ]


def test_spdx_takes_the_packages_spelling_of_a_lowercased_purl() -> None:
    data = _spdx(("JSONStream", "pkg:npm/jsonstream@1.3.5"))
    assert _names(data) == [("JSONStream", "1.3.5"), ("jsonstream", "1.3.5")]


@pytest.mark.parametrize(
    ("name", "purl", "expected"),
    [
        # an alias (npm sbom writes the alias's name): the purl names the package, and the
        # name another one, read too (decision 0083: a name that is not the purl's is read)
        ("my-jsonstream", "pkg:npm/jsonstream@1.3.5", ["jsonstream", "my-jsonstream"]),
        # a lowercase name is no spelling at all: nothing to recover (left as the purl says)
        ("jsonstream", "pkg:npm/jsonstream@1.3.5", ["jsonstream"]),
        # a purl that keeps the case is read as it is (and the name that differs, too), and as
        # the purl spec reads it, lowercased (decision 0090; it was read as written only)
        ("whatever", "pkg:npm/JSONStream@1.3.5", ["JSONStream", "whatever", "jsonstream"]),
        ("JSONStream", "pkg:npm/JSONStream@1.3.5", ["JSONStream", "jsonstream"]),
        # a letter str.lower() folds to ASCII (the Kelvin sign to k) is no npm spelling: the
        # purl names the package (taking the name made pkg:npm/kit a package no rule names)
        ("\u212ait", "pkg:npm/kit@1.3.5", ["kit"]),
    ],
)
def test_only_a_difference_of_case_takes_the_components_name(
    name: str, purl: str, expected: list[str]
) -> None:
    assert _names(_cyclonedx(_cdx_component(name, purl))) == [(e, "1.3.5") for e in expected]
    assert _names(_spdx((name, purl))) == [(e, "1.3.5") for e in expected]


@pytest.mark.parametrize("kind", ["cdx", "spdx"])
def test_inventory_answers_a_rule_spelled_like_the_registry(tmp_path: Path, kind: str) -> None:
    sbom = tmp_path / f"bom.{kind}.json"
    if kind == "cdx":
        sbom.write_bytes(_cyclonedx(_cdx_component("JSONStream", "pkg:npm/jsonstream@1.3.5")))
    else:
        sbom.write_bytes(_spdx(("JSONStream", "pkg:npm/jsonstream@1.3.5")))
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    db = str(tmp_path / "inv.sqlite")
    report = tmp_path / "report.json"
    assert main(["inventory", "add", "-db", db, "-sbom", str(sbom)]) == 0
    assert main(["-rules", str(rules), "-inventory", db, "-json", "-output", str(report)]) == 2
    found = json.loads(report.read_text(encoding="utf-8"))["findings"]
    assert [(f["rule_id"], f["package"], f["version"]) for f in found] == [
        ("CASE-1", "JSONStream", "1.3.5")
    ]


AXIOS_RULES = compromised_rules("AXIOS-1", ("axios", "=1.14.1"), ("@ctrl/tinycolor", "=4.1.1"))


@pytest.mark.parametrize(
    ("name", "purl", "group"),
    [
        ("", "pkg:npm/AXIOS@1.14.1", ""),
        ("x", "pkg:npm/Axios@1.14.1", ""),
        ("", "pkg:npm/%40CTRL/TinyColor@4.1.1", ""),
        ("TinyColor", "pkg:npm/%40Ctrl/tinycolor@4.1.1", "@ctrl"),
    ],
)
@pytest.mark.parametrize("kind", ["cdx", "spdx"])
def test_a_purl_with_capitals_is_read_as_the_purl_spec_says(
    tmp_path: Path, kind: str, name: str, purl: str, group: str
) -> None:
    """purl-spec 1.0 (``npm``): names and scopes are not case-sensitive, a conforming reader
    takes ``pkg:npm/AXIOS@1.14.1`` for axios 1.14.1 (the registry answers 403 for AXIOS: no
    package is named so). It was a wrong CLEAN: the name was compared as written."""
    sbom = tmp_path / f"bom.{kind}.json"
    if kind == "cdx":
        component = _cdx_component(name, purl, group)
        sbom.write_bytes(_cyclonedx(component))
    else:
        sbom.write_bytes(_spdx((f"{group}/{name}" if group else name, purl)))
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(AXIOS_RULES), encoding="utf-8")
    db = str(tmp_path / "inv.sqlite")
    assert main(["inventory", "add", "-db", db, "-sbom", str(sbom)]) == 0
    assert main(["-rules", str(rules), "-inventory", db]) == 2
