"""-git: refs read from real repositories' object stores, no checkout."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitsrc.gitrepo import GIT_ENV, Repo, lockfile, mirror, write_rules
from gouvernante.cli import main
from gouvernante.gitscan import GitScanRequest, run_git_scan
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rule_files


def _scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = main([*args, "-json"])
    return code, json.loads(capsys.readouterr().out)


def _org(tmp_path: Path) -> tuple[Path, Repo, dict[str, str]]:
    """main clean now (debug 4.4.2 came and went), side adds a bad web/ project and a worm
    workflow, tag v1 on the bad commit."""
    r = Repo(tmp_path / "work")
    r.write("package-lock.json", lockfile("4.4.1"))
    init = r.commit("init")
    r.write("package-lock.json", lockfile("4.4.2"))
    bad = r.commit("bad")
    r.git("tag", "-a", "v1", "-m", "release")
    r.write("package-lock.json", lockfile("4.4.3"))
    fix = r.commit("fix")
    r.git("checkout", "-q", "-b", "side")
    r.write("web/package-lock.json", lockfile("4.4.2", "web"))
    r.write(".github/workflows/worm.yml", "on: push\n")
    side = r.commit("side")
    r.git("checkout", "-q", "main")
    mirror(r.path, tmp_path / "org" / "team" / "app.git")
    return tmp_path / "org", r, {"init": init, "bad": bad, "fix": fix, "side": side}


def test_every_ref_is_scanned_with_repository_ref_and_commit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org, _r, c = _org(tmp_path)
    rules = write_rules(tmp_path)
    code, report = _scan(capsys, "-rules", str(rules), "-git", str(org), "-recursive")
    assert code == 2
    findings = report["findings"]
    assert isinstance(findings, list)
    where = sorted(
        (f["ref"], f["commit"], f.get("lockfile") or f.get("path"), f["type"]) for f in findings
    )
    assert where == [
        ("side", c["side"], ".github/workflows/worm.yml", "host_indicator"),
        ("side", c["side"], "web/package-lock.json", "package"),
        ("tags/v1", c["bad"], "package-lock.json", "package"),
    ]
    assert {f["repository"] for f in findings} == {f"{org}/team/app.git"}
    pkg = next(f for f in findings if f["ref"] == "side" and f["type"] == "package")
    assert pkg["dependency_paths"] == [["web", "debug@4.4.2"]]
    assert pkg["direct"] is True
    assert report["scan"]["files"] == [
        f"{org}/team/app.git@main ({c['fix'][:12]})",
        f"{org}/team/app.git@side ({c['side'][:12]})",
        f"{org}/team/app.git@tags/v1 ({c['bad'][:12]})",
    ]


def test_ref_glob_narrows_and_clean_ref_exits_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org, _r, _c = _org(tmp_path)
    rules = write_rules(tmp_path)
    code, report = _scan(
        capsys, "-rules", str(rules), "-git", str(org / "team" / "app.git"), "-ref", "main"
    )
    assert code == 0
    assert report["findings"] == []
    assert len(report["scan"]["files"]) == 1


def test_text_report_groups_refs_that_share_a_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r = Repo(tmp_path / "work")
    r.write("package-lock.json", lockfile("4.4.2"))
    r.commit("bad")
    r.git("branch", "release/1.x")
    r.git("tag", "v1")
    rules = write_rules(tmp_path)
    code = main(["-rules", str(rules), "-git", str(r.path)])
    out = capsys.readouterr().out
    assert code == 2
    assert f"{r.path}@main, release/1.x, tags/v1:package-lock.json:" in out
    assert out.count("debug@4.4.2  [package") == 1


def test_clone_scans_remote_tracking_branches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org, _r, _c = _org(tmp_path)
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", str(org / "team" / "app.git"), str(clone)],
        check=True,
        env=GIT_ENV,
    )
    rules = write_rules(tmp_path)
    code, report = _scan(capsys, "-rules", str(rules), "-git", str(clone), "-ref", "remotes/*")
    assert code == 2
    refs = {f["ref"] for f in report["findings"]}
    assert refs == {"remotes/origin/side"}


def test_a_bare_repository_scans_its_remote_tracking_branches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bare repository that fetches another remote (a backup fetching upstream) keeps its
    branches under refs/remotes: they were neither read nor named, and the scan CLEAN
    (decision 0115)."""
    org, _r, _c = _org(tmp_path)
    bare = tmp_path / "backup.git"
    for args in (
        ("init", "-q", "--bare", "-b", "main", str(bare)),
        ("-C", str(bare), "remote", "add", "up", str(org / "team" / "app.git")),
        ("-C", str(bare), "fetch", "-q", "up"),
    ):
        subprocess.run(["git", *args], check=True, env=GIT_ENV, capture_output=True)
    rules = write_rules(tmp_path)
    code, report = _scan(capsys, "-rules", str(rules), "-git", str(bare))
    assert code == 2
    assert {f["ref"] for f in report["findings"]} == {"remotes/up/side", "tags/v1"}
    db = str(tmp_path / "inv.sqlite")
    assert main(["inventory", "add", "-db", db, "-git", str(bare)]) == 0
    capsys.readouterr()
    code, report = _scan(capsys, "-rules", str(rules), "-inventory", db)
    assert code == 2
    assert {f["ref"] for f in report["findings"]} == {"remotes/up/side", "tags/v1"}


