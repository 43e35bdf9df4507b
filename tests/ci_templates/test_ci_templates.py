"""The CI templates: the GitHub Action, the GitLab job and the pre-commit hook.

What can be checked without GitHub or GitLab: the YAML parses, every input/output/step reference
resolves, every gouvernante flag they use exists, and their shell steps run here, as the CI
would run them (``bash -eo pipefail``), on a fixture project, with ``gouvernante`` on PATH.
The Action's install step (pip from the network) and the upload-sarif step (GitHub's own action)
are checked statically only.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gouvernante.cli.scan import build_scan_parser
from gouvernante.lockfiles import LOCKFILE_NAMES

REPO = Path(__file__).resolve().parents[2]
ACTION = REPO / "action.yml"
GITLAB = REPO / "ci" / "gitlab" / "gouvernante.gitlab-ci.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
RUNBOOK = REPO / "tests" / "e2e" / "fixtures" / "runbook"
SHELL_FLAGS = {"-uo", "-eo", "-euo", "-gt", "-rf"}  # bash and rm


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _scan_flags() -> set[str]:
    parser = build_scan_parser()
    return {s for a in parser._actions for s in a.option_strings}


def _flags_in(text: str) -> set[str]:
    """Option-looking tokens of a template, minus those of bash, git and pip."""
    tokens = set(re.findall(r"(?<![\w/$:-])(-{1,2}[a-z][a-z-]+)", text))
    return tokens - SHELL_FLAGS - {"--quiet", "--depth", "--disable-pip-version-check"}


@pytest.fixture
def shim(tmp_path: Path) -> Path:
    """A ``gouvernante`` executable running this checkout."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "gouvernante"
    exe.write_text(
        f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(REPO / 'src'))} exec"
        f' {shlex.quote(sys.executable)} -m gouvernante "$@"\n'
    )
    exe.chmod(0o755)
    return bindir


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(RUNBOOK, ws)
    app = ws / "app"
    app.mkdir()
    shutil.copy(RUNBOOK / "test" / "affected-lockfile.json", app / "package-lock.json")
    shutil.rmtree(ws / "test")
    shutil.rmtree(ws / "project")
    return ws


def _bash(script: str, *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# --- the GitHub Action -------------------------------------------------------------------------

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _outputs(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                out[k] = v
    return out


class ActionRunner:
    """Runs the Action's ``run:`` steps in order, evaluating the expressions they use."""

    def __init__(self, tmp: Path, workspace: Path, shim: Path, inputs: dict[str, str]) -> None:
        self.action = _load(ACTION)
        self.inputs = {k: str(v.get("default", "")) for k, v in self.action["inputs"].items()}
        unknown = set(inputs) - set(self.inputs)
        assert not unknown, unknown
        self.inputs.update(inputs)
        self.tmp = tmp
        self.workspace = workspace
        self.shim = shim
        self.step_outputs: dict[str, dict[str, str]] = {}
        self.summary = tmp / "summary.md"
        self.logs: dict[str, subprocess.CompletedProcess[str]] = {}

    def value(self, expr: str) -> str:
        head, _, rest = expr.partition(".")
        if head == "inputs":
            return self.inputs[rest]
        if head == "github" and rest == "action_path":
            return str(REPO)
        if head == "steps":
            step, _, output = rest.partition(".outputs.")
            return self.step_outputs.get(step, {}).get(output, "")
        raise AssertionError(f"expression not understood by the test: {expr}")

    def run(self, step_id: str) -> subprocess.CompletedProcess[str]:
        step = next(s for s in self.action["runs"]["steps"] if s.get("id") == step_id)
        env = dict(os.environ)
        env["PATH"] = f"{self.shim}{os.pathsep}{env['PATH']}"
        for key, raw in (step.get("env") or {}).items():
            env[key] = _EXPR.sub(lambda m: self.value(m.group(1)), str(raw))
        output = self.tmp / f"output-{step_id}"
        output.unlink(missing_ok=True)
        runner_temp = self.tmp / "runner-temp"
        runner_temp.mkdir(exist_ok=True)
        env.update(
            RUNNER_TEMP=str(runner_temp),
            GITHUB_OUTPUT=str(output),
            GITHUB_STEP_SUMMARY=str(self.summary),
            GITHUB_PATH=str(self.tmp / "github-path"),
            GITHUB_ACTION_PATH=str(REPO),
            GITHUB_WORKSPACE=str(self.workspace),
        )
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], "scripts take inputs through env: only"
        proc = _bash(step["run"], cwd=self.workspace, env=env)
        self.step_outputs[step_id] = _outputs(output)
        self.logs[step_id] = proc
        return proc


def test_action_yaml_is_consistent() -> None:
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    ids = {s["id"] for s in steps if "id" in s}
    inputs = set(action["inputs"])
    text = ACTION.read_text(encoding="utf-8")
    for expr in _EXPR.findall(text):
        for ref in re.findall(r"inputs\.([\w-]+)", expr):
            assert ref in inputs, ref
        for step, output in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr):
            assert step in ids, step
            producer = next(s for s in steps if s.get("id") == step)
            assert f"{output}=" in producer["run"], (step, output)
    for name, spec in action["outputs"].items():
        assert _EXPR.search(spec["value"]), name
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash"
        else:
            assert re.fullmatch(r"github/codeql-action/upload-sarif@v\d+", step["uses"])
    for flag in _flags_in(text):
        assert flag in _scan_flags(), flag
    # the install step installs this very checkout: it must be an installable project
    # with the gouvernante command
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'gouvernante = "gouvernante.cli:entry"' in pyproject


