"""The GitLab CI template (ci/gitlab/gouvernante.gitlab-ci.yml), checked without GitLab.

- The template, and the pipeline docs/ci.md tells users to write (``include`` + ``extends``,
  resolved here as GitLab merges them), validate against GitLab's own CI schema (committed under
  schemas/). The schema accepts anything under a hidden key such as ``.gouvernante``, so the job is
  also validated as the concrete job a user gets.
- No dead variables: every variable the job declares is read by its scripts or by the runner, and
  every GOUVERNANTE_ variable the scripts read is declared.
- The scripts run here as the runner runs them: the default install really pip-installs the
  package from the repository URL the template builds (the URL is pointed at a local snapshot of
  this checkout with git's ``url.<base>.insteadOf``; dependencies come from PyPI), then the scan.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from ci_templates.ci_support import (
    FIXTURES,
    GITLAB,
    REPO,
    RUNBOOK,
    bash,
    flags_in,
    git,
    load_yaml,
    scan_flags,
    schema_errors,
    snapshot_repository,
)

JOB = ".gouvernante"
SARIF_JOB = ".gouvernante-sarif"
# Variables a job may declare for the runner rather than for its scripts.
RUNNER_VARIABLES = frozenset({"GIT_DEPTH", "GIT_STRATEGY", "GIT_SUBMODULE_STRATEGY"})


def _job() -> dict[str, Any]:
    job: dict[str, Any] = load_yaml(GITLAB)[JOB]
    return job


def _script(job: dict[str, Any], *keys: str) -> str:
    return "\n".join(line for key in keys for line in job.get(key, []))


def _resolve(template: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    """A user job with its ``extends`` (one name or a list, merged in order) resolved."""
    names = job["extends"] if isinstance(job["extends"], list) else [job["extends"]]
    merged: dict[str, Any] = {}
    for name in names:
        merged = _extend(merged, template[name])
    return _extend(merged, job)


def _extend(base: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    """GitLab's ``extends``: hashes merged deeply, anything else replaced."""
    merged = copy.deepcopy(base)
    for key, value in job.items():
        if key == "extends":
            continue
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _extend(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _docs_pipeline() -> dict[str, Any]:
    """The .gitlab-ci.yml docs/ci.md shows, with the included template resolved."""
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    section = text[text.index("## GitLab CI") :]
    block = re.search(r"```yaml\n(.*?)```", section, flags=re.DOTALL)
    assert block is not None
    import yaml

    pipeline: dict[str, Any] = yaml.safe_load(block.group(1))
    (include,) = pipeline["include"]
    assert include["file"] == "ci/gitlab/gouvernante.gitlab-ci.yml"
    return pipeline


def test_template_validates_against_gitlab_ci_schema() -> None:
    assert schema_errors("gitlab-ci.json", load_yaml(GITLAB)) == []
    # the hidden job as the concrete job a user's `extends` gives
    assert schema_errors("gitlab-ci.json", {"gouvernante": _job()}) == []


def test_docs_pipeline_validates_against_gitlab_ci_schema() -> None:
    pipeline = _docs_pipeline()
    assert schema_errors("gitlab-ci.json", pipeline) == []
    user_job = pipeline["gouvernante"]
    assert user_job["extends"] == [JOB, SARIF_JOB]
    resolved = _resolve(load_yaml(GITLAB), user_job)
    assert schema_errors("gitlab-ci.json", {"gouvernante": resolved}) == []
    assert resolved["artifacts"]["reports"] == {"sarif": "gouvernante.sarif"}
    assert "gouvernante.sarif" in resolved["artifacts"]["paths"]
    # and the job GitLab before 18.11 gets
    older = _resolve(load_yaml(GITLAB), {**user_job, "extends": JOB})
    assert schema_errors("gitlab-ci.json", {"gouvernante": older}) == []
    # the docs set only variables the template declares
    assert set(user_job["variables"]) <= set(_job()["variables"])


def test_the_schema_check_bites() -> None:
    """GitLab's schema refuses a misspelt key and an unknown report type (the test is not
    vacuous), and accepts the report types GitLab has."""
    job = _job()
    bad = copy.deepcopy(job)
    bad["scirpt"] = bad.pop("script")
    assert schema_errors("gitlab-ci.json", {"gouvernante": bad})
    bad = copy.deepcopy(job)
    bad["artifacts"]["reports"] = {"sarif_report": "gouvernante.sarif"}
    assert schema_errors("gitlab-ci.json", {"gouvernante": bad})
    bad = copy.deepcopy(job)
    bad["artifacts"]["when"] = "sometimes"
    assert schema_errors("gitlab-ci.json", {"gouvernante": bad})


def test_no_dead_variables() -> None:
    doc = load_yaml(GITLAB)
    job = doc[JOB]
    assert "variables" not in doc, "global variables would leak into every job of the pipeline"
    scripts = _script(job, "before_script", "script")
    for name in job["variables"]:
        if name in RUNNER_VARIABLES:
            continue
        assert re.search(rf"\$\{{?{name}\b", scripts), f"{name} is declared but never read"
    for name in set(re.findall(r"\$\{?(GOUVERNANTE_[A-Z_]+)", GITLAB.read_text(encoding="utf-8"))):
        assert name in job["variables"], f"{name} is read but not declared"


def test_flags_exist_and_one_scan_writes_every_report() -> None:
    text = GITLAB.read_text(encoding="utf-8")
    for flag in flags_in(text):
        assert flag in scan_flags(), flag
    script = _script(_job(), "script")
    assert len(re.findall(r"^\s*gouvernante\b", script, flags=re.MULTILINE)) == 1
    for artifact in _job()["artifacts"]["paths"]:
        assert f"-output {artifact}" in script, artifact


def test_default_install_is_the_repository_url() -> None:
    before = _script(_job(), "before_script")
    assert _job()["variables"]["GOUVERNANTE_INSTALL_SPEC"] == ""
    assert (
        "git+${CI_SERVER_PROTOCOL}://gitlab-ci-token:${CI_JOB_TOKEN}@${CI_SERVER_URL#*://}"
        "/${GOUVERNANTE_PROJECT}.git@${GOUVERNANTE_REF}" in before
    )


def _ci_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({k: str(v) for k, v in _job()["variables"].items()})
    env.update(variables)
    return env


def test_scan_script(tmp_path: Path, workspace: Path, shim: Path) -> None:
    job = _job()
    env = _ci_env(
        tmp_path,
        GOUVERNANTE_RULES="rules",
        GOUVERNANTE_DIR="app",
        PATH=f"{shim}{os.pathsep}{os.environ['PATH']}",
    )
    proc = bash(_script(job, "script"), cwd=workspace, env=env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "AFFECTED" in proc.stdout and "example-utils@2.3.1" in proc.stdout
    for artifact in job["artifacts"]["paths"]:
        assert (workspace / artifact).stat().st_size > 0, artifact
    report = json.loads((workspace / "gouvernante-report.json").read_text())
    assert report["scan"]["id"] and report["scan"]["host"]
    sarif = json.loads((workspace / "gouvernante.sarif").read_text())
    assert len(sarif["runs"][0]["results"]) == 1
    _check_gitlab_sarif(sarif)
    # a clean lockfile, and a finding below the threshold, pass
    (workspace / "app" / "package-lock.json").write_text(
        (RUNBOOK / "test" / "clean-lockfile.json").read_text()
    )
    env["GOUVERNANTE_FAIL_ON"] = "critical"
    assert bash(_script(job, "script"), cwd=workspace, env=env).returncode == 0


@pytest.mark.pip_install
def test_scan_with_a_rules_repository(
    tmp_path: Path, workspace: Path, shim: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A private rules repository on the same GitLab, fetched with the job token in its URL (git
    is told to fetch that URL from a local repository); the token is never printed."""
    rules = tmp_path / "rules-repo"
    rules.mkdir()
    (rules / "SSC-2026-005.json").write_bytes(
        (RUNBOOK / "rules" / "SSC-2026-005.json").read_bytes()
    )
    for args in (["init", "--quiet", "-b", "main"], ["add", "."], ["commit", "--quiet", "-m", "r"]):
        git(*args, cwd=rules)
    url = "https://gitlab-ci-token:job-token-42@gitlab.example.com/security/rules.git"
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(f'[url "{rules}"]\n\tinsteadOf = {url}\n')
    checkout = tmp_path / "rules-checkout"
    script = _script(_job(), "script").replace("/tmp/gouvernante-rules", str(checkout))
    env = _ci_env(
        tmp_path,
        GOUVERNANTE_RULES_REPOSITORY=url,
        GOUVERNANTE_DIR="app",
        GIT_CONFIG_GLOBAL=str(gitconfig),
        PATH=f"{shim}{os.pathsep}{os.environ['PATH']}",
    )
    proc = bash(script, cwd=workspace, env=env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "gouvernante rules: https://gitlab.example.com/security/rules.git at " in proc.stdout
    assert "job-token-42" not in proc.stdout + proc.stderr
    assert "example-utils@2.3.1" in proc.stdout


def test_default_install_from_the_repository_then_scan(tmp_path: Path) -> None:
    """The job as GitLab runs it (before_script + script in one shell), with the template's
    default install: pip installs ``git+https://gitlab-ci-token:<token>@<server>/<project>
    .git@<sha>``, which git is told to fetch from a local snapshot of this checkout."""
    sha = snapshot_repository(tmp_path / "origin")
    url = (
        "https://gitlab-ci-token:job-token-42@gitlab.example.com:8443/git/security/gouvernante.git"
    )
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(f'[url "{tmp_path / "origin"}"]\n\tinsteadOf = {url}\n')
    project = tmp_path / "project"
    (project / "web").mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        (project / "web" / name).write_bytes(
            (FIXTURES / "debug-bump" / "affected" / name).read_bytes()
        )
    job = _job()
    venv = tmp_path / "gouvernante-venv"
    script = _script(job, "before_script", "script").replace("/tmp/gouvernante-venv", str(venv))
    assert str(venv) in script
    env = _ci_env(
        tmp_path,
        CI_SERVER_PROTOCOL="https",
        CI_SERVER_URL="https://gitlab.example.com:8443/git",  # a port and a relative root
        CI_JOB_TOKEN="job-token-42",
        GOUVERNANTE_REF=sha,
        GIT_CONFIG_GLOBAL=str(gitconfig),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    )
    proc = bash(script, cwd=project, env=env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert (venv / "bin" / "gouvernante").is_file()
    assert "gouvernante 0.1.0" in proc.stdout
    # the installed package carries the bundled rule pack: it finds the hijacked debug
    assert "debug@4.4.2" in proc.stdout and "GOUV-2025-CHALK-DEBUG" in proc.stdout
    assert "job-token-42" not in proc.stdout + proc.stderr
    # the bundled pack's SARIF is one GitLab ingests whole
    _check_gitlab_sarif(json.loads((project / "gouvernante.sarif").read_text()))


def test_sarif_is_the_report_gitlab_reads() -> None:
    """The SARIF report is GitLab's ``artifacts:reports:sarif`` in a hidden job of its own (GitLab
    before 18.11 refuses a pipeline naming it) and a plain artifact in the main job; docs/ci.md
    says why not dependency_scanning nor junit."""
    doc = load_yaml(GITLAB)
    assert set(doc) == {JOB, SARIF_JOB}
    assert doc[SARIF_JOB] == {"artifacts": {"reports": {"sarif": "gouvernante.sarif"}}}
    artifacts = doc[JOB]["artifacts"]
    assert "reports" not in artifacts
    assert "gouvernante.sarif" in artifacts["paths"]
    assert artifacts["when"] == "always"
    docs = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    for word in ("artifacts:reports:sarif", "dependency_scanning", "junit", "18.11"):
        assert word in docs, word


# GitLab's SARIF ingestion: a result without ruleId or physical location, or with a text over
# these lengths, is dropped (docs.gitlab.com, "SARIF reports", Limits).
_GITLAB_SARIF_LIMITS = {"name": 255, "shortDescription": 1024, "fullDescription": 1024}


def _check_gitlab_sarif(sarif: dict[str, Any]) -> None:
    schema = json.loads((REPO / "tests" / "report" / "sarif-schema-2.1.0.json").read_text())
    import jsonschema

    jsonschema.Draft7Validator(schema).validate(sarif)
    assert sarif["version"] == "2.1.0"
    for run in sarif["runs"]:
        driver = run["tool"]["driver"]
        assert driver["name"]
        rules = {r["id"]: r for r in driver["rules"]}
        for rule in rules.values():
            assert len(rule.get("name", "")) <= _GITLAB_SARIF_LIMITS["name"]
            for key in ("shortDescription", "fullDescription"):
                text = rule.get(key, {}).get("text", "")
                assert len(text) <= _GITLAB_SARIF_LIMITS[key], (rule["id"], key)
            assert len(rule.get("properties", {}).get("tags", [])) <= 10
        for result in run["results"]:
            assert result["ruleId"] in rules
            assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert len(result["message"]["text"]) <= 1024


def test_a_long_rule_summary_stays_within_gitlab_limits(tmp_path: Path, workspace: Path) -> None:
    from gouvernante.cli import main

    rule_file = workspace / "rules" / "SSC-2026-005.json"
    doc = json.loads(rule_file.read_text())
    doc["rules"][0]["summary"] = "A long advisory text. " * 100
    rule_file.write_text(json.dumps(doc))
    out = tmp_path / "long.sarif"
    rules, app = str(workspace / "rules"), str(workspace / "app")
    assert main(["-rules", rules, "-dir", app, "-output", str(out)]) == 2
    _check_gitlab_sarif(json.loads(out.read_text()))
