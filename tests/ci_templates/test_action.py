"""The GitHub Action (action.yml), checked without GitHub.

- ``action.yml`` validates against the public JSON schema for action metadata (SchemaStore's
  github-action.json, committed under schemas/), and every expression in it resolves.
- Its ``run:`` steps run here as the runner runs them (bash, errexit, pipefail), with the inputs
  and the ``github`` context they read passed through ``env:`` exactly as the file says, for a push,
  a pull request from a branch of the repository and one from a fork, with ``gouvernante`` on PATH.
- What cannot run here: the install step's pip download and GitHub's upload-sarif action (whose
  reference and inputs are checked statically).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ci_templates.ci_support import (
    ACTION,
    FIXTURES,
    REPO,
    RUNBOOK,
    bash,
    flags_in,
    load_yaml,
    scan_flags,
    schema_errors,
    snapshot_repository,
)

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
DEBUG = FIXTURES / "debug-bump"
REPOSITORY = "acme/shop"
PUSH: dict[str, Any] = {}
SAME_REPO_PR = {"pull_request": {"head": {"repo": {"full_name": REPOSITORY}}}}
FORK_PR = {"pull_request": {"head": {"repo": {"full_name": "mallory/shop"}}}}


def _outputs(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep:
                out[key] = value
    return out


class ActionRunner:
    """Runs the Action's ``run:`` steps in order, evaluating the expressions their ``env:`` uses."""

    def __init__(
        self,
        tmp: Path,
        workspace: Path,
        shim: Path,
        inputs: dict[str, str],
        event: dict[str, Any] | None = None,
    ) -> None:
        self.action = load_yaml(ACTION)
        self.inputs = {k: str(v.get("default", "")) for k, v in self.action["inputs"].items()}
        unknown = set(inputs) - set(self.inputs)
        assert not unknown, unknown
        self.inputs.update(inputs)
        self.event = PUSH if event is None else event
        self.tmp = tmp
        self.workspace = workspace
        self.shim = shim
        self.step_outputs: dict[str, dict[str, str]] = {}
        self.summary = tmp / "summary.md"
        self.runner_temp = tmp / "runner-temp"
        self.runner_temp.mkdir(exist_ok=True)
        self.action_path = REPO
        self.github_path = tmp / "github-path"

    def value(self, expr: str) -> str:
        head, _, rest = expr.partition(".")
        if head == "inputs":
            return self.inputs[rest]
        if head == "steps":
            step, _, output = rest.partition(".outputs.")
            return self.step_outputs.get(step, {}).get(output, "")
        if expr == "github.action_path":
            return str(self.action_path)
        if expr == "github.repository":
            return REPOSITORY
        if head == "github" and rest.startswith("event."):
            node: Any = self.event
            for key in rest.removeprefix("event.").split("."):
                node = node.get(key) if isinstance(node, dict) else None
            return "" if node is None else str(node)  # a missing property is '' in env
        raise AssertionError(f"expression not understood by the test: {expr}")

    def run(self, step_id: str) -> subprocess.CompletedProcess[str]:
        step = next(s for s in self.action["runs"]["steps"] if s.get("id") == step_id)
        env = dict(os.environ)
        # what earlier steps added to GITHUB_PATH comes first, as on a runner
        added = self.github_path.read_text().split() if self.github_path.exists() else []
        env["PATH"] = os.pathsep.join([*reversed(added), str(self.shim), env["PATH"]])
        for key, raw in (step.get("env") or {}).items():
            env[key] = _EXPR.sub(lambda m: self.value(m.group(1)), str(raw))
        output = self.tmp / f"output-{step_id}"
        output.unlink(missing_ok=True)
        env.update(
            RUNNER_TEMP=str(self.runner_temp),
            GITHUB_OUTPUT=str(output),
            GITHUB_STEP_SUMMARY=str(self.summary),
            GITHUB_PATH=str(self.github_path),
            GITHUB_WORKSPACE=str(self.workspace),
        )
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], "scripts take inputs through env: only"
        proc = bash(step["run"], cwd=self.workspace, env=env)
        self.step_outputs[step_id] = _outputs(output)
        return proc


