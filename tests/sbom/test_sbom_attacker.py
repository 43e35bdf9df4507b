"""SBOMs as an attacker or a sloppy tool writes them (decision 0083): a compromised release an
SBOM states must not read CLEAN, whatever spelling hides it; a file that is not a CycloneDX or
SPDX JSON document is an error of its source, never an empty clean one. The rule: axios 1.14.1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gouvernante.cli import main
from gouvernante.errors import LockfileError
from gouvernante.lockfiles.sbom import parse_sbom
from gouvernante.model import Source

HERE = Path(__file__).parent / "fixtures" / "tools"
RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "AXIOS-1",
            "title": "axios 1.14.1",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "critical",
            "package_rules": [{"package_name": "axios", "affected_versions": ["=1.14.1"]}],
        }
    ],
}
HASH = [{"alg": "SHA-512", "content": "ab" * 64}]
AXIOS = ("axios", "1.14.1")


def _cdx(component: dict[str, Any]) -> dict[str, Any]:
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"component": {"type": "application", "name": "app", "bom-ref": "app"}},
        "components": [{"type": "library", "bom-ref": "c0", "hashes": HASH, **component}],
    }


def _spdx(name: str, version: str | None, *refs: tuple[str, str, str]) -> dict[str, Any]:
    package: dict[str, Any] = {
        "SPDXID": "SPDXRef-p0",
        "name": name,
        "downloadLocation": "NOASSERTION",
        "externalRefs": [
            {"referenceCategory": c, "referenceType": t, "referenceLocator": loc}
            for c, t, loc in refs
        ],
    }
    if version is not None:
        package["versionInfo"] = version
    return {"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "packages": [package]}


def _read(doc: object) -> set[tuple[str, str]]:
    sbom = parse_sbom(json.dumps(doc).encode(), "bom.json")
    return {(p.name, p.version) for p in sbom.graph.packages if p.source is not Source.LOCAL}


def _purl(locator: str) -> tuple[str, str, str]:
    return ("PACKAGE-MANAGER", "purl", locator)


# --- the fields and the purl disagree: both releases are read ---------------------------------


@pytest.mark.parametrize(
    ("component", "also"),
    [
        (
            {"name": "axios", "version": "1.14.1", "purl": "pkg:npm/axios@1.14.0"},
            ("axios", "1.14.0"),
        ),
        (
            {"name": "axios", "version": "1.14.0", "purl": "pkg:npm/axios@1.14.1"},
            ("axios", "1.14.0"),
        ),
        (
            {"name": "axios", "version": "1.14.1", "purl": "pkg:npm/lodash@4.17.21"},
            ("lodash", "4.17.21"),
        ),
        (
            {"group": "@evil", "name": "x", "version": "1.14.1", "purl": "pkg:npm/axios@1.14.1"},
            ("@evil/x", "1.14.1"),
        ),
    ],
)
def test_cyclonedx_fields_that_name_another_release_are_read_too(
    component: dict[str, Any], also: tuple[str, str]
) -> None:
    assert _read(_cdx(component)) == {AXIOS, also}


@pytest.mark.parametrize(
    ("name", "version", "purl", "also"),
    [
        ("axios", "1.14.1", "pkg:npm/axios@1.14.0", ("axios", "1.14.0")),
        ("axios", "1.14.1", "pkg:npm/lodash@4.17.21", ("lodash", "4.17.21")),
        ("lodash", "4.17.21", "pkg:npm/axios@1.14.1", ("lodash", "4.17.21")),
    ],
)
def test_spdx_fields_that_name_another_release_are_read_too(
    name: str, version: str, purl: str, also: tuple[str, str]
) -> None:
    assert _read(_spdx(name, version, _purl(purl))) == {AXIOS, also}


@pytest.mark.parametrize(
    "component",
    [
        {"name": "axios", "purl": "pkg:npm/axios@1.14.1"},  # no version field: says nothing
        {"name": "", "version": "1.14.1", "purl": "pkg:npm/axios@1.14.1"},
        {"name": "core", "version": "1.14.1", "purl": "pkg:npm/%40acme/core@1.14.1"},
        {"name": "not a name", "version": "1.14.1", "purl": "pkg:npm/axios@1.14.1"},
        {"name": "axios", "version": "NOASSERTION", "purl": "pkg:npm/axios@1.14.1"},
    ],
)
def test_fields_that_state_nothing_else_add_nothing(component: dict[str, Any]) -> None:
    read = _read(_cdx(component))
    assert len(read) == 1
    assert read <= {AXIOS, ("@acme/core", "1.14.1")}


def test_an_spdx_package_with_two_purls_and_other_fields_reads_three_releases() -> None:
    doc = _spdx("x", "9.9.9", _purl("pkg:npm/axios@1.14.1"), _purl("pkg:npm/axios@1.14.0"))
    sbom = parse_sbom(json.dumps(doc).encode(), "bom.json")
    assert {(p.name, p.version) for p in sbom.graph.packages} == {
        AXIOS,
        ("axios", "1.14.0"),
        ("x", "9.9.9"),
    }
    assert (sbom.npm_components, sbom.stated) == (2, 1)
    assert any("every release named is read" in n for n in sbom.graph.notes)


def test_the_field_reading_keeps_the_components_edges() -> None:
    doc = _cdx({"name": "axios", "version": "1.14.1", "purl": "pkg:npm/axios@1.14.0"})
    doc["dependencies"] = [{"ref": "app", "dependsOn": ["c0"]}]
    sbom = parse_sbom(json.dumps(doc).encode(), "bom.json")
    ids = {p.id: (p.name, p.version) for p in sbom.graph.packages}
    assert sorted(ids[n] for n in sbom.graph.details.edges()["app"]) == [("axios", "1.14.0"), AXIOS]


def test_an_edited_npm_sbom_is_not_clean_end_to_end(tmp_path: Path) -> None:
    """npm sbom's own output (fixtures/tools), axios's version field edited to 1.14.1."""
    doc = json.loads((HERE / "app.npm-sbom.cdx.json").read_text())
    [axios] = [c for c in doc["components"] if c["name"] == "axios"]
    axios["version"] = "1.14.1"
    sbom = tmp_path / "bom.cdx.json"
    sbom.write_text(json.dumps(doc))
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES))
    db = str(tmp_path / "inv.sqlite")
    report = tmp_path / "report.json"
    assert main(["inventory", "add", "-db", db, "-sbom", str(sbom)]) == 0
    assert main(["-rules", str(rules), "-inventory", db, "-json", "-output", str(report)]) == 2
    found = json.loads(report.read_text())["findings"]
    assert [(f["package"], f["version"]) for f in found] == [AXIOS]


# --- SPDX's own npm reference type ------------------------------------------------------------


@pytest.mark.parametrize("category", ["PACKAGE-MANAGER", "PACKAGE_MANAGER"])
@pytest.mark.parametrize(
    ("locator", "read"), [("axios@1.14.1", AXIOS), ("@evil/x@1.14.1", ("@evil/x", "1.14.1"))]
)
def test_spdx_npm_references_are_read(category: str, locator: str, read: tuple[str, str]) -> None:
    """SPDX 2.2/2.3 Annex F defines ``npm`` (``package@version``) beside ``purl``: a package that
    named itself so was 'without a package URL', a note, and read CLEAN."""
    doc = _spdx(read[0], read[1], (category, "npm", locator))
    assert _read(doc) == {read}


@pytest.mark.parametrize("locator", ["axios", "axios@", "@evil/x", "SECRET x@1.0.0", "a@1 2"])
def test_a_malformed_spdx_npm_reference_is_refused_by_path(locator: str) -> None:
    doc = _spdx("x", None, ("PACKAGE-MANAGER", "npm", locator))
    with pytest.raises(LockfileError) as info:
        parse_sbom(json.dumps(doc).encode(), "bom.json")
    assert info.value.json_path == "packages[0].externalRefs[0].referenceLocator"
    assert "SECRET" not in info.value.one_line()


# --- not a CycloneDX or SPDX JSON document: an error that says what it is ------------------------

_CDX_TEXT = (HERE / "app.cyclonedx-npm-1.6.cdx.json").read_text()


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b'<?xml version="1.0"?>\n<bom xmlns="http://cyclonedx.org/schema/bom/1.6"/>', "XML"),
        (b"\xef\xbb\xbf<bom/>", "XML"),
        (b"## SPDX\nSPDXVersion: SPDX-2.3\nPackageName: axios\n", "SPDX tag-value"),
        (b"\xef\xbb\xbf" + _CDX_TEXT.encode(), "starts with a UTF-8 byte-order mark"),
        (_CDX_TEXT.encode("utf-16"), "UTF-16 text"),
        (_CDX_TEXT.encode("utf-16-le"), "NUL bytes at the start"),
        (b'{"specFormat": "CycloneDX", "specVersion": "2.0"}', "CycloneDX 2 (specFormat)"),
        (b'{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"}', "SPDX 3 JSON-LD"),
        (b'{"bomFormat": "CycloneDX", "specVersion": "1.6"}', "lists no component"),
        (b'{"spdxVersion": "SPDX-2.3", "Packages": [{"SPDXID": "x"}]}', "lists no package"),
    ],
)
def test_what_is_not_read_is_an_error_that_says_what_it_is(data: bytes, why: str) -> None:
    with pytest.raises(LockfileError) as info:
        parse_sbom(data, "ci/bom.json")
    assert why in info.value.one_line()
    assert "axios" not in info.value.one_line()


def test_an_xml_sbom_given_with_sbom_is_an_error_of_its_source(tmp_path: Path) -> None:
    sbom = tmp_path / "bom.xml"
    sbom.write_bytes(b'<?xml version="1.0"?><bom><components><component><name>axios</name>')
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES))
    db = str(tmp_path / "inv.sqlite")
    assert main(["inventory", "add", "-db", db, "-sbom", str(sbom)]) == 1
    assert main(["-rules", str(rules), "-inventory", db]) == 1


# --- a component list that lost entries: the dependency graph still names them ----------------


def test_a_deleted_component_whose_edges_remain_is_an_error() -> None:
    doc = json.loads(_CDX_TEXT)
    [i] = [k for k, c in enumerate(doc["components"]) if c["name"] == "axios"]
    del doc["components"][i]
    sbom = parse_sbom(json.dumps(doc).encode(), "bom.json")
    [error] = sbom.graph.entry_errors
    assert "the dependency graph names a component the SBOM does not list" in error
    assert error.startswith("dependencies[")
    assert "axios" not in error


def test_a_components_key_given_twice_is_not_a_clean_empty_list() -> None:
    """``JSON.parse`` and msgspec keep the last of two keys, a first-wins reader the first:
    ``"components": []`` appended to a real SBOM empties it for some readers and not others.
    Refused, naming the key (decision 0090; it was read as the last, the edges' error said so)."""
    data = _CDX_TEXT.rstrip().removesuffix("}") + ', "components": []}'
    with pytest.raises(LockfileError) as caught:
        parse_sbom(data.encode(), "bom.json")
    assert caught.value.json_path == "components"
    assert "a key given twice" in caught.value.detail


def test_a_deleted_spdx_package_whose_relationships_remain_is_an_error() -> None:
    doc = json.loads((HERE / "app.npm-sbom.spdx.json").read_text())
    doc["packages"] = [p for p in doc["packages"] if p["name"] != "axios"]
    sbom = parse_sbom(json.dumps(doc).encode(), "bom.json")
    [error] = sbom.graph.entry_errors
    assert error.startswith("relationships[")
    assert "names a package the SBOM does not list" in error


def test_other_documents_files_and_none_are_not_unlisted() -> None:
    doc = _spdx("axios", "1.14.1", _purl("pkg:npm/axios@1.14.1"))
    doc["files"] = [{"SPDXID": "SPDXRef-File-1"}]
    doc["relationships"] = [
        {"spdxElementId": "SPDXRef-p0", "relationshipType": t, "relatedSpdxElement": e}
        for t, e in [
            ("DEPENDS_ON", "DocumentRef-other:SPDXRef-x"),
            ("DEPENDS_ON", "NONE"),
            ("CONTAINS", "SPDXRef-File-1"),
        ]
    ]
    assert parse_sbom(json.dumps(doc).encode(), "bom.json").graph.entry_errors == ()


# --- spellings of the same release: each is found end to end ----------------------------------


def _inventory_exit(tmp_path: Path, data: bytes) -> int:
    sbom = tmp_path / "bom.json"
    sbom.write_bytes(data)
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES))
    db = str(tmp_path / "inv.sqlite")
    assert main(["inventory", "add", "-db", db, "-sbom", str(sbom)]) == 0
    return main(["-rules", str(rules), "-inventory", db])


