"""Git submodules are said, never silently skipped, and never fetched or run.

A submodule's files live in another repository: ``-git`` (and ``-inventory``) see only its
gitlink (path and commit) and a ``-dir -recursive`` scan of a clone made without
``--recurse-submodules`` sees an empty folder. Both were skipped without a word, so a user could
believe the submodule's lockfiles were scanned. Now each is a note naming the submodule's path
(and its commit for -git); a submodule that is checked out is scanned like any folder. The
repository's config asks for recursion into submodules and arms every hook: nothing fires,
nothing is fetched."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitsrc.gitrepo import Repo, lockfile, mirror, write_rules
from gitsrc.test_hostile_repository import _arm, _trap
from gouvernante.cli import main
from gouvernante.cli.collect import run as collect_main
from gouvernante.sources.submodules import submodule_paths, unchecked_submodules


def _with_submodule(tmp_path: Path) -> tuple[Repo, str]:
    """work/ (a clean lockfile) with vendor/sub, a submodule whose lockfile pins debug 4.4.2."""
    sub = Repo(tmp_path / "sub")
    sub.write("package-lock.json", lockfile("4.4.2", "sub"))
    sub_commit = sub.commit("sub")
    r = Repo(tmp_path / "work")
    r.write("package-lock.json", lockfile("4.4.1"))
    r.git("-c", "protocol.file.allow=always", "submodule", "--quiet", "add", "../sub", "vendor/sub")
    r.commit("init")
    return r, sub_commit


def _scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main([*args, "-json"])
    return code, json.loads(capsys.readouterr().out)


def _notes(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(n["path"], n["message"]) for n in report["notes"]]


def test_git_scans_name_each_submodule_and_its_commit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r, sub_commit = _with_submodule(tmp_path)
    r.git("checkout", "-q", "-b", "side")
    r.commit("side")
    bare = mirror(r.path, tmp_path / "org" / "app.git")
    markers, evil = _trap(tmp_path)
    _arm(bare, evil, tmp_path)
    for key, value in (
        ("submodule.recurse", "true"),
        ("fetch.recurseSubmodules", "true"),
        ("diff.submodule", "log"),
        ("status.submoduleSummary", "true"),
    ):
        subprocess.run(["git", "config", "--file", str(bare / "config"), key, value], check=True)
    rules = write_rules(tmp_path)
    note = (
        f"{bare}:vendor/sub",
        f"a git submodule at commit {sub_commit}: not scanned (its files are in another"
        " repository; scan that repository with -git)",
    )
    for extra in ([], ["-history"]):
        code, report = _scan(capsys, "-rules", str(rules), "-git", str(bare), *extra)
        assert code == 0, report
        # one note for both refs (they share the submodule's commit); the sub's debug 4.4.2 unseen
        assert [n for n in _notes(report) if "submodule" in n[1]] == [note]
        assert report["findings"] == []
    db = str(tmp_path / "inv.sqlite")
    assert main(["inventory", "add", "-db", db, "-git", str(bare)]) == 0
    capsys.readouterr()
    code, report = _scan(capsys, "-rules", str(rules), "-inventory", db)
    assert code == 0
    ((path, message),) = [n for n in _notes(report) if "submodule" in n[1]]
    assert path.endswith(f"{bare.name}:vendor/sub") and message == note[1]
    assert sorted(p.name for p in markers.iterdir()) == []  # no hook, no program ran
    assert not (bare / "modules").exists()  # nothing was fetched


def test_a_checkout_names_submodules_that_are_not_checked_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r, _ = _with_submodule(tmp_path)
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "-c", "core.hooksPath=/dev/null", "clone", "-q", str(r.path), str(clone)],
        check=True,
        capture_output=True,
        env=r.env(),
    )
    assert list((clone / "vendor" / "sub").iterdir()) == []  # what git leaves: an empty folder
    rules = write_rules(tmp_path)
    code, report = _scan(capsys, "-rules", str(rules), "-dir", str(clone), "-recursive")
    assert code == 0
    assert _notes(report) == [
        (
            "vendor/sub",
            "a git submodule (.gitmodules) that is not checked out: not scanned (git submodule"
            " update --init, or scan its repository with -git)",
        )
    ]
    # not -recursive: no sub-folder is scanned anyway, nothing to say
    code, report = _scan(capsys, "-rules", str(rules), "-dir", str(clone))
    assert _notes(report) == []
    # checked out, it is a folder like any other: scanned, and its debug 4.4.2 found
    subprocess.run(
        ["git", "-c", "protocol.file.allow=always", "submodule", "--quiet", "update", "--init"],
        cwd=clone,
        check=True,
        capture_output=True,
        env=r.env(),
    )
    code, report = _scan(capsys, "-rules", str(rules), "-dir", str(clone), "-recursive")
    assert code == 2
    assert [f["lockfile"] for f in report["findings"]] == ["vendor/sub/package-lock.json"]
    assert [n for n in _notes(report) if "submodule" in n[1]] == []


def test_gitmodules_paths_are_read_as_git_writes_them() -> None:
    data = b"""# comment
