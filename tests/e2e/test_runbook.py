"""The incident runbook's commands, verbatim, on fixtures (steps 3, 4, 5, 6 and 8)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "runbook"
STAGED = Path("/tmp/.node-cache")  # the runbook rule's host indicator


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES, tmp_path / "ws")
    return tmp_path / "ws"


def test_step4_affected_lockfile_exits_2(workspace: Path) -> None:
    r = run_cli("-rules", "./rules", "-lockfile", "./test/affected-lockfile.json", cwd=workspace)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "SSC-2026-005" in r.stdout
    assert "example-utils@2.3.1" in r.stdout
    assert "=2.3.1" in r.stdout
    assert "demo-app > example-utils@2.3.1" in r.stdout
    assert "Pin example-utils to 2.3.0" in r.stdout
    assert r.stderr == ""


def test_step4_clean_lockfile_exits_0(workspace: Path) -> None:
    r = run_cli("-rules", "./rules", "-lockfile", "./test/clean-lockfile.json", cwd=workspace)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "CLEAN" in r.stdout


def test_gnu_spelling_is_accepted(workspace: Path) -> None:
    r = run_cli("--rules", "./rules", "--lockfile", "./test/affected-lockfile.json", cwd=workspace)
    assert r.returncode == 2


@pytest.fixture
def staged_file() -> Iterator[Path]:
    if STAGED.exists():
        pytest.skip(f"{STAGED} already exists on this machine; not touching it")
    STAGED.write_text("staged by the gouvernante test suite\n")
    try:
        yield STAGED
    finally:
        STAGED.unlink()


@pytest.mark.skipif(sys.platform == "win32", reason="the runbook indicator is for linux/darwin")
def test_step4_host_finds_staged_file(workspace: Path, staged_file: Path) -> None:
    r = run_cli(
        "-rules",
        "./rules",
        "-lockfile",
        "./test/affected-lockfile.json",
        "-host",
        "-json",
        cwd=workspace,
    )
    assert r.returncode == 2, r.stderr
    report = json.loads(r.stdout)
    host = [f for f in report["findings"] if f["type"] == "host_indicator"]
    assert [f["path"] for f in host] == [str(staged_file)]
    assert host[0]["rule_id"] == "SSC-2026-005"
    assert report["host_checks"][0]["outcome"] == "found"


def test_step5_and_6_dir_scan_with_json_output_auto(workspace: Path) -> None:
    project = workspace / "affected-project"
    project.mkdir()
    shutil.copy(workspace / "test" / "affected-lockfile.json", project / "package-lock.json")
    r = run_cli(
        "-rules",
        str(workspace / "rules"),
        "-dir",
        str(project),
        "-json",
        "-output",
        "auto",
        cwd=workspace,
    )
    assert r.returncode == 2, r.stderr
    reports = sorted(workspace.glob("gouvernante-report-*.json"))
    assert len(reports) == 1
    assert "AFFECTED" in r.stdout and reports[0].name in r.stdout
    report = json.loads(reports[0].read_text())
    assert report["schema_version"] == "1"
    (finding,) = report["findings"]
    assert finding["lockfile"] == "package-lock.json"
    assert finding["package"] == "example-utils"
    assert finding["version"] == "2.3.1"
    assert finding["match"] == "version"
    assert finding["dependency_paths"] == [["demo-app", "example-utils@2.3.1"]]
    assert finding["direct"] is True
    # a second run never overwrites the first report
    r2 = run_cli(
        "-rules",
        str(workspace / "rules"),
        "-dir",
        str(project),
        "-json",
        "-output",
        "auto",
        cwd=workspace,
    )
    assert r2.returncode == 2
    assert len(sorted(workspace.glob("gouvernante-report-*.json"))) == 2


def test_step8_remediated_project_scans_clean(workspace: Path) -> None:
    r = run_cli("-rules", str(workspace / "rules"), "-dir", ".", "-host", cwd=workspace / "project")
    assert r.returncode == 0, r.stdout + r.stderr
    # package.json still says ^2.3.0, which could match =2.3.1: a note, not a finding
    assert "the lockfile decides" in r.stdout


def test_declared_range_without_lockfile_is_a_finding(workspace: Path) -> None:
    (workspace / "project" / "package-lock.json").unlink()
    r = run_cli("-rules", "./rules", "-dir", "project", "-json", cwd=workspace)
    assert r.returncode == 2, r.stderr
    (finding,) = json.loads(r.stdout)["findings"]
    assert finding["match"] == "declared-range"
    assert finding["declared_range"] == "^2.3.0"
    assert finding["lockfile"] == "package.json"


def test_version_flag(workspace: Path) -> None:
    r = run_cli("-version", cwd=workspace)
    assert r.returncode == 0
    assert r.stdout.startswith("gouvernante ")


def test_bad_flag_is_one_line_error(workspace: Path) -> None:
    r = run_cli("-nope", cwd=workspace)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_unreadable_lockfile_is_error_not_clean(workspace: Path) -> None:
    (workspace / "broken.json").write_text('{"lockfileVersion": 3, "packages": {')
    r = run_cli("-rules", "./rules", "-lockfile", "broken.json", cwd=workspace)
    assert r.returncode == 1
    assert "broken.json" in r.stderr
    assert "NOT a clean result" in r.stdout


def test_bad_file_never_hides_another_finding(workspace: Path) -> None:
    (workspace / "broken.json").write_text('{"lockfileVersion": 3, "packages": {')
    r = run_cli(
        "-rules",
        "./rules",
        "-lockfile",
        "broken.json",
        "-lockfile",
        "test/affected-lockfile.json",
        "-json",
        cwd=workspace,
    )
    assert r.returncode == 2
    report = json.loads(r.stdout)
    assert [e["path"] for e in report["errors"]] == ["broken.json"]
    assert report["findings"][0]["version"] == "2.3.1"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_as_lockfile_does_not_hang(workspace: Path) -> None:
    fifo = workspace / "package-lock.json"
    os.mkfifo(fifo)
    r = run_cli("-rules", "./rules", "-lockfile", str(fifo), cwd=workspace)
    assert r.returncode == 1
    assert "not a regular file" in r.stderr


def test_control_characters_from_scanned_files_are_escaped(workspace: Path) -> None:
    hostile = "evil\u001b]0;pwned\u0007\nFAKE LINE.json"
    shutil.copy(workspace / "test" / "affected-lockfile.json", workspace / hostile)
    r = run_cli("-rules", "./rules", "-lockfile", hostile, cwd=workspace)
    assert r.returncode == 2
    assert "\u001b" not in r.stdout and "\u0007" not in r.stdout
    assert "\nFAKE LINE" not in r.stdout
    assert "evil\\x1b]0;pwned\\x07\\x0aFAKE LINE.json" in r.stdout