@pytest.mark.parametrize(
    "purl",
    [
        "pkg:npm/%61xios@1.14.1",  # percent-encoded letters (the purl spec: the same package)
        "pkg:npm/axios@1%2E14%2E1",
        "pkg:npm/axios@1.14.1#lib/index.js",  # a subpath
        "pkg:NPM/axios@1.14.1",
        "pkg://npm/axios@1.14.1",
        "pkg:npm/axios@1.14.1?vcs_url=git%2Bhttps%3A%2F%2Fexample.test%2Fa.git",  # a git source
        "pkg:npm/axios@1.14.1?download_url=https%3A%2F%2Fexample.test%2Fa.tgz",
        "pkg:npm/axios@1.14.1?repository_url=https%3A%2F%2Fexample.test",
        "pkg:npm/axios@v1.14.1",
    ],
)
def test_purl_spellings_of_the_release_are_found(tmp_path: Path, purl: str) -> None:
    doc = _cdx({"name": "x", "purl": purl})  # no version field: the purl alone names it
    assert _inventory_exit(tmp_path, json.dumps(doc).encode()) == 2


def test_a_component_only_inside_the_subject_is_found(tmp_path: Path) -> None:
    doc = _cdx({"name": "lodash", "version": "4.17.21", "purl": "pkg:npm/lodash@4.17.21"})
    doc["metadata"]["component"]["components"] = [
        {"type": "library", "name": "axios", "version": "1.14.1", "purl": "pkg:npm/axios@1.14.1"}
    ]
    assert _inventory_exit(tmp_path, json.dumps(doc).encode()) == 2