def test_action_steps_run_on_a_fixture(tmp_path: Path, workspace: Path, shim: Path) -> None:
    runner = ActionRunner(tmp_path, workspace, shim, {"rules": "rules", "format": "text"})
    assert runner.run("rules").returncode == 0
    assert runner.step_outputs["rules"] == {"dir": ""}
    scan = runner.run("scan")
    assert scan.returncode == 0, scan.stderr
    out = runner.step_outputs["scan"]
    assert out["exit-code"] == "2"
    assert "AFFECTED" in scan.stdout and "example-utils@2.3.1" in scan.stdout
    sarif = json.loads(Path(out["sarif-file"]).read_text())
    (result,) = sarif["runs"][0]["results"]
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "app/package-lock.json"
    assert loc["region"]["startLine"] >= 1
    assert runner.summary.read_text().startswith("### gouvernante: AFFECTED")
    verdict = runner.run("verdict")
    assert verdict.returncode == 2
    assert "::error title=gouvernante::findings at or above low" in verdict.stdout


def test_action_fail_on_and_json_format(tmp_path: Path, workspace: Path, shim: Path) -> None:
    rule_file = workspace / "rules" / "SSC-2026-005.json"
    doc = json.loads(rule_file.read_text())
    doc["rules"][0]["severity"] = "medium"
    rule_file.write_text(json.dumps(doc))
    runner = ActionRunner(
        tmp_path,
        workspace,
        shim,
        {"rules": "rules", "fail-on": "high", "format": "json", "summary": "false"},
    )
    runner.run("rules")
    assert runner.run("scan").returncode == 0
    out = runner.step_outputs["scan"]
    assert out["exit-code"] == "0"
    assert json.loads(Path(out["report-file"]).read_text())["summary"]["verdict"] == "findings"
    assert not runner.summary.exists()
    assert runner.run("verdict").returncode == 0


