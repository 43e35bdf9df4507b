"""A pnpm per-project root (``shared-workspace-lockfile=false``) whose pnpm-lock.yaml holds
only workspace links (decision 0130: byte for byte a shared file cut after its first
importer's link) is read when each linked folder holds a pnpm-lock.yaml of its own in the tree
being scanned, and refused otherwise, in every mode (decision 0135: -git, -inventory and
-image refused it whole). Fixtures ``lockfiles/fixtures/realtools/pnpm{8,9,10}-per-project-links``
(generate.sh: pnpm 8.15.9, 9.15.9, 10.34.9): the root depends on its workspace package
left-pad alone, left-pad on kind-of 6.0.3 in its own pnpm-lock.yaml."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from helpers import (
    compromised_rules,
    docker_save,
    every_mode,
    scan_report,
    tar_bytes,
    tree_relative,
)

REALTOOLS = Path(__file__).parents[1] / "lockfiles" / "fixtures" / "realtools"
CASES = ["pnpm8-per-project-links", "pnpm9-per-project-links", "pnpm10-per-project-links"]
RULES = compromised_rules("KIND-1", ("kind-of", "=6.0.3"))
MEMBER = "packages/left-pad/pnpm-lock.yaml"
REFUSED = "no pnpm-lock.yaml of its own"


def _files(case: str, fixtures: Path = REALTOOLS) -> dict[str, str]:
    """The case's files, path -> text (the tool's own files, .npmrc among them; not the
    script that made them)."""
    root = fixtures / case
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "generate.sh"
    }


def _messages(report: dict[str, object]) -> list[tuple[str, str]]:
    """(file relative to the tree, message) of each error."""
    errors = report["errors"]
    assert isinstance(errors, list)
    return sorted((tree_relative(e["path"]), e["message"]) for e in errors)


@pytest.mark.parametrize("case", CASES)
def test_the_root_reads_in_every_mode(tmp_path: Path, case: str) -> None:
    modes = every_mode(tmp_path, _files(case), RULES, inventory_dir=True)
    for mode, (code, report) in modes.items():
        assert _messages(report) == [], mode
        found = sorted(
            (tree_relative(f["lockfile"]), f["package"], f["version"]) for f in report["findings"]
        )
        assert found == [(MEMBER, "kind-of", "6.0.3")], mode
        assert code == 2, mode


@pytest.mark.parametrize("case", CASES)
def test_a_member_without_its_own_lockfile_is_refused_in_every_mode(
    tmp_path: Path, case: str
) -> None:
    files = _files(case)
    del files[MEMBER]
    for mode, (code, report) in every_mode(tmp_path, files, RULES, inventory_dir=True).items():
        messages = _messages(report)
        assert [path for path, _m in messages] == ["pnpm-lock.yaml"], mode
        assert REFUSED in messages[0][1], mode
        assert "dependencies['left-pad']" in messages[0][1], mode
        assert code in {1, 2}, mode  # (2: kind-of 6.0.3, the member's declared range)


@pytest.mark.parametrize("case", CASES)
def test_the_refusal_needs_no_rule_naming_a_package_of_the_tree(tmp_path: Path, case: str) -> None:
    """A rule naming no package of the tree: still refused (an inventory decodes such a
    content at every commit, never counting it quiet: ``graphs.OWN_LOCKFILES_ROW``)."""
    files = _files(case)
    del files[MEMBER]
    rules = compromised_rules("OTHER-1", ("no-such-package", "=1.0.0"))
    for mode, (code, report) in every_mode(tmp_path, files, rules, inventory_dir=True).items():
        assert [(p, REFUSED in m) for p, m in _messages(report)] == [("pnpm-lock.yaml", True)]
        assert code == 1, mode


@pytest.mark.parametrize("case", CASES)
def test_a_member_whose_own_lockfile_is_cut_is_an_error_in_every_mode(
    tmp_path: Path, case: str
) -> None:
    """The root reads (the member holds its file); the member's file, cut inside a line, is the
    member's own error."""
    files = _files(case)
    text = files[MEMBER]
    files[MEMBER] = text[: text.index("resolution:") + 20]
    for mode, (code, report) in every_mode(tmp_path, files, RULES, inventory_dir=True).items():
        assert [path for path, _m in _messages(report)] == [MEMBER], mode
        assert code in {1, 2}, mode


