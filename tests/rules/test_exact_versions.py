"""Exact versions in rules (``1.2.3``, ``=1.0.0-beta.1``, decision 0118) are validated by their
shape and looked up in a dictionary (``EXACT_VERSION``, ``exact_key``); every answer must be the
range parser's: the same texts accepted, the same error for the others, the same versions matched
(build metadata, prerelease numbers of 2**53 and more, leading zeros), the same declared ranges
intersecting, in the rule's order."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gouvernante.errors import SemverError
from gouvernante.match.hits import rules_at_version
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import parse_rule_document
from gouvernante.rules.model import EXACT_VERSION, PackageRule, Rule, RuleKind
from gouvernante.semver import (
    Comparator,
    Range,
    Version,
    intersects,
    parse_range,
    parse_version,
    prerelease_intersects,
    try_parse_version,
)
from gouvernante.vocab import Severity

# Small pools, so that rule texts and locked versions often name the same version; the edges of
# every bound the two readings have (leading zeros, 15/16 digits, 2**53 - 1 and the doubles past
# it, identifier and text lengths around 250 and 256).
_NUMBERS = st.sampled_from(
    [
        "0",
        "1",
        "2",
        "01",
        "00",
        "10",
        "999999999999999",  # 15 digits
        "1000000000000000",  # 16 digits, below 2**53
        "9007199254740991",  # 2**53 - 1
        "9007199254740992",
        "9007199254740993",  # the same double as 2**53
        "9999999999999999",
        "",
        "x",
    ]
)
_WORDS = st.sampled_from(["beta", "rc", "alpha", "-", "0a", "a-b", "A", "x", "X", "*", "1a1", ""])
_LONG = st.builds(lambda n, c: c * n, st.integers(240, 262), st.sampled_from(["a", "1", "b1"]))
_IDENT = st.one_of(_NUMBERS, _WORDS, _WORDS, _LONG)
_SPACE = st.sampled_from(["", "", "", " ", "  ", "\t", "\u00a0", "\n"])
_PREFIX = st.sampled_from(["", "", "=", "=", "v", "=v", "==", "v=", "= ", "=\t", ">=", "<=", "V"])


@st.composite
def _version_text(draw: st.DrawFn, *, long: bool = True) -> str:
    ident = _IDENT if long else st.one_of(_NUMBERS, _WORDS)
    text = ".".join(draw(_NUMBERS) for _ in range(3))
    if draw(st.booleans()):
        text = draw(st.sampled_from(["1.0.0", "0.1.2", "2.0.0"]))
    if draw(st.booleans()):
        text += "-" + ".".join(draw(st.lists(ident, min_size=1, max_size=4)))
    if draw(st.integers(0, 3)) == 0:
        builds = draw(st.lists(st.one_of(_WORDS, _NUMBERS), min_size=1, max_size=3))
        text += draw(st.sampled_from(["+", "+", "."])) + ".".join(builds)
        if draw(st.integers(0, 3)) == 0:
            text += "+" + draw(_WORDS)
    return text


@st.composite
def _expression(draw: st.DrawFn) -> str:
    return draw(_SPACE) + draw(_PREFIX) + draw(_version_text()) + draw(_SPACE)


def _key(expr: str) -> str | None:
    found = EXACT_VERSION.fullmatch(expr)
    return None if found is None else found[1]


def _doc(exprs: list[str]) -> bytes:
    rule = {
        "id": "X-1",
        "title": "t",
        "kind": "malicious-package",
        "ecosystem": "npm",
        "severity": "critical",
        "package_rules": [{"package_name": "a", "affected_versions": exprs}],
    }
    return json.dumps({"schema_version": "1.0.0", "rules": [rule]}).encode()


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expression())
@example("=1.0.0-beta.1")
@example("1.0.0-01")  # a leading zero: no semver 2.0.0 version
@example("=9999999999999999.0.0")  # above 2**53 - 1: refused, as the range parser does
@example("=1.0.0+b")
@example("=1.0.0+b+c")  # node strips every +build run: 1.0.0
@example("v1.0.0-" + "a" * 250)  # 251 characters after the first letter of an identifier
@example("1.0.0-" + "a" * 244)  # 250 characters
@example("1.0.0-9007199254740993")
def test_accepted_and_refused_as_the_range_parser_does(expr: str) -> None:
    key = _key(expr)
    try:
        parsed: Range | None = parse_range(expr)
        error = None
    except SemverError as exc:
        parsed, error = None, exc
    if key is not None:
        # the fast path takes only what the range parser reads as that one version
        assert parsed is not None, expr
        version = parse_version(key)
        assert str(version) == key  # canonical: no leading zero, no build, no v
        one = ((Comparator("", version, key),),)
        assert parsed.sets == one
        assert parsed.normalized_with_prerelease() == key
    if expr.strip() == "" or not expr.strip(" \t\n\u00a0"):
        return  # the loader's own "empty text" error
    rules, errors = parse_rule_document(_doc([expr]), "r.json")
    if error is None:
        assert errors == [] and len(rules) == 1, (expr, errors)
    else:
        assert not rules
        assert [e.located() for e in errors] == [
            f"rules[0].package_rules[0].affected_versions[0]: {error.detail}"
        ], expr


_LOCKED_ID = st.sampled_from(
    ["0", "1", "beta", "rc", "9007199254740992", "9007199254740993", "999999999999999", "a-b"]
)


@st.composite
def _locked(draw: st.DrawFn) -> Version:
    text = draw(st.sampled_from(["1.0.0", "0.1.2", "2.0.0", "0.0.0"]))
    if draw(st.booleans()):
        text += "-" + ".".join(draw(st.lists(_LOCKED_ID, min_size=1, max_size=3)))
    if draw(st.booleans()):
        text += "+" + draw(st.sampled_from(["b", "b.1", "001"]))
    version = try_parse_version(text)
    assert version is not None, text
    return version


_VALID = _expression().filter(lambda e: _try_range(e) is not None)
_VALID_SHORT = st.builds(lambda p, v: p + v, _PREFIX, _version_text(long=False)).filter(
    lambda e: _try_range(e) is not None
)


def _try_range(expr: str) -> Range | None:
    try:
        return parse_range(expr)
    except SemverError:
        return None


def _declared(version: Version) -> st.SearchStrategy[str]:
    text = str(version)
    return st.sampled_from(
        [
            text,
            f"^{text}",
            f"~{text}",
            f">={text}",
            f"<={text}",
            f">{text}",
            f"<{text}",
            f">={text} <{version.major}.{version.minor}.{version.patch + 1}",
            f">={version.major}.{version.minor}.{version.patch}-0 <={text}",
            f"{version.major}.{version.minor}.x",
            "*",
            f"{text} || 9.9.9",
        ]
    )


def _rule(exprs: list[str]) -> Rule:
    prule = PackageRule("a", tuple(exprs), frozenset())
    return Rule("X-1", "t", RuleKind.MALICIOUS_PACKAGE, "npm", Severity.CRITICAL, (prule,), "r")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_VALID_SHORT, _VALID), min_size=1, max_size=5), st.data())
def test_matched_as_the_range_parser_matches(exprs: list[str], data: st.DataObject) -> None:
    ranges = [parse_range(e) for e in exprs]
    keys = [k for k in map(_key, exprs) if k is not None]
    # locked versions: random ones and the rule's own versions (with build metadata)
    version = data.draw(
        st.one_of(
            _locked(),
            st.sampled_from(keys or ["1.0.0"]).map(parse_version),
            st.sampled_from(keys or ["1.0.0"]).map(lambda k: parse_version(k + "+build.1")),
        )
    )
    rule = _rule(exprs)
    prule = rule.package_rules[0]
    expected = next(
        (e for e, r in zip(exprs, ranges, strict=True) if r.test(version, include_prerelease=True)),
        None,
    )
    assert prule.first_match(version) == expected
    index = build_index([rule])
    assert rules_at_version(index, str(version), None) == (["X-1"] if expected else [])

    declared = parse_range(data.draw(_declared(version)))
    expected = next(
        (
            e
            for e, r in zip(exprs, ranges, strict=True)
            if intersects(declared, r) or prerelease_intersects(declared, r)
        ),
        None,
    )
    assert prule.first_intersecting(declared) == expected


def test_prereleases_and_build_metadata_take_the_exact_path() -> None:
    prule = PackageRule(
        "a",
        ("1.0.0-beta.1", "=v2.0.0-rc.0+b.5", "=1.0.0+x", "1.0.0-9007199254740993", "^3.0.0"),
        frozenset(),
    )
    assert prule.exact == {"1.0.0-beta.1": 0, "2.0.0-rc.0": 1, "1.0.0": 2}
    assert prule.inexact == ((3, "1.0.0-9007199254740993"), (4, "^3.0.0"))
    assert prule.first_match(parse_version("2.0.0-rc.0+other")) == "=v2.0.0-rc.0+b.5"
    assert prule.first_match(parse_version("1.0.0+y")) == "=1.0.0+x"
    assert prule.first_match(parse_version("1.0.0-beta.01", loose=True)) == "1.0.0-beta.1"
    # a prerelease number of 2**53 and more compares as a double: 2**53 + 1 is 2**53
    assert prule.first_match(parse_version("1.0.0-9007199254740992")) == "1.0.0-9007199254740993"
    assert prule.first_match(parse_version("1.0.0-beta.2")) is None


def test_sixteen_digit_exact_versions_are_refused_as_ranges_are() -> None:
    doc = _doc(["=9999999999999999.0.0", "9007199254740991.0.0"])
    rules, errors = parse_rule_document(doc, "r")
    assert not rules
    assert [e.located() for e in errors] == [
        'rules[0].package_rules[0].affected_versions[0]: invalid range "=9999999999999999.0.0"'
    ]
