"""Found by running the realworld set (tests/realworld/data) through ``-git`` as well: each case's
tree committed to a fresh repository and scanned with a ``<name> *`` rule per registry name and
per workspace name. ``-lockfile``, ``-dir`` and ``-recursive`` are exact on all 40; under ``-git``
six monorepos (npm2-cli, npm3-cli, berry4-jest, yarn1-jest, pnpm53-vue-core, pnpm9-astro) get
declared-range findings on their OWN workspace names (15 to 152 each): a workspace's package.json
depending on another workspace is judged as a registry range nobody resolves.

Cause: ``match.lockfile.resolve_declared`` (the git and inventory path) treats a name as resolved
only when a lockfile holds it as a registry package (``present_names``); it does not know the
lockfile's workspaces and links (``local_names``, importer folders, yarn 1's root ``workspaces``
globs), which ``pipeline._resolve_declared`` (the ``-dir`` path) consults. The two copies of that
rule drifted apart. ``-inventory`` answers from the same function: the same finding, whether
the inventory recorded the project with ``-dir`` or ``-git``.

Fixed by 322ce27 (decision 0043, amended): the placing step knows each lockfile's workspace and
``file:`` folders and the root's globs, as ``-dir`` does; these tests were strict xfails before.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gitsrc.gitrepo import GIT_ENV
from gouvernante.cli import main

RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "WS-1",
            "title": "a workspace name (must never match)",
            "kind": "malicious-package",
            "ecosystem": "npm",
            "severity": "low",
            "package_rules": [{"package_name": "ws-a", "affected_versions": ["*"]}],
        }
    ],
}

MANIFEST = {
    "name": "root",
    "version": "1.0.0",
    "workspaces": ["packages/*"],
    "dependencies": {"ws-a": "^1.0.0"},
}
LOCK = {
    "name": "root",
    "version": "1.0.0",
    "lockfileVersion": 3,
    "requires": True,
    "packages": {
        "": MANIFEST,
        "node_modules/ws-a": {"resolved": "packages/a", "link": True},
        "packages/a": {"name": "ws-a", "version": "1.0.0"},
    },
}


def _project(tmp_path: Path) -> tuple[Path, Path]:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    repo = tmp_path / "repo"
    (repo / "packages" / "a").mkdir(parents=True)
    (repo / "package.json").write_text(json.dumps(MANIFEST), encoding="utf-8")
    (repo / "packages" / "a" / "package.json").write_text(
        json.dumps({"name": "ws-a", "version": "1.0.0"}), encoding="utf-8"
    )
    (repo / "package-lock.json").write_text(json.dumps(LOCK), encoding="utf-8")
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "x"],
    ):
        subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True)
    return rules, repo


def _findings(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    capsys.readouterr()
    main([*args, "-json"])
    report = json.loads(capsys.readouterr().out)
    return [f"{f['package']} {f['match']}" for f in report["findings"]]


def test_dir_scan_knows_the_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules, repo = _project(tmp_path)
    assert _findings(capsys, "-rules", str(rules), "-dir", str(repo)) == []


def test_git_scan_knows_the_workspace_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules, repo = _project(tmp_path)
    assert _findings(capsys, "-rules", str(rules), "-git", str(repo)) == []


def test_an_inventory_knows_the_workspace_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules, repo = _project(tmp_path)
    db = tmp_path / "inventory.db"
    assert main(["inventory", "add", "-db", str(db), "-dir", str(repo)]) == 0
    assert _findings(capsys, "-rules", str(rules), "-inventory", str(db)) == []
