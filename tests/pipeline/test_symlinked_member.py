"""A workspace member that is a symbolic link (decisions 0112, 0113): npm 11.19.1, pnpm 9.15.9 and
yarn 1.22.22 follow it and record it at the link's path (``fixtures/symlinked-member``, one
folder per shape and tool, made by ``generate.sh``). The member declares ``ms ^2.1.1``, which npm
and pnpm keep at 2.1.2 and yarn 1 resolves again to 2.1.3; the rule is ``ms =2.1.3``. Every mode
gives the same answer for the same tree: ``-dir``, ``-dir -recursive``, ``-git``, ``-git
-history``, ``-inventory`` (recorded from the repository and from the folder) and ``-image``."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitsrc.gitrepo import Repo, mirror
from gouvernante.cli import main
from gouvernante.match.placing import LINK_OUT
from helpers import compromised_rules, docker_save, scan_report, tar_bytes, tree_relative

FIXTURE = Path(__file__).parent / "fixtures" / "symlinked-member"
RULES = compromised_rules("GOUV-TEST-MS", ("ms", "=2.1.3"))
MODES = (
    "-dir",
    "-dir -recursive",
    "-git",
    "-git -history",
    "-inventory",
    "-inventory (dir)",
    "-image",
)


def _tree(tmp_path: Path, shape: str) -> Path:
    """The fixture's tree copied with its links (an ``outside`` shape: its folder beside it)."""
    source = FIXTURE / shape
    if (source / "tree").is_dir():
        for part in source.iterdir():
            shutil.copytree(part, tmp_path / part.name, symlinks=True)
        return tmp_path / "tree"
    shutil.copytree(source, tmp_path / "tree", symlinks=True)
    return tmp_path / "tree"


def _image_layer(tree: Path) -> bytes:
    """The tree under /app as one layer: its regular files, and its links as written."""
    files: dict[str, bytes] = {}
    links: dict[str, str] = {}
    for folder, dirs, names in os.walk(tree):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in sorted(names + [d for d in dirs if os.path.islink(os.path.join(folder, d))]):
            full = Path(folder, name)
            rel = "app/" + full.relative_to(tree).as_posix()
            if full.is_symlink():
                links[rel] = os.readlink(full)
            else:
                files[rel] = full.read_bytes()
    return tar_bytes(files, links)


def _modes(tmp_path: Path, tree: Path) -> dict[str, tuple[int, dict[str, Any]]]:
    """The tree (with its links) scanned in every mode."""
    repo = Repo(tree)
    repo.commit("init")
    git = mirror(tree, tmp_path / "tree.git")
    image = docker_save(tmp_path / "image.tar", [_image_layer(tree)])
    from_git, from_dir = str(tmp_path / "git.sqlite"), str(tmp_path / "dir.sqlite")
    assert main(["inventory", "add", "-db", from_git, "-git", str(git)]) == 0
    main(["inventory", "add", "-db", from_dir, "-dir", str(tree)])
    args = {
        "-dir": ("-dir", str(tree)),
        "-dir -recursive": ("-dir", str(tree), "-recursive"),
        "-git": ("-git", str(git)),
        "-git -history": ("-git", str(git), "-history"),
        "-inventory": ("-inventory", from_git),
        "-inventory (dir)": ("-inventory", from_dir),
        "-image": ("-image", str(image)),
    }
    return {mode: scan_report(tmp_path, RULES, *args[mode]) for mode in MODES}


def _answer(code: int, report: dict[str, Any]) -> tuple[int, list[tuple[str, str, str]], set[str]]:
    """Exit code, findings (file relative to the tree, package, version) and error messages."""
    found = [
        (tree_relative(f["lockfile"]), f["package"], f.get("declared_range") or f["version"])
        for f in report["findings"]
    ]
    return code, sorted(found), {e["message"] for e in report["errors"]}


# Trees whose member link the tools follow (npm, pnpm: ms 2.1.2 kept for packages/m), or that
# hold a link that is no member (to nothing, in a loop, to a file: packages/a only): no finding.
@pytest.mark.parametrize(
    "shape",
    [
        "npm",
        "pnpm",
        "chain-npm",
        "chain-pnpm",
        "dangling-npm",
        "dangling-pnpm",
        "loop-pnpm",
        "twice-pnpm",
        "file-npm",
        "file-pnpm",
    ],
)
def test_every_mode_reads_the_member_where_the_tools_install_it(tmp_path: Path, shape: str) -> None:
    answers = {m: _answer(*r) for m, r in _modes(tmp_path, _tree(tmp_path, shape)).items()}
    assert answers == dict.fromkeys(MODES, (0, [], set()))


# yarn 1 resolves the member's range again (2.1.3): the lockfile's finding, in every mode, and no
# "no entry for mem" (the member, a link, is a workspace: decision 0112 said so in every mode).
@pytest.mark.parametrize("shape", ["yarn", "chain-yarn", "dangling-yarn", "loop-yarn", "file-yarn"])
def test_yarn_resolves_the_linked_member_again(tmp_path: Path, shape: str) -> None:
    answers = {m: _answer(*r) for m, r in _modes(tmp_path, _tree(tmp_path, shape)).items()}
    assert answers == dict.fromkeys(MODES, (2, [("yarn.lock", "ms", "2.1.3")], set()))