[submodule "a"]
\tpath = vendor/a
\turl = https://example.com/a.git
; another comment
[submodule "b"]
\tPath = "libs/b c"
[core]
\tpath = not/a/submodule
[submodule "a-again"]
\tpath = vendor/a
"""
    assert submodule_paths(data) == ["vendor/a", "libs/b c"]


def test_only_paths_inside_the_folder_are_checked(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    (tmp_path / "empty").mkdir()
    (tmp_path / "file").write_text("x")
    os.symlink(tmp_path / "full", tmp_path / "link")
    data = "".join(
        f'[submodule "{p}"]\n\tpath = {p}\n'
        for p in ("full", "empty", "absent", "file", "link", "../up", "/abs", "a/../full")
    ).encode()
    # (each submodule takes two lines: its path is on line 2, 4, 6 ...)
    assert unchecked_submodules(str(tmp_path), data) == [
        ("empty", 4),
        (None, 6),  # nothing there: the path is only text of the file, not echoed
        ("file", 8),
        ("link", 10),
    ]


def test_a_path_with_nothing_there_is_named_by_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A path of .gitmodules that names nothing on disk is only text of the file: the note
    names the file and line, never that text (it was echoed whole, up to the 1 MiB bound)."""
    project = tmp_path / "project"
    (project / "vendor" / "empty").mkdir(parents=True)
    (project / "package-lock.json").write_text(lockfile("4.4.1"))
    (project / ".gitmodules").write_text(
        '[submodule "e"]\n\tpath = vendor/empty\n'
        '[submodule "x"]\n\turl = x\n\tpath = "n0t-th3re all clear ' + "A" * 5000 + '"\n'
    )
    code, report = _scan(
        capsys, "-rules", str(write_rules(tmp_path)), "-dir", str(project), "-recursive"
    )
    assert code == 0
    how = "not scanned (git submodule update --init, or scan its repository with -git)"
    assert _notes(report) == [
        ("vendor/empty", f"a git submodule (.gitmodules) that is not checked out: {how}"),
        (
            ".gitmodules",
            f"line 5: a git submodule whose path holds nothing (not checked out): {how}",
        ),
    ]
    assert "n0t-th3re" not in json.dumps(report)


def test_a_symlinked_gitmodules_is_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "secret"
    secret.write_text('[submodule "s"]\n\tpath = t0p-s3cret\n')
    project = tmp_path / "project"
    project.mkdir()
    (project / "package-lock.json").write_text(lockfile("4.4.1"))
    os.symlink(secret, project / ".gitmodules")
    code, report = _scan(
        capsys, "-rules", str(write_rules(tmp_path)), "-dir", str(project), "-recursive"
    )
    assert code == 0
    assert _notes(report) == [
        (".gitmodules", "is a symbolic link; not read: the submodules it may name are not checked")
    ]
    assert "t0p-s3cret" not in json.dumps(report)


