"""pnpm catalogs and pnpm-workspace.yaml overrides, end to end with ``gouvernante.cli.main``.

``"axios": "catalog:"`` was only a note ("cannot be decided offline") even when the workspace's
catalog says ``^1.14.0``; pnpm 10's ``overrides`` in pnpm-workspace.yaml were not read at all. A
declared-range check of a catalog reference now finds what it finds for the catalog's range, and
an override there is a declared version like package.json ``pnpm.overrides``."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from gitsrc.gitrepo import Repo, mirror
from gouvernante.cli import main
from gouvernante.lockfiles import pnpm_workspace

RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "AXIOS-1",
            "title": "axios 1.14.1",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "critical",
            "package_rules": [
                {"package_name": "axios", "affected_versions": [">=1.14.1 <1.14.2"]},
                {"package_name": "lodash", "affected_versions": ["=4.17.99"]},
            ],
        }
    ],
}
WORKSPACE = """packages:
  - packages/*
catalog:
  axios: ^1.14.0   # what the members say "catalog:" for
catalogs:
  legacy:
    axios: ^0.27.0
overrides:
  lodash: 4.17.99
"""
PNPM9_LOCK = Path(__file__).parents[1] / "lockfiles" / "fixtures" / "pnpm" / "pnpm9"


def _scan(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    report = tmp_path / "report.json"
    code = main(["-rules", str(rules), *args, "-json", "-output", str(report)])
    return code, json.loads(report.read_text(encoding="utf-8"))


def _found(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return sorted(
        (f["lockfile"], f["package"], f["declared_range"], f["match"]) for f in report["findings"]
    )


def _notes(report: dict[str, Any]) -> list[str]:
    return [f"{n['path']}: {n['message']}" for n in report["notes"]]


def _project(root: Path, deps: dict[str, str], workspace: str = WORKSPACE) -> Path:
    (root / "packages" / "app").mkdir(parents=True)
    (root / "pnpm-workspace.yaml").write_text(workspace, encoding="utf-8")
    (root / "package.json").write_text('{"name": "root", "private": true}', encoding="utf-8")
    app = root / "packages" / "app" / "package.json"
    app.write_text(json.dumps({"name": "app", "dependencies": deps}), encoding="utf-8")
    return root


def test_a_catalog_reference_is_judged_like_the_catalogs_range(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "package.json").write_text('{"dependencies": {"axios": "^1.14.0"}}')
    code, expected = _scan(tmp_path, "-dir", str(plain))
    assert code == 2
    repo = _project(tmp_path / "repo", {"axios": "catalog:"})
    code, report = _scan(tmp_path, "-dir", str(repo), "-recursive")
    assert code == 2
    (axios,) = [f for f in report["findings"] if f["package"] == "axios"]
    (plain_axios,) = expected["findings"]
    for key in ("rule_id", "package", "declared_range", "matched_expression", "match", "direct"):
        assert axios[key] == plain_axios[key], key
    assert axios["lockfile"] == "packages/app/package.json"
    assert "'^1.14.0' (from 'catalog:' in pnpm-workspace.yaml)" in axios["description"]


def test_named_catalogs_and_catalogs_that_do_not_answer(tmp_path: Path) -> None:
    repo = _project(tmp_path / "repo", {"axios": "catalog:legacy"})
    code, report = _scan(tmp_path, "-dir", str(repo), "-recursive")
    # ^0.27.0 cannot reach 1.14.1: nothing about axios (the override of lodash is found)
    assert [f["package"] for f in report["findings"]] == ["lodash"]
    assert not [n for n in _notes(report) if "axios" in n]
    for spec in ("catalog:nope", "catalog:"):
        repo = _project(tmp_path / spec.replace(":", "-"), {"axios": spec}, "catalog: {}\n")
        code, report = _scan(tmp_path, "-dir", str(repo), "-recursive")
        assert code == 0 and report["findings"] == []
        assert _notes(report) == [
            f"packages/app/package.json: axios is declared as {spec!r} (a catalog entry no"
            " pnpm-workspace.yaml, root package.json or .yarnrc.yml of this project defines) and"
            " AXIOS-1 names"
            " it: it cannot be"
            " decided offline; lock it and scan the lockfile"
        ]


def test_workspace_overrides_are_declared_versions(tmp_path: Path) -> None:
    repo = _project(tmp_path / "repo", {"left-pad": "^1.0.0"})
    code, report = _scan(tmp_path, "-dir", str(repo))
    assert code == 2
    (finding,) = report["findings"]
    assert (finding["lockfile"], finding["package"], finding["declared_range"]) == (
        "pnpm-workspace.yaml",
        "lodash",
        "4.17.99",
    )
    assert finding.get("direct") is None  # an override forces a version wherever it is
    assert finding["description"].startswith(
        "pnpm-workspace.yaml declares lodash with range '4.17.99' in overrides"
    )
    # with a lockfile (a real pnpm 9 one, which resolves lodash), the lockfile decides
    shutil.copy(PNPM9_LOCK / "pnpm-lock.yaml", repo / "pnpm-lock.yaml")
    code, report = _scan(tmp_path, "-dir", str(repo))
    assert [f for f in report["findings"] if f["package"] == "lodash"] == []
    assert _notes(report) == [
        "pnpm-workspace.yaml: declared range '4.17.99' of lodash could match AXIOS-1 (=4.17.99),"
        " but pnpm-lock.yaml resolves it: the lockfile decides"
    ]


def test_lockfile_mode_finds_the_workspace_above_the_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _project(tmp_path / "repo", {"axios": "catalog:"})
    monkeypatch.chdir(tmp_path)
    code, report = _scan(tmp_path, "-lockfile", "repo/packages/app/package.json")
    assert code == 2
    assert _found(report) == [
        ("repo/packages/app/package.json", "axios", "^1.14.0", "declared-range")
    ]
    # a hostile workspace file: refused, named with its line, never quoted
    secret = "t0p-s3cret-v4lue"
    (repo / "pnpm-workspace.yaml").write_text(f"catalog:\n  axios: &a [{secret}]\n  b: *a\n")
    code, report = _scan(tmp_path, "-lockfile", "repo/packages/app/package.json")
    assert code == 1
    assert [(e["path"], e["message"]) for e in report["errors"]] == [
        (
            "repo/packages/app/package.json",
            "repo/pnpm-workspace.yaml: line 2: a YAML anchor or alias of a mapping or list"
            " (pnpm never writes one; js-yaml shares one object between them, which pnpm"
            " changes in place): not read; its catalog: references are not checked",
        )
    ]
    assert secret not in json.dumps(report)


def test_dir_mode_reports_a_hostile_workspace_file_once(tmp_path: Path) -> None:
    repo = _project(tmp_path / "repo", {"axios": "catalog:"}, "catalog:\n  axios: [^1.14.0]\n")
    code, report = _scan(tmp_path, "-dir", str(repo), "-recursive")
    assert code == 1
    assert [(e["path"], e["message"]) for e in report["errors"]] == [
        ("pnpm-workspace.yaml", "catalog['axios']: expected a string")
    ]


def test_a_member_scanned_alone_reads_the_workspace_above(tmp_path: Path) -> None:
    """``-dir packages/app`` (or the default ``.`` run in the member) said the reference cannot
    be decided, exit 0, where the whole tree's scan finds it: the walk stopped at the -dir root.
    The workspace file above is read (never scanned as the tree's own)."""
    repo = _project(tmp_path / "repo", {"axios": "catalog:"})
    code, whole = _scan(tmp_path, "-dir", str(repo), "-recursive")
    code_alone, alone = _scan(tmp_path, "-dir", str(repo / "packages" / "app"))
    assert (code, code_alone) == (2, 2)
    assert [(f["package"], f["declared_range"]) for f in alone["findings"]] == [
        (f["package"], f["declared_range"]) for f in whole["findings"] if f["package"] == "axios"
    ]
    assert alone["errors"] == [] and not [n for n in _notes(alone) if "a catalog entry" in n]


def test_an_unreadable_workspace_above_the_scan_root_is_the_members_error(tmp_path: Path) -> None:
    repo = _project(tmp_path / "repo", {"axios": "catalog:"}, "catalog:\n  axios: [SECRET-1\n")
    code, report = _scan(tmp_path, "-dir", str(repo / "packages" / "app"))
    assert code == 1 and report["findings"] == []
    assert "SECRET-1" not in json.dumps(report)
    ((path, message),) = [(e["path"], e["message"]) for e in report["errors"]]
    assert path == "package.json"
    assert message.startswith("../../pnpm-workspace.yaml: line ")
    assert message.endswith("its catalog: references are not checked")


def test_git_scans_read_workspace_overrides(tmp_path: Path) -> None:
    r = Repo(tmp_path / "work")
    r.write("pnpm-workspace.yaml", WORKSPACE)
    r.write("package.json", '{"name": "root"}')
    r.commit("init")
    mirror(r.path, tmp_path / "app.git")
    code, report = _scan(tmp_path, "-git", str(tmp_path / "app.git"))
    assert code == 2
    assert [(f["lockfile"], f["package"]) for f in report["findings"]] == [
        ("pnpm-workspace.yaml", "lodash")
    ]


VUE_CORE = Path(__file__).parents[1] / "realworld" / "data" / "pnpm9-vue-core" / "tree"


def test_a_real_workspace_answers_its_members_catalog_references(tmp_path: Path) -> None:
    """vue-core's own pnpm-workspace.yaml (tests/realworld/data/pnpm9-vue-core, see its
    source.json) and compiler-core's package.json (``"@babel/parser": "catalog:"``), without the
    lockfile: judged as the catalog's ``^7.29.8``."""
    tree = tmp_path / "vue"
    (tree / "packages" / "compiler-core").mkdir(parents=True)
    shutil.copy(VUE_CORE / "pnpm-workspace.yaml", tree / "pnpm-workspace.yaml")
    shutil.copy(
        VUE_CORE / "packages" / "compiler-core" / "package.json",
        tree / "packages" / "compiler-core" / "package.json",
    )
    rules = tmp_path / "rules.json"
    rule = {
        "id": "BABEL-1",
        "title": "a @babel/parser release above the catalog's floor, and one below it",
        "kind": "compromised-release",
        "ecosystem": "npm",
        "severity": "high",
        "package_rules": [
            {"package_name": "@babel/parser", "affected_versions": ["=7.30.0", "=7.20.0"]}
        ],
    }
    rules.write_text(json.dumps({"schema_version": "1.0.0", "rules": [rule]}), encoding="utf-8")
    report = tmp_path / "report.json"
    code = main(
        ["-rules", str(rules), "-dir", str(tree), "-recursive", "-json", "-output", str(report)]
    )
    assert code == 2
    found = json.loads(report.read_text(encoding="utf-8"))["findings"]
    assert [(f["package"], f["declared_range"], f["matched_expression"]) for f in found] == [
        ("@babel/parser", "^7.29.8", "=7.30.0")
    ]


def test_the_workspace_file_adds_no_project_to_an_sbom(tmp_path: Path) -> None:
    """Its overrides are declared versions, but it is no project of its own: the SBOM of a
    folder with a package.json and a pnpm-workspace.yaml lists one application."""
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "pnpm-workspace.yaml").write_text("overrides:\n  lodash: 4.17.21\n")
    (tmp_path / "p" / "package.json").write_text('{"name": "root"}')
    sbom = tmp_path / "out.cdx.json"
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    assert main(["-rules", str(rules), "-dir", str(tmp_path / "p"), "-output", str(sbom)]) == 0
    components = json.loads(sbom.read_text(encoding="utf-8"))["components"]
    assert [(c["type"], c["name"]) for c in components] == [("application", "root")]


# A pnpm-workspace.yaml is parsed once per scan for the catalog: references of all its members,
# not once per manifest: a 4 MiB catalog under 200 manifests (each a few bytes) took a minute,
# time growing with manifests x workspace size on hostile input. What a member reads is the same
# (the range, or the file's error worded with that member's path to it), and the next scan reads
# the file again even when it was rewritten with the same size and time.

MEMBERS = ("a", "b", "c", "d", "e")


def _members(tmp_path: Path, workspace: str) -> Path:
    root = tmp_path / "project"
    (root / "packages").mkdir(parents=True)
    (root / "pnpm-workspace.yaml").write_text(workspace, encoding="utf-8")
    for name in MEMBERS:
        member = root / "packages" / name
        member.mkdir()
        manifest = {"name": name, "dependencies": {"axios": "catalog:"}}
        (member / "package.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    real = pnpm_workspace.read

    def counted(data: bytes, path: str) -> pnpm_workspace.Workspace:
        reads.append(path)
        return real(data, path)

    monkeypatch.setattr(pnpm_workspace, "read", counted)
    return reads


def test_members_share_one_read_of_their_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _members(tmp_path, "catalog:\n  axios: ^1.14.0\n")
    reads = _count_reads(monkeypatch)
    code, report = _scan(tmp_path, "-dir", str(root), "-recursive", "-workers", "1")
    assert code == 2
    assert sorted((f["lockfile"], f["declared_range"]) for f in report["findings"]) == [
        (f"packages/{name}/package.json", "^1.14.0") for name in MEMBERS
    ]
    # once as a scanned file (its overrides), once for its members' globs (a member in a folder
    # the walk skips by name), once for the five members' catalog: references
    assert reads == ["pnpm-workspace.yaml"] * 3


def test_an_unreadable_workspace_is_each_members_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _members(tmp_path, "catalog:\n  axios: [1]\n")
    reads = _count_reads(monkeypatch)
    given = [str(root / "packages" / name / "package.json") for name in ("a", "b")]
    code, report = _scan(tmp_path, "-lockfile", given[0], "-lockfile", given[1])
    assert code == 1
    shown = os.path.join(str(root), "pnpm-workspace.yaml").replace(os.sep, "/")
    assert sorted(e["path"] for e in report["errors"]) == sorted(given)
    assert {e["message"] for e in report["errors"]} == {
        f"{shown}: catalog['axios']: expected a string; its catalog: references are not checked"
    }
    assert len(reads) == 1


def test_the_next_scan_reads_a_rewritten_workspace_again(tmp_path: Path) -> None:
    root = _members(tmp_path, "catalog:\n  axios: ^1.14.0\n")
    workspace = root / "pnpm-workspace.yaml"
    assert _scan(tmp_path, "-dir", str(root), "-recursive")[0] == 2
    stat = workspace.stat()
    workspace.write_text("catalog:\n  axios: ~1.13.0\n", encoding="utf-8")  # same size
    os.utime(workspace, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    code, report = _scan(tmp_path, "-dir", str(root), "-recursive")
    assert (code, report["findings"]) == (0, [])