def test_action_validates_against_the_public_schema() -> None:
    assert schema_errors("github-action.json", load_yaml(ACTION)) == []


def test_the_schema_check_bites() -> None:
    """The committed schema rejects what GitHub rejects (so the test above is not vacuous)."""
    action = load_yaml(ACTION)
    action["runs"]["steps"][0]["shel"] = "bash"
    del action["inputs"]["rules"]["description"]
    errors = schema_errors("github-action.json", action)
    assert errors and any("runs" in e for e in errors)


def test_action_expressions_resolve() -> None:
    action = load_yaml(ACTION)
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    ids = {s["id"] for s in steps if "id" in s}
    inputs = set(action["inputs"])
    text = ACTION.read_text(encoding="utf-8")
    for expr in _EXPR.findall(text) + [s["if"] for s in steps if "if" in s]:
        for ref in re.findall(r"inputs\.([\w-]+)", expr):
            assert ref in inputs, ref
        for step, output in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr):
            assert step in ids, step
            producer = next(s for s in steps if s.get("id") == step)
            assert f"{output}=" in producer["run"], (step, output)
    for name, spec in action["outputs"].items():
        assert _EXPR.search(spec["value"]), name
    for flag in flags_in(text):
        assert flag in scan_flags(), flag


def test_one_scan_writes_every_report() -> None:
    """One gouvernante run per job: the scan step calls the tool once, with every -output."""
    (scan,) = [s for s in load_yaml(ACTION)["runs"]["steps"] if s.get("id") == "scan"]
    calls = re.findall(r"^\s*gouvernante\b", scan["run"], flags=re.MULTILINE)
    assert len(calls) == 1
    for ext in ("json", "sarif", "md", "txt"):
        assert f'-output "$out/gouvernante.{ext}"' in scan["run"], ext


def test_upload_uses_codeql_v4_and_only_when_the_scan_says_so() -> None:
    steps = load_yaml(ACTION)["runs"]["steps"]
    (upload,) = [s for s in steps if "uses" in s]
    assert upload["uses"] == "github/codeql-action/upload-sarif@v4"
    assert upload["with"]["sarif_file"] == "${{ steps.scan.outputs.sarif-file }}"
    assert "steps.scan.outputs.upload-sarif == 'true'" in upload["if"]
    assert "cancelled()" in upload["if"]


def test_a_push_scans_reports_and_uploads(tmp_path: Path, workspace: Path, shim: Path) -> None:
    runner = ActionRunner(tmp_path, workspace, shim, {"rules": "rules"})
    assert runner.run("rules").returncode == 0
    assert runner.step_outputs["rules"] == {"dir": ""}
    scan = runner.run("scan")
    assert scan.returncode == 0, scan.stderr
    out = runner.step_outputs["scan"]
    assert out["exit-code"] == "2"
    assert out["upload-sarif"] == "true"
    assert "AFFECTED" in scan.stdout and "example-utils@2.3.1" in scan.stdout
    assert out["report-file"] == out["text-file"]
    sarif = json.loads(Path(out["sarif-file"]).read_text())
    (result,) = sarif["runs"][0]["results"]
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "app/package-lock.json"
    assert loc["region"]["startLine"] >= 1
    report = json.loads(Path(out["json-file"]).read_text())
    assert report["summary"]["verdict"] == "findings"
    assert Path(out["markdown-file"]).read_text().startswith("### gouvernante: AFFECTED")
    assert runner.summary.read_text() == Path(out["markdown-file"]).read_text()
    # the four reports come from one scan: one scan id in the JSON, the same findings everywhere
    assert "example-utils@2.3.1" in Path(out["text-file"]).read_text()
    verdict = runner.run("verdict")
    assert verdict.returncode == 2
    assert "::error title=gouvernante::findings at or above low" in verdict.stdout