@pytest.mark.parametrize(
    ("twice", "where"),
    [
        ('"purl": "pkg:npm/axios@1.14.1", "purl": "pkg:npm/lodash@4.17.21"', "components[0].purl"),
        (
            '"purl": "pkg:npm/axios@1.14.1", "\\u0070url": "pkg:npm/lodash@4.17.21"',
            "components[0].purl",
        ),
        ('"version": "1.14.1", "version": "1.14.0"', "components[0].version"),
        # red team 0092: the key spelled with an escape; a colon escaped in upper case
        ('"version": "1.14.1", "\\u0076ersion": "1.14.0"', "components[0].version"),
        (
            '"purl": "pkg:npm/axios@1.14.1", "purl": "pkg\\u003Anpm/lodash@4.17.21"',
            "components[0].purl",
        ),
    ],
)
def test_a_key_given_twice_in_a_component_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], twice: str, where: str
) -> None:
    """A first-wins reader (gjson, a streaming parser) reads axios 1.14.1 where ``JSON.parse``
    reads the other: the SBOM is refused naming the key's JSON path, never its value (decision
    0090; the fields used to state axios for a ``purl`` twice, not for a ``version`` twice)."""
    text = json.dumps(_cdx({"name": "axios", "version": "1.14.1", "purl": "pkg:npm/axios@1.14.1"}))
    first = twice.partition(", ")[0]
    assert first in text
    text = text.replace(first, twice)
    with pytest.raises(LockfileError) as caught:
        parse_sbom(text.encode(), "bom.json")
    assert caught.value.json_path == where
    assert "lodash" not in str(caught.value) and "1.14.0" not in str(caught.value)
    sbom = tmp_path / "bom.json"
    sbom.write_bytes(text.encode())
    db = str(tmp_path / "inv.sqlite")
    assert main(["inventory", "add", "-db", db, "-sbom", str(sbom)]) == 1
    assert f"{sbom}: {where}: a key given twice" in capsys.readouterr().err


