"""-history and declared ranges: a manifest's exact pin, or a ``catalog:`` reference a pnpm
``pnpm-workspace.yaml``, a bun root ``package.json`` or a yarn 4.10+ ``.yarnrc.yml`` answers, in
past commits (decision 0062). Before, -history followed lockfiles only: a catalog (or pin) that
held the affected release for a day and was fixed gave no ``past_package`` finding, CLEAN, and
a still-open one no ``introduced_commit``; past ``.yarnrc.yml`` files were not even read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitsrc.gitrepo import Repo, lockfile, write_rules
from gouvernante.gitscan import GitScanRequest, run_git_scan
from gouvernante.model import Finding, FindingType
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rule_files

T0 = 1788868800  # 2026-09-08T12:00:00Z, the test rule's published_at


def _scan(tmp_path: Path, repo: Repo, since: int | None = None) -> list[Finding]:
    ruleset, errors = load_rule_files([str(write_rules(tmp_path))])
    assert errors == []
    request = GitScanRequest((str(repo.path),), history=True, since=since)
    out = run_git_scan(request, ruleset.rules, build_index(ruleset.rules))
    assert out.errors == []
    return out.findings


def _manifest(debug: str, name: str = "app") -> str:
    return json.dumps({"name": name, "version": "1.0.0", "dependencies": {"debug": debug}})


# the file defining the catalog (None: a plain pin) and the manifest's reference to it
CATALOGS: dict[str, tuple[str | None, str]] = {
    "plain": (None, "{v}"),
    "pnpm": ("pnpm-workspace.yaml", "catalog:"),
    "yarn": (".yarnrc.yml", "catalog:"),
    "bun": ("package.json", "catalog:"),
}


def _catalog(kind: str, version: str) -> str:
    if kind == "pnpm":
        return f"packages:\n  - .\ncatalog:\n  debug: {version}\n"
    if kind == "yarn":
        return f"catalog:\n  debug: {version}\n"
    doc = {"name": "root", "workspaces": {"packages": ["app"], "catalog": {"debug": version}}}
    return json.dumps(doc)


def _write(repo: Repo, kind: str, version: str) -> None:
    name, reference = CATALOGS[kind]
    folder = "app/" if kind == "bun" else ""
    repo.write(f"{folder}package.json", _manifest(reference.format(v=version)))
    if name is not None:
        repo.write(name, _catalog(kind, version))


@pytest.mark.parametrize("kind", sorted(CATALOGS))
def test_a_past_declared_release_has_its_window(tmp_path: Path, kind: str) -> None:
    r = Repo(tmp_path / "work")
    _write(r, kind, "4.4.1")
    r.commit("init", at=T0 - 86400)
    _write(r, kind, "4.4.2")
    bad = r.commit("bad", at=T0 + 3600)
    _write(r, kind, "4.4.3")
    fixed = r.commit("fix", at=T0 + 6 * 3600)
    _write(r, kind, "4.4.2")
    again = r.commit("again", at=T0 + 9 * 3600)
    findings = _scan(tmp_path, r)
    shown = [(f.type, f.declared_range, f.introduced_commit, f.removed_commit) for f in findings]
    assert sorted(shown, key=str) == sorted(
        [
            (FindingType.PAST_PACKAGE, "4.4.2", bad, fixed),
            (FindingType.PACKAGE, "4.4.2", again, None),
        ],
        key=str,
    )
    [past] = [f for f in findings if f.type is FindingType.PAST_PACKAGE]
    assert past.in_compromise_window is True
    assert past.description.startswith(
        "debug was declared with range '4.4.2' on main from 2026-09-08 13:00 to 18:00 UTC"
    )


def test_a_range_a_lockfile_of_its_project_resolved_is_no_past_finding(tmp_path: Path) -> None:
    """``^4.4.0`` could resolve to 4.4.2, but each commit's lockfile locks 4.4.1, then 4.4.3:
    the lockfile decides, in the past as at the head (no bogus window)."""
    r = Repo(tmp_path / "work")
    r.write("package.json", _manifest("^4.4.0"))
    r.write("package-lock.json", lockfile("4.4.1"))
    r.commit("init", at=T0)
    r.write("package-lock.json", lockfile("4.4.3"))
    r.commit("bump", at=T0 + 3600)
    assert _scan(tmp_path, r) == []


def test_since_starts_a_declared_window_at_the_boundary(tmp_path: Path) -> None:
    r = Repo(tmp_path / "work")
    _write(r, "yarn", "4.4.2")
    r.commit("bad long ago", at=T0 - 30 * 86400)
    _write(r, "yarn", "4.4.3")
    fix = r.commit("fix", at=T0)
    [past] = _scan(tmp_path, r, since=T0 - 86400)
    assert (past.type, past.introduced_commit, past.removed_commit) == (
        FindingType.PAST_PACKAGE,
        None,
        fix,
    )