def test_each_distinct_blob_is_parsed_once(tmp_path: Path) -> None:
    for n in range(3):
        r = Repo(tmp_path / f"work{n}")
        r.write("package-lock.json", lockfile("4.4.2"))
        r.write("sub/package-lock.json", lockfile("4.4.2"))
        r.commit("same")
        for branch in ("a", "b", "c"):
            r.git("branch", branch)
        mirror(r.path, tmp_path / "org" / f"r{n}.git")
    ruleset, errors = load_rule_files([str(write_rules(tmp_path))])
    assert errors == []
    out = run_git_scan(
        GitScanRequest((str(tmp_path / "org"),), recursive=True, workers=1),
        ruleset.rules,
        build_index(ruleset.rules),
    )
    assert out.blobs_parsed == 1
    assert len(out.scanned) == 12
    assert out.lockfiles == 24
    assert len([f for f in out.findings if f.type.value == "package"]) == 24


def test_symlinked_lockfile_is_refused_not_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r = Repo(tmp_path / "work")
    os.symlink("/etc/passwd", r.path / "package-lock.json")
    r.commit("link")
    rules = write_rules(tmp_path)
    code, report = _scan(capsys, "-rules", str(rules), "-git", str(r.path))
    assert code == 1
    assert report["errors"] == [
        {
            "path": f"{r.path}@main:package-lock.json",
            "message": "a symbolic link in the repository: not followed",
        }
    ]


def test_unparsable_lockfile_is_an_error_naming_repository_ref_and_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r = Repo(tmp_path / "work")
    r.write("a/package-lock.json", '{"lockfileVersion": 3, "packages": [')
    r.commit("broken")
    rules = write_rules(tmp_path)
    code, report = _scan(capsys, "-rules", str(rules), "-git", str(r.path))
    assert code == 1
    [error] = report["errors"]
    assert error["path"] == f"{r.path}@main:a/package-lock.json"


def test_not_a_repository_without_recursive_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = write_rules(tmp_path)
    code, report = _scan(capsys, "-rules", str(rules), "-git", str(tmp_path))
    assert code == 1
    assert "not a git repository" in report["errors"][0]["message"]


def test_ref_files_agree_with_git(tmp_path: Path) -> None:
    """The inventory's no-git shortcut reads packed and loose refs as git does."""
    from gouvernante.sources.git import (
        ObjectStore,
        heads_from_files,
        list_refs,
        read_ref_files,
        repository_at,
        short_ref,
    )

    org, r, _c = _org(tmp_path)
    bare = org / "team" / "app.git"
    r.git("tag", "light")
    r.git("tag", "-a", "v2", "-m", "annotated, pushed loose (not peeled in packed-refs)")
    r.git("push", "-q", str(bare), "light", "v2", "main:refs/heads/loose/one")
    repo = repository_at(str(bare), "app")
    assert repo is not None
    from_files = read_ref_files(repo)
    assert from_files is not None
    by_git = {h.short: h.commit for h in list_refs(repo, (), [])}
    assert {short_ref(name) for name, _oid, _peeled in from_files} == set(by_git)
    assert "loose/one" in by_git and "tags/v1" in by_git and "tags/v2" in by_git
    with ObjectStore(repo) as store:
        fast = heads_from_files(repo, store, (), [])
    assert fast is not None
    assert sorted(fast, key=lambda h: h.name) == sorted(
        list_refs(repo, (), []), key=lambda h: h.name
    )