def _outside_tree(tmp_path: Path, case: str) -> tuple[Path, dict[str, str]]:
    """The case's tree under ``tmp_path/tree`` with packages/left-pad a symbolic link to a folder
    outside it (holding the member's files, its pnpm-lock.yaml among them)."""
    files = _files(case)
    outside = tmp_path / "outside" / "left-pad"
    outside.mkdir(parents=True)
    for rel in [r for r in files if r.startswith("packages/left-pad/")]:
        (outside / rel.rpartition("/")[2]).write_text(files.pop(rel), encoding="utf-8")
    tree = tmp_path / "tree"
    for rel, text in files.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(text, encoding="utf-8")
    (tree / "packages").mkdir(exist_ok=True)
    os.symlink(outside, tree / "packages" / "left-pad")
    return tree, files


@pytest.mark.parametrize("case", CASES)
def test_a_member_linked_out_of_the_tree_is_refused_in_every_mode(
    tmp_path: Path, case: str
) -> None:
    """packages/left-pad a symbolic link out of the scanned tree: its pnpm-lock.yaml is none of
    the tree's (-dir read the root through the link, and never read the member's file)."""
    from gitsrc.gitrepo import Repo, mirror
    from gouvernante.cli import main

    tree, files = _outside_tree(tmp_path, case)
    root = str(tree / "pnpm-lock.yaml")
    repo = Repo(tree)
    repo.commit("init")
    git = mirror(repo.path, tmp_path / "tree.git")
    inventories = {}
    for source, where in (("-git", str(git)), ("-dir", str(tree))):
        db = str(tmp_path / f"inventory{source}.sqlite")
        main(["inventory", "add", "-db", db, source, where])
        inventories[f"-inventory ({source})"] = db
    layer = tar_bytes(
        {f"app/{rel}": text.encode() for rel, text in files.items()},
        {"app/packages/left-pad": str(tmp_path / "outside" / "left-pad")},
    )
    image = docker_save(tmp_path / "image.tar", [layer])
    modes = {
        "-dir": scan_report(tmp_path, RULES, "-dir", str(tree)),
        "-dir -recursive": scan_report(tmp_path, RULES, "-dir", str(tree), "-recursive"),
        "-lockfile": scan_report(tmp_path, RULES, "-lockfile", root),
        "-git": scan_report(tmp_path, RULES, "-git", str(git)),
        "-image": scan_report(tmp_path, RULES, "-image", str(image)),
        **{
            mode: scan_report(tmp_path, RULES, "-inventory", db) for mode, db in inventories.items()
        },
    }
    for mode, (code, report) in modes.items():
        refused = [m for path, m in _messages(report) if path.endswith("pnpm-lock.yaml")]
        assert [REFUSED in m for m in refused] == [True], (mode, _messages(report))
        assert code in {1, 2}, mode


def test_git_reads_the_root_at_each_commit_by_that_commit_s_tree(tmp_path: Path) -> None:
    """One root blob, two commits: read where the member holds its file, refused where it does
    not (the blob is parsed once; the look-up is each tree's)."""
    from gitsrc.gitrepo import Repo, mirror

    repo = Repo(tmp_path / "tree")
    for rel, text in _files("pnpm9-per-project-links").items():
        repo.write(rel, text)
    repo.commit("init")
    repo.git("branch", "whole")
    (repo.path / MEMBER).unlink()
    repo.commit("member's lockfile gone")
    git = mirror(repo.path, tmp_path / "tree.git")
    code, report = scan_report(tmp_path, RULES, "-git", str(git))
    errors = sorted((e["path"], REFUSED in e["message"]) for e in report["errors"])
    assert [(p.rpartition("@")[2], r) for p, r in errors] == [("main:pnpm-lock.yaml", True)]
    found = sorted((f["ref"], tree_relative(f["lockfile"])) for f in report["findings"])
    # (main: kind-of's range in the member's package.json, which no lockfile read resolves)
    assert found == [("main", "packages/left-pad/package.json"), ("whole", MEMBER)]
    assert code == 2