def test_action_fetches_a_rules_repository_at_a_ref(
    tmp_path: Path, workspace: Path, shim: Path
) -> None:
    repo = tmp_path / "rules-repo"
    repo.mkdir()
    shutil.copy(workspace / "rules" / "SSC-2026-005.json", repo / "SSC-2026-005.json")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(repo)]
    subprocess.run([*git, "init", "--quiet", "-b", "incident"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", "rule"], check=True)
    shutil.rmtree(workspace / "rules")
    runner = ActionRunner(
        tmp_path,
        workspace,
        shim,
        {"rules-repository": str(repo), "rules-ref": "incident", "upload-sarif": "false"},
    )
    fetch = runner.run("rules")
    assert fetch.returncode == 0, fetch.stderr
    assert Path(runner.step_outputs["rules"]["dir"], "SSC-2026-005.json").is_file()
    runner.run("scan")
    assert runner.step_outputs["scan"]["exit-code"] == "2"


def test_action_rejects_an_unknown_format(tmp_path: Path, workspace: Path, shim: Path) -> None:
    runner = ActionRunner(tmp_path, workspace, shim, {"format": "html"})
    runner.run("rules")
    scan = runner.run("scan")
    assert scan.returncode == 1
    assert "format must be" in scan.stderr


# --- the GitLab template -----------------------------------------------------------------------


def test_gitlab_template(tmp_path: Path, workspace: Path, shim: Path) -> None:
    doc = _load(GITLAB)
    job = doc[".gouvernante"]
    text = GITLAB.read_text(encoding="utf-8")
    for flag in _flags_in(text):
        assert flag in _scan_flags(), flag
    assert any("gouvernante -version" in line for line in job["before_script"])
    env = dict(os.environ)
    env.update({k: str(v) for k, v in doc["variables"].items()})
    env.update(
        GOUVERNANTE_RULES="rules", GOUVERNANTE_DIR="app", PATH=f"{shim}{os.pathsep}{env['PATH']}"
    )
    for var in re.findall(r"\$\{?(GOUVERNANTE_[A-Z_]+)", text):
        assert var in doc["variables"], var
    proc = _bash("\n".join(job["script"]), cwd=workspace, env=env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "AFFECTED" in proc.stdout
    for artifact in job["artifacts"]["paths"]:
        assert (workspace / artifact).stat().st_size > 0, artifact
    report = json.loads((workspace / "gouvernante-report.json").read_text())
    assert report["scan"]["id"] and report["scan"]["host"]
    env["GOUVERNANTE_FAIL_ON"] = "critical"
    (workspace / "app" / "package-lock.json").write_text(
        (RUNBOOK / "test" / "clean-lockfile.json").read_text()
    )
    assert _bash("\n".join(job["script"]), cwd=workspace, env=env).returncode == 0


# --- the pre-commit hook -----------------------------------------------------------------------


def test_pre_commit_hook_files_pattern() -> None:
    (hook,) = _load(HOOKS)
    assert hook["id"] == "gouvernante"
    assert hook["language"] == "python"
    pattern = re.compile(hook["files"])
    for name in sorted(LOCKFILE_NAMES):
        assert pattern.search(name), name
        assert pattern.search(f"apps/web/{name}"), name
    for other in ("package-lock.json.bak", "my-yarn.lock", "src/package.jsonc", "Cargo.lock"):
        assert not pattern.search(other), other


def test_pre_commit_hook_entry_runs(tmp_path: Path, workspace: Path, shim: Path) -> None:
    (hook,) = _load(HOOKS)
    for flag in _flags_in(hook["entry"]):
        assert flag in _scan_flags(), flag
    env = dict(os.environ)
    env["PATH"] = f"{shim}{os.pathsep}{env['PATH']}"
    clean = workspace / "clean" / "package-lock.json"
    clean.parent.mkdir()
    clean.write_text((RUNBOOK / "test" / "clean-lockfile.json").read_text())

    def hook_run(*args: str) -> subprocess.CompletedProcess[str]:
        # pre-commit runs: entry (shell-split) + args + the changed file names
        return subprocess.run(
            [*shlex.split(hook["entry"]), *args],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    affected = hook_run("-rules", "rules", "app/package-lock.json", "clean/package-lock.json")
    assert affected.returncode == 2, affected.stderr
    assert "example-utils@2.3.1" in affected.stdout
    assert hook_run("-rules", "rules", "clean/package-lock.json").returncode == 0
    below = hook_run("-rules", "rules", "-fail-on", "critical", "app/package-lock.json")
    assert below.returncode == 2  # the runbook rule is critical
