"""The pre-commit hook (.pre-commit-hooks.yaml -> ``gouvernante-pre-commit``).

In-process: every flag that takes a value works in ``args`` in each spelling (the list comes from
the scan command's parser, so a new flag is covered the day it is added), and a changed
``package.json`` is judged with its project's lockfile even when the lockfile is not in the commit.

With the real pre-commit (skipped only when pre-commit is not importable): a git repository whose
``.pre-commit-config.yaml`` points at a local snapshot of this checkout at a commit SHA; pre-commit
clones it and pip-installs the hook's environment from it (dependencies from PyPI), then real
``git commit``s and ``pre-commit run --files`` runs go through the hook.

Fixtures: fixtures/debug-bump (written by npm, see its generate.sh): a project whose manifest
says ``"debug": "^4.4.1"``, with a lockfile pinning debug 4.4.1 (clean/) or the hijacked 4.4.2
(affected/, rule GOUV-2025-CHALK-DEBUG of the bundled pack).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ci_templates.ci_support import (
    FIXTURES,
    GIT_ENV,
    HOOKS,
    RUNBOOK,
    git,
    load_yaml,
    snapshot_repository,
)
from gouvernante import precommit
from gouvernante.cli import main
from gouvernante.cli._base import value_flags
from gouvernante.cli.scan import build_scan_parser
from helpers import compromised_rules

DEBUG = FIXTURES / "debug-bump"
RULE = "GOUV-2025-CHALK-DEBUG"


def _project(dest: Path, variant: str, debug_range: str = "^4.4.1") -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(DEBUG / variant / name, dest / name)
    manifest = dest / "package.json"
    manifest.write_text(manifest.read_text().replace('"^4.4.1"', json.dumps(debug_range)))
    return dest


# --- the hook definition --------------------------------------------------------------------


def test_hook_definition() -> None:
    (hook,) = load_yaml(HOOKS)
    assert hook["id"] == "gouvernante"
    assert hook["language"] == "python"
    assert hook["entry"] == "gouvernante-pre-commit"
    assert hook["pass_filenames"] is True and hook["require_serial"] is True
    pyproject = (FIXTURES.parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert 'gouvernante-pre-commit = "gouvernante.precommit:entry"' in pyproject
    # every changed file: a lockfile yarn berry's lockfileFilename names may have any name
    # (deps.yarnlock); ``files_to_scan`` keeps only what -dir would read
    assert "files" not in hook


# Names the scan reads with a well-known parser: another case, pnpm's git branch lockfiles.
SAME_NAMES = (
    "Package-Lock.json",
    "NPM-SHRINKWRAP.JSON",
    "Yarn.lock",
    "BUN.LOCKB",
    "Package.json",
    "pnpm-lock.feature!x.yaml",
    "pnpm-lock.release-1.2_x.yaml",
    "PNPM-LOCK.YAML",
)


def test_changed_lockfiles_by_every_name_the_scan_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A manifest-only commit brings the lockfiles beside it by the scan's names, not only the
    well-known spellings (they were left out: the manifest's range was judged alone)."""
    _project(tmp_path, "affected")
    (tmp_path / "package-lock.json").rename(tmp_path / "Package-Lock.json")
    member = tmp_path / "web"
    member.mkdir()
    shutil.copy(tmp_path / "Package-Lock.json", member / "pnpm-lock.feature!x.yaml")
    (member / "package.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    assert precommit.files_to_scan(["package.json", "web/package.json"], ".") == [
        "package.json",
        "Package-Lock.json",
        "web/package.json",
        "web/pnpm-lock.feature!x.yaml",
    ]
    # a changed file whose path starts with '-' is told from a flag by the same names
    (tmp_path / "-app").mkdir()
    shutil.copy(tmp_path / "Package-Lock.json", tmp_path / "-app" / "Package-Lock.json")
    assert precommit.split_args(["-fail-on", "high", "-app/Package-Lock.json"]) == (
        ["-fail-on", "high"],
        ["-app/Package-Lock.json"],
    )
    assert precommit.main(["web/package.json"]) == 2  # the branch lockfile pins debug 4.4.2


# --- arguments --------------------------------------------------------------------------------

VALUE_FLAGS = sorted(value_flags(build_scan_parser()))