@pytest.mark.parametrize(
    "text",
    [
        '"description": "a \\"key\\": inside a string", "name": "axios"',
        '"description": "an escaped \\u003a colon", "name": "axios"',
    ],
)
def test_colons_and_escapes_inside_strings_are_not_a_key_given_twice(text: str) -> None:
    doc = json.dumps(_cdx({"name": "axios", "version": "1.14.1", "purl": "pkg:npm/axios@1.14.1"}))
    doc = doc.replace('"name": "axios"', text, 1)
    assert _read_bytes(doc.encode()) == {AXIOS}


def test_a_key_given_twice_in_an_spdx_package_is_an_error() -> None:
    text = json.dumps(_spdx("axios", "1.14.1", _purl("pkg:npm/axios@1.14.1")))
    text = text.replace(
        '"versionInfo": "1.14.1"', '"versionInfo": "1.14.1", "versionInfo": "1.0.0"'
    )
    with pytest.raises(LockfileError) as caught:
        parse_sbom(text.encode(), "bom.json")
    assert caught.value.json_path == "packages[0].versionInfo"


def _read_bytes(data: bytes) -> set[tuple[str, str]]:
    return {(p.name, p.version) for p in parse_sbom(data, "bom.json").graph.packages}


# --- a download URL that names another release: read too --------------------------------------

