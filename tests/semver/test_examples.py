"""Readable examples of the semantics gouvernante.semver reproduces (all agree with node-semver
7.8.6; the exhaustive comparison is test_truth_table.py)."""

from __future__ import annotations

import pytest

from gouvernante.errors import SemverError
from gouvernante.semver import (
    Range,
    Version,
    intersects,
    parse_range,
    parse_version,
    satisfies,
    try_parse_version,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.2.3", Version(1, 2, 3)),
        ("v1.2.3", Version(1, 2, 3)),
        ("  1.2.3\n", Version(1, 2, 3)),
        ("1.2.3-beta.2", Version(1, 2, 3, ("beta", 2))),
        ("1.2.3-rc.1+build.7", Version(1, 2, 3, ("rc", 1), ("build", "7"))),
        ("0.0.0-0", Version(0, 0, 0, (0,))),
    ],
)
def test_parse_version(text: str, expected: Version) -> None:
    parsed = parse_version(text)
    assert parsed == expected
    assert parsed.prerelease == expected.prerelease
    assert parsed.build == expected.build


@pytest.mark.parametrize(
    "text",
    ["", "1.2", "1.2.3.4", "01.2.3", "1.2.3-01", "=1.2.3", "V1.2.3", "1.2.3-", "latest", "x"],
)
def test_invalid_versions(text: str) -> None:
    with pytest.raises(SemverError, match="invalid version"):
        parse_version(text)
    assert try_parse_version(text) is None
    assert satisfies(text, "*") is False


def test_version_text_and_order() -> None:
    assert str(parse_version("v1.2.3-beta.2+b")) == "1.2.3-beta.2"
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.10.0",
        "2.0.0",
    ]
    versions = [parse_version(v) for v in ordered]
    assert sorted(reversed(versions)) == versions
    assert parse_version("1.2.3+a") == parse_version("1.2.3+b")
    assert len({parse_version("1.2.3+a"), parse_version("1.2.3")}) == 1


def test_components_beyond_max_safe_integer_are_rejected() -> None:
    assert try_parse_version("9007199254740991.0.0") == Version(2**53 - 1, 0, 0)
    assert try_parse_version("9007199254740992.0.0") is None


@pytest.mark.parametrize(
    ("range_text", "inside", "outside"),
    [
        ("1.2.3", ["1.2.3", "v1.2.3"], ["1.2.4", "1.2.3-beta"]),
        ("=1.2.3", ["1.2.3"], ["1.2.2"]),
        ("v1.2.3", ["1.2.3"], ["1.2.2"]),
        ("*", ["0.0.0", "99.0.0"], ["1.0.0-beta"]),
        ("", ["1.0.0"], ["1.0.0-beta"]),
        ("x", ["1.0.0"], []),
        ("1.x", ["1.0.0", "1.99.0"], ["2.0.0", "0.9.0", "2.0.0-0"]),
        ("1", ["1.5.0"], ["2.0.0"]),
        ("1.2", ["1.2.0", "1.2.99"], ["1.3.0"]),
        ("1.2.x", ["1.2.5"], ["1.3.0"]),
        (">=1.2.3 <2", ["1.2.3", "1.9.9"], ["2.0.0", "1.2.2"]),
        (">= 1.2.3", ["1.2.3"], ["1.2.2"]),
        (">=1.2.3  <2", ["1.5.0"], ["2.0.0"]),
        ("1.2 - 2.3.4", ["1.2.0", "2.3.4"], ["2.3.5", "1.1.9"]),
        ("1.2.3 - 2", ["2.9.9"], ["3.0.0"]),
        ("^1.2.3", ["1.2.3", "1.9.0"], ["2.0.0", "1.2.2", "1.3.0-beta"]),
        ("^0.1.2", ["0.1.2", "0.1.9"], ["0.2.0"]),
        ("^0.0.3", ["0.0.3"], ["0.0.4"]),
        ("^0.0.x", ["0.0.0", "0.0.9"], ["0.1.0"]),
        ("^0.x", ["0.0.1", "0.9.0"], ["1.0.0"]),
        ("^1.2.3-beta.2", ["1.2.3-beta.2", "1.2.3-beta.10", "1.2.3"], ["1.2.3-beta.1", "1.3.0-rc"]),
        ("~1.2.3", ["1.2.3", "1.2.9"], ["1.3.0"]),
        ("~>1.2", ["1.2.0"], ["1.3.0"]),
        ("~1", ["1.9.0"], ["2.0.0"]),
        ("<1.0.0 || >=2.0.0", ["0.9.0", "2.0.0"], ["1.0.0"]),
        (">1.2.3-alpha <1.2.3", ["1.2.3-beta"], ["1.2.4-beta", "1.2.3"]),
    ],
)
def test_ranges(range_text: str, inside: list[str], outside: list[str]) -> None:
    for version in inside:
        assert satisfies(version, range_text), version
        assert satisfies(version, range_text, include_prerelease=True), version
    for version in outside:
        assert not satisfies(version, range_text), version


