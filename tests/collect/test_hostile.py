"""``collect`` cannot be talked into "all clear": dates out of range, reused scan ids, ties,
truncated files, host-only rules, hostile names (issue 12)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gouvernante.collect.html_page import render_html
from gouvernante.collect.load import (
    InputIssue,
    ReportRecord,
    load_reports,
    to_record,
    to_records,
)
from gouvernante.collect.render import render_json, render_markdown, render_text
from gouvernante.collect.rollup import Status, rollup
from gouvernante.report.model import Report

FIXTURE = Path(__file__).parent / "fixtures" / "report-0.1.0.json"
NOW = "2026-04-06T12:00:00Z"
R1 = "SSC-2026-101"


def base(
    scan_id: str = "s1",
    *,
    started: str = "2026-04-02T10:00:00Z",
    finished: str | None = None,
    project: str | None = "github.com/org/app",
    hit: bool = False,
    checks: list[str] | None = None,
    host_checks: bool = False,
) -> dict[str, Any]:
    finding = {
        "rule_id": R1,
        "rule_title": "t",
        "severity": "critical",
        "type": "package",
        "match": "version",
        "package": "pkg",
        "version": "1.0.1",
        "lockfile": "package-lock.json",
        "description": "affected",
    }
    loaded: dict[str, Any] = {"id": R1, "published_at": "2026-04-01T10:00:00Z"}
    if checks is not None:
        loaded["checks"] = checks
    doc: dict[str, Any] = {
        "schema_version": "1",
        "tool": {"name": "gouvernante", "version": "0.2.0"},
        "scan": {
            "id": scan_id,
            "started_at": started,
            "finished_at": finished or started,
            "root": "/w/app",
            "host": "runner",
            "files": ["package-lock.json"],
        },
        "rules": {"builtin": False, "sources": ["rules"], "loaded": [loaded]},
        "findings": [finding] if hit else [],
        "notes": [],
        "errors": [],
        "summary": {"verdict": "findings" if hit else "clean", "total_findings": int(hit)},
    }
    if project is not None:
        doc["scan"]["project"] = project
    if host_checks:
        doc["host_checks"] = []
    return doc


def roll(*docs: dict[str, Any]) -> tuple[Any, list[InputIssue]]:
    records: list[ReportRecord] = []
    issues: list[InputIssue] = []
    for i, doc in enumerate(docs):
        rec = to_record(json.dumps(doc).encode(), f"r{i}")
        (issues if isinstance(rec, InputIssue) else records).append(rec)  # type: ignore[arg-type]
    return rollup(records, issues, now=_now()), issues


def _now() -> Any:
    from gouvernante.collect.load import parse_time

    return parse_time(NOW)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("started_at", "9999-12-31T23:59:59-23:59"),
        ("started_at", "0001-01-01T00:00:00+01:00"),
        ("started_at", "1969-12-31T23:59:59Z"),
        ("started_at", "2026-13-01T00:00:00Z"),
        ("started_at", "２０２６-04-01T00:00:00Z"),
        ("finished_at", "9999-12-31T23:59:59Z"),
        ("finished_at", "yesterday"),
        ("published_at", "0001-01-01T00:00:00Z"),
        ("published_at", "9998-12-31T23:30:00-23:59"),
    ],
)
def test_out_of_range_dates_are_input_errors_of_that_report(key: str, value: str) -> None:
    bad = base("bad")
    if key == "published_at":
        bad["rules"]["loaded"][0][key] = value
    else:
        bad["scan"][key] = value
    data, issues = roll(bad, base("good", project="other"))
    assert len(issues) == 1 and issues[0].source == "r0"
    assert key in issues[0].message and value not in issues[0].message
    assert data.summary.reports == 1
    assert data.summary.status is Status.INCOMPLETE
    json.loads(render_json(data))


def test_same_scan_id_different_content_both_kept(tmp_path: Path) -> None:
    clean = base("same-id")
    affected = base("same-id", hit=True)
    (tmp_path / "a.json").write_text(json.dumps(clean))
    (tmp_path / "b.json").write_text(json.dumps([affected, affected]))
    (tmp_path / "c.json").write_text(json.dumps(clean, indent=4))  # same content, other bytes
    loaded = load_reports([str(tmp_path)])
    assert len(loaded.reports) == 2
    assert loaded.duplicates == 2
    assert [c.message for c in loaded.conflicts] == [
        f"same scan.id as {tmp_path / 'a.json'} but different content: both kept"
    ]
    data = rollup(loaded.reports, loaded.issues, now=_now(), notices=loaded.conflicts)
    assert data.summary.status is Status.AFFECTED  # same times: the worse one wins
    assert data.notices[0].source.endswith("b.json[0]")
    assert "Notices (1)" in render_text(data)


def test_later_finished_at_wins_not_later_start() -> None:
    long_affected = base(
        "a", started="2026-04-02T10:00:00Z", finished="2026-04-02T10:30:00Z", hit=True
    )
    short_clean = base("b", started="2026-04-02T10:10:00Z", finished="2026-04-02T10:20:00Z")
    data, _ = roll(short_clean, long_affected)
    assert data.rules[0].affected_projects == ["github.com/org/app"]
    assert data.projects[0].latest_verdict == "findings"
    later_clean = base("c", started="2026-04-02T10:10:00Z", finished="2026-04-02T10:40:00Z")
    data, _ = roll(long_affected, later_clean)
    assert data.rules[0].remediated_projects == ["github.com/org/app"]


@pytest.mark.parametrize("order", [0, 1])
def test_exact_tie_resolves_to_the_worse_verdict(order: int) -> None:
    pair = [base("a"), base("b", hit=True)]
    data, _ = roll(*(pair if order else pair[::-1]))
    assert data.rules[0].projects.affected == 1
    assert data.projects[0].latest_verdict == "findings"
    errored = base("c")
    errored["errors"] = [{"path": "yarn.lock", "message": "truncated"}]
    errored["summary"]["verdict"] = "error"
    data, _ = roll(*([base("a"), errored] if order else [errored, base("a")]))
    assert data.rules[0].projects.errored == 1
    assert data.summary.status is Status.INCOMPLETE


def test_a_truncated_report_is_one_unreadable_input(tmp_path: Path) -> None:
    text = json.dumps(base(), indent=2)
    for cut in (len(text) // 3, len(text) // 2, len(text) - 2):
        (tmp_path / "cut.json").write_text(text[:cut])
        loaded = load_reports([str(tmp_path / "cut.json")])
        assert len(loaded.issues) == 1, cut
        assert loaded.issues[0].source == str(tmp_path / "cut.json")
        assert "truncated" in loaded.issues[0].message
        assert loaded.reports == []
    lines = json.dumps(base("x")) + "\n" + json.dumps(base("y"))[:-40] + "\n"
    (tmp_path / "cut.jsonl").write_text(lines)
    loaded = load_reports([str(tmp_path / "cut.jsonl")])
    assert len(loaded.reports) == 1 and len(loaded.issues) == 1
    assert loaded.issues[0].source.endswith("cut.jsonl:2")


def test_stated_verdict_never_hides_listed_findings() -> None:
    lying = base(hit=True)
    lying["summary"]["verdict"] = "clean"
    data, _ = roll(lying)
    assert data.projects[0].latest_verdict == "findings"
    assert data.summary.status is Status.AFFECTED


def test_a_host_only_rule_never_marks_a_lockfile_only_scan_clean() -> None:
    lockfile_only = base("a", checks=["host"])
    data, _ = roll(lockfile_only)
    assert data.rules[0].projects.not_scanned == 1
    assert data.summary.status is Status.INCOMPLETE
    # an older report of the same rule (no "checks") learns it from the newer one
    old = base("b", started="2026-04-02T09:00:00Z")
    data, _ = roll(old, lockfile_only)
    assert data.rules[0].projects.not_scanned == 1
    with_host = base("c", started="2026-04-02T11:00:00Z", checks=["host"], host_checks=True)
    data, _ = roll(lockfile_only, with_host)
    assert data.rules[0].projects.clean == 1
    assert data.summary.status is Status.CLEAN
    both = base("d", checks=["packages", "host"])
    data, _ = roll(both)
    assert data.summary.status is Status.CLEAN


def test_projects_group_by_identity_across_runners() -> None:
    one = base("a", hit=True)
    two = base("b", started="2026-04-03T10:00:00Z")
    two["scan"]["host"] = "another-runner"
    two["scan"]["root"] = "/home/runner/work/app"
    data, _ = roll(one, two)
    assert [p.label for p in data.projects] == ["github.com/org/app"]
    # another folder's clean scan does not answer for /w/app: still affected
    assert data.rules[0].affected_projects == ["github.com/org/app"]
    three = base("e", started="2026-04-04T10:00:00Z")
    three["scan"]["host"] = "a-third-runner"  # the same folder on any runner answers for it
    data, _ = roll(one, two, three)
    assert data.rules[0].remediated_projects == ["github.com/org/app"]
    assert data.summary.status is Status.CLEAN
    old_one, old_two = base("c", project=None), base("d", project=None)
    old_two["scan"]["host"] = "another-runner"
    data, _ = roll(old_one, old_two)
    assert [p.label for p in data.projects] == ["another-runner:/w/app", "runner:/w/app"]


def test_runners_that_check_out_elsewhere_share_the_repository_path() -> None:
    """Two runners checking a repository out under different folders scan the same thing: the
    scan root's path in the repository (``scan.repository_path``) says so; another folder of the
    repository is another scope (an affected one stays affected)."""
    one = base("a", hit=True)
    one["scan"]["repository_path"] = "."
    two = base("b", started="2026-04-03T10:00:00Z")
    two["scan"]["host"] = "another-runner"
    two["scan"]["root"] = "/opt/runner2/_work/app/app"
    two["scan"]["repository_path"] = "."
    data, _ = roll(one, two)
    assert data.rules[0].remediated_projects == ["github.com/org/app"]
    web = base("c", started="2026-04-04T10:00:00Z")
    web["scan"]["root"] = "/opt/runner2/_work/app/app/web"
    web["scan"]["repository_path"] = "web"
    data, _ = roll(one, web)
    assert data.rules[0].affected_projects == ["github.com/org/app"]


def test_each_checked_out_ref_is_a_scope_of_its_own() -> None:
    """A feature branch's affected -dir scan stays affected when main's later scan is clean
    (``scan.repository_ref``); the same ref scanned again answers for it."""
    feature = base("a", hit=True)
    feature["scan"].update(repository_path=".", repository_ref="refs/heads/feature")
    main = base("b", started="2026-04-03T10:00:00Z")
    main["scan"].update(repository_path=".", repository_ref="refs/heads/main")
    data, _ = roll(feature, main)
    assert data.rules[0].affected_projects == ["github.com/org/app"]
    again = base("c", started="2026-04-04T10:00:00Z")
    again["scan"].update(repository_path=".", repository_ref="refs/heads/feature")
    data, _ = roll(feature, main, again)
    assert data.rules[0].remediated_projects == ["github.com/org/app"]


def test_report_of_0_1_0_is_read() -> None:
    doc = json.loads(FIXTURE.read_text())
    rec = to_record(json.dumps(doc).encode(), "old")
    assert isinstance(rec, ReportRecord)
    assert rec.project == "build-01:/work/demo"
    assert rec.rule_checks == dict.fromkeys(rec.rules)
    assert len(rec.findings) == 6 and rec.suppressed == 1


def test_wrong_kinds_name_the_path_never_the_value() -> None:
    doc = json.loads(FIXTURE.read_text())
    doc["findings"][2]["severity"] = "\u202eSECRET-VALUE"
    rec = to_record(json.dumps(doc).encode(), "f")
    assert isinstance(rec, InputIssue)
    assert rec.message == "findings[2].severity: not one of the allowed values"
    doc = json.loads(FIXTURE.read_text())
    doc["findings"][0]["line"] = "SECRET-VALUE"
    rec = to_record(json.dumps(doc).encode(), "f")
    assert isinstance(rec, InputIssue)
    assert rec.message == "findings[0].line: expected an integer or null, got string"


_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_hostile_text = st.text(
    alphabet=st.sampled_from(
        ["a", "/", ":", "|", "`", "<", "\n", "\r", "\x1b", "\x07", "\u202e", "\u2066", "\x85", "é"]
    ),
    max_size=12,
)
_dates = st.one_of(
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
    st.datetimes().map(lambda d: d.isoformat() + "+23:59"),
    st.datetimes().map(lambda d: d.isoformat() + "-23:59"),
    _hostile_text,
    st.sampled_from(["2026-04-02T10:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"]),
)


@given(
    st.lists(
        st.tuples(
            _hostile_text, _hostile_text, _hostile_text, _dates, _dates, _dates, st.booleans()
        ),
        min_size=1,
        max_size=4,
    )
)
@settings(max_examples=40, deadline=None, derandomize=True)
def test_hostile_strings_and_dates_never_crash_or_clear(
    reports: list[tuple[str, str, str, str, str, str, bool]],
) -> None:
    docs = []
    for n, (name, host, rule_id, started, finished, published, hit) in enumerate(reports):
        doc = base(f"id-{n}", started=started, finished=finished, project=name, hit=hit)
        doc["scan"]["host"] = host
        doc["rules"]["loaded"][0]["published_at"] = published
        for f in doc["findings"]:
            f["rule_id"] = rule_id
            f["package"] = name
        docs.append(copy.deepcopy(doc))
    data, issues = roll(*docs)
    if issues:
        assert data.summary.status is not Status.CLEAN
    for text in (render_text(data), render_markdown(data), render_html(data), render_json(data)):
        text.encode("utf-8")
        assert _CONTROL.search(text) is None
    json.loads(render_json(data))


def test_html_escapes_control_and_bidi_characters_of_names_like_text() -> None:
    hostile = "</script>\x1b[31m\u202eevil\r\n# H"
    doc = base(project="p" + hostile, hit=True)
    doc["scan"]["host"] = "h" + hostile
    doc["scan"]["root"] = "/r" + hostile
    data, _ = roll(doc)
    page = render_html(data)
    assert _CONTROL.search(page) is None
    assert "\\x1b[31m\\u202eevil\\x0d\\x0a# H" in page  # shown as in text and Markdown
    assert "</script>\\x1b" not in page and "&lt;/script&gt;\\x1b" in page


def test_schema_of_collect_input_is_the_report_type() -> None:
    import msgspec

    msgspec.convert(json.loads(FIXTURE.read_text()), Report)


def test_output_is_written_whole_and_never_through_a_symlink(tmp_path: Path) -> None:
    from gouvernante.cli import main

    (tmp_path / "r.json").write_text(json.dumps(base()))
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep")
    (tmp_path / "out.txt").symlink_to(target)
    assert main(["collect", str(tmp_path / "r.json"), "-output", str(tmp_path / "out.txt")]) == 1
    assert target.read_text() == "keep"
    assert main(["collect", str(tmp_path / "r.json"), "-output", str(tmp_path / "ok.md")]) == 0
    assert (tmp_path / "ok.md").read_text().startswith("gouvernante collect: 1 reports")
    assert not list(tmp_path.glob(".*.tmp"))


def test_another_projects_later_published_at_never_unaffects_a_finding() -> None:
    """A clean report of an unrelated project that says the rule was published later must not
    turn an affected project into "not scanned" (redmix D/r3)."""
    hit = base("a", started="2026-04-02T10:00:00Z", hit=True)
    other = base("b", started="2026-04-03T10:00:00Z", project="github.com/other/unrelated")
    other["rules"]["loaded"][0]["published_at"] = "2026-04-03T09:00:00Z"
    data, _ = roll(hit, other)
    assert data.summary.status is Status.AFFECTED
    assert data.projects_affected_now == ["github.com/org/app"]
    assert data.rules[0].affected_projects == ["github.com/org/app"]


def _status(*docs: dict[str, Any]) -> tuple[Status, list[str], list[str], str]:
    """As ``collect`` reads them (``-git`` reports: one record per repository)."""
    records: list[ReportRecord] = []
    for i, doc in enumerate(docs):
        recs = to_records(json.dumps(doc).encode(), f"r{i}")
        assert not isinstance(recs, InputIssue), recs
        records.extend(recs)
    data = rollup(records, now=_now())
    return (
        data.summary.status,
        data.rules[0].affected_projects,
        data.rules[0].remediated_projects,
        data.projects[0].latest_verdict,
    )


def test_a_later_clean_scan_of_another_folder_never_remediates_a_project() -> None:
    """redmix D/reports: an affected scan of one folder, then a clean scan of another folder of
    the same repository: the project stays affected (each scope counts)."""
    hit = base("a", hit=True)
    other = base("b", started="2026-04-03T10:00:00Z")
    other["scan"]["root"] = "/w/app-clean-checkout"
    affected: tuple[Status, list[str], list[str], str] = (
        Status.AFFECTED,
        ["github.com/org/app"],
        [],
        "findings",
    )
    assert _status(hit, other) == affected
    again = base("c", started="2026-04-04T10:00:00Z")  # /w/app again, clean now
    assert _status(hit, other, again) == (Status.CLEAN, [], ["github.com/org/app"], "clean")


def test_lockfile_scans_of_other_files_never_supersede_each_other() -> None:
    hit = base("a", hit=True)
    hit["scan"].pop("root")
    hit["scan"]["files"] = ["a/package-lock.json"]
    other = base("b", started="2026-04-03T10:00:00Z")
    other["scan"].pop("root")
    other["scan"]["files"] = ["b/package-lock.json"]
    assert _status(hit, other)[0] is Status.AFFECTED
    same = copy.deepcopy(other)
    same["scan"]["id"] = "c"
    same["scan"]["files"] = ["a/package-lock.json"]
    assert _status(hit, other, same)[0] is Status.CLEAN


def test_a_later_scan_without_host_never_supersedes_a_host_scan() -> None:
    """An installed package found with -host is not answered by a lockfile-only scan."""
    hit = base("a", hit=True, host_checks=True)
    hit["findings"][0]["type"] = "installed_package"
    hit["findings"][0].pop("lockfile")
    hit["findings"][0]["path"] = "/w/app/node_modules/pkg"
    lockfile_only = base("b", started="2026-04-03T10:00:00Z")
    status, affected, _, verdict = _status(hit, lockfile_only)
    assert (status, affected, verdict) == (Status.AFFECTED, ["github.com/org/app"], "findings")
    data, _ = roll(hit, lockfile_only)
    assert data.hosts_affected_now == ["runner"]
    host_again = base("c", started="2026-04-04T10:00:00Z", host_checks=True)
    assert _status(hit, lockfile_only, host_again)[0] is Status.CLEAN


def test_a_host_scan_of_another_folder_never_clears_the_host() -> None:
    hit = base("a", hit=True, host_checks=True)
    hit["findings"][0]["type"] = "installed_package"
    other = base("b", started="2026-04-03T10:00:00Z", host_checks=True, project="github.com/o/b")
    other["scan"]["root"] = "/w/b"
    data, _ = roll(hit, other)
    assert data.hosts_affected_now == ["runner"]


def _git(scan_id: str, started: str, refs: list[str], hit_ref: str | None) -> dict[str, Any]:
    doc = base(scan_id, started=started, hit=hit_ref is not None, project="scanner")
    repo = "github.com/org/app"
    doc["scan"]["refs"] = [{"repository": repo, "ref": r, "commit": "0" * 40} for r in refs]
    for f in doc["findings"]:
        f.update(repository=repo, ref=hit_ref, commit="0" * 40)
    return doc


def test_git_refs_are_scopes_of_their_own() -> None:
    """-git: a later scan of main alone never answers for the feature branch found affected."""
    both = _git("a", "2026-04-02T10:00:00Z", ["main", "feature"], "feature")
    main_only = _git("b", "2026-04-03T10:00:00Z", ["main"], None)
    status, affected, _, verdict = _status(both, main_only)
    assert (status, affected, verdict) == (Status.AFFECTED, ["github.com/org/app"], "findings")
    fixed = _git("c", "2026-04-04T10:00:00Z", ["feature"], None)
    assert _status(both, main_only, fixed)[:3] == (Status.CLEAN, [], ["github.com/org/app"])
    # one later scan of both refs answers for both
    all_clean = _git("d", "2026-04-04T10:00:00Z", ["main", "feature"], None)
    assert _status(both, main_only, all_clean)[0] is Status.CLEAN