@pytest.mark.parametrize(
    ("event", "upload"),
    [(PUSH, "true"), (SAME_REPO_PR, "true"), (FORK_PR, "false")],
    ids=["push", "pull-request-from-the-repository", "pull-request-from-a-fork"],
)
def test_no_sarif_upload_for_a_fork(
    tmp_path: Path, workspace: Path, shim: Path, event: dict[str, Any], upload: str
) -> None:
    runner = ActionRunner(tmp_path, workspace, shim, {"rules": "rules"}, event)
    runner.run("rules")
    scan = runner.run("scan")
    out = runner.step_outputs["scan"]
    assert out["upload-sarif"] == upload
    assert out["exit-code"] == "2"  # the verdict does not depend on the upload
    assert Path(out["sarif-file"]).is_file()
    if upload == "false":
        assert "::notice title=gouvernante::SARIF not uploaded: pull request from the fork" in (
            scan.stdout
        )
        assert runner.summary.read_text().startswith("### gouvernante: AFFECTED")
    assert runner.run("verdict").returncode == 2


def test_two_uses_in_one_job_keep_their_own_reports(
    tmp_path: Path, workspace: Path, shim: Path
) -> None:
    runner = ActionRunner(tmp_path, workspace, shim, {"rules": "rules"})
    runner.run("rules")
    runner.run("scan")
    first = runner.step_outputs["scan"]["sarif-file"]
    runner.run("scan")
    second = runner.step_outputs["scan"]["sarif-file"]
    assert first != second
    assert Path(first).is_file() and Path(second).is_file()


def test_upload_can_be_turned_off(tmp_path: Path, workspace: Path, shim: Path) -> None:
    runner = ActionRunner(tmp_path, workspace, shim, {"rules": "rules", "upload-sarif": "false"})
    runner.run("rules")
    runner.run("scan")
    assert runner.step_outputs["scan"]["upload-sarif"] == "false"


def test_fail_on_and_json_format(tmp_path: Path, workspace: Path, shim: Path) -> None:
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
    scan = runner.run("scan")
    assert scan.returncode == 0
    out = runner.step_outputs["scan"]
    assert out["exit-code"] == "0"
    assert out["report-file"] == out["json-file"]
    report = Path(out["report-file"]).read_text()
    assert json.loads(report)["summary"]["verdict"] == "findings"
    assert report in scan.stdout
    assert not runner.summary.exists()
    assert runner.run("verdict").returncode == 0


def test_a_scan_that_cannot_complete_fails_the_job(
    tmp_path: Path, workspace: Path, shim: Path
) -> None:
    runner = ActionRunner(tmp_path, workspace, shim, {"rules": "no-such-rules"})
    runner.run("rules")
    assert runner.run("scan").returncode == 0
    out = runner.step_outputs["scan"]
    assert out["exit-code"] == "1"
    assert out["sarif-file"] == "" and out["upload-sarif"] == "false"
    verdict = runner.run("verdict")
    assert verdict.returncode == 1
    assert "the scan could not complete (exit 1)" in verdict.stdout