AXIOS_TGZ = "https://registry.npmjs.org/axios/-/axios-1.14.1.tgz"


@pytest.mark.parametrize(
    "component",
    [
        {"name": "x", "purl": "pkg:npm/x@1.0.0?download_url=" + AXIOS_TGZ.replace(":", "%3A")},
        {
            "name": "x",
            "purl": "pkg:npm/x@1.0.0",
            "externalReferences": [{"type": "distribution", "url": AXIOS_TGZ}],
        },
        {  # escaped as the registry decodes it
            "name": "x",
            "purl": "pkg:npm/x@1.0.0",
            "externalReferences": [
                {
                    "type": "distribution",
                    "url": "https://registry.npmjs.org/axios/-/axios-1.14.%31.tgz",
                }
            ],
        },
    ],
)
def test_a_download_url_naming_another_release_is_read_too(component: dict[str, Any]) -> None:
    assert _read(_cdx(component)) == {("x", "1.0.0"), AXIOS}


def test_an_spdx_download_location_naming_another_release_is_read_too() -> None:
    doc = _spdx("x", "1.0.0", _purl("pkg:npm/x@1.0.0"))
    doc["packages"][0]["downloadLocation"] = AXIOS_TGZ
    assert _read(doc) == {("x", "1.0.0"), AXIOS}


@pytest.mark.parametrize(
    "url",
    [
        AXIOS_TGZ,  # its own tarball
        "https://example.test/axios.tgz",  # no registry layout: names no package
        "git+https://example.test/axios.git",
        "https://registry.npmjs.org/axios/-/other-1.0.0.tgz",  # the file is not axios's
    ],
)
def test_a_download_url_naming_nothing_else_adds_nothing(url: str) -> None:
    component = {
        "name": "axios",
        "purl": "pkg:npm/axios@1.14.1",
        "externalReferences": [{"type": "distribution", "url": url}],
    }
    assert _read(_cdx(component)) == {AXIOS}
