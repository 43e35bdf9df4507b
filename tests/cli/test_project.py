"""``scan.project``: -project, the CI repository, the origin remote (read as a file), else none."""

from __future__ import annotations

from pathlib import Path

import pytest

from gouvernante.cli._project import (
    origin_url,
    project_identity,
    remote_identity,
    repository_path,
    repository_ref,
)
from gouvernante.errors import UsageError

TOKEN = "ghp_not_a_real_token_0123456789"


@pytest.mark.parametrize(
    ("url", "identity"),
    [
        (f"https://x-access-token:{TOKEN}@github.com/org/repo.git", "github.com/org/repo"),
        (
            f"https://{TOKEN}@GitHub.com:443/org/repo/?private_token={TOKEN}#x",
            "github.com/org/repo",
        ),
        ("git@github.com:org/repo.git", "github.com/org/repo"),
        (
            "ssh://git@gitlab.example.com:2222/group/sub/proj.git",
            "gitlab.example.com/group/sub/proj",
        ),
        (f"deploy:{TOKEN}@git.example.com/team/app", "git.example.com/team/app"),
        ("/srv/git/app.git", "/srv/git/app"),
        ("https://github.com/org/\x1b[31mrepo", None),
        ("https://github.com/org/\u202erepo", None),
        ("", None),
    ],
)
def test_remote_urls_become_identities_without_credentials(url: str, identity: str | None) -> None:
    assert remote_identity(url) == identity


def test_ci_environment_wins_over_origin(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text('[remote "origin"]\n\turl = git@h.example:o/r.git\n')
    assert project_identity(None, str(tmp_path), {}) == "h.example/o/r"
    github = {"GITHUB_REPOSITORY": "org/app", "GITHUB_SERVER_URL": "https://ghe.example.com"}
    assert project_identity(None, str(tmp_path), github) == "ghe.example.com/org/app"
    assert project_identity(None, str(tmp_path), {"GITHUB_REPOSITORY": "org/app"}) == (
        "github.com/org/app"
    )
    gitlab = {"CI_PROJECT_PATH": "grp/sub/app", "CI_SERVER_HOST": "gitlab.example.com"}
    assert project_identity(None, str(tmp_path), gitlab) == "gitlab.example.com/grp/sub/app"
    assert project_identity("mine", str(tmp_path), github) == "mine"


def test_origin_is_found_from_a_subfolder_and_through_a_worktree_file(tmp_path: Path) -> None:
    main = tmp_path / "main"
    (main / ".git" / "worktrees" / "wt").mkdir(parents=True)
    (main / ".git" / "config").write_text(
        '[remote "upstream"]\n\turl = https://up.example/u/r\n'
        f'[remote "origin"]\n\tURL = "https://u:{TOKEN}@h.example/o/r.git" ; note\n'
    )
    (main / ".git" / "worktrees" / "wt" / "commondir").write_text("../..\n")
    sub = main / "packages" / "web"
    sub.mkdir(parents=True)
    assert project_identity(None, str(sub), {}) == "h.example/o/r"
    wt = tmp_path / "wt"
    wt.mkdir()
    (wt / ".git").write_text(f"gitdir: {main / '.git' / 'worktrees' / 'wt'}\n")
    assert project_identity(None, str(wt), {}) == "h.example/o/r"


def test_no_repository_no_identity(tmp_path: Path) -> None:
    assert project_identity(None, str(tmp_path), {}) is None


def test_origin_url_reads_only_the_origin_section() -> None:
    text = '[core]\n\tbare = false\n[remote "fork"]\n\turl = a\n[remote "origin"]\n\turl = b # c\n'
    assert origin_url(text) == "b"
    assert origin_url('[remote "origin"]\n\tfetch = x\n') is None


@pytest.mark.parametrize("name", ["", "   ", "a\nb", "x" * 257, "\u202eevil"])
def test_bad_project_flag_is_a_usage_error(name: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as err:
        project_identity(name, str(tmp_path), {})
    assert "-project" in str(err.value) and (not name.strip() or name not in str(err.value))


def test_repository_path_is_where_the_root_sits_in_its_work_tree(tmp_path: Path) -> None:
    repo = tmp_path / "runner-a" / "app"
    (repo / ".git").mkdir(parents=True)
    (repo / "web" / "src").mkdir(parents=True)
    assert repository_path(str(repo)) == "."
    assert repository_path(str(repo / "web")) == "web"
    assert repository_path(str(repo / "web" / "src")) == "web/src"
    linked = tmp_path / "wt"
    linked.mkdir()
    (linked / ".git").write_text("gitdir: ../runner-a/app/.git/worktrees/wt\n")  # a file too
    assert repository_path(str(linked)) == "."
    assert repository_path(str(tmp_path / "elsewhere")) is None


def _git(cwd: Path, *args: str) -> None:
    import os
    import subprocess

    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def test_repository_ref_is_the_checked_out_ref(tmp_path: Path) -> None:
    """Read from HEAD as a file (real git made the repository, its worktree and the detached
    checkout); a detached HEAD takes the CI job's ref only when the job runs for this
    repository."""
    repo = tmp_path / "app"
    (repo / "web").mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "remote", "add", "origin", "git@github.com:org/app.git")
    (repo / "web" / "package.json").write_text("{}")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "one")
    assert repository_ref(str(repo / "web"), {}) == "refs/heads/main"
    _git(repo, "worktree", "add", "-q", "-b", "feature", str(tmp_path / "wt"))
    assert repository_ref(str(tmp_path / "wt" / "web"), {}) == "refs/heads/feature"
    assert repository_ref(str(repo), {}) == "refs/heads/main"
    _git(repo, "checkout", "-q", "--detach")
    assert repository_ref(str(repo), {}) is None
    github = {"GITHUB_REPOSITORY": "org/app", "GITHUB_REF": "refs/pull/12/merge"}
    assert repository_ref(str(repo), github) == "refs/pull/12/merge"
    other = {"GITHUB_REPOSITORY": "org/scanner", "GITHUB_REF": "refs/heads/main"}
    assert repository_ref(str(repo), other) is None  # a job scanning another repository
    gitlab = {"CI_PROJECT_PATH": "org/app", "CI_SERVER_HOST": "github.com", "CI_COMMIT_TAG": "v1"}
    assert repository_ref(str(repo), gitlab) == "refs/tags/v1"
    assert repository_ref(str(tmp_path), github) is None  # no work tree
