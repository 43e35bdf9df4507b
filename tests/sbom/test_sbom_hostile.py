"""The SBOM reader on hostile and broken input: refused with the file and the JSON path, never the
value; bounded nesting; and (property) a mutated SBOM never crashes the reader and never loses an
npm component silently: it is read, or the SBOM is refused."""

from __future__ import annotations

import contextlib
import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.errors import LockfileError
from gouvernante.lockfiles.sbom import MAX_DEPTH, parse_purl, parse_sbom

HERE = Path(__file__).parent / "fixtures"
CDX = json.loads((HERE / "npm11-v3.npm-sbom.cdx.json").read_text())
SPDX = json.loads((HERE / "npm11-v3.npm-sbom.spdx.json").read_text())
NPM = re.compile(r"(?i)pkg:/*npm/")


def _refusal(doc: object) -> LockfileError:
    with pytest.raises(LockfileError) as info:
        parse_sbom(json.dumps(doc).encode(), "ci/bom.json")
    assert info.value.path == "ci/bom.json"
    return info.value


@pytest.mark.parametrize(
    ("purl", "why"),
    [
        ("pkg:npm/%40evil/SECRET", "without a version"),
        ("pkg:npm/SECRET@", "version is empty"),
        ("pkg:npm/evil/SECRET@1.0.0", "namespace is not an @scope"),
        ("pkg:npm/%40e%2Fvil/SECRET@1.0.0", "namespace is not an @scope"),
        ("pkg:npm/SECRET%20x@1.0.0", "not an npm package name"),
        ("pkg:npm/SECRET@1.0.0%0a", "not one word"),
        ("pkg:npm/SECRET@1?novalue", "qualifier without key=value"),
        ("npm:SECRET@1.0.0", "not a package URL"),
        ("pkg:SECRET", "without a type and name"),
    ],
)
def test_a_malformed_npm_purl_refuses_the_sbom_naming_the_path_not_the_value(
    purl: str, why: str
) -> None:
    doc = copy.deepcopy(CDX)
    doc["components"][12]["purl"] = purl
    error = _refusal(doc)
    assert error.json_path == "components[12].purl"
    assert why in error.detail
    assert "SECRET" not in error.one_line() and "evil" not in error.one_line()


def test_purls_are_percent_decoded_with_qualifiers_and_subpaths() -> None:
    got = parse_purl("pkg:npm/%40ctrl/tinycolor@4.1.1?repository_url=x%2Fy#lib/a", "p")
    assert got is not None
    assert (got.name, got.version, got.qualifiers) == (
        "@ctrl/tinycolor",
        "4.1.1",
        (("repository_url", "x/y"),),
    )
    assert parse_purl("pkg:npm/@ctrl/tinycolor@4.1.1", "p") == parse_purl(
        "pkg:NPM/%40ctrl/tinycolor@4.1.1", "p"
    )
    assert parse_purl("pkg:pypi/requests@2.0", "p") is None


def test_other_ecosystems_and_purl_less_components_are_counted_not_read() -> None:
    doc = copy.deepcopy(CDX)
    doc["components"].append({"type": "library", "name": "requests", "purl": "pkg:pypi/r@2"})
    doc["components"].append({"type": "file", "name": "x"})
    sbom = parse_sbom(json.dumps(doc).encode(), "bom.json")
    assert (sbom.ignored, sbom.without_purl) == (1, 1)
    assert any("1 components of other ecosystems" in n for n in sbom.graph.notes)
    assert any("1 components without a package URL" in n for n in sbom.graph.notes)


def test_a_bad_hash_is_refused_with_its_path() -> None:
    doc = copy.deepcopy(CDX)
    doc["components"][5]["hashes"][0]["content"] = "SECRET" * 20
    error = _refusal(doc)
    assert error.json_path == "components[5].hashes[0].content"
    assert "SECRET" not in error.one_line()


@pytest.mark.parametrize(
    ("doc", "why"),
    [
        ([], "not a JSON object"),
        ({"bomFormat": "CycloneDX", "specVersion": "1.2"}, "specVersion not supported"),
        ({"bomFormat": "CycloneDX", "specVersion": 1.6}, "specVersion not supported"),
        ({"spdxVersion": "SPDX-3.0"}, "spdxVersion not supported"),
        ({"schema_version": "1", "findings": []}, "not a CycloneDX or SPDX JSON SBOM"),
        (
            {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": {"a": 1}},
            "unexpected CycloneDX shape",
        ),
        (
            {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"purl": 7}]},
            "unexpected CycloneDX shape",
        ),
    ],
)
def test_wrong_formats_and_shapes_are_refused(doc: object, why: str) -> None:
    assert why in _refusal(doc).detail


def test_shape_errors_name_the_json_path() -> None:
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{}, {"purl": 7}]}
    assert _refusal(doc).json_path == "components[1].purl"