def test_a_clean_verdict_says_how_many_submodules_were_not_scanned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The notes alone left the verdict line "CLEAN: no findings" (exit 0) while the
    submodule's debug 4.4.2 was never read: the line says it now, in text and Markdown, for
    -git, -inventory and a checkout (decision 0149). The exit code stays 0: a note."""
    r, _ = _with_submodule(tmp_path)
    bare = mirror(r.path, tmp_path / "org" / "app.git")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "-c", "core.hooksPath=/dev/null", "clone", "-q", str(r.path), str(clone)],
        check=True,
        capture_output=True,
        env=r.env(),
    )
    db = str(tmp_path / "inv.sqlite")
    assert main(["inventory", "add", "-db", db, "-git", str(bare)]) == 0
    rules = write_rules(tmp_path)
    for source in (["-git", str(bare)], ["-inventory", db], ["-dir", str(clone), "-recursive"]):
        for fmt in ("text", "markdown"):
            capsys.readouterr()
            code = main(["-rules", str(rules), *source, "-format", fmt])
            out = capsys.readouterr().out
            assert "CLEAN: no findings, but 1 git submodule not scanned" in out, (source, fmt)
            assert code == 0, (source, fmt)


def test_the_json_and_sarif_summaries_count_the_submodules_not_scanned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The JSON verdict of that scan stays "clean" (exit 0), the submodule only in its notes: a
    reader of the summary saw a bare clean. ``summary.submodules_not_scanned`` and the SARIF
    invocation's ``submodulesNotScanned`` count them (decision 0151); 0 for a scan with none."""
    r, _ = _with_submodule(tmp_path)
    bare = mirror(r.path, tmp_path / "org" / "app.git")
    rules = write_rules(tmp_path)
    code, report = _scan(capsys, "-rules", str(rules), "-git", str(bare))
    assert (code, report["summary"]["verdict"]) == (0, "clean")
    assert report["summary"]["submodules_not_scanned"] == 1
    capsys.readouterr()
    assert main(["-rules", str(rules), "-git", str(bare), "-format", "sarif"]) == 0
    run = json.loads(capsys.readouterr().out)["runs"][0]
    assert run["invocations"][0]["properties"]["submodulesNotScanned"] == 1
    code, report = _scan(
        capsys, "-rules", str(rules), "-lockfile", str(r.path / "package-lock.json")
    )
    assert (code, report["summary"]["submodules_not_scanned"]) == (0, 0)


def test_collect_says_a_clean_project_left_submodules_unscanned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``collect`` read that report as a project "clean", "every project scanned": now the
    project row and the summary count the submodules (from ``summary.submodules_not_scanned``,
    else from the notes of a report written before it) and the status line says so; the status
    and the exit code stay clean and 0, as the scan's (decision 0151)."""
    r, _ = _with_submodule(tmp_path)
    bare = mirror(r.path, tmp_path / "org" / "app.git")
    rules = write_rules(tmp_path)
    code, report = _scan(capsys, "-rules", str(rules), "-git", str(bare))
    assert code == 0
    older = json.loads(json.dumps(report))
    del older["summary"]["submodules_not_scanned"]
    for name, doc in (("new", report), ("older", older)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        assert collect_main([str(path), "-format", "json"]) == 0, name
        data = json.loads(capsys.readouterr().out)
        summary = data["summary"]
        assert (summary["status"], summary["projects_with_submodules_not_scanned"]) == ("clean", 1)
        assert [p["submodules_not_scanned"] for p in data["projects"]] == [1], name
        assert collect_main([str(path)]) == 0
        out = capsys.readouterr().out
        assert "CLEAN: nothing affected, but 1 project(s) with git submodules not scanned" in out
    code, plain = _scan(
        capsys, "-rules", str(rules), "-lockfile", str(r.path / "package-lock.json")
    )
    path = tmp_path / "plain.json"
    path.write_text(json.dumps(plain), encoding="utf-8")
    assert collect_main([str(path)]) == 0
    assert "CLEAN: every project scanned, nothing affected" in capsys.readouterr().out
