"""``gouvernante collect [-format text|json|markdown|html] [-output FILE] INPUT...``.

Exit codes, as for a scan: 0 every project clean (or remediated) and every input read, 1 some
input unreadable or some project errored / not scanned yet and nothing affected, 2 a project or
host is affected now.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import assert_never

from gouvernante.cli._base import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, Parser, flag
from gouvernante.collect.html_page import render_html
from gouvernante.collect.load import load_reports, parse_time
from gouvernante.collect.render import render_json, render_markdown, render_text, status_line
from gouvernante.collect.rollup import Status, rollup
from gouvernante.errors import UsageError
from gouvernante.fs.write import write_report_file
from gouvernante.report.text import terminal_safe

EXIT_INCOMPLETE = EXIT_ERROR
EXIT_AFFECTED = EXIT_FINDINGS

_RENDERERS = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "html": render_html,
}


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="gouvernante collect",
        description="Roll up many JSON scan reports (gouvernante -json) into the organisation's"
        " status: per rule affected/remediated/clean/not scanned/errored projects and hosts,"
        " per project the latest verdict, and the incident timeline. Exit codes: 0 all clean,"
        " 1 incomplete (errors, unscanned projects, unreadable inputs), 2 affected now.",
        allow_abbrev=False,
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="report file (one report, a JSON array or JSON Lines), directory (*.json,"
        " recursively) or - for stdin",
    )
    for name, kwargs in (
        (
            "format",
            {
                "choices": sorted(_RENDERERS),
                "default": "text",
                "help": "output format (default text)",
            },
        ),
        ("output", {"metavar": "FILE", "help": "write to FILE instead of stdout"}),
        (
            "now",
            {
                "metavar": "TIME",
                "help": "evaluate targets at this RFC 3339 time instead of the current time",
            },
        ),
    ):
        flag(p, name, **kwargs)
    return p


def run(args: Sequence[str]) -> int:
    ns = build_parser().parse_args(list(args))
    now = datetime.now(UTC)
    if ns.now is not None:
        parsed = parse_time(ns.now)
        if parsed is None:
            raise UsageError("collect: -now: not an RFC 3339 time between 1970 and 9999")
        now = parsed
    loaded = load_reports(ns.inputs, sys.stdin.buffer if "-" in ns.inputs else None)
    data = rollup(
        loaded.reports,
        loaded.issues,
        now=now,
        duplicates=loaded.duplicates,
        notices=loaded.conflicts,
    )
    text = _RENDERERS[ns.format](data)
    if ns.output:
        write_report_file(ns.output, text.encode("utf-8", "backslashreplace"))
        print(terminal_safe(f"{status_line(data)} (report: {ns.output})"))
    else:
        sys.stdout.write(text)
    for issue in (*loaded.issues, *loaded.conflicts):
        print(
            terminal_safe(f"gouvernante collect: {issue.source}: {issue.message}"), file=sys.stderr
        )
    match data.summary.status:
        case Status.AFFECTED:
            return EXIT_AFFECTED
        case Status.INCOMPLETE:
            return EXIT_INCOMPLETE
        case Status.CLEAN:
            return EXIT_CLEAN if loaded.reports else EXIT_INCOMPLETE
        case _:
            assert_never(data.summary.status)