def test_an_inventory_holding_the_root_refused_reads_it_once_added_again(tmp_path: Path) -> None:
    """An inventory recorded before decision 0135 holds the root's content refused (its row as
    then: the error, no graph, no package row): evaluated, that error (never CLEAN); the next
    ``inventory add`` that meets the file reads it again in place of that row."""
    import sqlite3

    from gitsrc.gitrepo import GIT_ENV, Repo, mirror
    from gouvernante.cli import main

    repo = Repo(tmp_path / "tree")
    for rel, text in _files("pnpm9-per-project-links").items():
        repo.write(rel, text)
    repo.commit("init")
    git = mirror(repo.path, tmp_path / "tree.git")
    db = str(tmp_path / "inventory.sqlite")
    assert main(["inventory", "add", "-db", db, "-git", str(git)]) == 0
    refusal = (
        "importers['.'].dependencies['left-pad']: a dependency linked to a workspace package no"
        " importer of the file lists, whose folder has no pnpm-lock.yaml of its own (truncated"
        " or edited file?)"
    )
    with sqlite3.connect(db) as con:
        (blob_id,) = con.execute(
            "SELECT b.id FROM blobs b JOIN commit_files f ON f.oid = b.oid"
            " WHERE f.path = 'pnpm-lock.yaml' AND b.name = 'pnpm-lock.yaml'"
        ).fetchone()
        con.execute("DELETE FROM packages WHERE blob_id = ?", (blob_id,))
        con.execute(
            "UPDATE blobs SET format = NULL, packages = 0, error = ?, graph = NULL WHERE id = ?",
            (refusal, blob_id),
        )
    code, report = scan_report(tmp_path, RULES, "-inventory", db)
    assert [(tree_relative(e["path"]), e["message"]) for e in report["errors"]] == [
        ("pnpm-lock.yaml", refusal)
    ]
    assert code == 2  # (kind-of 6.0.3 in the member's own file)
    repo.write("README", "moved\n")
    repo.commit("the ref moves")
    subprocess.run(["git", "-C", str(git), "fetch", "-q"], check=True, env=GIT_ENV)
    assert main(["inventory", "add", "-db", db, "-git", str(git)]) == 0
    code, report = scan_report(tmp_path, RULES, "-inventory", db)
    assert report["errors"] == []
    assert [tree_relative(f["lockfile"]) for f in report["findings"]] == [MEMBER]


def test_a_link_naming_a_nul_is_refused_not_a_crash(tmp_path: Path) -> None:
    """A workspace link whose folder holds a NUL (``"link:packages/a\\0b"``, a YAML escape): the
    file system's ValueError (not an OSError) was an internal error of -lockfile and -dir."""
    (tmp_path / "pnpm-lock.yaml").write_text(
        "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      left-pad:\n"
        '        specifier: workspace:*\n        version: "link:packages/a\\0b"\n',
        encoding="utf-8",
    )
    for args in (("-lockfile", str(tmp_path / "pnpm-lock.yaml")), ("-dir", str(tmp_path))):
        code, report = scan_report(tmp_path, RULES, *args)
        assert [
            (tree_relative(e["path"]).rpartition("/")[2], REFUSED in e["message"])
            for e in report["errors"]
        ] == [("pnpm-lock.yaml", True)], args
        assert code == 1, args


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    tree = tmp_path / "tree"
    for rel, text in files.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(text, encoding="utf-8")
    return tree


@pytest.mark.parametrize("case", CASES)
def test_lockfile_of_the_root_reads_each_member_s_own_file(tmp_path: Path, case: str) -> None:
    """``-lockfile ROOT`` answers for the workspace as a shared file would: the root's file
    holds only the link, the member's own pnpm-lock.yaml its dependencies, read too (it said
    CLEAN, the member's file never read)."""
    tree = _tree(tmp_path, _files(case))
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(tree / "pnpm-lock.yaml"))
    assert _messages(report) == []
    assert sorted(report["scan"]["files"]) == [
        str(tree / "packages" / "left-pad" / "pnpm-lock.yaml"),
        str(tree / "pnpm-lock.yaml"),
    ]
    found = [(f["lockfile"], f["package"], f["version"]) for f in report["findings"]]
    assert found == [(str(tree / MEMBER), "kind-of", "6.0.3")]
    assert code == 2


@pytest.mark.parametrize("case", CASES)
def test_lockfile_of_the_root_reports_a_member_s_cut_file(tmp_path: Path, case: str) -> None:
    files = _files(case)
    files[MEMBER] = files[MEMBER][: files[MEMBER].index("resolution:") + 20]
    tree = _tree(tmp_path, files)
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(tree / "pnpm-lock.yaml"))
    assert [path for path, _m in _messages(report)] == [str(tree / MEMBER)]
    assert code == 1


