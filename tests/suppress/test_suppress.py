"""Suppressions: matching, expiry, stale entries, malformed files, and -fail-on/exit codes."""

from __future__ import annotations

import contextlib
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gouvernante.cli.scan import EXIT_CLEAN, EXIT_FINDINGS, exit_code
from gouvernante.errors import SuppressionError
from gouvernante.model import Finding, FindingType, HashResult, MatchKind, ScanResult, ScanStats
from gouvernante.report.json_report import report_dict
from gouvernante.report.text import summary_line
from gouvernante.suppress import apply_suppressions, glob_match, parse_suppressions
from gouvernante.vocab import Severity
from helpers import run_cli

TODAY = date(2026, 5, 1)
_KEYS_FOR_FUZZ = {"rule_id", "package", "version", "path", "sha256", "reason", "expires"}
SHA = "ab" * 32
REPO = Path(__file__).resolve().parents[2]
RUNBOOK = REPO / "tests" / "e2e" / "fixtures" / "runbook"


def _pkg(
    rule: str = "SSC-1",
    package: str = "example-utils",
    version: str = "2.3.1",
    lockfile: str = "apps/web/package-lock.json",
    severity: Severity = Severity.CRITICAL,
) -> Finding:
    return Finding(
        rule_id=rule,
        rule_title="t",
        severity=severity,
        type=FindingType.PACKAGE,
        match=MatchKind.VERSION,
        description="d",
        package=package,
        version=version,
        lockfile=lockfile,
        line=10,
    )


def _host(path: str = "/tmp/.node-cache", matched: bool = False) -> Finding:
    return Finding(
        rule_id="SSC-1",
        rule_title="t",
        severity=Severity.CRITICAL,
        type=FindingType.HOST_INDICATOR,
        match=MatchKind.HASH if matched else MatchKind.FILE,
        description="d",
        path=path,
        indicator="file /tmp/.node-cache",
        hashes=(HashResult("sha256", SHA if matched else "cd" * 32, matched),),
    )


def _result(*findings: Finding) -> ScanResult:
    return ScanResult(findings=findings, errors=(), notes=(), stats=ScanStats())


def _sset(*entries: dict[str, Any]) -> Any:
    doc = {"version": 1, "suppressions": list(entries)}
    return parse_suppressions(json.dumps(doc).encode(), ".gouvernante-ignore.json")


def _entry(**kw: Any) -> dict[str, Any]:
    return {"reason": "triaged: not the compromised build", "expires": "2026-06-30", **kw}


def _apply(result: ScanResult, *entries: dict[str, Any], hasher: Any = None) -> ScanResult:
    return apply_suppressions(result, _sset(*entries), TODAY, file_sha256=hasher)


@pytest.mark.parametrize(
    ("entry", "suppressed"),
    [
        (_entry(rule_id="SSC-1"), True),
        (_entry(rule_id="SSC-2"), False),
        (_entry(package="example-utils"), True),
        (_entry(package="example-utils", version="2.3.1"), True),
        (_entry(package="example-utils", version=">=2.3.0 <2.4.0"), True),
        (_entry(package="example-utils", version="^2.3.2"), False),
        (_entry(package="other"), False),
        (_entry(path="apps/**/package-lock.json"), True),
        (_entry(path="**/package-lock.json"), True),
        (_entry(path="package-lock.json"), True),  # no slash: the file name anywhere
        (_entry(path="apps/*/package-lock.json"), True),
        (_entry(path="apps/*.json"), False),  # * stays within one folder
        (_entry(path="libs/**"), False),
        (_entry(rule_id="SSC-1", package="example-utils", path="apps/**"), True),
        (_entry(rule_id="SSC-1", package="other-package"), False),  # every matcher must match
    ],
)
def test_package_matchers(entry: dict[str, Any], suppressed: bool) -> None:
    out = _apply(_result(_pkg()), entry)
    f = out.findings[0]
    assert (f.suppressed is not None) is suppressed
    if suppressed:
        assert f.suppressed == "triaged: not the compromised build (until 2026-06-30)"
        assert out.suppression_notes == ()
    else:
        assert len(out.suppression_notes) == 1
        assert "stale, matched no finding" in out.suppression_notes[0].message


