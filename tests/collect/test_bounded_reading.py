"""``collect`` reads each input with the report's types first: what is not a report is refused
where that reading stops, with no untyped tree built of it, in memory bounded by the file's size;
issues name the file and position, never its bytes (decision 0114)."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gouvernante.collect.load import MAX_ISSUES_PER_INPUT, load_reports
from gouvernante.fs.decode import STDLIB_MAX_BYTES, json_problem
from helpers import json_says

from .test_hostile import base

MANY = 1_000_000  # ``[],`` each: 3 MB, which an untyped reading made ~80 MB of objects of


def _many() -> bytes:
    return b"[" + b"[]," * MANY + b"[]]"


def _peak(read: Callable[[], Any]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        out = read()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _report_bytes() -> bytes:
    return json.dumps(base("s1")).encode()


HOSTILE: dict[str, Callable[[], bytes]] = {
    "array of empty arrays": _many,
    "an unknown key holds them": lambda: _report_bytes()[:-1] + b', "x": ' + _many() + b"}",
    "findings holds them": lambda: _report_bytes().replace(
        b'"findings": []', b'"findings": ' + _many()
    ),
    "cut before its end": lambda: _many()[:-1] + b"}",
    "an array of objects with no report key": lambda: b"[" + b"{}," * MANY + b"{}]",
    "deep": lambda: b"[" * MANY + b"]" * MANY,
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_document_costs_memory_bounded_by_its_size(case: str, tmp_path: Path) -> None:
    data = HOSTILE[case]()
    path = tmp_path / "r.json"
    path.write_bytes(data)
    loaded, peak = _peak(lambda: load_reports([str(path)]))
    # (the file read whole is one copy; an untyped reading built 26 of them)
    assert peak < 3 * len(data), (case, peak, len(data))
    reports = [r.source for r in loaded.reports]
    if case == "an unknown key holds them":
        assert reports == [str(path)] and loaded.issues == []
        return
    assert reports == [] and len(loaded.issues) == 1, loaded.issues
    assert loaded.issues[0].source.startswith(str(path))
    assert "[]" not in loaded.issues[0].message


def test_array_items_not_reports_are_one_issue_naming_the_item(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps([base("a"), base("b"), [], base("c")]))
    loaded = load_reports([str(path)])
    assert loaded.reports == []
    assert [(i.source, i.message) for i in loaded.issues] == [
        (
            f"{path}[2]",
            "not a JSON object: not a gouvernante report: this array is not one of reports"
            " (none of it read)",
        )
    ]


def test_array_items_that_are_broken_reports_are_refused_one_by_one(tmp_path: Path) -> None:
    bad = base("b")
    bad["findings"] = [{"severity": "SECRET-VALUE"}]
    other = {"schema_version": "1", "tool": {"name": "other-tool"}}
    path = tmp_path / "r.json"
    path.write_text(json.dumps([base("a"), bad, other, base("c")]))
    loaded = load_reports([str(path)])
    assert [r.source for r in loaded.reports] == [f"{path}[0]", f"{path}[3]"]
    assert [(i.source, i.message) for i in loaded.issues] == [
        (f"{path}[1]", "findings[0].severity: not one of the allowed values"),
        (f"{path}[2]", "not a gouvernante JSON report (no tool.name/schema_version)"),
    ]


def test_issues_of_one_input_are_listed_up_to_a_bound(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lines = [json.dumps(base("a")), *(["[]"] * 500), "{not json", json.dumps(base("b"))]
    path.write_text("\n".join(lines) + "\n")
    loaded = load_reports([str(path)])
    assert [r.source for r in loaded.reports] == [f"{path}:1", f"{path}:503"]
    assert len(loaded.issues) == MAX_ISSUES_PER_INPUT + 1
    assert loaded.issues[0] == type(loaded.issues[0])(
        f"{path}:2", "not a JSON object: not a gouvernante report"
    )
    assert loaded.issues[-1].source == str(path)
    assert loaded.issues[-1].message == (
        f"{501 - MAX_ISSUES_PER_INPUT} more documents that are not reports (the first"
        f" {MAX_ISSUES_PER_INPUT} are listed)"
    )


def test_a_broken_line_is_named_by_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(base("a")) + '\n{"SECRET": 1,}\n')
    loaded = load_reports([str(path)])
    said = json_says('{"SECRET": 1,}')
    assert [(i.source, i.message) for i in loaded.issues] == [
        (f"{path}:2", f"column {said.colno}: invalid JSON: {said.msg}")
    ]


def test_the_same_report_in_another_layout_is_one_report(tmp_path: Path) -> None:
    doc = base("a", hit=True)
    reordered = {k: doc[k] for k in reversed(doc)}
    reordered["scan"] = {k: doc["scan"][k] for k in reversed(doc["scan"])}
    reordered["from_a_newer_version"] = {"ignored": [1, 2]}
    (tmp_path / "a.json").write_text(json.dumps(doc))
    (tmp_path / "b.json").write_text(json.dumps(reordered, indent=3))
    stdin = io.BytesIO(b"\xef\xbb\xbf" + json.dumps([doc]).encode())
    loaded = load_reports([str(tmp_path), "-"], stdin=stdin)
    assert len(loaded.reports) == 1 and loaded.duplicates == 2 and loaded.issues == []


def test_a_long_refused_document_is_named_without_the_standard_decoder() -> None:
    """The standard library builds every value before the error it names: past
    ``STDLIB_MAX_BYTES`` the position is msgspec's (no value built)."""
    data = _many()[:-1] + b"x"
    assert len(data) > STDLIB_MAX_BYTES
    problem, peak = _peak(lambda: json_problem(data))
    assert peak < 2 * len(data)
    assert problem.message() == (
        f"line 1 column {len(data)} (byte {len(data) - 1}): invalid JSON: Expecting ',' delimiter"
    )
    text = ('["' + "é" * 600_000 + '",\n1,\n  é]').encode()
    assert json_problem(text).message() == (
        f"line 3 column 3 (byte {len(text) - 3}): invalid JSON: unexpected character"
    )
