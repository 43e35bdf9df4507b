"""The roll-up as one self-contained HTML page: no network, no external asset, inline CSS/JS/SVG.

A Content-Security-Policy forbids every fetch, so the page also works from a file share or an
e-mail attachment. Every figure shown carries ``data-k``, the path of its value in the JSON
roll-up (``summary.reports``, ``rules[SSC-1].projects.affected``), which the browser test uses
to check the page against the JSON. Tables sort on a click on their header (keyboard too).
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from html import escape

import msgspec

from gouvernante.collect.load import parse_time
from gouvernante.collect.render import status_line
from gouvernante.collect.rollup import Rollup, RuleRollup
from gouvernante.safetext import shown

_CSS = """
:root { color-scheme: light; --bad: #b3261e; --ok: #1b6e3a; --warn: #8a5a00; --mute: #5f6368; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
  color: #1f1f1f; background: #fafafa; }
header, main { max-width: 1320px; margin: 0 auto; padding: 16px 24px; }
header { border-bottom: 1px solid #ddd; background: #fff; max-width: none; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
.status { font-weight: 600; }
.status.affected { color: var(--bad); } .status.clean { color: var(--ok); }
.status.incomplete { color: var(--warn); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px;
  min-width: 120px; }
.card .n { font-size: 22px; font-weight: 600; display: block; }
.card .l { color: var(--mute); font-size: 12px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border: 1px solid #e0e0e0; padding: 4px 8px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f1f3f4; cursor: pointer; user-select: none; white-space: nowrap; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
td.bad { color: var(--bad); font-weight: 600; } td.ok { color: var(--ok); }
.met { color: var(--ok); font-weight: 600; } .missed { color: var(--bad); font-weight: 600; }
.pending, .unknown { color: var(--warn); }
code { font-size: 12px; white-space: nowrap; }
.wrap { overflow-x: auto; }
#rules td, #rules th { font-size: 13px; }
svg { background: #fff; border: 1px solid #ddd; border-radius: 6px; width: 100%; height: auto; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
details { margin: 4px 0; }
.muted { color: var(--mute); }
"""

_JS = """
(function () {
  "use strict";
  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell ? (cell.getAttribute("data-sort") || cell.textContent || "") : "";
    if (numeric) { var n = parseFloat(raw); return isNaN(n) ? -Infinity : n; }
    return raw.trim().toLowerCase();
  }
  function sortBy(th) {
    var table = th.closest("table");
    var body = table.tBodies[0];
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.classList.contains("num");
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(th.parentNode.children, function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
      if (x < y) { return ascending ? -1 : 1; }
      if (x > y) { return ascending ? 1 : -1; }
      return 0;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.querySelectorAll("table.sortable th").forEach(function (th) {
    th.tabIndex = 0;
    th.addEventListener("click", function () { sortBy(th); });
    th.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); sortBy(th); }
    });
  });
  document.documentElement.setAttribute("data-ready", "1");
})();
"""

_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)


def _e(value: object) -> str:
    """HTML-escaped, after the escaping text and Markdown use (control, bidi and invisible
    characters shown as ``\\x1b``, ``\\u202e``): a name from a report never reorders or hides
    what the page shows."""
    return escape(shown(str(value)), quote=True)


def _fig(key: str, value: object, cls: str = "num") -> str:
    shown = "-" if value is None else value
    sort = "" if isinstance(value, int | float) else ' data-sort=""'
    return f'<td class="{cls}" data-k="{_e(key)}"{sort}>{_e(shown)}</td>'


def _card(key: str, value: object, label: str) -> str:
    return (
        f'<div class="card"><span class="n" data-k="{_e(key)}">{_e(value)}</span>'
        f'<span class="l">{_e(label)}</span></div>'
    )


_TICKS = (
    (3600, "+1h"),
    (6 * 3600, "+6h"),
    (86400, "+1d"),
    (2 * 86400, "+2d"),
    (4 * 86400, "+4d"),
    (7 * 86400, "+1w"),
    (14 * 86400, "+2w"),
    (28 * 86400, "+4w"),
)

_MARK = {
    "published": ("#1a73e8", "circle"),
    "target": ("#8a5a00", "line"),
    "first_scan": ("#5f6368", "triangle"),
    "org_wide_scan": ("#1b6e3a", "diamond"),
    "remediation": ("#1b6e3a", "tick"),
    "last_remediated": ("#1b6e3a", "square"),
}


def _timeline_svg(rules: list[RuleRollup], generated_at: str | None) -> str:
    width, left, right, row_h, top = 1100, 150, 30, 56, 24
    rows: list[str] = []
    height = top + row_h * max(1, len(rules)) + 10
    for n, rule in enumerate(rules):
        y = top + n * row_h + 20
        events = rule.timeline.events
        times = [t for t in (parse_time(e.at) for e in events) if t is not None]
        if not times:
            rows.append(
                f'<text x="8" y="{y + 4}">{_e(rule.id)}</text>'
                f'<text x="{left}" y="{y + 4}" class="muted">no dated event</text>'
            )
            continue
        start, end = min(times), max(times)
        now = parse_time(generated_at)
        if rule.timeline.remediation_status == "open" and now is not None and now > end:
            end = now
        span = max((end - start).total_seconds(), 2 * 3600.0)

        # A square-root time scale: the first hour (the runbook's target) stays readable next
        # to days of remediation.
        def x_of(t: datetime, start: datetime = start, span: float = span) -> float:
            frac = max(0.0, (t - start).total_seconds()) / span
            return left + (width - left - right) * math.sqrt(frac)

        for tick_s, tick_label in _TICKS:
            if tick_s < span:
                tx = round(x_of(start + timedelta(seconds=tick_s)), 1)
                rows.append(
                    f'<line x1="{tx}" y1="{y - 4}" x2="{tx}" y2="{y + 4}" stroke="#888"/>'
                    f'<text x="{tx}" y="{y - 9}" text-anchor="middle" class="muted">'
                    f"{_e(tick_label)}</text>"
                )

        rows.append(f'<text x="8" y="{y + 4}" font-weight="600">{_e(rule.id)}</text>')
        rows.append(
            f'<line x1="{left}" y1="{y}" x2="{width - right}" y2="{y}" stroke="#bbb"'
            ' stroke-width="2"/>'
        )
        rows.append(
            f'<text x="{left}" y="{y + 22}" class="muted">{_e(start.strftime("%Y-%m-%d %H:%M"))}'
            "</text>"
            f'<text x="{width - right}" y="{y + 22}" text-anchor="end">'
            f"{_e(end.strftime('%Y-%m-%d %H:%M'))}</text>"
        )
        for ev in events:
            t = parse_time(ev.at)
            if t is None:
                continue
            x = round(x_of(t), 1)
            color, shape = _MARK.get(ev.kind, ("#333", "circle"))
            tip = f"<title>{_e(ev.label)}: {_e(ev.at)}</title>"
            if shape == "circle":
                mark = f'<circle cx="{x}" cy="{y}" r="6" fill="{color}">{tip}</circle>'
            elif shape == "line":
                mark = (
                    f'<line x1="{x}" y1="{y - 14}" x2="{x}" y2="{y + 10}" stroke="{color}"'
                    f' stroke-width="2" stroke-dasharray="4 3">{tip}</line>'
                )
            elif shape == "triangle":
                mark = (
                    f'<polygon points="{x},{y - 8} {x - 7},{y + 6} {x + 7},{y + 6}"'
                    f' fill="{color}">{tip}</polygon>'
                )
            elif shape == "diamond":
                mark = (
                    f'<polygon points="{x},{y - 8} {x + 8},{y} {x},{y + 8} {x - 8},{y}"'
                    f' fill="{color}">{tip}</polygon>'
                )
            elif shape == "tick":
                mark = (
                    f'<line x1="{x}" y1="{y - 6}" x2="{x}" y2="{y + 6}" stroke="{color}"'
                    f' stroke-width="2">{tip}</line>'
                )
            else:
                mark = (
                    f'<rect x="{x - 6}" y="{y - 6}" width="12" height="12" fill="{color}">'
                    f"{tip}</rect>"
                )
            rows.append(mark)
    legend = (
        '<text x="8" y="14" class="muted">● published · ┆ 1 h target · ▲ first scan ·'
        " ◆ every project scanned · | remediation · ■ last affected project remediated</text>"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' role="img" aria-label="Incident timeline per rule">{legend}{"".join(rows)}</svg>'
    )


def _names_details(rule: RuleRollup) -> str:
    parts: list[str] = []
    for names, label in (
        (rule.affected_projects, "Affected now"),
        (rule.remediated_projects, "Remediated"),
        (rule.errored_projects, "Errored"),
        (rule.not_scanned_projects, "Not scanned since published"),
    ):
        if not names:
            continue
        items = "".join(f"<li><code>{_e(n)}</code></li>" for n in names)
        parts.append(
            f"<details><summary>{_e(rule.id)}: {_e(label)} ({len(names)})</summary>"
            f"<ul>{items}</ul></details>"
        )
    return "".join(parts)


def render_html(data: Rollup) -> str:
    s = data.summary
    status = s.status
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>gouvernante: organisation status</title>",
        f"<style>{_CSS}</style></head><body>",
        "<header><h1>gouvernante: organisation status</h1>",
        f'<div class="status {_e(status)}" data-k="summary.status" data-value="{_e(status)}">'
        f"{_e(status_line(data))}</div>",
        f'<div class="muted">Generated <span data-k="generated_at">{_e(data.generated_at)}'
        f"</span> from {_e(s.reports)} reports"
        f" (gouvernante {_e(data.tool.version)}).</div></header><main>",
        '<div class="cards">',
        _card("summary.reports", s.reports, "reports"),
        _card("summary.projects", s.projects, "projects"),
        _card("summary.hosts", s.hosts, "hosts"),
        _card("summary.rules", s.rules, "rules"),
        _card("summary.projects_affected_now", s.projects_affected_now, "projects affected"),
        _card("summary.hosts_affected_now", s.hosts_affected_now, "hosts affected"),
        _card("summary.input_errors", s.input_errors, "unreadable inputs"),
        "</div>",
        "<h2>Rules</h2>",
        '<div class="wrap"><table class="sortable" id="rules"><thead><tr><th>Rule</th>'
        "<th>Published</th>"
        '<th class="num">Affected</th><th class="num">Remediated</th><th class="num">Clean</th>'
        '<th class="num">Not scanned</th><th class="num">Errored</th><th>Hosts affected</th>'
        '<th class="num">1st scan, min</th><th class="num">All scanned, min</th>'
        "<th>1 h target</th><th>Remediation</th></tr></thead><tbody>",
    ]
    for r in data.rules:
        rid = r.id
        p = r.projects
        t = r.timeline
        k = f"rules[{rid}]"
        hosts = ", ".join(r.hosts_affected)
        out.append(
            "<tr>"
            f'<td data-k="{_e(k)}.id"><code>{_e(rid)}</code></td>'
            f'<td data-k="{_e(k)}.published_at">{_e(r.published_at or "-")}</td>'
            + _fig(f"{k}.projects.affected", p.affected, "num bad" if p.affected else "num")
            + _fig(f"{k}.projects.remediated", p.remediated)
            + _fig(f"{k}.projects.clean", p.clean)
            + _fig(f"{k}.projects.not_scanned", p.not_scanned)
            + _fig(f"{k}.projects.errored", p.errored)
            + f'<td data-k="{_e(k)}.hosts_affected" data-count="{len(r.hosts_affected)}"'
            f' class="{"bad" if hosts else ""}">{_e(hosts or "-")}</td>'
            + _fig(f"{k}.timeline.minutes_to_first_scan", t.minutes_to_first_scan)
            + _fig(f"{k}.timeline.minutes_to_org_wide_scan", t.minutes_to_org_wide_scan)
            + f'<td data-k="{_e(k)}.timeline.org_wide_scan_target"'
            f' class="{_e(t.org_wide_scan_target)}">{_e(t.org_wide_scan_target)}</td>'
            f'<td data-k="{_e(k)}.timeline.last_remediated_at"'
            f' data-sort="{_e(t.last_remediated_at or "")}">'
            f"{_e(t.last_remediated_at or t.remediation_status)}</td>"
            "</tr>"
        )
    out.append("</tbody></table></div>")
    out.append("<h2>Incident timeline (square-root time scale from publication)</h2>")
    out.append(_timeline_svg(data.rules, data.generated_at))
    out.append("<h2>Who is where</h2>")
    out.extend(_names_details(r) for r in data.rules)
    out.append("<h2>Projects and hosts</h2>")
    out.append(
        '<table class="sortable" id="projects"><thead><tr><th>Project</th><th>Host</th>'
        '<th>Latest verdict</th><th class="num">Open findings</th><th>Last scan</th>'
        '<th class="num">Reports</th><th>Affected rules</th></tr></thead><tbody>'
    )
    for proj in data.projects:
        k = f"projects[{proj.label}]"
        verdict = proj.latest_verdict
        vcls = {"findings": "bad", "clean": "ok"}.get(verdict, "")
        out.append(
            "<tr>"
            f'<td data-k="{_e(k)}.root"><code>{_e(proj.root)}</code></td>'
            f'<td data-k="{_e(k)}.host">{_e(proj.host)}</td>'
            f'<td data-k="{_e(k)}.latest_verdict" class="{vcls}">{_e(verdict)}</td>'
            + _fig(f"{k}.open_findings", proj.open_findings)
            + f'<td data-k="{_e(k)}.last_scan_at">{_e(proj.last_scan_at)}</td>'
            + _fig(f"{k}.reports", proj.reports)
            + f'<td data-k="{_e(k)}.affected_rules">{_e(", ".join(proj.affected_rules))}</td>'
            "</tr>"
        )
    out.append("</tbody></table>")
    if data.input_errors:
        out.append(f"<h2>Unreadable inputs ({len(data.input_errors)})</h2><ul>")
        out.extend(
            f"<li><code>{_e(e.source)}</code>: {_e(e.message)}</li>" for e in data.input_errors
        )
        out.append("</ul>")
    embedded = json.dumps(msgspec.to_builtins(data), ensure_ascii=True).replace("<", "\\u003c")
    out.append(f'<script type="application/json" id="rollup-data">{embedded}</script>')
    out.append(f"<script>{_JS}</script>")
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"
