"""Renderers on hostile strings: every report is strict UTF-8, no renderer raises, and the text and
Markdown reports show control, bidi and invisible characters escaped and scanned names inert.

Bounded and derandomised (``derandomize=True``): the same examples on every run.
"""

from __future__ import annotations

import json
import re
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gouvernante.model import (
    Finding,
    FindingType,
    LockfileFormat,
    MatchKind,
    ScanIssue,
    ScanResult,
    ScanStats,
    Source,
)
from gouvernante.report import ReportFormat, render
from gouvernante.safetext import capped, key_segment, shown
from gouvernante.vocab import Severity

# Characters an attacker would plant: C0/C1 controls, DEL, bidi overrides and isolates, zero-width
# and other invisible format characters, line/paragraph separators, tag characters, undecodable
# bytes (surrogateescape), lone surrogates, and Markdown/HTML syntax.
HOSTILE_CHARS = (
    [chr(c) for c in range(0x20)]
    + ["\x7f", "\x85", "\x9b"]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad", "\u061c"]
    + ["\u2028", "\u2029", "\U000e0041", "\U000e007f"]
    + ["\udc80", "\udcff", "\ud800", "\udfff"]
    + list("|`*_[]()<>!#~&$:@.\\/ ")
)
FRAGMENTS = [
    "[x](https://evil.example/a)",
    "![i](https://evil.example/i.png)",
    "<img src=x onerror=alert(1)>",
    "https://evil.example/",
    "www.evil.example",
    "@org/team",
    "&#x202e;",
    "| a | b |",
    "\n| forged | row |\n",
    "```",
    "\x1b[2J\x1b[31mCLEAN",
    "\rCLEAN: no findings",
]

hostile = st.lists(
    st.one_of(st.sampled_from(HOSTILE_CHARS), st.sampled_from(FRAGMENTS), st.text(max_size=4)),
    max_size=12,
).map("".join)

# What must never reach a terminal or a rendered Markdown page unescaped.
FORBIDDEN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\u2028\u2029\u00ad\u061c\ud800-\udfff\U000e0000-\U000e007f]"
)

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def result_with(name: str, path: str, text: str) -> ScanResult:
    finding = Finding(
        rule_id="TEST-1",
        rule_title=f"title {text}",
        severity=Severity.CRITICAL,
        type=FindingType.PACKAGE,
        match=MatchKind.VERSION,
        description=f"{name}@1.0.0 is affected {text}",
        remediation=f"fix {text}",
        package=name,
        version=f"1.0.0{text}",
        matched_expression="1.0.0",
        source=Source.REGISTRY,
        lockfile=path,
        lockfile_format=LockfileFormat.PACKAGE_LOCK,
        line=3,
        dependency_paths=((path, f"{name}@1.0.0"),),
        direct=False,
        install_scripts=(text,),
    )
    suppressed = Finding(
        rule_id="TEST-2",
        rule_title="t",
        severity=Severity.LOW,
        type=FindingType.HOST_INDICATOR,
        match=MatchKind.VERSION,
        description=text,
        path=path,
        indicator=text,
        suppressed=text,
    )
    return ScanResult(
        findings=(finding, suppressed),
        errors=(ScanIssue(path, text), ScanIssue(name, "x")),
        notes=(ScanIssue(path, text),),
        stats=ScanStats(lockfiles_scanned=1),
        scanned_files=(path,),
        scan_root=f"/root/{path}",
        suppression_notes=(ScanIssue(path, text),),
    )


def _check_all(result: ScanResult) -> None:
    for fmt in ReportFormat:
        out = render(result, fmt)
        out.encode("utf-8")  # strict: no surrogate, no raw byte
        if out.lstrip().startswith("{"):  # JSON formats (JSON, SARIF, and any later one)
            json.loads(out)
            continue
        for line in out.split("\n"):
            assert FORBIDDEN.search(line) is None, (fmt, line)
    md = render(result, ReportFormat.MARKDOWN)
    _assert_inert_markdown(md)


