"""Text, JSON and Markdown renderings of the roll-up (the HTML page is in ``html_page``).

Names in a roll-up come from reports that may be hostile: the text shows control characters,
bidi overrides and invisible characters escaped (one value never forges another line), and the
Markdown renders them inert.
"""

from __future__ import annotations

import html
import json
from typing import assert_never

import msgspec

from gouvernante.collect.rollup import Rollup, Status
from gouvernante.report.text import terminal_safe

MAX_NAMES = 20


def render_json(data: Rollup) -> str:
    # ASCII only: a bidi override or invisible character in a name is written as \u202e, never raw
    return json.dumps(msgspec.to_builtins(data), indent=2, ensure_ascii=True) + "\n"


def status_line(data: Rollup) -> str:
    s = data.summary
    match s.status:
        case Status.AFFECTED:
            return (
                f"AFFECTED: {s.projects_affected_now} project(s) and {s.hosts_affected_now}"
                " host(s) affected now"
            )
        case Status.INCOMPLETE:
            return (
                "INCOMPLETE: nothing affected now, but some projects errored or are not scanned yet"
            )
        case Status.CLEAN:
            if s.projects_with_submodules_not_scanned:
                return (
                    "CLEAN: nothing affected, but"
                    f" {s.projects_with_submodules_not_scanned} project(s) with git submodules"
                    " not scanned"
                )
            return "CLEAN: every project scanned, nothing affected"
        case _:
            assert_never(s.status)


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_NAMES])
    if len(names) > MAX_NAMES:
        shown += f", ... and {len(names) - MAX_NAMES} more"
    return shown


def _mins(value: float | None) -> str:
    if value is None:
        return "-"
    return f"+{value:g} min"


def render_text(data: Rollup) -> str:
    s = data.summary
    lines = [
        f"gouvernante collect: {s.reports} reports, {s.projects} projects on {s.hosts}"
        f" hosts, {s.rules} rules (generated {data.generated_at})",
        status_line(data),
        "",
    ]
    for r in data.rules:
        p = r.projects
        t = r.timeline
        lines.append(f"Rule {r.id} (published {r.published_at or 'unknown'})")
        lines.append(
            f"  projects: {p.affected} affected, {p.remediated} remediated,"
            f" {p.clean} clean, {p.not_scanned} not scanned, {p.errored} errored"
        )
        lines.append(f"  hosts affected now: {_names(r.hosts_affected) or 'none'}")
        lines.append(
            f"  timeline: first scan {_mins(t.minutes_to_first_scan)}; every project scanned"
            f" {_mins(t.minutes_to_org_wide_scan)} (target 1 h: {t.org_wide_scan_target});"
            f" remediation {t.remediation_status}"
            + (f", last at {t.last_remediated_at}" if t.last_remediated_at else "")
        )
        for names, label in (
            (r.affected_projects, "affected"),
            (r.errored_projects, "errored"),
            (r.not_scanned_projects, "not scanned"),
        ):
            if names:
                lines.append(f"  {label}: {_names(names)}")
        lines.append("")
    lines.append(f"Projects ({len(data.projects)})")
    for proj in data.projects:
        lines.append(
            f"  {proj.label}  {proj.latest_verdict}  {proj.open_findings} open"
            f"  last scan {proj.last_scan_at}"
            + (f"  [{', '.join(proj.affected_rules)}]" if proj.affected_rules else "")
        )
    for title, problems in (("Input errors", data.input_errors), ("Notices", data.notices)):
        if problems:
            lines.append("")
            lines.append(f"{title} ({len(problems)})")
            lines.extend(f"  {e.source}: {e.message}" for e in problems)
    return "\n".join(terminal_safe(line) for line in lines) + "\n"


def _md(text: object) -> str:
    shown = terminal_safe(" ".join(str(text).split()))
    return html.escape(shown, quote=False).replace("|", "\\|").replace("`", "'")


def render_markdown(data: Rollup) -> str:
    s = data.summary
    lines = [
        f"### gouvernante collect: {_md(status_line(data))}",
        "",
        f"{s.reports} reports, {s.projects} projects on {s.hosts} hosts,"
        f" {s.rules} rules; generated {data.generated_at}.",
        "",
        "| Rule | Published | Affected | Remediated | Clean | Not scanned | Errored"
        " | Hosts affected | First scan | Org-wide scan | 1 h target | Last remediated |",
        "|---|---|---:|---:|---:|---:|---:|---|---|---|---|---|",
    ]
    for r in data.rules:
        p = r.projects
        t = r.timeline
        cells = [
            f"`{_md(r.id)}`",
            _md(r.published_at or "-"),
            str(p.affected),
            str(p.remediated),
            str(p.clean),
            str(p.not_scanned),
            str(p.errored),
            _md(", ".join(r.hosts_affected) or "-"),
            _mins(t.minutes_to_first_scan),
            _mins(t.minutes_to_org_wide_scan),
            t.org_wide_scan_target.value,
            _md(t.last_remediated_at or t.remediation_status),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    open_projects = [p for p in data.projects if p.affected_rules or p.errors]
    if open_projects:
        lines.append("| Project | Latest verdict | Open findings | Last scan | Affected rules |")
        lines.append("|---|---|---:|---|---|")
        for proj in open_projects[:100]:
            lines.append(
                f"| `{_md(proj.label)}` | {proj.latest_verdict} | {proj.open_findings}"
                f" | {proj.last_scan_at} | {_md(', '.join(proj.affected_rules) or '-')} |"
            )
        lines.append("")
    for title, problems in (("Input errors", data.input_errors), ("Notices", data.notices)):
        if problems:
            lines.append(f"{title} ({len(problems)}):")
            lines.append("")
            lines.extend(f"- `{_md(e.source)}`: {_md(e.message)}" for e in problems[:20])
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
