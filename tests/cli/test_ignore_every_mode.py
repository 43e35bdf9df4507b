"""An explicit -ignore is never silently dropped: -git (and -inventory, -image) load it too, so a
missing or malformed file is an error there as with -dir."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gouvernante.cli import main


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "PATH": "/usr/bin:/bin",
    }
    (repo / "package.json").write_text('{"name": "p", "dependencies": {}}')
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "x"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    return repo


def test_missing_ignore_file_is_an_error_with_git(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(tmp_path)
    assert main(["-git", str(repo)]) == 0
    assert main(["-git", str(repo), "-ignore", str(tmp_path / "missing.json")]) == 1
    assert "missing.json" in capsys.readouterr().err


def test_a_valid_ignore_file_is_accepted_with_git(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    ignore = tmp_path / "ignore.json"
    ignore.write_text('{"version": 1, "suppressions": []}')
    assert main(["-git", str(repo), "-ignore", str(ignore)]) == 0
