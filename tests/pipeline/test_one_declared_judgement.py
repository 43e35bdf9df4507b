"""The declared-range judgement is one (decision 0109): a tree scanned on disk (``-dir``, with and
without ``-recursive``), as a commit (``-git``), recorded (``-inventory``) and in an image
(``-image``) places each package.json in the same project and finds the same workspace names.

Before, ``pipeline._resolve_declared`` (disk) and ``match.lockfile.DeclaredJudge`` (the rest) were
two copies that differed:

- a folder's deno.json (or deno.jsonc, on disk too) read first stood for its package.json, whose
  ``workspaces`` globs then placed nothing: a yarn 1 member's range the root's yarn.lock decides
  was a CRITICAL "no lockfile of this project resolves it" finding (-git, -image, -inventory;
  with deno.jsonc, -dir too);
- the workspace names were read from disk by listing (no hidden folder) with ``-dir``, from the
  placed manifests by glob matching (hidden folders too) elsewhere: a hidden folder's package.json
  named ``ms`` made a member's ``ms`` range "a workspace of this project" with ``-git`` (exit 0)
  where yarn 1.22.22 installs the registry's ms;
- and, in every mode, a package.json in a hidden folder the globs' wildcards reach was placed in
  the workspace root's project, which npm 11.19.1, pnpm 9.15.9 and yarn 1.22.22 do not take for a
  workspace (glob without dot): its range read as the root lockfile's to decide (exit 0).

The fixtures are what the real tools wrote (``fixtures/*/generate.sh``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitsrc.gitrepo import Repo
from helpers import compromised_rules, every_mode, scan_report, tree_relative

FIXTURES = Path(__file__).parent / "fixtures"


def _files(fixture: str, renamed: dict[str, str] | None = None) -> dict[str, str]:
    base = FIXTURES / fixture
    files = {
        p.relative_to(base).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(base.rglob("*"))
        if p.is_file() and p.name != "generate.sh"
    }
    for old, new in (renamed or {}).items():
        files[new] = files.pop(old)
    return files


def _every_mode(tmp_path: Path, files: dict[str, str], version: str) -> dict[str, Any]:
    rules = compromised_rules("MS-1", ("ms", f"={version}"))
    modes = every_mode(tmp_path, files, rules)
    flat = tmp_path / "flat"
    repo = Repo(flat)
    for rel, text in files.items():
        repo.write(rel, text)
    modes["-dir (not recursive)"] = scan_report(tmp_path, rules, "-dir", str(flat))
    return modes


def _answer(report: dict[str, Any]) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    findings = sorted(
        (tree_relative(f["lockfile"]), f["package"], f.get("declared_range") or f["version"])
        for f in report["findings"]
    )
    notes = sorted(
        (tree_relative(n["path"]), tree_relative(n["message"].split(", but ")[1]).split(":")[0])
        for n in report["notes"]
        if "could match MS-1" in n["message"]
    )
    return findings, notes


@pytest.mark.parametrize("config", ["deno.json", "deno.jsonc"])
def test_a_deno_config_beside_the_package_json_places_nothing(tmp_path: Path, config: str) -> None:
    files = _files("yarn1-deno-config", {"deno.json": config})
    for mode, (code, report) in _every_mode(tmp_path, files, "2.1.2").items():
        findings, notes = _answer(report)
        assert (code, findings) == (0, []), mode
        assert notes == [("packages/a/package.json", "yarn.lock resolves it")], mode


def test_a_hidden_folder_is_no_workspace_name(tmp_path: Path) -> None:
    """yarn.lock locks no ms (written before packages/a declared it); packages/.ms is named ms
    but is no workspace: yarn 1.22.22 --frozen-lockfile installs the registry's ms 2.1.3."""
    files = _files("yarn1-dot-folder")
    for mode, (code, report) in _every_mode(tmp_path, files, "2.1.3").items():
        findings, _notes = _answer(report)
        assert (code, findings) == (2, [("packages/a/package.json", "ms", "^2.1.0")]), mode


def test_a_hidden_folder_is_no_member_of_the_root_project(tmp_path: Path) -> None:
    """packages/.tool is its own project (npm 11.19.1 run there writes its own lockfile, ms
    2.1.2): the root's package-lock.json (ms 2.1.3) decides nothing for it. ``-dir`` without
    ``-recursive`` scans the root's members only (no hidden folder, as npm lists them)."""
    files = _files("npm-dot-folder")
    for mode, (code, report) in _every_mode(tmp_path, files, "2.1.2").items():
        findings, notes = _answer(report)
        tool = [("packages/.tool/package.json", "ms", "2.1.2")]
        assert (code, findings) == ((0, []) if "not recursive" in mode else (2, tool)), mode
        assert ("packages/a/package.json", "package-lock.json resolves it") in notes, mode


@pytest.mark.parametrize("how", ["-lockfile", "-dir", "-git"])
def test_a_workspace_the_root_depends_on_is_no_registry_package(tmp_path: Path, how: str) -> None:
    """yarn 1.22.22 links the root's dependency on its workspace ``a`` and writes no entry for
    it. ``-lockfile package.json -lockfile yarn.lock`` places no member's package.json: the
    names the root's globs name are read from disk, as the lockfile's own reading reads them
    (a first cut of the one judgement, names from placed manifests only, made it a finding)."""
    tree = tmp_path / "tree"
    repo = Repo(tree)
    for rel, text in _files("yarn1-workspace-dependency").items():
        repo.write(rel, text)
    rules = compromised_rules("A-1", ("a", "=1.0.0"))
    if how == "-lockfile":
        args: tuple[str, ...] = (how, str(tree / "package.json"), how, str(tree / "yarn.lock"))
    elif how == "-git":
        repo.commit("init")
        args = (how, str(tree))
    else:
        args = (how, str(tree))
    code, report = scan_report(tmp_path, rules, *args)
    assert (code, report["findings"]) == (0, [])
    assert any("a is a workspace of this project" in n["message"] for n in report["notes"])


def test_a_folder_only_package_json_workspaces_name_is_no_pnpm_project(tmp_path: Path) -> None:
    """pnpm reads pnpm-workspace.yaml, never package.json ``workspaces``: ``tools/t``, named by
    the latter only, is no importer of pnpm-lock.yaml and pnpm 9.15.9 installs nothing of it
    (``generate.sh``), so no lockfile resolves its ``ms ^2.1.1``: a finding in every mode (it
    was a note "pnpm-lock.yaml resolves it", exit 0: a wrong CLEAN, decision 0111), while
    ``packages/a``, an importer, stays the lockfile's to decide."""
    files = _files("pnpm-package-json-workspaces")
    for mode, (code, report) in _every_mode(tmp_path, files, "2.1.3").items():
        findings, notes = _answer(report)
        assert (code, findings) == (2, [("tools/t/package.json", "ms", "^2.1.1")]), mode
        assert ("packages/a/package.json", "pnpm-lock.yaml resolves it") in notes, mode
        assert not any(path == "tools/t/package.json" for path, _ in notes), mode
