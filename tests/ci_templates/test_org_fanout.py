"""The organisation fan-out templates, checked without GitHub or GitLab:
ci/github/org-inventory.yml and ci/gitlab/org-inventory.gitlab-ci.yml.

- Both validate against the public schemas committed under schemas/ (SchemaStore's
  github-workflow.json, GitLab's ci.json), and the validation refuses broken variants.
- Third-party actions are pinned by full commit SHA; no ``${{ }}`` expression inside a script;
  every option a script passes to gouvernante exists.
- The scripts run here as the runners run them (bash, errexit, pipefail), job by job: the plan,
  every shard job (real ``git clone --mirror`` from local bare repositories standing for the
  forge, ``inventory shard``, ``inventory add``), then the report job (``inventory merge``,
  ``-inventory``, ``collect``), artifacts passed between them as the platforms pass them. A
  repository that cannot be mirrored and a shard that never arrived fail the run.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ci_templates.ci_support import REPO, bash, flags_in, load_yaml, scan_flags, schema_errors
from gitsrc.gitrepo import Repo, lockfile, write_rules

GITHUB = REPO / "ci" / "github" / "org-inventory.yml"
GITLAB = REPO / "ci" / "gitlab" / "org-inventory.gitlab-ci.yml"
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
# Options of the other tools the scripts call (gh, git, test), not gouvernante's.
OTHER_FLAGS = frozenset({"--jq", "--limit", "--mirror", "--no-archived", "-eq", "-le", "-of-"})
T0 = 1788868800


def _workflow() -> dict[str, Any]:
    raw: dict[Any, Any] = load_yaml(GITHUB)
    if True in raw:  # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads "on"
        raw["on"] = raw.pop(True)
    return raw


def _gouvernante_flags() -> set[str]:
    from gouvernante.cli.collect import build_parser as collect_parser
    from gouvernante.cli.inventory import build_parser as inventory_parser

    flags = set(scan_flags())
    for parser in (collect_parser(), inventory_parser()):
        flags.update(s for a in parser._actions for s in a.option_strings)
    return flags


# -- schemas ----------------------------------------------------------------------------------


def test_the_github_workflow_validates_against_schemastore() -> None:
    assert schema_errors("github-workflow.json", _workflow()) == []


def test_the_gitlab_pipeline_validates_against_gitlab_ci_schema() -> None:
    pipeline = load_yaml(GITLAB)
    assert schema_errors("gitlab-ci.json", pipeline) == []
    # the hidden install job as the concrete jobs extending it get it
    hidden = pipeline[".gouvernante-org-install"]
    for name in ("gouvernante-inventory-plan", "gouvernante-inventory-shard"):
        job = {**hidden, **{k: v for k, v in pipeline[name].items() if k != "extends"}}
        assert schema_errors("gitlab-ci.json", {name: job}) == []


def _broken_workflows() -> list[tuple[str, Callable[[dict[str, Any]], None]]]:
    def misspelt(w: dict[str, Any]) -> None:
        w["jobs"]["shard"]["step"] = w["jobs"]["shard"].pop("steps")

    def no_runner(w: dict[str, Any]) -> None:
        del w["jobs"]["report"]["runs-on"]

    def uses_and_run(w: dict[str, Any]) -> None:
        w["jobs"]["report"]["steps"][0]["run"] = "echo"

    def cron_number(w: dict[str, Any]) -> None:
        w["on"]["schedule"][0]["cron"] = 41

    def needs_object(w: dict[str, Any]) -> None:
        w["jobs"]["report"]["needs"] = {"plan": True}

    def bad_permission(w: dict[str, Any]) -> None:
        w["permissions"]["contents"] = "all"

    return [
        ("misspelt", misspelt),
        ("no_runner", no_runner),
        ("uses_and_run", uses_and_run),
        ("cron_number", cron_number),
        ("needs_object", needs_object),
        ("bad_permission", bad_permission),
    ]


@pytest.mark.parametrize(("name", "breaks"), _broken_workflows())
def test_the_workflow_schema_check_bites(
    name: str, breaks: Callable[[dict[str, Any]], None]
) -> None:
    workflow = copy.deepcopy(_workflow())
    breaks(workflow)
    assert schema_errors("github-workflow.json", workflow), name


@pytest.mark.parametrize(
    ("job", "key", "value"),
    [
        ("gouvernante-inventory-shard", "parallel", 0),  # GitLab wants 1..200
        ("gouvernante-inventory-shard", "parallel", "four"),
        ("gouvernante-inventory-report", "when", "sometimes"),
        ("gouvernante-inventory-report", "needs", "gouvernante-inventory-shard"),
        ("gouvernante-inventory-plan", "artifacts", {"paths": "plan/", "expire_in": 3}),
    ],
)
def test_the_gitlab_schema_check_bites(job: str, key: str, value: object) -> None:
    pipeline = copy.deepcopy(load_yaml(GITLAB))
    pipeline[job][key] = value
    assert schema_errors("gitlab-ci.json", pipeline)
    pipeline = copy.deepcopy(load_yaml(GITLAB))
    pipeline[job]["scirpt"] = pipeline[job].pop("script")
    assert schema_errors("gitlab-ci.json", pipeline)


# -- what the files say -----------------------------------------------------------------------


def test_actions_are_pinned_by_commit_sha() -> None:
    uses = re.findall(r"uses: (\S+)(.*)", GITHUB.read_text(encoding="utf-8"))
    assert {u.split("@")[0] for u, _ in uses} == {
        "actions/checkout",
        "actions/setup-python",
        "actions/upload-artifact",
        "actions/download-artifact",
    }
    for action, comment in uses:
        assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r"\s+# v\d+\.\d+\.\d+", comment), (action, comment)


def _github_scripts() -> list[str]:
    return [s["run"] for job in _workflow()["jobs"].values() for s in job["steps"] if "run" in s]


def _gitlab_scripts() -> list[str]:
    pipeline = load_yaml(GITLAB)
    return [
        line
        for job in pipeline.values()
        if isinstance(job, dict)
        for key in ("before_script", "script")
        for line in job.get(key, [])
    ]


def test_scripts_take_values_from_the_environment_only() -> None:
    for script in _github_scripts():
        assert "${{" not in script, script[:60]


@pytest.mark.parametrize("template", [GITHUB, GITLAB], ids=["github", "gitlab"])
def test_every_gouvernante_option_exists(template: Path) -> None:
    flags = flags_in(template.read_text(encoding="utf-8")) - OTHER_FLAGS
    assert flags <= _gouvernante_flags(), flags - _gouvernante_flags()


def test_the_gitlab_shard_count_is_said_once_more_and_agrees() -> None:
    pipeline = load_yaml(GITLAB)
    assert pipeline["gouvernante-inventory-shard"]["parallel"] == int(
        pipeline["variables"]["GOUVERNANTE_SHARDS"]
    )


# -- the jobs, run -----------------------------------------------------------------------------


def _forge(tmp_path: Path) -> tuple[Path, list[str]]:
    """Bare repositories at FORGE/OWNER/NAME.git as a forge serves them: five projects, two of
    them resolving the compromised debug@4.4.2 (one on a side branch only)."""
    forge = tmp_path / "forge"
    names = []
    for n in range(5):
        r = Repo(tmp_path / "work" / f"p{n}", start=T0 - 86400)
        r.write("package-lock.json", lockfile("4.4.2" if n == 1 else "4.4.1", name=f"p{n}"))
        r.commit("init")
        if n == 3:
            r.git("checkout", "-q", "-b", "renovate/debug")
            r.write("package-lock.json", lockfile("4.4.2", name="p3"))
            r.commit("bump")
            r.git("checkout", "-q", "main")
        name = f"team-{n % 2}/p{n}"
        r.git("clone", "-q", "--bare", str(r.path), str(forge / f"{name}.git"))
        names.append(name)
    return forge, names


class Platform:
    """One template's jobs as scripts, and the environment each runs with."""

    def __init__(self, template: Path, tmp: Path, shim: Path, base_env: dict[str, str]) -> None:
        self.template = template
        self.tmp = tmp
        self.shim = shim
        self.base_env = base_env
        self.summary = tmp / "summary.md"

    def env(self, **extra: str) -> dict[str, str]:
        import os

        env = {"PATH": f"{self.shim}{os.pathsep}{os.environ['PATH']}", "HOME": str(self.tmp)}
        env.update(self.base_env)
        env.update(extra)
        return env