def test_sha256_matches_the_file_on_disk_or_a_matched_hash() -> None:
    seen: list[str] = []

    def hasher(path: str) -> str | None:
        seen.append(path)
        return SHA if path == "/tmp/.node-cache" else None

    out = _apply(
        _result(_host(), _host("/var/tmp/other")), _entry(sha256=SHA.upper()), hasher=hasher
    )
    assert [f.suppressed is not None for f in out.findings] == [True, False]
    assert sorted(seen) == ["/tmp/.node-cache", "/var/tmp/other"]
    out = _apply(_result(_host(matched=True)), _entry(sha256=SHA), hasher=lambda p: None)
    assert out.findings[0].suppressed is not None
    # lockfile findings are never hashed
    out = _apply(_result(_pkg()), _entry(sha256=SHA), hasher=lambda p: SHA)
    assert out.findings[0].suppressed is None


def test_expired_entry_stops_suppressing_and_says_so() -> None:
    out = _apply(_result(_pkg()), _entry(rule_id="SSC-1", expires="2026-04-30"))
    assert out.findings[0].suppressed is None
    (note,) = out.suppression_notes
    assert note.path == ".gouvernante-ignore.json"
    assert "suppressions[0] (rule_id=SSC-1): expired on 2026-04-30" in note.message
    assert "it would match 1 finding, now reported" in note.message
    # the expiry day itself still suppresses
    out = _apply(_result(_pkg()), _entry(rule_id="SSC-1", expires="2026-05-01"))
    assert out.findings[0].suppressed is not None


def test_stale_entries_are_listed_with_their_index() -> None:
    out = _apply(
        _result(_pkg()),
        _entry(rule_id="SSC-1"),
        _entry(package="left-pad"),
        _entry(package="gone", expires="2020-01-01"),
    )
    messages = [n.message for n in out.suppression_notes]
    assert messages == [
        "suppressions[1] (package=left-pad): stale, matched no finding: remove it",
        "suppressions[2] (package=gone): expired on 2020-01-01, no longer suppressing;"
        " it matches nothing either: remove it",
    ]


def test_suppressed_findings_do_not_count() -> None:
    result = _apply(_result(_pkg(), _pkg(rule="SSC-2")), _entry(rule_id="SSC-1"))
    assert exit_code(result, Severity.LOW) == EXIT_FINDINGS
    only = _apply(_result(_pkg()), _entry(rule_id="SSC-1"))
    assert exit_code(only, Severity.LOW) == EXIT_CLEAN
    assert summary_line(only) == "CLEAN: no findings (1 suppressed)"
    report = report_dict(only)
    assert report["summary"]["verdict"] == "clean"
    assert report["summary"]["total_findings"] == 0
    assert report["summary"]["suppressed_findings"] == 1
    assert report["findings"][0]["suppressed"].startswith("triaged")


@pytest.mark.parametrize(
    ("threshold", "code"),
    [("low", 2), ("medium", 2), ("high", 0), ("critical", 0)],
)
def test_fail_on_threshold(threshold: str, code: int) -> None:
    result = _result(_pkg(severity=Severity.MEDIUM), _pkg(rule="SSC-3", severity=Severity.LOW))
    assert exit_code(result, Severity(threshold)) == code