@pytest.mark.parametrize("case", CASES)
def test_dir_reads_a_linked_member_its_workspace_globs_do_not_list(
    tmp_path: Path, case: str
) -> None:
    """The root's file links packages/left-pad, which holds its own pnpm-lock.yaml, but
    pnpm-workspace.yaml lists no such folder (edited since): ``-dir`` read the root (the
    member holds its file) and never the member's file: CLEAN."""
    files = _files(case)
    files["pnpm-workspace.yaml"] = "packages:\n  - other/*\n"
    tree = _tree(tmp_path, files)
    code, report = scan_report(tmp_path, RULES, "-dir", str(tree))
    found = [(f["lockfile"], f["package"], f["version"]) for f in report["findings"]]
    assert ("packages/left-pad/pnpm-lock.yaml", "kind-of", "6.0.3") in found
    assert "packages/left-pad/pnpm-lock.yaml" in report["scan"]["files"]
    assert code in {1, 2}


NESTED = Path(__file__).parent / "fixtures" / "pnpm-per-project-nested"


@pytest.mark.parametrize("case", ["pnpm8", "pnpm9", "pnpm10"])
def test_lockfile_of_the_root_reads_a_member_s_sibling_through_its_own_file(
    tmp_path: Path, case: str
) -> None:
    """``fixtures/pnpm-per-project-nested`` (generate.sh, pnpm 8.15.9/9.15.9/10.34.9): the
    root links packages/a, a's own file links ``../b`` (nothing else), b's own file locks
    kind-of 6.0.3. ``-lockfile ROOT`` read the root's and a's files and said CLEAN (a's link
    out of its folder was not followed); every mode agrees now (decision 0138)."""
    files = _files(case, NESTED)
    tree = _tree(tmp_path, files)
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(tree / "pnpm-lock.yaml"))
    assert _messages(report) == []
    assert sorted(report["scan"]["files"]) == [
        str(tree / "packages" / "a" / "pnpm-lock.yaml"),
        str(tree / "packages" / "b" / "pnpm-lock.yaml"),
        str(tree / "pnpm-lock.yaml"),
    ]
    found = [(f["lockfile"], f["package"], f["version"]) for f in report["findings"]]
    assert found == [(str(tree / "packages/b/pnpm-lock.yaml"), "kind-of", "6.0.3")]
    assert code == 2
    for mode, (code, report) in every_mode(tmp_path / "modes", files, RULES).items():
        assert _messages(report) == [], mode
        placed = [(tree_relative(f["lockfile"]), f["package"]) for f in report["findings"]]
        assert placed == [("packages/b/pnpm-lock.yaml", "kind-of")], mode
        assert code == 2, mode


def test_lockfile_of_a_root_holding_packages_reads_the_linked_member_s_own_file(
    tmp_path: Path,
) -> None:
    """``realtools/pnpm9-per-project`` (pnpm 9.15.9): the root's file locks is-number and links
    packages/left-pad, whose own file locks kind-of 6.0.3. ``-lockfile ROOT`` followed only a
    links-only root's links: CLEAN (decision 0138)."""
    tree = _tree(tmp_path, _files("pnpm9-per-project"))
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(tree / "pnpm-lock.yaml"))
    assert _messages(report) == []
    found = [(f["lockfile"], f["package"], f["version"]) for f in report["findings"]]
    assert found == [(str(tree / MEMBER), "kind-of", "6.0.3")]
    assert code == 2


