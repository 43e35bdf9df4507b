"""A repository's own settings and odd objects must not hide a lockfile (the red team's -git
round of 2026-12-06): a folder written with the zero-padded mode ``040000`` (git checks it out,
fsck only warns) was never entered; ``log.showRoot=false`` dropped the commit that added a
lockfile from -history, ``core.worktree`` made every lockfile pathspec relative to ``.git/``,
and ``info/grafts`` rewrote the history; a shallow clone's -history said nothing of its cut.
And memory: a 1 GB tree object (a few MB on disk) was parsed whole before the entry cap, and 32
blobs of 500 MiB were held at once."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitsrc.gitrepo import Repo, lockfile, mirror, write_rules
from gouvernante.errors import SourceError
from gouvernante.gitscan import GitScanRequest, run_git_scan
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rule_files
from gouvernante.sources import git as gitsrc

T0 = 1788868800


def _scan(
    tmp_path: Path, path: Path, *, history: bool = False, recursive: bool = False
) -> tuple[list[str], list[str]]:
    """(finding types and lockfiles, error messages) of -git on ``path``."""
    ruleset, errors = load_rule_files([str(write_rules(tmp_path))])
    assert errors == []
    out = run_git_scan(
        GitScanRequest((str(path),), history=history, recursive=recursive),
        ruleset.rules,
        build_index(ruleset.rules),
    )
    found = [f"{f.type.value} {f.lockfile}" for f in out.findings]
    return found, [e.message for e in out.errors] + [f"note: {n.message}" for n in out.notes]


def _git(repo: Path, *args: str, data: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], input=data, capture_output=True, check=True
    )
    return done.stdout.decode().strip()


def _tree(repo: Path, entries: list[tuple[str, str, str]]) -> str:
    raw = b"".join(
        mode.encode() + b" " + name.encode() + b"\0" + bytes.fromhex(oid)
        for mode, name, oid in sorted(entries, key=lambda e: e[1])
    )
    return _git(repo, "hash-object", "-t", "tree", "--literally", "-w", "--stdin", data=raw)


@pytest.mark.parametrize(
    ("folder_mode", "file_mode"),
    [("040000", "100644"), ("40000", "100664"), ("40000", "0100644"), ("40000", "100775")],
)
def test_modes_git_reads_as_folders_and_files(
    tmp_path: Path, folder_mode: str, file_mode: str
) -> None:
    repo = tmp_path / "r.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(repo)], check=True)
    lock = _git(repo, "hash-object", "-w", "--stdin", data=lockfile("4.4.2").encode())
    app = _tree(repo, [(file_mode, "package-lock.json", lock)])
    root = _tree(repo, [(folder_mode, "app", app)])
    env = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a"}
    env |= {"GIT_COMMITTER_EMAIL": "a@b", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    commit = (
        subprocess.run(
            ["git", "-C", str(repo), "commit-tree", root, "-m", "c"],
            capture_output=True,
            check=True,
            env=env,
        )
        .stdout.decode()
        .strip()
    )
    _git(repo, "update-ref", "refs/heads/main", commit)
    # git itself reads it as a folder holding a regular file
    listed = _git(repo, "ls-tree", "-r", "main")
    assert listed.endswith("app/package-lock.json") and listed.startswith("100")
    found, errors = _scan(tmp_path, repo)
    assert (found, errors) == (["package app/package-lock.json"], [])
    found, errors = _scan(tmp_path, repo, history=True)
    assert found == ["package app/package-lock.json"]


def _history_repo(tmp_path: Path) -> tuple[Repo, str]:
    r = Repo(tmp_path / "work")
    r.write("package-lock.json", lockfile("4.4.2"))
    added = r.commit("add", at=T0 + 3600)
    r.write("package-lock.json", lockfile("4.4.3"))
    r.commit("fix", at=T0 + 7200)
    return r, added


@pytest.mark.parametrize("setting", ["log.showRoot=false", "diff.relative=true"])
def test_history_ignores_the_repositorys_log_settings(tmp_path: Path, setting: str) -> None:
    r, _added = _history_repo(tmp_path)
    key, value = setting.split("=")
    r.git("config", key, value)
    found, _ = _scan(tmp_path, r.path, history=True)
    assert found == ["past_package package-lock.json"]


def test_history_of_a_clone_whose_worktree_is_set(tmp_path: Path) -> None:
    r, _added = _history_repo(tmp_path)
    r.git("config", "core.worktree", "..")
    found, _ = _scan(tmp_path, r.path / ".git", history=True)
    assert found == ["past_package package-lock.json"]


def test_history_ignores_grafts(tmp_path: Path) -> None:
    """A graft making the fix commit a root hides the commit that added the affected release."""
    r, _added = _history_repo(tmp_path)
    git = mirror(r.path, tmp_path / "m.git")
    fix = _git(git, "rev-parse", "main")
    (git / "info").mkdir(exist_ok=True)
    (git / "info" / "grafts").write_text(f"{fix}\n")
    assert _git(git, "rev-list", "--count", "main") == "1"  # git itself honours it
    found, _ = _scan(tmp_path, git, history=True)
    assert found == ["past_package package-lock.json"]


def test_a_shallow_clones_history_says_where_it_ends(tmp_path: Path) -> None:
    r, _added = _history_repo(tmp_path)
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{r.path}", str(shallow)], check=True
    )
    found, messages = _scan(tmp_path, shallow, history=True)
    assert found == []
    # (an error since decision 0115: the note came with a CLEAN answer the clone cannot give)
    assert any(m.startswith("a shallow clone: this ref's history is cut at") for m in messages)
    _found, messages = _scan(tmp_path, shallow)
    assert not any("shallow" in m for m in messages)  # (only -history reads the past)


def test_a_tree_object_too_big_is_refused_before_it_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = Repo(tmp_path / "work")
    for i in range(40):
        r.write(f"f{i:02}/package-lock.json", lockfile("4.4.2"))
    r.commit("many folders")
    monkeypatch.setattr(gitsrc, "MAX_TREE_BYTES", 1000)  # the root tree: 40 entries, > 1000 B
    found, errors = _scan(tmp_path, r.path)
    assert found == []
    assert any("bytes, more than the 1000 allowed" in e for e in errors)


def test_objects_are_handed_out_one_at_a_time(tmp_path: Path) -> None:
    """``read_each`` yields each object as it is read (the caller holds one at a time: 32 blobs
    of 500 MiB took 10.8 GB when a round trip was read whole), in order; a caller that stops
    early leaves the object store answering the next request right."""
    r = Repo(tmp_path / "work")
    sizes = [300, 10, 700, 50, 0, 5]
    oids = [
        _git(r.path, "hash-object", "-w", "--stdin", data=bytes([65 + i]) * size)
        for i, size in enumerate(sizes)
    ]
    with gitsrc.ObjectStore(gitsrc.Repository(str(r.path / ".git"), "work", False)) as store:
        got = list(store.read_each(oids, "blob", 1 << 20, batch=4))
        assert [len(g) for g in got if isinstance(g, bytes)] == sizes
        each = store.read_each(oids, "blob", 1 << 20, batch=4)
        assert next(each) == b"A" * 300
        each.close()  # (the three other answers of the round trip are read and dropped)
        assert store.read(oids[3], "blob", 1 << 20) == b"D" * 50
        too_big = store.read_many(oids[:3], "blob", 100)
        assert [isinstance(g, SourceError) for g in too_big] == [True, False, True]


def test_recursive_finds_every_repository_git_would_read(tmp_path: Path) -> None:
    """-git -recursive skipped, CLEAN and silent: a clone whose .git is a file (``git clone
    --separate-git-dir``), a linked worktree, a bare repository whose objects folder is a
    link, clones in folders named like ones the tree walks skip (.venv, node_modules), and
    links to repositories. Each is read now, once."""
    source = tmp_path / "source"
    src = Repo(source)
    src.write("package-lock.json", lockfile("4.4.2"))
    src.commit("affected")
    org = tmp_path / "org"
    org.mkdir()
    clone = ["git", "-c", "core.hooksPath=/dev/null", "clone", "-q"]
    subprocess.run(
        [
            *clone,
            "--separate-git-dir",
            str(tmp_path / "store.git"),
            str(source),
            str(org / "gitfile"),
        ],
        check=True,
    )
    for name in (".venv", "node_modules"):
        subprocess.run([*clone, str(source), str(org / name)], check=True)
    bare = mirror(source, tmp_path / "bare.git")
    moved = tmp_path / "objects-elsewhere"
    (bare / "objects").rename(moved)
    linked_objects = org / "linked-objects.git"
    subprocess.run(["cp", "-a", str(bare), str(linked_objects)], check=True)
    (linked_objects / "objects").symlink_to(moved)
    outside = mirror(source, tmp_path / "outside.git")
    (org / "team").mkdir()
    (org / "team" / "link.git").symlink_to(outside)
    ruleset, _errors = load_rule_files([str(write_rules(tmp_path))])
    out = run_git_scan(
        GitScanRequest((str(org),), recursive=True), ruleset.rules, build_index(ruleset.rules)
    )
    assert out.errors == []
    assert sorted({f.repository.rpartition("/")[2] for f in out.findings if f.repository}) == [
        ".venv",
        "gitfile",
        "link.git",
        "linked-objects.git",
        "node_modules",
    ]
    from gouvernante.sources.git import find_repositories

    seen = [r.display for r in find_repositories(str(org), True, lambda p, m: None)]
    assert [d.rpartition("/")[2] for d in seen] == [
        ".venv",
        "gitfile",
        "linked-objects.git",
        "node_modules",
        "link.git",
    ]


def test_a_linked_worktree_is_its_repository_read_once(tmp_path: Path) -> None:
    org = tmp_path / "org"
    r = Repo(org / "main")
    r.write("package-lock.json", lockfile("4.4.2"))
    r.commit("affected")
    r.git("worktree", "add", "-q", str(org / "wt"), "-b", "other")
    from gouvernante.sources.git import find_repositories, repository_at

    at = repository_at(str(org / "wt"), "wt")
    assert at is not None and Path(at.gitdir).resolve() == (org / "main" / ".git").resolve()
    repos = find_repositories(str(org), True, lambda p, m: None)
    assert len(repos) == 1