def test_collect_places_git_findings_in_repositories_not_on_the_host(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org, _r, _c = _org(tmp_path)
    rules = write_rules(tmp_path)
    report = tmp_path / "org.json"
    assert main(["-rules", str(rules), "-git", str(org), "-recursive", "-output", str(report)]) == 2
    capsys.readouterr()
    assert main(["collect", str(report)]) == 2
    out = capsys.readouterr().out
    assert "hosts affected now: none" in out
    assert "1 project(s) and 0 host(s) affected now" in out


def test_collect_counts_each_repository_of_an_org_scan_as_a_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One org-wide report answers for every repository it read: the affected one is affected,
    a clean one is a clean project (not folded into one org-sized project)."""
    org, _r, _c = _org(tmp_path)
    clean = Repo(tmp_path / "clean-work")
    clean.write("package-lock.json", lockfile("4.4.1"))
    clean.commit("init")
    mirror(clean.path, org / "team" / "lib.git")
    rules = write_rules(tmp_path)
    report = tmp_path / "org.json"
    assert main(["-rules", str(rules), "-git", str(org), "-recursive", "-output", str(report)]) == 2
    capsys.readouterr()
    doc = json.loads(report.read_text(encoding="utf-8"))
    refs = {(r["repository"].rsplit("/", 1)[-1], r["ref"]) for r in doc["scan"]["refs"]}
    assert refs == {
        ("app.git", "main"),
        ("app.git", "side"),
        ("app.git", "tags/v1"),
        ("lib.git", "main"),
    }
    assert main(["collect", "-format", "json", str(report)]) == 2
    data = json.loads(capsys.readouterr().out)
    projects = {p["label"].rsplit("/", 1)[-1]: p for p in data["projects"]}
    assert set(projects) == {"app.git", "lib.git"}
    assert projects["app.git"]["affected_rules"] == ["GITTEST-001"]
    assert projects["lib.git"]["affected_rules"] == []
    assert projects["lib.git"]["latest_verdict"] == "clean"
    rule = data["rules"][0]
    assert (rule["projects"]["affected"], rule["projects"]["clean"]) == (1, 1)


def _mirror_with_pull_request(tmp_path: Path) -> tuple[Path, str]:
    """A mirror of a forge repository whose pull request (a bot's bump to debug 4.4.2) exists
    only as ``refs/pull/7/head``, as ``git clone --mirror`` of GitHub copies it."""
    r = Repo(tmp_path / "work")
    r.write("package-lock.json", lockfile("4.4.1"))
    r.commit("init")
    r.git("checkout", "-q", "-b", "bump")
    r.write("package-lock.json", lockfile("4.4.2"))
    bump = r.commit("bump debug")
    r.git("update-ref", "refs/pull/7/head", bump)
    r.git("checkout", "-q", "main")
    r.git("branch", "-q", "-D", "bump")
    return mirror(r.path, tmp_path / "app.git"), bump


def test_pull_request_refs_are_noted_and_read_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """refs/pull is not read by default (a mirror holds every pull request ever opened), but
    it is said so, and ``-ref 'refs/pull/*'`` reads it: a bot's pull request installing the
    compromised release on CI runners is found."""
    bare, bump = _mirror_with_pull_request(tmp_path)
    rules = write_rules(tmp_path)
    code, report = _scan(capsys, "-rules", str(rules), "-git", str(bare))
    assert code == 0
    notes = [n["message"] for n in report["notes"]]
    assert any("refs/pull (pull requests) not read; -ref 'refs/pull/*'" in n for n in notes)
    code, report = _scan(capsys, "-rules", str(rules), "-git", str(bare), "-ref", "refs/pull/*")
    assert code == 2
    assert [(f["ref"], f["commit"]) for f in report["findings"]] == [("pull/7/head", bump)]
    assert not any("refs/pull" in n["message"] for n in report["notes"])
    code, report = _scan(
        capsys, "-rules", str(rules), "-git", str(bare), "-ref", "*", "-ref", "refs/pull/*"
    )
    assert code == 2
    assert sorted(r["ref"] for r in report["scan"]["refs"]) == ["main", "pull/7/head"]
    assert [f["ref"] for f in report["findings"]] == ["pull/7/head"]