@pytest.mark.parametrize(
    ("doc", "json_path", "message"),
    [
        (b"{", None, "line 1 column 2 (byte 1): invalid JSON"),
        (b"\xff", None, "byte 0: invalid JSON: not valid UTF-8"),
        (b"[]", "$", "expected an object"),
        (b'{"version": 2, "suppressions": []}', "version", "unsupported version 2"),
        (b'{"version": 1}', "suppressions", "expected an array"),
        (b'{"version": 1, "suppressions": [], "extra": 1}', "$", "unknown key 'extra'"),
        (b'{"version": 1, "suppressions": [1]}', "suppressions[0]", "expected an object"),
        (
            b'{"version": 1, "suppressions": [{"rule_id": "X", "expires": "2026-01-01"}]}',
            "suppressions[0].reason",
            "a reason is required",
        ),
        (
            b'{"version": 1, "suppressions": [{"rule_id": "X", "reason": "r"}]}',
            "suppressions[0].expires",
            "an expiry date (YYYY-MM-DD) is required",
        ),
        (
            b'{"version": 1, "suppressions": [{"rule_id": "X", "reason": "r",'
            b' "expires": "2026-02-30"}]}',
            "suppressions[0].expires",
            "invalid date",
        ),
        (
            b'{"version": 1, "suppressions": [{"rule_id": "X", "reason": "r",'
            b' "expires": "30/06/2026"}]}',
            "suppressions[0].expires",
            "expected a YYYY-MM-DD date",
        ),
        (
            b'{"version": 1, "suppressions": [{"reason": "r", "expires": "2026-06-30"}]}',
            "suppressions[0]",
            "needs at least one matcher",
        ),
        (
            b'{"version": 1, "suppressions": [{"version": "1.0.0", "reason": "r",'
            b' "expires": "2026-06-30"}]}',
            "suppressions[0].version",
            "a version needs a package",
        ),
        (
            b'{"version": 1, "suppressions": [{"package": "p", "version": "not a range!",'
            b' "reason": "r", "expires": "2026-06-30"}]}',
            "suppressions[0].version",
            "invalid range",
        ),
        (
            b'{"version": 1, "suppressions": [{"sha256": "abc", "reason": "r",'
            b' "expires": "2026-06-30"}]}',
            "suppressions[0].sha256",
            "expected 64 hexadecimal digits",
        ),
        (
            b'{"version": 1, "suppressions": [{"packge": "p", "reason": "r",'
            b' "expires": "2026-06-30"}]}',
            "suppressions[0]",
            "unknown key 'packge'",
        ),
        (
            b'{"version": 1, "suppressions": [{"rule_id": 5, "reason": "r",'
            b' "expires": "2026-06-30"}]}',
            "suppressions[0].rule_id",
            "expected a string, got integer",
        ),
        (
            b'{"version": 1, "suppressions": [{"rule_id": "X", "reason": " ",'
            b' "expires": "2026-06-30"}]}',
            "suppressions[0].reason",
            "must not be empty",
        ),
        (b"[" * 100_000, None, "nested too deeply"),
    ],
)
def test_malformed_files(doc: bytes, json_path: str | None, message: str) -> None:
    with pytest.raises(SuppressionError) as info:
        parse_suppressions(doc, "ignore.json")
    assert info.value.path == "ignore.json"
    assert info.value.json_path == json_path
    assert message in info.value.detail


@pytest.mark.parametrize(
    ("pattern", "path", "ok"),
    [
        ("**/node_modules/**", "/home/u/app/node_modules/x/package.json", True),
        ("/tmp/.node-cache", "/tmp/.node-cache", True),
        ("/tmp/*", "/tmp/a/b", False),
        ("yarn.lock", "deep/down/yarn.lock", True),
        ("*.lock", "yarn.lock", True),
        ("legacy/[ab]pp/package-lock.json", "legacy/app/package-lock.json", True),
        ("legacy/[!ab]pp/package-lock.json", "legacy/app/package-lock.json", False),
        ("./apps/web/package-lock.json", "apps/web/package-lock.json", True),
        ("apps\\web\\*.json", "apps/web/package-lock.json", True),
    ],
)
def test_glob(pattern: str, path: str, ok: bool) -> None:
    assert glob_match(pattern, path) is ok


# --- through the command line ------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(RUNBOOK, tmp_path / "ws")
    app = tmp_path / "ws" / "app"
    app.mkdir()
    shutil.copy(RUNBOOK / "test" / "affected-lockfile.json", app / "package-lock.json")
    return tmp_path / "ws"


def test_ignore_file_in_scan_root_is_used(project: Path) -> None:
    before = run_cli("-rules", "./rules", "-dir", "app", "-json", cwd=project)
    assert before.returncode == 2
    (project / "app" / ".gouvernante-ignore.json").write_text(
        json.dumps(
            {
                "version": 1,
                "suppressions": [
                    _entry(
                        rule_id="SSC-2026-005",
                        package="example-utils",
                        version="2.3.1",
                        expires="2999-12-31",
                    ),
                    _entry(package="never-matches", expires="2999-12-31"),
                ],
            }
        )
    )
    after = run_cli("-rules", "./rules", "-dir", "app", "-json", cwd=project)
    assert after.returncode == 0, after.stdout + after.stderr
    report = json.loads(after.stdout)
    assert report["summary"]["verdict"] == "clean"
    assert all(f["suppressed"].startswith("triaged") for f in report["findings"])
    assert report["findings"]
    assert [s["message"] for s in report["suppressions"]] == [
        "suppressions[1] (package=never-matches): stale, matched no finding: remove it"
    ]
    text = run_cli("-rules", "./rules", "-dir", "app", cwd=project)
    assert "SUPPRESSED (not counted): triaged" in text.stdout
    assert "stale, matched no finding" in text.stdout