def test_value_flags_come_from_the_parser() -> None:
    names = {f.lstrip("-") for f in VALUE_FLAGS}
    assert {"rules", "dir", "lockfile", "fail-on", "format", "ignore", "output", "workers"} <= names
    assert all(f"-{n}" in VALUE_FLAGS and f"--{n}" in VALUE_FLAGS for n in names)


@pytest.mark.parametrize("flag", VALUE_FLAGS)
def test_every_value_flag_keeps_its_value(flag: str) -> None:
    files = ["web/package.json", "package-lock.json"]
    assert precommit.split_args([flag, "v", *files]) == ([flag, "v"], files)
    assert precommit.split_args([f"{flag}=v", *files]) == ([f"{flag}=v"], files)
    # a value that looks like a changed file is still the flag's value
    assert precommit.split_args([flag, "package.json", "yarn.lock"]) == (
        [flag, "package.json"],
        ["yarn.lock"],
    )


def test_switches_take_no_value() -> None:
    flags, files = precommit.split_args(["-recursive", "--builtin-rules", "-trace", "a/yarn.lock"])
    assert flags == ["-recursive", "--builtin-rules", "-trace"]
    assert files == ["a/yarn.lock"]


# One working value per value-taking flag; the test below fails when the parser gains a flag
# that neither this table nor OTHER_SCAN_MODES knows, so a new flag gets exercised through the
# hook too (or is named here as one that selects another kind of scan).
# Flags that scan something other than the working tree's files (git refs, an inventory, images):
# the hook hands them to the scan unchanged (test_every_value_flag_keeps_its_value), the scan
# decides.
OTHER_SCAN_MODES = frozenset(
    {"git", "ref", "since", "diff", "diff-head", "inventory", "at", "image"}
)


def _values(tmp: Path) -> dict[str, list[str]]:
    return {
        "rules": ["-builtin-rules", "{flag}", str(tmp / "rules")],
        "dir": ["{flag}", "."],
        "lockfile": ["{flag}", "web/package-lock.json"],
        "fail-on": ["{flag}", "critical"],
        "format": ["{flag}", "json"],
        "ignore": ["{flag}", str(tmp / "empty-ignore.json")],
        "output": ["{flag}", str(tmp / "report.json"), "{flag}", str(tmp / "report.sarif")],
        "workers": ["{flag}", "2"],
        "project": ["{flag}", "acme/shop"],
    }


@pytest.mark.parametrize("spelling", ["-{name}", "--{name}", "--{name}=VALUE"])
def test_every_value_flag_works_through_the_hook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    shutil.copytree(RUNBOOK / "rules", tmp_path / "rules")
    (tmp_path / "empty-ignore.json").write_text('{"version": 1, "suppressions": []}')
    _project(tmp_path / "repo" / "web", "affected")
    monkeypatch.chdir(tmp_path / "repo")
    values = _values(tmp_path)
    names = {f.lstrip("-") for f in VALUE_FLAGS}
    unknown = names - set(values) - OTHER_SCAN_MODES
    assert not unknown, (
        f"give {sorted(unknown)} a value in _values() or name it in OTHER_SCAN_MODES"
    )
    for name, template in values.items():
        if name not in names:  # a flag this checkout does not have (yet)
            continue
        args: list[str] = []
        i = 0
        while i < len(template):
            token = template[i]
            if token == "{flag}":
                value = template[i + 1]
                if spelling.endswith("=VALUE"):
                    args.append(spelling.format(name=name).replace("VALUE", value))
                else:
                    args += [spelling.format(name=name), value]
                i += 2
            else:
                args.append(token)
                i += 1
        code = precommit.main([*args, "web/package.json"])
        assert code == 2, (name, args)  # debug@4.4.2 (critical) found: nothing was misread
    assert json.loads((tmp_path / "report.json").read_text())["summary"]["verdict"] == "findings"
    assert json.loads((tmp_path / "report.sarif").read_text())["version"] == "2.1.0"


def test_a_bad_flag_value_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path / "web", "clean")
    monkeypatch.chdir(tmp_path)
    assert precommit.main(["--fail-on=severe", "web/package.json"]) == 1
    assert "fail-on" in capsys.readouterr().err


# --- which files are scanned ----------------------------------------------------------------


def test_a_manifest_brings_its_lockfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path / "web", "clean")
    (tmp_path / "web" / "yarn.lock").write_text("")
    monkeypatch.chdir(tmp_path)
    assert precommit.files_to_scan(["web/package.json"], ".") == [
        "web/package.json",
        "web/package-lock.json",
        "web/yarn.lock",
    ]
    # a changed lockfile alone is judged alone
    assert precommit.files_to_scan(["web/package-lock.json"], ".") == ["web/package-lock.json"]


