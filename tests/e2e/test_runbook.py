"""The incident runbook's commands, verbatim, on fixtures (steps 3, 4, 5, 6 and 8)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
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


def _git(*args: str, cwd: Path) -> None:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture
def rules_checkout(workspace: Path) -> Path:
    """Step 5: the rule pushed to a rules repository (a local bare one), and a team's clone of it
    brought up to date with ``git -C ... pull --ff-only`` as step 6 says."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    origin, author, team = (workspace / n for n in ("origin.git", "author", "gouvernante-rules"))
    _git("init", "-q", "--bare", "-b", "main", str(origin), cwd=workspace)
    _git("clone", "-q", str(origin), str(author), cwd=workspace)
    _git("clone", "-q", str(origin), str(team), cwd=workspace)
    shutil.copy(workspace / "rules" / "SSC-2026-005.json", author)
    _git("add", "SSC-2026-005.json", cwd=author)
    _git("commit", "-q", "-m", "SSC-2026-005: compromised example-utils 2.3.1, 2.3.2", cwd=author)
    _git("push", "-q", "origin", "main", cwd=author)
    _git("-C", str(team), "pull", "-q", "--ff-only", cwd=workspace)
    assert (team / ".git").is_dir() and (team / "SSC-2026-005.json").is_file()
    return team


def test_step6_host_json_output_auto_with_a_rules_checkout(
    workspace: Path, rules_checkout: Path
) -> None:
    """Step 6 verbatim: -rules <rules clone> -dir <project> -host -json -output auto."""
    project = workspace / "affected-project"
    project.mkdir()
    shutil.copy(workspace / "test" / "affected-lockfile.json", project / "package-lock.json")
    args = ("-rules", str(rules_checkout), "-dir", str(project), "-host", "-json")
    r = run_cli(*args, "-output", "auto", cwd=workspace)
    assert r.returncode == 2, r.stdout + r.stderr
    (written,) = workspace.glob("gouvernante-report-*.json")
    assert r.stdout.startswith("AFFECTED") and written.name in r.stdout
    report = json.loads(written.read_text())
    # the clone's .git folder is not read as rules: one rule file, one rule
    assert [s["path"] for s in report["rules"]["sets"]] == [
        str(rules_checkout / "SSC-2026-005.json")
    ]
    packages = [f for f in report["findings"] if f["type"] == "package"]
    assert [(f["package"], f["version"], f["lockfile"]) for f in packages] == [
        ("example-utils", "2.3.1", "package-lock.json")
    ]
    # -host ran: the rule's indicator was checked (found or not, depending on this machine)
    assert [c["rule_id"] for c in report["host_checks"]] == ["SSC-2026-005"]
    assert report["host_checks"][0]["outcome"] in ("found", "clean")


def test_step5_rules_checkout_dir_scan_with_host(workspace: Path, rules_checkout: Path) -> None:
    """Step 5's notification verbatim, from the project folder: -rules <clone> -dir . -host."""
    r = run_cli("-rules", str(rules_checkout), "-dir", ".", "-host", cwd=workspace / "project")
    assert r.returncode in (0, 2), r.stdout + r.stderr  # 2 only if /tmp/.node-cache exists here
    assert "Host checks: 1 indicators" in r.stdout
    assert "example-utils@2.3.1" not in r.stdout  # the project's lockfile resolves 2.3.0


def test_builtin_rules_beside_own_rules_names_both_in_the_header(workspace: Path) -> None:
    """-rules R -builtin-rules: the header names the responder's rule file as well as the pack
    (it said only "the bundled rule pack", so a responder could not see that the rule loaded)."""
    args = ("-rules", "./rules", "-lockfile", "./test/affected-lockfile.json", "-builtin-rules")
    r = run_cli(*args, cwd=workspace)
    assert r.returncode == 2, r.stdout + r.stderr
    header = r.stdout.splitlines()[1]
    assert "from ./rules/SSC-2026-005.json and the bundled rule pack in" in header, header
    r = run_cli(*args, "-format", "markdown", cwd=workspace)
    assert "from the given rule files and the bundled rule pack with" in r.stdout


LOCKFILES = Path(__file__).parents[1] / "lockfiles" / "fixtures"
# one lockfile per format, each made by the real tool (its generate.sh beside it)
BY_FORMAT = {
    "npm 11": LOCKFILES / "npm" / "npm11-v3" / "package-lock.json",
    "pnpm 10": LOCKFILES / "pnpm" / "pnpm10" / "pnpm-lock.yaml",
    "yarn 1": LOCKFILES / "yarn" / "classic-1.22" / "yarn.lock",
    "yarn 4": LOCKFILES / "yarn" / "berry-4.18" / "yarn.lock",
    "bun 1.4": LOCKFILES / "bun" / "bun-1.4.5" / "bun.lock",
}


@pytest.mark.parametrize("tool", list(BY_FORMAT))
def test_step4_verbatim_on_each_format(workspace: Path, tool: str) -> None:
    """Step 4's two commands, as written, with the step 3 rule naming a release the real tool
    locked: whatever the format, saved as ./test/{affected,clean}-lockfile.json (format detected
    by content) it exits 2, and 0 once the rule names a version the lockfile does not lock."""
    lockfile = BY_FORMAT[tool]
    expected = json.loads((lockfile.parent / "expected.json").read_text())
    name, version = next(p for p in expected["packages"] if not p[0].startswith("@"))
    shutil.copy(lockfile, workspace / "test" / "affected-lockfile.json")
    shutil.copy(lockfile, workspace / "test" / "clean-lockfile.json")
    rule_file = workspace / "rules" / "SSC-2026-005.json"
    doc = json.loads(rule_file.read_text())
    (package_rule,) = doc["rules"][0]["package_rules"]
    package_rule["package_name"] = name
    package_rule["lockfile_ecosystems"] = ["npm", "pnpm", "yarn", "bun"]
    package_rule["affected_versions"] = [f"={version}"]
    rule_file.write_text(json.dumps(doc))
    r = run_cli("-rules", "./rules", "-lockfile", "./test/affected-lockfile.json", cwd=workspace)
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"{name}@{version}  [package, version]  ./test/affected-lockfile.json:" in r.stdout

    package_rule["affected_versions"] = ["=999.0.0"]
    rule_file.write_text(json.dumps(doc))
    r = run_cli("-rules", "./rules", "-lockfile", "./test/clean-lockfile.json", cwd=workspace)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.rstrip().endswith("CLEAN: no findings")


@pytest.mark.skipif(sys.platform == "win32", reason="the runbook indicator is for linux/darwin")
def test_step4_host_verbatim_text(workspace: Path, staged_file: Path) -> None:
    """Step 4's third command exactly as written (text report): the lockfile finding and the
    staged file, with the host-check line the responder reads."""
    r = run_cli(
        "-rules", "./rules", "-lockfile", "./test/affected-lockfile.json", "-host", cwd=workspace
    )
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Host checks: 1 indicators, 1 found, 0 skipped" in r.stdout
    assert f"{staged_file}  [host indicator" in r.stdout
    assert "example-utils@2.3.1  [package, version]  ./test/affected-lockfile.json:" in r.stdout