def test_explicit_ignore_file_expired_and_malformed(project: Path) -> None:
    ignore = project / "ignore.json"
    ignore.write_text(
        json.dumps(
            {"version": 1, "suppressions": [_entry(rule_id="SSC-2026-005", expires="2000-01-01")]}
        )
    )
    r = run_cli(
        "-rules",
        "./rules",
        "-lockfile",
        "test/affected-lockfile.json",
        "-ignore",
        str(ignore),
        cwd=project,
    )
    assert r.returncode == 2
    assert "expired on 2000-01-01, no longer suppressing" in r.stdout
    ignore.write_text('{"version": 1, "suppressions": [{"rule_id": "x"}]}')
    r = run_cli(
        "-rules",
        "./rules",
        "-lockfile",
        "test/affected-lockfile.json",
        "-ignore",
        str(ignore),
        cwd=project,
    )
    assert r.returncode == 1
    assert "ignore.json: suppressions[0].reason: a reason is required" in r.stderr


def test_fail_on_through_the_cli(project: Path) -> None:
    rule = json.loads((project / "rules" / "SSC-2026-005.json").read_text())
    rule["rules"][0]["severity"] = "medium"
    (project / "rules" / "SSC-2026-005.json").write_text(json.dumps(rule))
    args = ["-rules", "./rules", "-lockfile", "test/affected-lockfile.json"]
    assert run_cli(*args, cwd=project).returncode == 2
    assert run_cli(*args, "-fail-on", "medium", cwd=project).returncode == 2
    high = run_cli(*args, "-fail-on", "high", cwd=project)
    assert high.returncode == 0
    assert "AFFECTED" in high.stdout  # still reported


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)


@given(st.binary(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_bytes_parse_or_raise_suppression_error(data: bytes) -> None:
    with contextlib.suppress(SuppressionError):
        parse_suppressions(data, "f.json")


@given(st.lists(st.dictionaries(st.sampled_from(sorted(_KEYS_FOR_FUZZ)), _json_values)))
@settings(max_examples=300, deadline=None)
def test_any_entries_parse_or_raise_suppression_error(entries: list[dict[str, Any]]) -> None:
    doc = json.dumps({"version": 1, "suppressions": entries}).encode()
    try:
        sset = parse_suppressions(doc, "f.json")
    except SuppressionError:
        return
    apply_suppressions(_result(_pkg(), _host()), sset, TODAY, file_sha256=lambda p: None)


def test_the_scanned_folders_own_file_cannot_suppress_the_machine() -> None:
    """A scanned repository ships its own .gouvernante-ignore.json: with ``{"path": "**"}`` it
    silenced host indicators and a matched known-malicious hash (the red team's B1, B2 of
    2026-12-06: CLEAN, exit 0). It now suppresses only what its own files say; the security
    team's file (-ignore) still can, and the refused entry is said."""
    from gouvernante.suppress import SuppressionSet

    result = _result(_pkg(), _host(), _host("/tmp/x", matched=True))
    entries = (_entry(path="**"), _entry(rule_id="SSC-1"))
    tree = _sset(*entries)
    tree = SuppressionSet(tree.path, tree.entries, scanned_tree=True)
    got = apply_suppressions(result, tree, TODAY, file_sha256=lambda p: None)
    assert [f.suppressed is not None for f in got.findings] == [True, False, False]
    refused = [n.message for n in got.suppression_notes if "cannot suppress" in n.message]
    assert len(refused) == 2 and not [n for n in got.suppression_notes if "stale" in n.message]
    explicit = apply_suppressions(result, _sset(*entries), TODAY, file_sha256=lambda p: None)
    assert [f.suppressed is not None for f in explicit.findings] == [True, True, True]


def test_a_repository_file_does_not_hide_a_host_finding_end_to_end(tmp_path: Path) -> None:
    project = tmp_path / "repo"
    project.mkdir()
    ioc = tmp_path / "ld.py"
    ioc.write_text("x")
    (project / "package.json").write_text('{"name": "p", "version": "1.0.0"}')
    (project / ".gouvernante-ignore.json").write_text(
        json.dumps({"version": 1, "suppressions": [_entry(path="**", expires="2099-12-31")]})
    )
    rules = {
        "schema_version": "1.0.0",
        "rules": [
            {
                "id": "H-1",
                "title": "t",
                "kind": "compromised-release",
                "ecosystem": "npm",
                "severity": "critical",
                "package_rules": [
                    {"package_name": "nothing-here", "affected_versions": ["=1.0.0"]}
                ],
                "host_indicators": [{"type": "file", "path": str(ioc)}],
            }
        ],
    }
    (tmp_path / "r.json").write_text(json.dumps(rules))
    done = run_cli("-rules", str(tmp_path / "r.json"), "-dir", str(project), "-host", cwd=tmp_path)
    assert done.returncode == EXIT_FINDINGS, done.stdout + done.stderr
    assert "cannot suppress" in done.stdout