def _github_job(job: str, *, shard: str = "") -> tuple[str, dict[str, str]]:
    """The job's script steps (not the install, which the shim stands for) and their env,
    expressions resolved as a run without secrets resolves them."""
    workflow = _workflow()
    values = {
        "github.repository_owner": "org",
        "matrix.shard": shard,
        "secrets.GOUVERNANTE_READ_TOKEN || github.token": "",
        "secrets.GOUVERNANTE_READ_TOKEN": "",
        "secrets.GOUVERNANTE_INVENTORY_URL": "",
    }
    env: dict[str, str] = {}
    for key, raw in {**workflow["env"]}.items():
        env[key] = _EXPR.sub(lambda m: values[m.group(1)], str(raw))
    scripts = []
    for step in workflow["jobs"][job]["steps"]:
        if "run" not in step or step.get("name") == "install gouvernante":
            continue
        for key, raw in (step.get("env") or {}).items():
            env[key] = _EXPR.sub(lambda m: values[m.group(1)], str(raw))
        scripts.append(step["run"])
    return "\n".join(scripts), env


def _gitlab_job(job: str, *, index: int = 0, total: int = 0) -> tuple[str, dict[str, str]]:
    pipeline = load_yaml(GITLAB)
    spec = pipeline[job]
    env = {k: str(v) for k, v in pipeline["variables"].items()}
    env.update({k: str(v) for k, v in (spec.get("variables") or {}).items()})
    env.update(CI_PROJECT_ROOT_NAMESPACE="org", CI_SERVER_URL="https://gitlab.example.com")
    if index:
        env.update(CI_NODE_INDEX=str(index), CI_NODE_TOTAL=str(total))
    env["GOUVERNANTE_GROUP"] = "org"  # GitLab expands "$CI_PROJECT_ROOT_NAMESPACE"
    return "\n".join(spec["script"]), env


