"""Hypothesis properties of gouvernante.semver."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gouvernante.errors import SemverError
from gouvernante.semver import (
    Range,
    Version,
    _patterns,
    _range,
    _version,
    intersects,
    parse_range,
    parse_version,
    satisfies,
    try_parse_version,
)

MAX_SAFE = 2**53 - 1

components = st.one_of(st.integers(0, 20), st.integers(0, MAX_SAFE))
numeric_ids = st.one_of(st.integers(0, 20), st.integers(0, MAX_SAFE - 1))
word_ids = st.from_regex(r"\A[0-9A-Za-z-]{0,4}[A-Za-z-][0-9A-Za-z-]{0,4}\Z")
prerelease = st.lists(st.one_of(numeric_ids, word_ids), max_size=4).map(tuple)
build = st.lists(st.from_regex(r"\A[0-9A-Za-z-]{1,6}\Z"), max_size=3).map(tuple)


@st.composite
def versions(draw: st.DrawFn) -> Version:
    return Version(
        draw(components), draw(components), draw(components), draw(prerelease), draw(build)
    )


@st.composite
def small_versions(draw: st.DrawFn) -> Version:
    """Versions that collide often, so equal and neighbouring pairs are common."""
    small = st.integers(0, 3)
    ids: list[int | str] = [0, 1, 2, "alpha", "beta", "rc"]
    pre = st.lists(st.sampled_from(ids), max_size=2).map(tuple)
    return Version(draw(small), draw(small), draw(small), draw(pre))


SEMVERISH = "0123456789.xX*^~<>=|- v+abetrc\t\u00a0\ufeff\n\u001c\u2028"
semverish_text = st.text(alphabet=SEMVERISH, max_size=40)


@given(versions())
def test_str_round_trips(v: Version) -> None:
    text = str(v)
    parsed = parse_version(text)
    assert parsed == v
    assert str(parsed) == text
    assert parse_version(f"  v{text}+b.1 ") == v
    assert try_parse_version(text) == v


@given(versions(), versions())
def test_release_order_is_tuple_order(a: Version, b: Version) -> None:
    ra = Version(a.major, a.minor, a.patch)
    rb = Version(b.major, b.minor, b.patch)
    ta, tb = (a.major, a.minor, a.patch), (b.major, b.minor, b.patch)
    assert (ra < rb) == (ta < tb)
    assert (ra == rb) == (ta == tb)
    assert (ra > rb) == (ta > tb)
    if ta != tb:
        # The release triple decides before any prerelease does.
        assert (a < b) == (ta < tb)
    elif a.prerelease and not b.prerelease:
        assert a < b
    elif b.prerelease and not a.prerelease:
        assert a > b


@given(small_versions(), small_versions(), small_versions())
def test_order_is_total(a: Version, b: Version, c: Version) -> None:
    assert [a < b, a == b, a > b].count(True) == 1
    assert (a <= b) == (a < b or a == b)
    assert (a >= b) == (a > b or a == b)
    if a == b:
        assert hash(a) == hash(b)
    if a <= b <= c:
        assert a <= c
    ordered = sorted([a, b, c])
    assert ordered[0] <= ordered[1] <= ordered[2]


@given(versions(), versions())
def test_build_metadata_is_ignored(a: Version, b: Version) -> None:
    same_but_build = Version(a.major, a.minor, a.patch, a.prerelease, b.build)
    assert same_but_build == a
    assert hash(same_but_build) == hash(a)


@given(st.text(max_size=60))
def test_parse_version_raises_only_semver_error(text: str) -> None:
    try:
        parse_version(text)
    except SemverError:
        assert try_parse_version(text) is None


@given(st.one_of(st.text(max_size=60), semverish_text))
def test_parse_range_raises_only_semver_error(text: str) -> None:
    try:
        compiled = parse_range(text)
    except SemverError as exc:
        assert str(exc).startswith("invalid range")
        assert satisfies("1.2.3", text) is False
        return
    assert compiled.raw == text
    version = Version(1, 2, 3, ("beta", 1))
    assert isinstance(compiled.test(version), bool)
    assert isinstance(compiled.test(version, include_prerelease=True), bool)
    assert isinstance(intersects(compiled, compiled), bool)


@given(versions())
def test_star_admits_everything_with_prereleases(v: Version) -> None:
    assert Range("*").test(v, include_prerelease=True)
    assert Range("").test(v, include_prerelease=True)
    assert Range("x").test(v, include_prerelease=True)
    # Without the option, * still admits every release but no prerelease.
    assert Range("*").test(v) == (not v.prerelease)


@given(versions(), versions())
def test_exact_range_matches_only_that_version(v: Version, w: Version) -> None:
    exact = Range(f"={v}")
    for candidate in (v, w, Version(v.major, v.minor, v.patch)):
        for flag in (False, True):
            assert exact.test(candidate, include_prerelease=flag) == (candidate == v)


@given(small_versions(), small_versions())
def test_exact_range_small(v: Version, w: Version) -> None:
    assert Range(str(v)).test(w) == (w == v)
    assert Range(f"v{v}").test(w, include_prerelease=True) == (w == v)


@given(small_versions(), small_versions(), small_versions())
def test_bounds_agree_with_order(a: Version, lo: Version, hi: Version) -> None:
    window = Range(f">={lo} <={hi}")
    assert window.test(a, include_prerelease=True) == (lo <= a <= hi)
    assert Range(f">{lo}").test(a, include_prerelease=True) == (a > lo)
    assert Range(f"<{lo}").test(a, include_prerelease=True) == (a < lo)


@given(small_versions(), st.sampled_from(["^1.2.3", "~1.2", ">=1.0.0-beta <2", "1.x || 0.x", "*"]))
def test_satisfies_string_equals_range_test(v: Version, text: str) -> None:
    for flag in (False, True):
        assert satisfies(str(v), text, include_prerelease=flag) == parse_range(text).test(
            v, include_prerelease=flag
        )


HOSTILE_PIECES = ["1 ", " ", "v", "x.", "^1 ", "1.", "-", "||", "a", "1.2.3 - ", "<=1.x "]


@settings(max_examples=40, deadline=None)
@given(st.integers(100, 9000), st.sampled_from(HOSTILE_PIECES))
def test_long_hostile_input_is_clean(count: int, piece: str) -> None:
    text = piece * count
    with contextlib.suppress(SemverError):
        parse_range(text)
    assert try_parse_version(text) is None


def test_over_long_range_is_rejected() -> None:
    text = "1 " * 5000
    with pytest.raises(SemverError, match="longer than 8192 characters"):
        parse_range(text)
    assert satisfies("1.0.0", text) is False


# The shortcut for ranges of plain comparators and plain versions (no pattern compiled) against
# node-semver's steps one by one: the same comparator sets, with and without includePrerelease,
# and the same versions; any other text is left to the full reading.

_NUMBERS = st.one_of(
    st.sampled_from(["0", "1", "01", "00", "10", "999999999999999", "9999999999999999"]),
    st.integers(0, 30).map(str),
)
_OPERATORS = st.sampled_from([">=", "<=", ">", "<", "=", "", "=>", "==", "~", "^", "v"])
_RELEASES = st.one_of(
    st.builds(lambda a, b, c: f"{a}.{b}.{c}", _NUMBERS, _NUMBERS, _NUMBERS),
    st.sampled_from(["1.2", "1.2.3.4", "1.2.x", "1.2.3-0", "1.2.3+b", "1.٢.3", ""]),
)
_TOKENS = st.builds(lambda op, rel: op + rel, _OPERATORS, _RELEASES)
_SEPARATORS = st.sampled_from([" ", " ", " ", "  ", " || ", "||", " - ", "\t"])


@st.composite
def _plain_like_ranges(draw: st.DrawFn) -> str:
    tokens: list[str] = draw(st.lists(_TOKENS, min_size=1, max_size=5))
    text = tokens[0]
    for token in tokens[1:]:
        text += draw(_SEPARATORS) + token
    return text


def _sets_or_error(text: str, inc_pr: bool) -> object:
    try:
        return _range._desugar_in_full(text, inc_pr)
    except (_range._Invalid, ValueError):
        return "invalid"


@pytest.mark.property
@given(_plain_like_ranges(), st.booleans())
@settings(max_examples=600)
def test_plain_ranges_read_as_node_semver_reads_them(text: str, inc_pr: bool) -> None:
    fast = _range._plain_sets(text, inc_pr)
    if fast is not None:
        assert fast == _sets_or_error(text, inc_pr)


@pytest.mark.property
@given(_RELEASES)
def test_plain_versions_read_as_the_full_pattern_reads_them(text: str) -> None:
    release = _version.plain_release(text)
    if release is not None:
        match = _patterns.FULL.match(text)
        assert match is not None and not match.group(4) and not match.group(5)
        assert release == (int(match.group(1)), int(match.group(2)), int(match.group(3)))


def test_plain_shortcut_is_taken_for_the_common_shapes() -> None:
    for text in (">=11.29.0 <11.30.0", "=1.2.3", "1.2.3 || >=2.0.0 <2.1.0", ">=0.0.0"):
        for inc_pr in (False, True):
            assert _range._plain_sets(text, inc_pr) == _sets_or_error(text, inc_pr), text
    assert _range._plain_sets("^1.2.3", False) is None
    assert _range._plain_sets("1.2.3 - 2.0.0", False) is None


# Small versions and ranges over them, so a declared range and a rule window share releases and
# prereleases often: every version of the pool a declared range installs (default options) and
# a window holds (includePrerelease) must be seen by intersects or prerelease_intersects.
_SMALL = st.builds(
    Version,
    st.integers(1, 1),
    st.integers(0, 2),
    st.integers(0, 3),
    st.one_of(
        st.just(()), st.lists(st.sampled_from([0, 1, 2, "a", "beta"]), max_size=2).map(tuple)
    ),
)
_OPS = st.sampled_from(["", "=", ">", ">=", "<", "<=", "^", "~"])
_SMALL_RANGES = st.lists(
    st.lists(st.tuples(_OPS, _SMALL), min_size=1, max_size=2), min_size=1, max_size=2
).map(lambda sets: " || ".join(" ".join(f"{o}{v}" for o, v in comps) for comps in sets))
_POOL = [
    Version(1, minor, patch, pre)
    for minor in range(3)
    for patch in range(4)
    for pre in ((), (0,), (0, 0), (1,), (2,), ("a",), ("a", 0), ("beta",), ("beta", 0))
]


@settings(max_examples=3000, deadline=None)
@given(_SMALL_RANGES, _SMALL_RANGES)
def test_prerelease_intersects_finds_every_installed_prerelease(declared: str, rule: str) -> None:
    from gouvernante.semver import prerelease_intersects

    mine, window = parse_range(declared, loose=True), parse_range(rule)
    shared = [v for v in _POOL if mine.test(v) and window.test(v, include_prerelease=True)]
    if any(v.prerelease for v in shared):
        assert prerelease_intersects(mine, window), (declared, rule, shared)
    if shared:
        assert intersects(mine, window) or prerelease_intersects(mine, window)
