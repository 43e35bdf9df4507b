"""A Rush repository: the pnpm lockfile in ``common/config/rush`` decides its projects' ranges.

Rush runs pnpm in ``common/temp`` and keeps the lockfile in ``common/config/rush``, so its
importers read ``../../apps/app1``. Each project's package.json range that could match a rule
was a CRITICAL "no lockfile of this project resolves it" finding (exit 2) in every mode, while
the lockfile locked a clean release. The fixture is what rush 5.179.0 with pnpm 9.15.9 wrote
(fixtures/rush/generate.sh)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from gitsrc.gitrepo import Repo
from gouvernante.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "rush"
LOCK = "common/config/rush/pnpm-lock.yaml"


def _rules(version: str) -> dict[str, Any]:
    return {
        "schema_version": "1.0.0",
        "rules": [
            {
                "id": "MS-1",
                "title": "ms",
                "kind": "compromised-release",
                "ecosystem": "npm",
                "severity": "critical",
                "package_rules": [{"package_name": "ms", "affected_versions": [f"={version}"]}],
            }
        ],
    }


def _scan(tmp_path: Path, version: str, *args: str) -> tuple[int, dict[str, Any]]:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(_rules(version)), encoding="utf-8")
    report = tmp_path / "report.json"
    code = main(["-rules", str(rules), *args, "-json", "-output", str(report)])
    return code, json.loads(report.read_text(encoding="utf-8"))


def _found(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return sorted(
        (
            f["lockfile"].rpartition(":")[2],
            f["package"],
            f.get("version") or f.get("declared_range"),
            f["match"],
        )
        for f in report["findings"]
    )


def _repo(tmp_path: Path, fixture: Path = FIXTURE) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(fixture, repo, ignore=shutil.ignore_patterns("generate.sh"))
    return repo


def _args(repo: Path, mode: str) -> tuple[str, ...]:
    """The command line of ``mode`` (``-dir``: recursive; ``-git``: ``repo`` committed)."""
    if mode == "-git":
        Repo(repo).commit("layout")
        return (mode, str(repo))
    return (mode, str(repo), "-recursive")


@pytest.mark.parametrize("mode", ["-dir", "-git"])
def test_the_rush_lockfile_decides_a_projects_range(tmp_path: Path, mode: str) -> None:
    args = _args(_repo(tmp_path), mode)
    code, report = _scan(tmp_path, "2.1.3", *args)
    assert code == 0, report["findings"]
    assert report["findings"] == []
    notes = [n["message"] for n in report["notes"] if n["path"].endswith("apps/app1/package.json")]
    assert len(notes) == 1
    assert "range '~2.1.2' of ms could match MS-1" in notes[0]
    assert f"{LOCK} resolves it: the lockfile decides" in notes[0]
    # the release the lockfile locks is found there, once
    code, report = _scan(tmp_path, "2.1.2", *args)
    assert code == 2
    assert _found(report) == [(LOCK, "ms", "2.1.2", "version")]


def test_a_lockfile_that_does_not_record_the_project_decides_nothing(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    lock = repo / LOCK
    lock.write_text(
        lock.read_text(encoding="utf-8").replace("../../apps/app1:", "../../apps/other:"),
        encoding="utf-8",
    )
    code, report = _scan(tmp_path, "2.1.3", "-dir", str(repo), "-recursive")
    assert code == 2
    assert _found(report) == [("apps/app1/package.json", "ms", "~2.1.2", "declared-range")]


def test_without_the_lockfile_the_range_is_a_finding(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / LOCK).unlink()
    code, report = _scan(tmp_path, "2.1.3", "-dir", str(repo), "-recursive")
    assert code == 2
    assert _found(report) == [("apps/app1/package.json", "ms", "~2.1.2", "declared-range")]


SUBSPACES = Path(__file__).parent / "fixtures" / "rush-subspaces"


@pytest.mark.parametrize("mode", ["-dir", "-git"])
def test_each_subspace_lockfile_decides_its_projects_ranges(tmp_path: Path, mode: str) -> None:
    """Subspaces: ``common/config/subspaces/<name>/pnpm-lock.yaml``, written from
    ``common/temp/<name>`` (importer ``../../../libs/lib1``). Both lock ms 2.1.3 for the
    projects (and default 2.1.2 for debug)."""
    repo = _repo(tmp_path, SUBSPACES)
    args = _args(repo, mode)

    def decided(report: dict[str, Any]) -> list[str]:
        return sorted(
            n["path"].rpartition(":")[2]
            for n in report["notes"]
            if "resolves it: the lockfile decides" in n["message"]
        )

    code, report = _scan(tmp_path, "2.1.3", *args)
    assert code == 2
    assert _found(report) == [
        ("common/config/subspaces/default/pnpm-lock.yaml", "ms", "2.1.3", "version"),
        ("common/config/subspaces/sub1/pnpm-lock.yaml", "ms", "2.1.3", "version"),
    ]
    assert decided(report) == ["apps/app1/package.json", "libs/lib1/package.json"]
    # lib1's ^2.1.1 could match 2.1.1: sub1's lockfile decides it
    code, report = _scan(tmp_path, "2.1.1", *args)
    assert code == 0, report["findings"]
    assert decided(report) == ["libs/lib1/package.json"]
    # the default subspace's lockfile, which holds ms too, decides nothing for lib1
    (repo / "common/config/subspaces/sub1/pnpm-lock.yaml").unlink()
    if mode == "-git":
        Repo(repo).commit("sub1 lockfile gone")
    code, report = _scan(tmp_path, "2.1.1", *args)
    assert code == 2
    assert _found(report) == [("libs/lib1/package.json", "ms", "^2.1.1", "declared-range")]


NPM_YARN = Path(__file__).parent / "fixtures" / "rush-npm-yarn"
_NPM_YARN_LOCKS = {
    "npm": "common/config/rush/npm-shrinkwrap.json",
    "yarn": "common/config/rush/yarn.lock",
    "pnpm": "common/config/rush/pnpm-lock.yaml",  # (pnpm-config.json: "useWorkspaces": false)
}


@pytest.mark.parametrize("mode", ["-dir", "-git"])
@pytest.mark.parametrize("tool", ["npm", "yarn", "pnpm"])
def test_a_rush_npm_or_yarn_lockfile_decides_its_projects_ranges(
    tmp_path: Path, tool: str, mode: str
) -> None:
    """Rush's npm and yarn modes, and pnpm without workspaces: each project is the tarball
    ``@rush-temp/<unscoped name>`` of the repository's one lockfile (``app1``, ``@acme/lib1``
    -> ``@rush-temp/lib1``), which records no project folder. Each locks ms 2.1.3 for app1's
    ~2.1.2 and 2.1.2 for lib1's 2.1.2: each range was also a CRITICAL declared-range finding."""
    lock = _NPM_YARN_LOCKS[tool]
    args = _args(_repo(tmp_path, NPM_YARN / tool), mode)
    for version in ("2.1.2", "2.1.3"):
        code, report = _scan(tmp_path, version, *args)
        assert code == 2
        assert _found(report) == [(lock, "ms", version, "version")]
        decided = sorted(
            n["path"].rpartition(":")[2]
            for n in report["notes"]
            if f"{lock} resolves it: the lockfile decides" in n["message"]
        )
        # lib1's 2.1.2 cannot match 2.1.3
        ranged = ["apps/app1/package.json", "libs/lib1/package.json"]
        assert decided == (ranged if version == "2.1.2" else ranged[:1])


def test_a_rush_npm_lockfile_without_the_projects_tarball_decides_nothing(tmp_path: Path) -> None:
    repo = _repo(tmp_path, NPM_YARN / "npm")
    manifest = repo / "apps/app1/package.json"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace('"app1"', '"app2"'), encoding="utf-8"
    )
    code, report = _scan(tmp_path, "2.1.2", "-dir", str(repo), "-recursive")
    assert code == 2
    assert ("apps/app1/package.json", "ms", "~2.1.2", "declared-range") in _found(report)