def _run_fanout(
    tmp_path: Path, shim: Path, template: Path, *, lose_shard: int | None = None, extra: str = ""
) -> tuple[int, Path, str]:
    """Plan, every shard job in a runner directory of its own, then the report job; returns
    the report job's exit code, its directory and everything the jobs printed."""
    forge, names = _forge(tmp_path)
    rules = write_rules(tmp_path)
    github = template == GITHUB
    log: list[str] = []
    common = {
        "GOUVERNANTE_GIT_BASE": f"file://{forge}",
        "GOUVERNANTE_RULES": str(rules),
        "GOUVERNANTE_SHARDS": "3",
    }
    # plan: the repository list of the security team's repository
    plan_dir = tmp_path / "runner-plan"
    plan_dir.mkdir()
    (plan_dir / "repos.txt").write_text("\n".join([*names, extra]) + "\n", encoding="utf-8")
    script, env = _github_job("plan") if github else _gitlab_job("gouvernante-inventory-plan")
    output = tmp_path / "plan-output"
    env.update(common, GITHUB_OUTPUT=str(output))
    plan = bash(script, cwd=plan_dir, env=Platform(template, tmp_path, shim, env).env())
    log.append(plan.stdout + plan.stderr)
    assert plan.returncode == 0, plan.stderr
    if github:
        assert output.read_text().strip() == 'shards=["1/3","2/3","3/3"]'
    # shard jobs: each gets the plan's artifact
    collected = tmp_path / "runner-report" / "shards"
    collected.mkdir(parents=True)
    codes = []
    for i in (1, 2, 3):
        runner = tmp_path / f"runner-shard-{i}"
        (runner / "plan").mkdir(parents=True)
        shutil.copy(plan_dir / "plan" / "repositories.txt", runner / "plan")
        if github:
            script, env = _github_job("shard", shard=f"{i}/3")
        else:
            script, env = _gitlab_job("gouvernante-inventory-shard", index=i, total=3)
        env.update(common)
        job = bash(script, cwd=runner, env=Platform(template, tmp_path, shim, env).env())
        log.append(job.stdout + job.stderr)
        codes.append(job.returncode)
        for f in (runner / "shards").iterdir():  # artifacts, merged into one folder
            if i != lose_shard:
                shutil.copy(f, collected / f.name)
    assert codes == [1 if extra and extra in _mine(plan_dir, i) else 0 for i in (1, 2, 3)], log
    # report job
    script, env = _github_job("report") if github else _gitlab_job("gouvernante-inventory-report")
    summary = tmp_path / "summary.md"
    env.update(common, GITHUB_STEP_SUMMARY=str(summary), RUNNER_TEMP=str(tmp_path / "temp"))
    report_dir = tmp_path / "runner-report"
    done = bash(script, cwd=report_dir, env=Platform(template, tmp_path, shim, env).env())
    log.append(done.stdout + done.stderr)
    return done.returncode, report_dir, "\n".join(log)