def _out_errors(errors: set[str]) -> set[str]:
    return {e for e in errors if LINK_OUT in e}


@pytest.mark.parametrize("absolute", [False, True])
def test_a_member_linked_out_of_the_tree_is_an_error_never_read(
    tmp_path: Path, absolute: bool
) -> None:
    """packages/m leads out of the repository (``../../outside/m``, or an absolute path): its
    package.json is not read in any mode, an error (exit 1), never a finding on what the scan
    was not asked to read. In the image the link leads to /outside/m, which the image does not
    hold: nothing there, no member (as npm would find it)."""
    tree = _tree(tmp_path, "outside-npm")
    if absolute:
        (tree / "packages" / "m").unlink()
        (tree / "packages" / "m").symlink_to(tmp_path / "outside" / "m")
    answers = {m: _answer(*r) for m, r in _modes(tmp_path, tree).items()}
    for mode in MODES[:-1]:
        code, found, errors = answers[mode]
        assert (code, found) == (1, []), mode
        assert len(_out_errors(errors)) == 1, mode
    assert answers["-image"] == (0, [], set())


def test_pnpm_records_no_importer_for_a_member_linked_out(tmp_path: Path) -> None:
    """pnpm 9.15.9 writes the root's ``link:packages/m`` but no importer packages/m when the
    link leads out of the workspace (it installs nothing of the member): the same error in
    every mode. -dir reads pnpm-workspace.yaml's globs and names the link too; the blob modes
    know a package.json's globs only (decision 0113, left)."""
    answers = {m: _answer(*r) for m, r in _modes(tmp_path, _tree(tmp_path, "outside-pnpm")).items()}
    for mode in MODES:
        code, found, errors = answers[mode]
        assert (code, found) == (1, []), mode
        assert any("no importer of the file lists" in e for e in errors), mode
        assert len(_out_errors(errors)) == (1 if mode.startswith("-dir") else 0), mode


def test_the_link_target_is_read_only_inside_the_tree(tmp_path: Path) -> None:
    """-dir never opens the outside member's package.json: one that is not valid JSON is no
    error of the scan (it is not read), only the link's."""
    tree = _tree(tmp_path, "outside-npm")
    (tmp_path / "outside" / "m" / "package.json").write_text("{not json")
    code, report = scan_report(tmp_path, RULES, "-dir", str(tree), "-recursive")
    assert code == 1
    assert not any("not json" in e["message"] or "JSON" in e["message"] for e in report["errors"])
    assert len(_out_errors({e["message"] for e in report["errors"]})) == 1


def test_history_follows_the_link_through_past_commits(tmp_path: Path) -> None:
    """-history judges each past commit with the links it held (their changes are logged by
    path): the member behind the link is no project of its own at any commit. The link made
    in a second commit: before it, real/m (no lockfile resolves ^2.1.1) is a finding of that
    past commit, closed when the link came."""
    tree = _tree(tmp_path, "npm")
    link = tree / "packages" / "m"
    link.unlink()
    repo = Repo(tree)
    repo.commit("no link yet")
    link.symlink_to("../real/m")
    repo.commit("the member linked")
    (tree / "README").write_text("x")
    repo.commit("later")
    git = mirror(tree, tmp_path / "tree.git")
    code, report = scan_report(tmp_path, RULES, "-git", str(git), "-history")
    assert code == 2  # (a past finding)
    found = [(tree_relative(f["lockfile"]), f["type"]) for f in report["findings"]]
    assert found == [("real/m/package.json", "past_package")]
    assert report["errors"] == []


def test_history_since_a_commit_holding_the_link(tmp_path: Path) -> None:
    """With -since, the commit before it holds the link (the boundary): known there too."""
    tree = _tree(tmp_path, "npm")
    repo = Repo(tree)
    repo.commit("init")
    since = repo.time + 1
    (tree / "README").write_text("x")
    repo.commit("later")
    git = mirror(tree, tmp_path / "tree.git")
    when = datetime.fromtimestamp(since, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    code, report = scan_report(tmp_path, RULES, "-git", str(git), "-history", "-since", when)
    assert (code, report["findings"], report["errors"]) == (0, [], [])


def test_an_inventory_recorded_without_links_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An inventory of schema 8 (before links were recorded) that holds commits: refused, never
    a bogus finding on the member behind a link (record again)."""
    tree = _tree(tmp_path, "npm")
    Repo(tree).commit("init")
    git = mirror(tree, tmp_path / "tree.git")
    db = str(tmp_path / "inv.sqlite")
    assert main(["inventory", "add", "-db", db, "-git", str(git)]) == 0
    with sqlite3.connect(db) as raw:
        raw.execute("DELETE FROM commit_files WHERE mode = 'link'")
        raw.execute("UPDATE schema_info SET version = 8")
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    assert main(["-rules", str(rules), "-inventory", db]) == 1
    assert "record the organisation again" in capsys.readouterr().err