def _assert_inert_markdown(md: str) -> None:
    for line in md.splitlines():
        outside = _outside_code(line)
        assert "](" not in _unescaped(outside), line
        assert "<" not in _unescaped(outside).replace("<details>", "").replace(
            "<summary>", ""
        ).replace("</summary>", "").replace("</details>", ""), line
        assert "&" not in _unescaped(outside), line
        if line.startswith("|"):
            # Only the table's own cell separators are unescaped pipes.
            cells = re.split(r"(?<!\\)\|", line)
            assert len(cells) in (6, 7, 8), line  # 4- or 6-column tables, plus both ends


def _unescaped(text: str) -> str:
    """``text`` without backslash-escaped characters (they render literally)."""
    return re.sub(r"\\.", "", text)


def _outside_code(line: str) -> str:
    """The parts of a Markdown line outside code spans (CommonMark: equal-length fences)."""
    out: list[str] = []
    i = 0
    while i < len(line):
        if line[i] == "`":
            j = i
            while j < len(line) and line[j] == "`":
                j += 1
            fence = line[i:j]
            end = line.find(fence, j)
            while end != -1 and line[end + len(fence) : end + len(fence) + 1] == "`":
                end = line.find(fence, end + len(fence) + 1)
            if end == -1:
                out.append(line[i:j])
                i = j
            else:
                i = end + len(fence)
            continue
        if line[i] == "\\" and i + 1 < len(line):
            out.append(line[i : i + 2])
            i += 2
            continue
        out.append(line[i])
        i += 1
    return "".join(out)


@SETTINGS
@given(name=hostile, path=hostile, text=hostile)
def test_no_renderer_fails_and_reports_stay_safe(name: str, path: str, text: str) -> None:
    _check_all(result_with(name or "n", path or "p", text))


def test_fixed_hostile_names() -> None:
    for value in [*FRAGMENTS, "".join(HOSTILE_CHARS), "bad\udcff\x1b[31mname/package-lock.json"]:
        _check_all(result_with(value, value, value))


def test_undecodable_bytes_are_visible_escapes_everywhere() -> None:
    name = "dir\udcff/package-lock.json"
    result = result_with("pkg", name, "x")
    assert "dir\\xff/package-lock.json" in render(result, ReportFormat.TEXT)
    assert "dir\\xff/package-lock.json" in render(result, ReportFormat.MARKDOWN)
    doc = json.loads(render(result, ReportFormat.JSON))
    assert doc["scan"]["files"] == ["dir\\xff/package-lock.json"]
    sarif = json.loads(render(result, ReportFormat.SARIF))
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
        for loc in r.get("locations", ())
    }
    assert "dir%FF/package-lock.json" in uris  # the exact bytes, percent-encoded


def test_bidi_and_controls_escaped_in_text() -> None:
    out = render(result_with("a\u202eb", "p\x1b[2Jq", "c\u2066d\re"), ReportFormat.TEXT)
    assert "a\\u202eb" in out
    assert "p\\x1b[2Jq" in out
    assert "c\\u2066d\\x0de" in out


def test_markdown_names_are_inert() -> None:
    md = render(
        result_with("[x](https://evil.example)", "![i](https://e/i.png)", "<b>@team</b>"),
        ReportFormat.MARKDOWN,
    )
    _assert_inert_markdown(md)
    assert "<b>" not in _outside_code(md.replace("\n", " "))


def test_shown_is_identity_on_printable_text() -> None:
    for text in ["lodash@4.17.21", "C:\\Users\\ci\\yarn.lock", "ünïcödé/päckage", "日本語"]:
        assert shown(text) == text


def test_shown_escapes_every_non_printable_character() -> None:
    for code in [*range(0x20), 0x7F, *range(0x80, 0xA0), 0x200B, 0x202E, 0x2066, 0xFEFF]:
        out = shown(chr(code))
        assert out.startswith("\\"), hex(code)
        assert all(unicodedata.category(c)[0] != "C" for c in out)


def test_key_segment_is_escaped_and_capped() -> None:
    seg = key_segment("k'\x1b" + "x" * 500)
    assert seg.startswith("['k\\'\\x1b")
    assert len(seg) < 100
    assert capped("short") == "short"
