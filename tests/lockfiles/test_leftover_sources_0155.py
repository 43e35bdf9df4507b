"""Dependency sources decision 0146 left unread, and npm workspace records (decision 0155).

- ``fixtures/bun-tarball-overrides`` (generate.sh, bun 1.2.23 and 1.4.5): an ``overrides``
  entry forcing ms to a ``file:`` tarball of is-number 7.0.0 (bun.lock and bun.lockb), and
  bun.lockb's own ``file:`` tarballs (root and member). bun installs is-number 7.0.0 in each
  (``installed.json``); we said CLEAN with a note.
- ``fixtures/npm6-nested-file-tarball`` (npm 6.14.18): a ``file:`` tarball nested under a
  folder dependency, its path written from the project's folder: CLEAN, no note.
- ``fixtures/npm-stale-member-record`` (npm 11.19.1): a workspace record keeping a name its
  package.json no longer declares, with no entry: ``npm ci`` installs it (``npm-ci.json``); we
  refused it. The same record with the name declared: ``npm ci`` refuses, and so do we."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gouvernante.inventory import graphs
from gouvernante.lockfiles import parse_bytes
from helpers import compromised_rules, every_mode, scan_report

FIXTURES = Path(__file__).parent / "fixtures"
BUN = FIXTURES / "bun-tarball-overrides"
NPM6 = FIXTURES / "npm6-nested-file-tarball"
MEMBER = FIXTURES / "npm-stale-member-record"
RULES = compromised_rules("NUM-1", ("is-number", "=7.0.0"))
MEMBER_ERROR = (
    "packages['packages/a'].dependencies['is-number']: no entry answers this dependency (npm ls:"
    " missing; a cut, edited or badly merged lockfile?)"
)


def _files(root: Path) -> dict[str, str | bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in ("installed.json", "npm-ci.json", "generate.sh")
    }


def _messages(report: dict[str, object]) -> list[str]:
    errors = report["errors"]
    assert isinstance(errors, list)
    return [e["message"] for e in errors]


def _found(report: dict[str, object]) -> list[tuple[str, str]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return sorted((f["package"], f["version"]) for f in findings)


@pytest.mark.parametrize("case", ["override-text", "override-binary", "binary", "binary-workspace"])
def test_bun_tarballs_are_found_in_every_mode(tmp_path: Path, case: str) -> None:
    installed = json.loads((BUN / case / "installed.json").read_text(encoding="utf-8"))
    assert ["is-number", "7.0.0"] in installed.values()
    for mode, (code, report) in every_mode(tmp_path, _files(BUN / case), RULES).items():
        assert (code, _messages(report), _found(report)) == (
            2,
            [],
            [("is-number", "7.0.0")],
        ), mode


@pytest.mark.parametrize(
    ("case", "path"),
    [
        ("override-text", "vendor/is-number-7.0.0.tgz"),
        ("override-binary", "vendor/is-number-7.0.0.tgz"),
        ("binary", "vendor/is-number-7.0.0.tgz"),
        ("binary-workspace", "packages/core/vendor/is-number-7.0.0.tgz"),
    ],
)
def test_bun_tarball_paths(case: str, path: str) -> None:
    name = "bun.lock" if case == "override-text" else "bun.lockb"
    graph = parse_bytes((BUN / case / name).read_bytes(), name)
    assert [p for _node, p in graph.unnamed_tarballs] == [path]


def test_bun_override_tarball_missing_stays_unread(tmp_path: Path) -> None:
    """No tarball there: not read, the note as 0146 left a missing tarball (not a finding)."""
    files = {k: v for k, v in _files(BUN / "override-text").items() if not k.endswith(".tgz")}
    code, report = scan_report_of(tmp_path, files)
    assert (code, _found(report)) == (0, [])
    assert any("local tarball" in n["message"] for n in report["notes"])


def scan_report_of(tmp_path: Path, files: dict[str, str | bytes]) -> tuple[int, dict[str, Any]]:
    tree = tmp_path / "tree"
    for rel, data in files.items():
        target = tree / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data if isinstance(data, bytes) else data.encode())
    return scan_report(tmp_path, RULES, "-dir", str(tree))


def test_npm6_nested_tarball_is_found_in_every_mode(tmp_path: Path) -> None:
    installed = json.loads((NPM6 / "installed.json").read_text(encoding="utf-8"))
    assert installed["sub/node_modules/is-number"] == ["is-number", "7.0.0"]
    graph = parse_bytes((NPM6 / "tree" / "package-lock.json").read_bytes(), "package-lock.json")
    assert list(graph.unnamed_tarballs) == [
        ("node_modules/sub/node_modules/is-number", "sub/vendor/is-number-7.0.0.tgz")
    ]
    for mode, (code, report) in every_mode(tmp_path, _files(NPM6 / "tree"), RULES).items():
        assert (code, _messages(report), _found(report)) == (
            2,
            [],
            [("is-number", "7.0.0")],
        ), mode


def test_a_stale_member_record_reads_as_npm_ci_installs_it(tmp_path: Path) -> None:
    npm_ci = json.loads((MEMBER / "npm-ci.json").read_text(encoding="utf-8"))
    assert npm_ci["stale"]["npm ci exit"] == 0
    graph = parse_bytes((MEMBER / "stale" / "package-lock.json").read_bytes(), "package-lock.json")
    assert list(graph.entry_errors) == [MEMBER_ERROR]
    assert list(graph.member_claims) == [("packages/a", "is-number", MEMBER_ERROR)]
    stored = graphs.decode(graphs.encode(graph), graph.entry_errors)  # (the inventory's)
    assert stored.member_claims == graph.member_claims
    modes = every_mode(tmp_path, _files(MEMBER / "stale"), RULES)
    for mode, (code, report) in modes.items():
        assert (code, _messages(report), _found(report)) == (0, [], []), mode
    code, report = scan_report(
        tmp_path, RULES, "-lockfile", str(tmp_path / "tree/package-lock.json")
    )
    assert (code, _messages(report)) == (0, [])


def test_a_member_declaring_the_name_keeps_the_error(tmp_path: Path) -> None:
    npm_ci = json.loads((MEMBER / "npm-ci.json").read_text(encoding="utf-8"))
    assert npm_ci["declared"]["npm ci exit"] != 0
    for mode, (code, report) in every_mode(tmp_path, _files(MEMBER / "declared"), RULES).items():
        assert (code, _messages(report)) == (1, [MEMBER_ERROR]), mode


def test_the_lockfile_alone_keeps_the_member_error(tmp_path: Path) -> None:
    lock = tmp_path / "alone" / "package-lock.json"
    lock.parent.mkdir()
    lock.write_bytes((MEMBER / "stale" / "package-lock.json").read_bytes())
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(lock))
    assert (code, _messages(report)) == (1, [MEMBER_ERROR])