def test_prerelease_rule() -> None:
    window = parse_range(">=1.0.0 <2.0.0")
    beta = parse_version("1.5.0-beta.1")
    # Default (declared ranges): a prerelease only matches a set naming a prerelease of its tuple.
    assert not window.test(beta)
    # Rules: a prerelease inside the window is inside.
    assert window.test(beta, include_prerelease=True)
    assert parse_range("*").test(beta, include_prerelease=True)
    # includePrerelease also lowers x-range/caret/tilde bounds to -0.
    assert not parse_range("1.x").test(parse_version("1.0.0-rc.1"), include_prerelease=False)
    assert parse_range("1.x").test(parse_version("1.0.0-rc.1"), include_prerelease=True)
    assert parse_range("^1.2.3").test(parse_version("2.0.0-0"), include_prerelease=True) is False


@pytest.mark.parametrize(
    "text",
    [">=1.x <", "foo", "1.2.3.4", "latest", ">=01.2.3", "^1.2.3 foo", "1.2.3 -", ">==1.2.3"],
)
def test_invalid_ranges(text: str) -> None:
    with pytest.raises(SemverError) as caught:
        parse_range(text)
    assert str(caught.value) == f'invalid range "{text}"'
    assert satisfies("1.2.3", text) is False


def test_normalized_matches_valid_range() -> None:
    assert parse_range("^1.2.3").normalized == ">=1.2.3 <2.0.0-0"
    assert parse_range("~1.2").normalized == ">=1.2.0 <1.3.0-0"
    assert parse_range("1.2 - 2.3.4").normalized == ">=1.2.0 <=2.3.4"
    assert parse_range("1.2 - 2.3.4").normalized_with_prerelease() == ">=1.2.0-0 <2.3.5-0"
    assert parse_range("").normalized == "*"
    assert parse_range(" >= 1.2.3 ").raw == " >= 1.2.3 "


def test_range_is_a_value() -> None:
    assert Range("^1.2.3") == Range("^1.2.3")
    assert Range("^1.2.3") != Range("^1.2.4")
    assert parse_range("^1.2.3") is parse_range("^1.2.3")  # cached
    with pytest.raises(SemverError):
        Range("foo")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("^1.2.3", ">=1.5.0 <1.6.0", True),
        ("^1.2.3", "<1.0.0", False),
        ("1.x", "2.x", False),
        ("1.2.3", "^1.0.0", True),
        ("1.2.3-beta", ">=1.0.0", False),  # node: the prerelease rule applies to `=` comparators
        ("*", "1.2.3", True),
        (">2 <1", "*", False),
        ("<1 || >3", "2.x", False),
        ("<1 || >3", "4.x", True),
    ],
)
def test_intersects(a: str, b: str, expected: bool) -> None:
    assert intersects(parse_range(a), parse_range(b)) is expected
    assert intersects(parse_range(b), parse_range(a)) is expected


def test_satisfies_accepts_a_compiled_range() -> None:
    compiled = parse_range("~1.2.3")
    assert satisfies("1.2.9", compiled)
    assert not satisfies("not a version", compiled)


def test_range_valid_only_with_include_prerelease() -> None:
    # node: validRange("1.0.0 - =1.2.3") is null, but with includePrerelease it is
    # ">=1.0.0-0 <1.2.4-0"; satisfies follows each mode.
    with pytest.raises(SemverError):
        parse_range("1.0.0 - =1.2.3")
    assert satisfies("1.1.0", "1.0.0 - =1.2.3", include_prerelease=True)
    assert not satisfies("1.1.0", "1.0.0 - =1.2.3")
    # And the other way round: valid by default, invalid with includePrerelease.
    edge = parse_range("1.2.3 - 1.2.9007199254740991")
    assert edge.test(parse_version("1.2.5"))
    assert not edge.test(parse_version("1.2.5"), include_prerelease=True)
    assert edge.normalized_with_prerelease() is None