def _rules_repository(tmp_path: Path, workspace: Path) -> Path:
    repo = tmp_path / "rules-repo"
    repo.mkdir()
    rule = workspace / "rules" / "SSC-2026-005.json"
    (repo / "SSC-2026-005.json").write_bytes(rule.read_bytes())
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(repo)]
    subprocess.run([*git, "init", "--quiet", "-b", "incident"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", "rule"], check=True)
    return repo


def test_rules_repository_at_a_ref(
    tmp_path: Path, workspace: Path, shim: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A private rules repository, with a token in its URL (git is told to fetch that URL from a
    local repository): fetched at the ref, scanned with, and the token never printed."""
    repo = _rules_repository(tmp_path, workspace)
    url = "https://x-access-token:s3cret-token@rules.example.com/acme/rules.git"
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(f'[url "{repo}"]\n\tinsteadOf = {url}\n')
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    runner = ActionRunner(
        tmp_path,
        workspace,
        shim,
        {"rules-repository": url, "rules-ref": "incident", "upload-sarif": "false"},
    )
    fetch = runner.run("rules")
    assert fetch.returncode == 0, fetch.stderr
    assert Path(runner.step_outputs["rules"]["dir"], "SSC-2026-005.json").is_file()
    assert "gouvernante rules: https://rules.example.com/acme/rules.git at " in fetch.stdout
    assert "s3cret" not in fetch.stdout + fetch.stderr
    runner.run("scan")
    assert runner.step_outputs["scan"]["exit-code"] == "2"


def test_an_unknown_format_is_refused(tmp_path: Path, workspace: Path, shim: Path) -> None:
    runner = ActionRunner(tmp_path, workspace, shim, {"format": "html"})
    runner.run("rules")
    scan = runner.run("scan")
    assert scan.returncode == 1
    assert "format must be" in scan.stderr


def test_install_step_installs_this_checkout() -> None:
    """Without install-spec the action pip-installs its own checkout: it must be a project with
    the gouvernante command."""
    (install,) = [s for s in load_yaml(ACTION)["runs"]["steps"] if s.get("id") == "install"]
    assert '"${GV_SPEC:-$GV_ACTION_PATH}"' in install["run"]
    assert install["env"]["GV_ACTION_PATH"] == "${{ github.action_path }}"
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'gouvernante = "gouvernante.cli:entry"' in pyproject


def _docs_workflow() -> dict[str, Any]:
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    section = text[text.index("## GitHub Action") :]
    block = re.search(r"```yaml\n(.*?)```", section, flags=re.DOTALL)
    assert block is not None
    import yaml

    raw: dict[Any, Any] = yaml.safe_load(block.group(1))
    # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads it as "on"
    if True in raw:
        raw["on"] = raw.pop(True)
    workflow: dict[str, Any] = raw
    return workflow


def test_docs_workflow_validates_and_pins_the_action_by_sha() -> None:
    workflow = _docs_workflow()
    assert schema_errors("github-workflow.json", workflow) == []
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["scan"]["steps"]
    (ours,) = [s for s in steps if s.get("id") == "gouvernante"]
    assert re.fullmatch(r"[\w.-]+/gouvernante@[0-9a-f]{40}", ours["uses"]), ours["uses"]
    inputs = set(load_yaml(ACTION)["inputs"])
    assert set(ours["with"]) <= inputs
    # the outputs the docs use exist
    outputs = set(load_yaml(ACTION)["outputs"])
    for step in steps:
        for output in re.findall(r"steps\.gouvernante\.outputs\.([\w-]+)", json.dumps(step)):
            assert output in outputs, output


@pytest.mark.pip_install
def test_the_whole_action_with_its_own_install(tmp_path: Path) -> None:
    """Every ``run:`` step in order with nothing stubbed: the install step pip-installs the
    action's checkout (a snapshot of this one; dependencies from PyPI) and puts its venv on the
    PATH the later steps get, which then scan with the bundled rule pack."""
    action_path = tmp_path / "action"
    snapshot_repository(action_path)
    workspace = tmp_path / "ws"
    (workspace / "web").mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        (workspace / "web" / name).write_bytes((DEBUG / "affected" / name).read_bytes())
    no_gouvernante = tmp_path / "empty-bin"
    no_gouvernante.mkdir()
    runner = ActionRunner(
        tmp_path, workspace, no_gouvernante, {"python": sys.executable}, event=FORK_PR
    )
    runner.action_path = action_path
    install = runner.run("install")
    assert install.returncode == 0, install.stdout + install.stderr
    assert "gouvernante 0.1.0" in install.stdout
    runner.run("rules")
    scan = runner.run("scan")
    assert scan.returncode == 0, scan.stderr
    out = runner.step_outputs["scan"]
    assert out["exit-code"] == "2"
    assert "debug@4.4.2" in scan.stdout and "GOUV-2025-CHALK-DEBUG" in scan.stdout
    assert out["upload-sarif"] == "false"  # a fork's pull request
    assert runner.run("verdict").returncode == 2


def test_scanned_text_cannot_issue_workflow_commands(
    tmp_path: Path, workspace: Path, shim: Path
) -> None:
    """A folder name from a pull request shows in the report; the runner trims a line before
    looking for ``::command::``, so the log of the scan is printed with commands stopped."""
    evil = workspace / "::error title=forged::all clean"
    evil.mkdir()
    (evil / "package.json").write_text('{"dependencies": {"example-utils": "^2.3.0"}}')
    runner = ActionRunner(tmp_path, workspace, shim, {"rules": "rules"})
    runner.run("rules")
    scan = runner.run("scan")
    lines = scan.stdout.splitlines()
    assert "::error title=forged::all clean" in scan.stdout  # the path is in the report...
    (stop,) = [i for i, line in enumerate(lines) if line.startswith("::stop-commands::")]
    token = lines[stop].removeprefix("::stop-commands::")
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    (resume,) = [i for i, line in enumerate(lines) if line == f"::{token}::"]
    # ... but only between stop-commands and its resume token
    for i, line in enumerate(lines):
        if line.strip().startswith("::") and not stop <= i <= resume:
            assert line.startswith("::notice title=gouvernante::"), line
    assert any("forged" in line for line in lines[stop:resume])


# --- pull requests: only what the pull request brings in ------------------------------------

_GIT_ENV = {
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "PATH": os.environ["PATH"],
}


def _git(ws: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=ws, env=_GIT_ENV, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def _pr_workspace(workspace: Path, base_lock: str, head_lock: str) -> tuple[Path, str]:
    """The workspace as a clone: a base commit, then the pull request's head commit."""
    lock = workspace / "app" / "package-lock.json"
    _git(workspace, "init", "-q", "-b", "main")
    shutil.copy(RUNBOOK / "test" / base_lock, lock)
    _git(workspace, "add", ".")
    _git(workspace, "commit", "-q", "-m", "base")
    base = _git(workspace, "rev-parse", "HEAD")
    shutil.copy(RUNBOOK / "test" / head_lock, lock)
    (workspace / "README").write_text("the pull request\n")
    _git(workspace, "add", ".")
    _git(workspace, "commit", "-q", "-m", "head")
    return workspace, base


def _pr_event(base: str) -> dict[str, Any]:
    return {"pull_request": {"head": {"repo": {"full_name": REPOSITORY}}, "base": {"sha": base}}}


def test_a_pull_request_fails_on_what_it_brings_in(
    tmp_path: Path, workspace: Path, shim: Path
) -> None:
    ws, base = _pr_workspace(workspace, "clean-lockfile.json", "affected-lockfile.json")
    runner = ActionRunner(tmp_path, ws, shim, {"rules": "rules"}, _pr_event(base))
    runner.run("rules")
    scan = runner.run("scan")
    assert scan.returncode == 0, scan.stderr
    assert runner.step_outputs["scan"]["exit-code"] == "2"
    assert "example-utils@2.3.1" in scan.stdout
    assert "whole scan" not in scan.stdout


def test_a_pull_request_is_not_blamed_for_what_main_had(
    tmp_path: Path, workspace: Path, shim: Path
) -> None:
    ws, base = _pr_workspace(workspace, "affected-lockfile.json", "affected-lockfile.json")
    runner = ActionRunner(tmp_path, ws, shim, {"rules": "rules"}, _pr_event(base))
    runner.run("rules")
    scan = runner.run("scan")
    assert runner.step_outputs["scan"]["exit-code"] == "0", scan.stdout + scan.stderr
    # the same checkout on a push is scanned whole, and is affected
    (tmp_path / "push").mkdir()
    push = ActionRunner(tmp_path / "push", ws, shim, {"rules": "rules"})
    push.run("rules")
    push.run("scan")
    assert push.step_outputs["scan"]["exit-code"] == "2"


def test_a_shallow_clone_falls_back_to_a_whole_scan(
    tmp_path: Path, workspace: Path, shim: Path
) -> None:
    runner = ActionRunner(tmp_path, workspace, shim, {"rules": "rules"}, _pr_event("0" * 40))
    runner.run("rules")
    scan = runner.run("scan")
    assert "whole scan: the pull request's base commit is not in the clone" in scan.stdout
    assert runner.step_outputs["scan"]["exit-code"] == "2"