@pytest.mark.parametrize("case", ["pnpm8", "pnpm9", "pnpm10"])
def test_a_linked_member_s_own_file_out_of_the_folder_scanned_is_an_error(
    tmp_path: Path, case: str
) -> None:
    """A ``link:`` is followed to a pnpm-lock.yaml inside the folder the scan started from
    only: ``-lockfile packages/a/pnpm-lock.yaml`` (or ``-dir packages/a``) does not read
    ``../b``'s, which locks the kind-of 6.0.3 a runs through b. It said CLEAN; it is an error
    naming the file not read now, and naming that file too reads it (decision 0149)."""
    tree = _tree(tmp_path, _files(case, NESTED))
    member = str(tree / "packages" / "a" / "pnpm-lock.yaml")
    for args in (["-lockfile", member], ["-dir", str(tree / "packages" / "a")]):
        code, report = scan_report(tmp_path, RULES, *args)
        messages = [e["message"] for e in report["errors"]]
        assert len(messages) == 1, args
        assert messages[0].startswith(
            "a linked project's own pnpm-lock.yaml (../b/pnpm-lock.yaml, from this file's"
            " folder) is out of the folder scanned: not read"
        ), args
        assert report["findings"] == [], args
        assert code == 1, args
    sibling = str(tree / "packages" / "b" / "pnpm-lock.yaml")
    code, report = scan_report(tmp_path, RULES, "-lockfile", member, "-lockfile", sibling)
    assert report["errors"] == []
    assert [f["package"] for f in report["findings"]] == ["kind-of"]
    assert code == 2


def test_a_link_out_of_the_folder_to_a_folder_without_its_own_file_stays_read_whole(
    tmp_path: Path,
) -> None:
    """Only a linked folder holding a pnpm-lock.yaml of its own is an error when not read: a
    link out of the folder scanned to one without (another project's, decision 0130) is not."""
    files = {k: v for k, v in _files("pnpm9", NESTED).items() if k != "packages/b/pnpm-lock.yaml"}
    tree = _tree(tmp_path, files)
    code, report = scan_report(
        tmp_path, RULES, "-lockfile", str(tree / "packages" / "a" / "pnpm-lock.yaml")
    )
    assert report["errors"] == []
    assert code == 0


@pytest.mark.parametrize("first", ["root", "member"])
def test_lockfile_root_and_member_read_each_file_once_as_far_as_the_root_reaches(
    tmp_path: Path, first: str
) -> None:
    """``-lockfile ROOT -lockfile packages/a/pnpm-lock.yaml`` (either order): a's file is
    followed as far as the root's folder allows (to ``../b``), each file read once. Followed
    only as far as a's own folder (the member named, so already read), b's was never read:
    CLEAN (decision 0138)."""
    tree = _tree(tmp_path, _files("pnpm9", NESTED))
    root, member = str(tree / "pnpm-lock.yaml"), str(tree / "packages" / "a" / "pnpm-lock.yaml")
    named = [root, member] if first == "root" else [member, root]
    code, report = scan_report(tmp_path, RULES, "-lockfile", named[0], "-lockfile", named[1])
    assert _messages(report) == []
    assert sorted(report["scan"]["files"]) == sorted(
        [member, str(tree / "packages" / "b" / "pnpm-lock.yaml"), root]
    )
    found = [(f["lockfile"], f["package"]) for f in report["findings"]]
    assert found == [(str(tree / "packages/b/pnpm-lock.yaml"), "kind-of")]
    assert code == 2


SKIPPED = Path(__file__).parent / "fixtures" / "pnpm-per-project-skipped-folder"


def test_a_member_in_a_folder_the_git_listing_skips_is_never_clean(tmp_path: Path) -> None:
    """``fixtures/pnpm-per-project-skipped-folder`` (generate.sh, pnpm 9.15.9): the root locks
    is-number and links app in .cache/app, whose own file locks kind-of 6.0.3. -dir and
    -image read it; -git and -inventory list no lockfile under .cache and read the root
    CLEAN. The root is refused there now, naming the folder (decision 0138)."""
    files = _files(SKIPPED.name, SKIPPED.parent)
    for mode, (code, report) in every_mode(tmp_path, files, RULES, inventory_dir=True).items():
        messages = _messages(report)
        if mode in {"-dir", "-image"}:
            assert messages == [], mode
            found = [(tree_relative(f["lockfile"]), f["package"]) for f in report["findings"]]
            assert found == [(".cache/app/pnpm-lock.yaml", "kind-of")], mode
            assert code == 2, mode
        else:
            assert [path for path, _m in messages] == ["pnpm-lock.yaml"], mode
            assert "in a folder (.cache) no listing" in messages[0][1], mode
            assert code == 1, mode
    tree = _tree(tmp_path / "lockfile", files)
    code, report = scan_report(tmp_path, RULES, "-lockfile", str(tree / "pnpm-lock.yaml"))
    assert _messages(report) == []
    assert code == 2