def _mine(plan_dir: Path, index: int) -> str:
    from gouvernante.inventory.shard import Shard

    names = (plan_dir / "plan" / "repositories.txt").read_text().split()
    return " ".join(n for n in names if Shard(index, 3).holds(n))


@pytest.mark.parametrize("template", [GITHUB, GITLAB], ids=["github", "gitlab"])
def test_the_fanout_finds_what_one_inventory_finds(
    tmp_path: Path, shim: Path, template: Path
) -> None:
    code, report_dir, log = _run_fanout(tmp_path, shim, template)
    assert code == 2, log  # findings
    report = json.loads((report_dir / "status" / "report.json").read_text())
    affected = sorted({(f["repository"], f["ref"]) for f in report["findings"]})
    assert affected == [
        ("mirrors/team-1/p1.git", "main"),
        ("mirrors/team-1/p3.git", "renovate/debug"),
    ]
    assert len(report["scan"]["refs"]) == 6  # five main branches and one side branch
    page = (report_dir / "status" / "status.html").read_text()
    assert "team-1/p1" in page and "team-1/p3" in page
    assert (report_dir / "status" / "inventory.sqlite").is_file()
    if template == GITHUB:
        assert "team-1/p1" in (tmp_path / "summary.md").read_text()


@pytest.mark.parametrize("template", [GITHUB, GITLAB], ids=["github", "gitlab"])
def test_a_lost_shard_or_an_unmirrored_repository_fails_the_run(
    tmp_path: Path, shim: Path, template: Path
) -> None:
    (tmp_path / "lost").mkdir()
    code, _report_dir, log = _run_fanout(tmp_path / "lost", shim, template, lose_shard=2)
    assert code != 0 and "shard 2/3 is missing" in log
    (tmp_path / "gone").mkdir()
    code, _report_dir, log = _run_fanout(tmp_path / "gone", shim, template, extra="team-9/gone")
    assert code == 2  # the findings still count ...
    assert "could not be mirrored" in log  # ... and the gap is said


def test_a_bad_repository_list_line_stops_the_plan(tmp_path: Path, shim: Path) -> None:
    (tmp_path / "repos.txt").write_text("org/ok\n--upload-pack=touch /tmp/x\n", encoding="utf-8")
    script, env = _github_job("plan")
    env.update(GITHUB_OUTPUT=str(tmp_path / "out"))
    done = bash(script, cwd=tmp_path, env=Platform(GITHUB, tmp_path, shim, env).env())
    assert done.returncode == 1
    assert "plan/repositories.txt: line 2: not a repository name" in done.stderr
    assert "upload-pack" not in done.stderr
