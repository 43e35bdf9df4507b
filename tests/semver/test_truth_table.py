"""gouvernante.semver against a truth table computed by the real node-semver package.

The table is tests/semver/truth_table.json, made by scripts/semver-truth-table/generate.js. Set
SEMVER_TRUTH_TABLE=/path/to/other.json to check a bigger (uncommitted) fuzz table instead.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

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

TABLE_PATH = Path(
    os.environ.get("SEMVER_TRUTH_TABLE", Path(__file__).with_name("truth_table.json"))
)


@pytest.fixture(scope="module")
def table() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    return data


def _report(mismatches: list[str]) -> str:
    return f"{len(mismatches)} mismatches with node-semver:\n" + "\n".join(mismatches[:40])


def test_table_is_substantial(table: dict[str, Any]) -> None:
    assert table["semver_version"].startswith("7.")
    ranges = table["ranges"]
    assert len(ranges) >= 500
    assert sum(row["valid"] is None for row in ranges) >= 100
    assert sum(row["valid"] is not None for row in ranges) >= 300
    cells = len(ranges) * len(table["versions"])
    assert cells >= 10_000
    assert any(row["satisfies"] != row["satisfies_pre"] for row in ranges)
    assert len(table["intersects"]["ranges"]) ** 2 >= 400


def test_valid_range_matches(table: dict[str, Any]) -> None:
    mismatches = []
    for row in table["ranges"]:
        text = row["range"]
        try:
            parsed = parse_range(text)
        except SemverError as exc:
            assert str(exc) == f'invalid range "{text}"' or len(text) > 200
            if row["valid"] is not None:
                mismatches.append(f"{text!r}: rejected, node gives {row['valid']!r}")
            continue
        if row["valid"] is None:
            mismatches.append(f"{text!r}: accepted as {parsed.normalized!r}, node rejects it")
            continue
        if parsed.normalized != row["valid"]:
            mismatches.append(f"{text!r}: {parsed.normalized!r} != node {row['valid']!r}")
        if parsed.normalized_with_prerelease() != row["valid_pre"]:
            mismatches.append(
                f"{text!r} (includePrerelease): {parsed.normalized_with_prerelease()!r}"
                f" != node {row['valid_pre']!r}"
            )
    assert not mismatches, _report(mismatches)


def test_satisfies_matches(table: dict[str, Any]) -> None:
    versions: list[str] = table["versions"]
    mismatches = []
    for row in table["ranges"]:
        text = row["range"]
        for flag, key in ((False, "satisfies"), (True, "satisfies_pre")):
            got = "".join(
                "1" if satisfies(v, text, include_prerelease=flag) else "0" for v in versions
            )
            if got != row[key]:
                wrong = [v for v, g, e in zip(versions, got, row[key], strict=True) if g != e]
                mismatches.append(f"{text!r} include_prerelease={flag}: differs on {wrong!r}")
    assert not mismatches, _report(mismatches)


def test_range_test_agrees_with_satisfies(table: dict[str, Any]) -> None:
    """Range.test on a parsed Version (the hot path) gives the same cells as satisfies(str)."""
    parsed_versions = [(i, try_parse_version(v)) for i, v in enumerate(table["versions"])]
    checked = 0
    for row in table["ranges"]:
        if row["valid"] is None:
            continue
        compiled = parse_range(row["range"])
        for i, version in parsed_versions:
            if version is None:
                continue
            assert compiled.test(version) == (row["satisfies"][i] == "1"), (row["range"], i)
            assert compiled.test(version, include_prerelease=True) == (
                row["satisfies_pre"][i] == "1"
            ), (row["range"], i)
            checked += 1
    assert checked > 10_000


def test_invalid_ranges_satisfy_nothing(table: dict[str, Any]) -> None:
    for row in table["ranges"]:
        if row["valid"] is None:
            assert set(row["satisfies"]) <= {"0"}
            assert not any(satisfies(v, row["range"]) for v in table["versions"])


def test_parse_matches(table: dict[str, Any]) -> None:
    mismatches = []
    for row in table["parse"]:
        text = row["input"]
        got = try_parse_version(text)
        if row["valid"] is None:
            if got is not None:
                mismatches.append(f"{text!r}: parsed as {got}, node rejects it")
            with pytest.raises(SemverError):
                parse_version(text)
            continue
        if got is None:
            mismatches.append(f"{text!r}: rejected, node gives {row['valid']!r}")
            continue
        if str(got) != row["valid"]:
            mismatches.append(f"{text!r}: {got} != node {row['valid']!r}")
        if list(got.prerelease) != row["prerelease"]:
            mismatches.append(f"{text!r}: prerelease {got.prerelease!r} != {row['prerelease']!r}")
        if list(got.build) != row["build"]:
            mismatches.append(f"{text!r}: build {got.build!r} != {row['build']!r}")
        assert parse_version(text) == got
    assert not mismatches, _report(mismatches)


def test_compare_matches(table: dict[str, Any]) -> None:
    names: list[str] = table["compare"]["versions"]
    versions = [parse_version(v) for v in names]
    mismatches = []
    for a, row in zip(versions, table["compare"]["rows"], strict=True):
        for b, expected in zip(versions, row, strict=True):
            got = "<" if a < b else ">" if a > b else "="
            if got != expected:
                mismatches.append(f"{a} vs {b}: {got} != node {expected}")
            assert (a == b) == (expected == "=")
            assert (a <= b) == (expected in "<=")
            assert (a >= b) == (expected in ">=")
    assert not mismatches, _report(mismatches)


def test_intersects_matches(table: dict[str, Any]) -> None:
    names: list[str] = table["intersects"]["ranges"]
    ranges = [parse_range(r) for r in names]
    mismatches = []
    for a, row in zip(ranges, table["intersects"]["rows"], strict=True):
        for b, expected in zip(ranges, row, strict=True):
            got = intersects(a, b)
            if got != (expected == "1"):
                mismatches.append(f"intersects({a.raw!r}, {b.raw!r}) = {got}, node {expected}")
    assert not mismatches, _report(mismatches)


def test_range_objects_from_table_are_reusable(table: dict[str, Any]) -> None:
    row = next(r for r in table["ranges"] if r["range"] == "^1.2.3")
    compiled = Range("^1.2.3")
    assert compiled == parse_range("^1.2.3")
    assert hash(compiled) == hash(parse_range("^1.2.3"))
    assert compiled.normalized == row["valid"] == ">=1.2.3 <2.0.0-0"


def _loose_version(text: str) -> Version | None:
    try:
        return parse_version(text, loose=True) if text else None
    except SemverError:
        return None


def test_loose_ranges_match(table: dict[str, Any]) -> None:
    """``parse_range(text, loose=True)`` is node's ``new Range(text, {loose: true})``: how npm
    and pnpm read a package.json's ranges (``>=1.2.03``, ``^1.2.3 foo``, ``foo || 1.2.3``)."""
    versions = [_loose_version(v) for v in table["versions"]]
    mismatches = []
    loose_only = 0
    for row in table["ranges"]:
        text = row["range"]
        try:
            parsed: Range | None = parse_range(text, loose=True)
        except SemverError:
            parsed = None
        if parsed is None:
            if row["valid_loose"] is not None:
                mismatches.append(f"{text!r} loose: rejected, node gives {row['valid_loose']!r}")
            continue
        if row["valid"] is None:
            loose_only += 1
        if parsed.normalized != row["valid_loose"]:
            mismatches.append(f"{text!r} loose: {parsed.normalized!r} != {row['valid_loose']!r}")
            continue
        if parsed.normalized_with_prerelease() != row["valid_loose_pre"]:
            mismatches.append(f"{text!r} loose, includePrerelease: differs")
        got = "".join("1" if v is not None and parsed.test(v) else "0" for v in versions)
        if got != row["satisfies_loose"]:
            mismatches.append(f"{text!r} loose: satisfies {got} != {row['satisfies_loose']}")
    assert not mismatches, _report(mismatches)
    assert loose_only >= 40  # the table holds ranges only loose mode reads


def test_loose_parse_matches(table: dict[str, Any]) -> None:
    mismatches = [
        f"{row['input']!r}: {got} != node {row['valid_loose']!r}"
        for row in table["parse"]
        if (None if (got := _loose_version(row["input"])) is None else str(got))
        != row["valid_loose"]
    ]
    assert not mismatches, _report(mismatches)


def test_loose_and_strict_ranges_differ() -> None:
    assert parse_range("^1.2.3", loose=True) != parse_range("^1.2.3")
    assert parse_range("^1.2.3", loose=True) == parse_range("^1.2.3", loose=True)
    with pytest.raises(SemverError):
        parse_range(">=1.2.03")
    assert parse_range(">=1.2.03", loose=True).normalized == ">=1.2.3"