def test_nesting_is_bounded() -> None:
    component: dict[str, Any] = {"name": "leaf", "purl": "pkg:npm/leaf@1.0.0"}
    for _ in range(MAX_DEPTH + 2):
        component = {"name": "n", "purl": "pkg:npm/n@1.0.0", "components": [component]}
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [component]}
    error = _refusal(doc)
    assert f"nested deeper than {MAX_DEPTH}" in error.detail
    deep = b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "x": ' + b"[" * 5000 + b"]" * 5000
    with pytest.raises(LockfileError):
        parse_sbom(deep + b"}", "bom.json")


@pytest.mark.parametrize("data", [b"", b"\xff\xfe", b"{", b"null", b'{"bomFormat": "CycloneDX"'])
def test_not_json_is_refused(data: bytes) -> None:
    with pytest.raises(LockfileError):
        parse_sbom(data, "bom.json")


# --- property: mutated SBOMs ------------------------------------------------------------------

_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.text(max_size=12),
    st.sampled_from(
        [
            "pkg:npm/lodash@4.17.21",
            "pkg:npm/%40a/b@1.0.0",
            "pkg:npm/x@",
            "pkg:NPM//y@2?q=1",
            "pkg:pypi/z@1",
            "SHA-512",
            "distribution",
            "true",
            "a" * 128,
        ]
    ),
)
_VALUE = st.recursive(
    _LEAF,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _containers(node: Any, out: list[tuple[Any, Any]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((node, key))
            _containers(value, out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.append((node, i))
            _containers(value, out)


@st.composite
def _mutated(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = copy.deepcopy(draw(st.sampled_from([CDX, SPDX])))
    spots: list[tuple[Any, Any]] = []
    _containers(doc, spots)
    for _ in range(draw(st.integers(1, 4))):
        parent, key = spots[draw(st.integers(0, len(spots) - 1))]
        if draw(st.booleans()):
            parent[key] = draw(_VALUE)
        elif isinstance(parent, dict) and key in parent:
            del parent[key]
        spots = []
        _containers(doc, spots)
    return doc


def _npm_expected(doc: dict[str, Any]) -> int:
    """The pkg:npm entries a reader must account for (the subject aside)."""
    if "spdxVersion" in doc:
        described = list(doc.get("documentDescribes") or [])
        me = doc.get("SPDXID", "")  # (a relationship describes the document from its own id)
        for rel in doc.get("relationships") or []:
            if not isinstance(rel, dict):
                continue
            kind = rel.get("relationshipType")
            if kind == "DESCRIBES" and rel.get("spdxElementId", "") == me:
                described.append(rel.get("relatedSpdxElement", ""))
            elif kind == "DESCRIBED_BY" and rel.get("relatedSpdxElement", "") == me:
                described.append(rel.get("spdxElementId", ""))
        root = described[0] if len(set(described)) == 1 else None
        packages = doc.get("packages") or []
        if [p.get("SPDXID", "") for p in packages].count(root) != 1:
            root = None  # an id several packages share is no one's: each is read
        return sum(
            1
            for p in packages
            if p.get("SPDXID", "") != root
            for r in p.get("externalRefs") or []
            if str(r.get("referenceType")).lower() == "npm"
            or (
                str(r.get("referenceType")).lower() == "purl"
                and NPM.match(r.get("referenceLocator", ""))
            )
        )
    subject = (doc.get("metadata") or {}).get("component") or {}
    root = subject.get("bom-ref")
    count = 0
    stack = list(doc.get("components") or []) + list(subject.get("components") or [])
    while stack:
        c = stack.pop()
        stack.extend(c.get("components") or [])
        if root and c.get("bom-ref") == root and c.get("purl") == subject.get("purl"):
            continue
        purl = c.get("purl")
        count += isinstance(purl, str) and NPM.match(purl) is not None
    return count


@pytest.mark.property
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated())
def test_a_mutated_sbom_is_read_whole_or_refused(doc: dict[str, Any]) -> None:
    data = json.dumps(doc).encode()
    try:
        sbom = parse_sbom(data, "bom.json")
    except LockfileError as exc:
        assert exc.path == "bom.json"
        return
    assert sbom.npm_components == _npm_expected(doc)
    assert len(sbom.graph.packages) == sbom.npm_components + sbom.stated


@pytest.mark.property
@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=200))
def test_garbage_never_crashes_the_reader(data: bytes) -> None:
    with contextlib.suppress(LockfileError):  # refused is fine; any other exception is not
        parse_sbom(b'{"bomFormat": "CycloneDX", "specVersion": "1.6", ' + data, "bom.json")
    with contextlib.suppress(LockfileError):
        parse_sbom(data, "bom.json")


def test_the_subject_is_bounded() -> None:
    doc = copy.deepcopy(CDX)
    doc["metadata"]["component"]["name"] = "x" * 100_000
    sbom = parse_sbom(json.dumps(doc).encode(), "bom.json")
    assert sbom.subject is not None and len(sbom.subject) == 200