def test_a_deno_config_brings_its_lockfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Deno project's import map is judged with its deno.lock (decision 0053), and a changed
    package.json does not bring the deno.json beside it (it is no lockfile)."""
    app = tmp_path / "app"
    app.mkdir()
    for name in ("deno.jsonc", "deno.lock", "package.json"):
        (app / name).write_text("{}")
    monkeypatch.chdir(tmp_path)
    assert precommit.files_to_scan(["app/deno.jsonc"], ".") == ["app/deno.jsonc", "app/deno.lock"]
    assert precommit.files_to_scan(["app/package.json"], ".") == [
        "app/package.json",
        "app/deno.lock",
    ]


def test_yarnrc_named_lockfiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """yarn berry's ``lockfileFilename`` (decision 0044): a changed ``berry.lock`` is scanned
    when its folder's .yarnrc.yml names it, a changed .yarnrc.yml brings it, a manifest brings
    it; another ``*.lock`` (the hook's pattern passes them all) is left out."""
    web = tmp_path / "web"
    _project(web, "clean")
    (web / "package-lock.json").unlink()
    (web / ".yarnrc.yml").write_text("lockfileFilename: berry.lock\n")
    (web / "berry.lock").write_text("")
    (web / "Gemfile.lock").write_text("")
    monkeypatch.chdir(tmp_path)
    assert precommit.files_to_scan(["web/berry.lock", "web/Gemfile.lock"], ".") == [
        "web/berry.lock"
    ]
    assert precommit.files_to_scan(["web/.yarnrc.yml"], ".") == ["web/berry.lock"]
    assert precommit.files_to_scan(["web/package.json"], ".") == [
        "web/package.json",
        "web/berry.lock",
    ]
    (web / ".yarnrc.yml").write_text("lockfileFilename: >-\n  berry.lock\n")
    errors: list[str] = []
    assert precommit.files_to_scan(["web/berry.lock"], ".", errors) == []
    assert len(errors) == 1 and errors[0].startswith(str(Path("web") / ".yarnrc.yml"))
    assert "line 1" in errors[0] and "berry" not in errors[0].partition(": ")[2]
    # a folder without .yarnrc.yml: its *.lock files are no one's lockfile, and no error
    api = tmp_path / "api"
    _project(api, "clean")
    (api / "Gemfile.lock").write_text("")
    errors = []
    assert precommit.files_to_scan(["api/Gemfile.lock"], ".", errors) == []
    assert errors == []


def test_a_lockfile_named_from_far_above_at_any_depth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name a .yarnrc.yml gives the folders below it reaches a folder 1,100 deep (the
    folders met going up were asked recursively: RecursionError past ~1,000)."""
    (tmp_path / ".yarnrc.yml").write_text("lockfileFilename: berry.lock\n")
    deep = tmp_path
    for _ in range(1_100):
        deep /= "a"
        deep.mkdir()
    (deep / "berry.lock").write_text("")
    monkeypatch.chdir(tmp_path)
    changed = "/".join(["a"] * 1_100) + "/berry.lock"
    errors: list[str] = []
    try:
        assert precommit.files_to_scan([changed], ".", errors) == [changed]
        assert errors == []
    finally:  # (pytest's clean-up of tmp_path is recursive: it cannot remove 1,100 levels)
        (deep / "berry.lock").unlink()
        while deep != tmp_path:
            deep.rmdir()
            deep = deep.parent


def test_a_workspace_member_brings_the_root_lockfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path, "clean")
    member = tmp_path / "packages" / "ui"
    member.mkdir(parents=True)
    (member / "package.json").write_text('{"name": "ui", "dependencies": {"debug": "^4.4.1"}}')
    monkeypatch.chdir(tmp_path)
    assert precommit.files_to_scan(["packages/ui/package.json"], ".") == [
        "packages/ui/package.json",
        "package-lock.json",
    ]
    # ... but not from above -dir
    assert precommit.files_to_scan(["packages/ui/package.json"], "packages") == [
        "packages/ui/package.json"
    ]


@pytest.mark.parametrize("variant", ["clean", "affected"])
def test_a_workspace_member_bump_is_judged_with_the_root_lockfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variant: str
) -> None:
    """In -lockfile mode (what the hook runs) a member's manifest was matched only with the
    lockfiles of its own folder: its range was a finding even when the root lockfile pins a
    safe release. The workspace is what npm 7+ writes for ``workspaces: ["packages/*"]`` (the
    root entry's ``workspaces``, a link and the member's folder entry), added to the fixture."""
    _project(tmp_path, variant)
    lock_path = tmp_path / "package-lock.json"
    lock = json.loads(lock_path.read_text())
    lock["packages"][""]["workspaces"] = ["packages/*"]
    lock["packages"]["node_modules/ui"] = {"resolved": "packages/ui", "link": True}
    lock["packages"]["packages/ui"] = {"name": "ui", "dependencies": {"debug": "^4.4.1"}}
    lock_path.write_text(json.dumps(lock, indent=2) + "\n")
    member = tmp_path / "packages" / "ui"
    member.mkdir(parents=True)
    (member / "package.json").write_text('{"name": "ui", "dependencies": {"debug": "^4.4.1"}}')
    monkeypatch.chdir(tmp_path)
    assert precommit.main(["packages/ui/package.json"]) == (0 if variant == "clean" else 2)
    # a folder that is no workspace of the root is not judged by the root's lockfile
    other = tmp_path / "tools" / "x"
    other.mkdir(parents=True)
    (other / "package.json").write_text('{"name": "x", "dependencies": {"debug": "^4.4.1"}}')
    assert precommit.main(["tools/x/package.json"]) == 2


def test_a_pnpm_workspace_file_brings_its_lockfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """pnpm-workspace.yaml's overrides are declared versions the project's lockfile decides, as
    a package.json's: changed alone, it was judged alone, so an override of a package the
    lockfile does not install was a finding (exit 2) where -dir says it forces nothing."""
    _project(tmp_path, "clean")
    (tmp_path / "pnpm-workspace.yaml").write_text("overrides:\n  axios: 1.14.1\n")
    monkeypatch.chdir(tmp_path)
    assert precommit.files_to_scan(["pnpm-workspace.yaml"], ".") == [
        "pnpm-workspace.yaml",
        "package-lock.json",
    ]
    assert precommit.main(["pnpm-workspace.yaml"]) == 0
    assert "package-lock.json does not install it: the override forces nothing" in (
        capsys.readouterr().out
    )
    assert main(["-dir", str(tmp_path)]) == 0
    # an override of a package the lockfile installs: the lockfile decides (here debug 4.4.1)
    (tmp_path / "pnpm-workspace.yaml").write_text("overrides:\n  debug: 4.4.2\n")
    assert precommit.main(["pnpm-workspace.yaml"]) == 0
    assert "package-lock.json resolves it: the lockfile decides" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["pnpm", "bun"])
def test_a_changed_catalog_brings_the_manifests_it_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """A catalog bumped alone (no lockfile in the project) changes what the members declare:
    judged alone, the root file declared nothing and the commit passed; the members whose
    ``catalog:`` references it answers now come with it (decision 0054)."""
    for name, spec in (("app", "catalog:"), ("plain", "^1.13.0")):
        member = tmp_path / "packages" / name
        member.mkdir(parents=True)
        (member / "package.json").write_text(json.dumps({"dependencies": {"axios": spec}}))
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "node_modules" / "x" / "package.json").write_text('{"a": "catalog:"}')
    root = {"name": "root", "private": True, "workspaces": ["packages/*"]}
    if kind == "pnpm":
        changed = "pnpm-workspace.yaml"
        (tmp_path / changed).write_text("catalog:\n  axios: ^1.14.0\n")
    else:
        changed = "package.json"
        root["catalog"] = {"axios": "^1.14.0"}
    (tmp_path / "package.json").write_text(json.dumps(root))
    monkeypatch.chdir(tmp_path)
    assert precommit.files_to_scan([changed], ".") == [changed, "packages/app/package.json"]
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(compromised_rules("AXIOS-1", ("axios", "=1.14.1"))))
    assert precommit.main(["-rules", str(rules), changed]) == 2


def test_files_outside_the_project_or_in_skipped_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    changed = ["node_modules/debug/package.json", "web/.yarn/cache/yarn.lock", "api/yarn.lock"]
    assert precommit.files_to_scan(changed, ".") == ["api/yarn.lock"]
    assert precommit.files_to_scan(changed, "web") == []
    assert precommit.build_argv(["-fail-on", "high", "node_modules/x/package.json"]) is None
    assert precommit.main(["node_modules/x/package.json"]) == 0


def test_the_manifest_only_commit_is_judged_with_the_lockfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path / "clean", "clean")
    _project(tmp_path / "affected", "affected")
    (tmp_path / "nolock").mkdir()
    shutil.copy(DEBUG / "clean" / "package.json", tmp_path / "nolock" / "package.json")
    monkeypatch.chdir(tmp_path)
    assert precommit.main(["clean/package.json"]) == 0
    out = capsys.readouterr().out
    assert "clean/package-lock.json resolves it: the lockfile decides" in out
    assert precommit.main(["affected/package.json"]) == 2
    assert "debug@4.4.2" in capsys.readouterr().out
    # without a lockfile the range itself is the finding (the next install can pick 4.4.2)
    assert precommit.main(["nolock/package.json"]) == 2
    assert "no lockfile of this project resolves it" in capsys.readouterr().out


def test_the_repository_suppression_file_applies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path / "web", "affected")
    (tmp_path / ".gouvernante-ignore.json").write_text(
        json.dumps(
            {
                "version": 1,
                "suppressions": [
                    {
                        "rule_id": RULE,
                        "package": "debug",
                        "version": "4.4.2",
                        "reason": "test: a vetted internal rebuild",
                        "expires": "2999-12-31",
                    }
                ],
            }
        )
    )
    monkeypatch.chdir(tmp_path)
    assert precommit.main(["web/package.json"]) == 0
    assert precommit.main(["-ignore", str(tmp_path / "nothing.json"), "web/package.json"]) == 1


# --- the real pre-commit ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """(snapshot repository, its SHA, a PRE_COMMIT_HOME shared by this module's tests)."""
    pytest.importorskip("pre_commit")
    base = tmp_path_factory.mktemp("pre-commit")
    sha = snapshot_repository(base / "gouvernante")
    return base / "gouvernante", sha, base / "pre-commit-home"


def _env(pre_commit_home: Path, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    gitconfig = tmp / "gitconfig"
    gitconfig.write_text("[init]\n\tdefaultBranch = main\n")
    env.update(GIT_ENV)
    env.update(
        PRE_COMMIT_HOME=str(pre_commit_home),
        GIT_CONFIG_GLOBAL=str(gitconfig),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def _pre_commit(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def _user_repo(tmp: Path, hook: tuple[Path, str, Path], args: list[str]) -> Path:
    origin, sha, _home = hook
    repo = tmp / "shop"
    repo.mkdir()
    git("init", "--quiet", "-b", "main", cwd=repo)
    config = {
        "repos": [
            {
                "repo": str(origin),
                "rev": sha,
                "hooks": [{"id": "gouvernante", "args": args}],
            }
        ]
    }
    (repo / ".pre-commit-config.yaml").write_text(json.dumps(config, indent=2))
    # the projects as they were before the change: ranges "^4.4.0", lockfiles committed
    _project(repo / "web", "clean", "^4.4.0")
    _project(repo / "legacy", "affected", "^4.4.0")
    git("add", ".", cwd=repo)
    git("commit", "--quiet", "--no-verify", "-m", "base", cwd=repo)
    return repo


def _bump(project: Path) -> None:
    manifest = project / "package.json"
    manifest.write_text(manifest.read_text().replace('"^4.4.0"', '"^4.4.1"'))


@pytest.mark.pip_install
def test_git_commit_through_the_installed_hook(
    tmp_path: Path, hook_repository: tuple[Path, str, Path]
) -> None:
    env = _env(hook_repository[2], tmp_path)
    repo = _user_repo(tmp_path, hook_repository, ["--fail-on=high", "-workers", "1"])
    installed = _pre_commit("install", cwd=repo, env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "commit", "-m", message],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            stdin=subprocess.DEVNULL,
        )

    # only package.json changes; its lockfile (debug 4.4.1) is not in the commit: it passes
    _bump(repo / "web")
    git("add", "web/package.json", cwd=repo, env=env)
    ok = commit("web: debug ^4.4.1")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "gouvernante (known-compromised npm packages)" in ok.stdout + ok.stderr
    assert "Passed" in ok.stdout + ok.stderr
    assert git("show", "--name-only", "--format=", "HEAD", cwd=repo) == "web/package.json"

    # the same change in the project whose committed lockfile pins debug 4.4.2: refused
    _bump(repo / "legacy")
    git("add", "legacy/package.json", cwd=repo, env=env)
    head = git("rev-parse", "HEAD", cwd=repo)
    refused = commit("legacy: debug ^4.4.1")
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "Failed" in output and "exit code: 2" in output
    assert "debug@4.4.2" in output and "legacy/package-lock.json" in output and RULE in output
    assert git("rev-parse", "HEAD", cwd=repo) == head


@pytest.mark.pip_install
def test_pre_commit_run_with_value_flags_in_args(
    tmp_path: Path, hook_repository: tuple[Path, str, Path]
) -> None:
    env = _env(hook_repository[2], tmp_path)
    reports = tmp_path / "reports"
    reports.mkdir()
    args = [
        "-fail-on",
        "critical",
        "--workers=2",
        "-dir",
        ".",
        "--output",
        str(reports / "hook.json"),
        f"-output={reports / 'hook.md'}",
    ]
    repo = _user_repo(tmp_path, hook_repository, args)
    run = _pre_commit("run", "--files", "legacy/package.json", cwd=repo, env=env)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output  # pre-commit's own code for a failed hook
    assert "exit code: 2" in output
    report = json.loads((reports / "hook.json").read_text())
    (finding,) = report["findings"]
    assert finding["package"] == "debug" and finding["version"] == "4.4.2"
    assert (reports / "hook.md").read_text().startswith("### gouvernante: AFFECTED")
    clean = _pre_commit("run", "--files", "web/package.json", cwd=repo, env=env)
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_any_name_a_yarnrc_names_and_only_the_projects_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook's files pattern let only ``*.lock`` names through, so a lockfile named
    ``deps.yarnlock`` by .yarnrc.yml was never checked (the red team's E1, 2026-12-06); it is
    given every changed file now and keeps those -dir reads."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".yarnrc.yml").write_text("lockfileFilename: deps.yarnlock\n")
    (tmp_path / "deps.yarnlock").write_text("")
    changed = ["deps.yarnlock", "src/app.ts", "Gemfile.lock", "README.md"]
    assert precommit.files_to_scan(changed, ".") == ["deps.yarnlock"]


def test_a_member_in_a_folder_the_walk_skips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A workspace member under .cache/ (named by the root's workspaces) is installed with the
    root, and -dir reads it: the hook judges it too (the red team's E2)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "package.json").write_text('{"name": "root", "workspaces": [".cache/app"]}')
    (tmp_path / ".cache" / "app").mkdir(parents=True)
    (tmp_path / ".cache" / "app" / "package.json").write_text('{"name": "app"}')
    (tmp_path / ".cache" / "other").mkdir()
    (tmp_path / ".cache" / "other" / "package.json").write_text('{"name": "other"}')
    changed = [".cache/app/package.json", ".cache/other/package.json"]
    assert precommit.files_to_scan(changed, ".") == [os.path.normpath(".cache/app/package.json")]


@pytest.mark.parametrize(
    ("target", "args"),
    [
        ("shared/web-lock.json", []),  # a name the scan does not read
        (".cache/locks/package-lock.json", []),  # a folder the scan's walk skips
        ("shared/package-lock.json", ["-dir", "web"]),  # outside the hook's project root
    ],
)
def test_a_change_to_a_symlinked_lockfile_target_is_judged_at_the_link(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    target: str,
    args: list[str],
) -> None:
    """web/package-lock.json -> the shared file; the commit changes only the shared file (now
    pinning debug 4.4.2): the link reads it, so the hook judges the link with web's manifest.
    Before, the change was left out (no file of the hook's): exit 0."""
    web = _project(tmp_path / "web", "clean")
    shared = tmp_path / target
    shared.parent.mkdir(parents=True)
    shutil.copy(DEBUG / "affected" / "package-lock.json", shared)
    (web / "package-lock.json").unlink()
    (web / "package-lock.json").symlink_to(os.path.relpath(shared, web))
    monkeypatch.chdir(tmp_path)
    assert precommit.files_to_scan([target], args[-1] if args else ".")[-1:] == [
        os.path.join("web", "package-lock.json")
    ]
    assert precommit.main([*args, target]) == 2
    out = capsys.readouterr().out
    assert "debug@4.4.2" in out and "web/package-lock.json" in out
    # a change to another file leaves the hook with nothing to judge
    (tmp_path / "README").write_text("x")
    assert precommit.files_to_scan(["README"], ".") == []
