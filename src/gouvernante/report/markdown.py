"""Markdown for pull-request comments and ``$GITHUB_STEP_SUMMARY``.

A verdict line, one table of findings by severity (capped: a PR comment must stay short), errors,
suppressed findings with their reasons, and the dependency paths in a collapsed ``<details>``.
"""

from __future__ import annotations

from collections.abc import Sequence

from gouvernante import __version__
from gouvernante.model import (
    DiffChange,
    Finding,
    FindingType,
    ScanIssue,
    ScanResult,
    error_count,
)
from gouvernante.report.text import subject, summary_line
from gouvernante.safetext import shown
from gouvernante.vocab import Severity

MAX_ROWS = 50  # findings in the main table
MAX_DETAILS = 25  # findings whose dependency paths are listed
MAX_LIST = 20  # errors, suppressed findings, suppression notes
MAX_CELL = 160  # characters in one table cell

_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
_KIND = {
    FindingType.PACKAGE: "lockfile",
    FindingType.INSTALLED: "installed",
    FindingType.CACHED: "cached",
    FindingType.HOST_INDICATOR: "host",
    FindingType.HEURISTIC: "heuristic",
}


# ASCII punctuation with a meaning in GitHub Markdown (emphasis, links, images, HTML, entities,
# tables, math): each is backslash-escaped in plain text, which CommonMark renders as the character
# itself, so text from a scanned file or a rule never becomes a link, an image, HTML or a new table
# cell. Autolinks are broken too (``:`` before ``/`` and ``.`` after ``www`` escaped). Text holding
# ``@`` goes in a code span instead (a backslash does not stop a GitHub mention; a code span does).
_MD_SPECIAL = frozenset("\\`*_[]<>!|~&$")
_PIPE = "\\|"


def _one_line(text: str, limit: int) -> str:
    """Escaped (``safetext.shown``: newlines, controls, bidi and invisible characters become
    ``\\x..``/``\\u....``), runs of spaces collapsed, at most ``limit`` characters."""
    one = " ".join(shown(text).split())
    if len(one) > limit:
        one = one[: limit - 1].rstrip() + "…"
    return one


def _plain(text: str, limit: int = MAX_CELL) -> str:
    """Text safe inside a table cell or a list item: one line, inert, bounded."""
    one = _one_line(text, limit)
    if "@" in one:
        return _code(one, limit)
    out: list[str] = []
    for i, ch in enumerate(one):
        if (
            ch in _MD_SPECIAL
            or (ch == ":" and one[i + 1 : i + 2] == "/")
            or (ch == "." and one[max(0, i - 3) : i].lower() == "www")
        ):
            out.append("\\")
        out.append(ch)
    return "".join(out)


def _code(text: str, limit: int = MAX_CELL) -> str:
    """A code span (never a link, an image, a mention or HTML): its fence is longer than any run
    of backticks inside, and ``|`` is escaped so a table cell cannot be split."""
    one = _one_line(text, limit)
    longest = run = 0
    for ch in one:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if one.startswith("`") or one.endswith("`") or not one.strip() else ""
    return f"{fence}{pad}{one.replace('|', _PIPE)}{pad}{fence}"


def _where(f: Finding) -> str:
    if f.lockfile:
        return f"{f.lockfile}:{f.line}" if f.line else f.lockfile
    if f.path:
        return f"{f.path}:{f.line}" if f.line and f.type is FindingType.HEURISTIC else f.path
    return ""


def _dependency(f: Finding) -> str:
    if f.type is not FindingType.PACKAGE:
        return _KIND[f.type]
    if f.direct is None:
        if f.declared_range and not f.version:
            return "declared"
        return "unknown" if f.lockfile_format is not None and f.version else "-"
    return "direct" if f.direct else "transitive"


def _row(f: Finding) -> str:
    cells = [
        f"**{f.severity.value}**" if f.severity is Severity.CRITICAL else f.severity.value,
        _code(f.rule_id),
        _code(subject(f, quote_range=False)),
        _code(_where(f)) if _where(f) else "-",
        _dependency(f),
        _plain(f.remediation) if f.remediation else "-",
    ]
    return "| " + " | ".join(cells) + " |"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def render(result: ScanResult) -> str:
    open_findings = [f for f in result.findings if f.counted]
    suppressed = [f for f in result.findings if f.suppressed is not None]
    review = [f for f in result.findings if f.review and f.suppressed is None]
    verdict = summary_line(result)
    lines: list[str] = [f"### gouvernante: {verdict}", ""]  # counts only
    s = result.stats
    rules_from = " and ".join(
        name
        for name, given in (
            ("the given rule files", result.rule_sources),
            ("the bundled rule pack", result.builtin_rules),
        )
        if given
    )
    lines.append(
        f"Scanned {_plural(s.lockfiles_scanned, 'file')} ({_plural(s.packages_scanned, 'package')})"
        f" against {_plural(s.rules_loaded, 'rule')} from {rules_from or 'no rule files'}"
        f" with gouvernante {__version__}."
    )
    lines.append("")
    ordered = sorted(open_findings, key=lambda f: _ORDER.index(f.severity))
    if ordered:
        lines.append("| Severity | Rule | Package | File | Dependency | Remediation |")
        lines.append("|---|---|---|---|---|---|")
        lines.extend(_row(f) for f in ordered[:MAX_ROWS])
        lines.append("")
        if len(ordered) > MAX_ROWS:
            more = len(ordered) - MAX_ROWS
            lines.append(
                f"… and {_plural(more, 'more finding')}: see the full report (`-format json`)."
            )
            lines.append("")
        with_paths = [f for f in ordered if f.dependency_paths]
        if with_paths:
            lines.append("<details><summary>Dependency paths</summary>")
            lines.append("")
            for f in with_paths[:MAX_DETAILS]:
                chains = "; ".join(_code(" > ".join(p), 300) for p in f.dependency_paths)
                extra = f" (+{f.more_paths} more)" if f.more_paths else ""
                what = _code(subject(f, quote_range=False))
                lines.append(f"- {what} in {_code(f.lockfile or '')}: {chains}{extra}")
            if len(with_paths) > MAX_DETAILS:
                lines.append(f"- … and {len(with_paths) - MAX_DETAILS} more")
            lines.append("")
            lines.append("</details>")
            lines.append("")
    if review:
        lines.append(f"#### Heuristic findings to review ({len(review)}, not counted)")
        lines.append("")
        lines.append("| Pattern | Confidence | Package | File | Evidence |")
        lines.append("|---|---|---|---|---|")
        for f in review[:MAX_LIST]:
            where = _where(f)
            what = _code(subject(f, quote_range=False))
            lines.append(
                f"| {_code(f.rule_id)} | {f.confidence} | {what} | {_code(where) if where else '-'}"
                f" | {_code(f.excerpt or '', 160)} |"
            )
        if len(review) > MAX_LIST:
            lines.append(f"| … | | {len(review) - MAX_LIST} more | | |")
        lines.append("")
    lines.extend(_taken_out(result.findings))
    if suppressed:
        lines.append(f"#### Suppressed ({len(suppressed)}, not counted)")
        lines.append("")
        lines.append("| Rule | Package | File | Reason |")
        lines.append("|---|---|---|---|")
        for f in suppressed[:MAX_LIST]:
            where = _where(f)
            what = _code(subject(f, quote_range=False))
            lines.append(
                f"| {_code(f.rule_id)} | {what} | {_code(where) if where else '-'}"
                f" | {_plain(f.suppressed or '')} |"
            )
        if len(suppressed) > MAX_LIST:
            lines.append(f"| … | {len(suppressed) - MAX_LIST} more | | |")
        lines.append("")
    if result.errors:
        title = f"#### Errors ({error_count(result.errors)}): these inputs were not scanned"
        lines.extend(_issue_list(title, result.errors))
    if result.suppression_notes:
        title = f"#### Suppression file ({len(result.suppression_notes)})"
        lines.extend(_issue_list(title, result.suppression_notes))
    return "\n".join(lines).rstrip("\n") + "\n"


def _taken_out(findings: Sequence[Finding]) -> list[str]:
    """-diff: what the compared revision takes out, listed but not counted."""
    out = [f for f in findings if f.change is DiffChange.REMOVED and f.suppressed is None]
    if not out:
        return []
    lines = [f"#### Taken out by the compared revision ({len(out)}, not counted)", ""]
    lines.append("| Severity | Rule | Package | File | Dependency | Remediation |")
    lines.append("|---|---|---|---|---|---|")
    lines.extend(_row(f) for f in out[:MAX_LIST])
    if len(out) > MAX_LIST:
        lines.append(f"| … | | {len(out) - MAX_LIST} more | | | |")
    lines.append("")
    return lines


def _issue_list(title: str, issues: Sequence[ScanIssue]) -> list[str]:
    lines = [title, ""]
    lines.extend(f"- {_code(i.path)}: {_plain(i.message, 300)}" for i in issues[:MAX_LIST])
    if len(issues) > MAX_LIST:
        lines.append(f"- … and {len(issues) - MAX_LIST} more")
    lines.append("")
    return lines
