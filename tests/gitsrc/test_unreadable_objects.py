"""Objects a repository cannot give (a partial clone's blobs never fetched, a damaged loose
object): each is an error naming its path, nothing is fetched, and the objects read after it
are read (decision 0115)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitsrc.gitrepo import GIT_ENV, Repo, lockfile, write_rules
from gouvernante.cli import main
from gouvernante.errors import SourceError
from gouvernante.sources import git as gitsource
from gouvernante.sources.git import ObjectStore, repository_at


def _scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = main([*args, "-json"])
    return code, json.loads(capsys.readouterr().out)


def _damage_loose(repo: Repo, oid: str) -> None:
    """The loose object ``oid`` with its zlib stream cut (git: 'inflate: data stream error')."""
    path = repo.path / ".git" / "objects" / oid[:2] / oid[2:]
    data = path.read_bytes()
    path.chmod(0o644)
    path.write_bytes(data[: len(data) // 2] + bytes(b ^ 0xFF for b in data[len(data) // 2 :]))


def test_a_damaged_object_does_not_cost_the_objects_after_it(tmp_path: Path) -> None:
    r = Repo(tmp_path / "w")
    r.write("a/package-lock.json", lockfile("4.4.1", "a"))
    r.write("b/package-lock.json", lockfile("4.4.2", "b"))
    r.commit("two projects")
    bad, good = r.head("HEAD:a/package-lock.json"), r.head("HEAD:b/package-lock.json")
    _damage_loose(r, bad)
    repo = repository_at(str(r.path), "w")
    assert repo is not None
    with ObjectStore(repo) as store:
        first, second, again = store.read_many([bad, good, bad], "blob", 1 << 20)
    assert isinstance(first, SourceError) and isinstance(again, SourceError)
    assert f"object {bad}" in first.detail and "damaged" in first.detail
    assert second == (r.path / "b" / "package-lock.json").read_bytes()


def _partial_clone(tmp_path: Path) -> tuple[Path, Path]:
    """A clone made with --filter=blob:none from a local repository that still exists: main's
    blobs fetched by its checkout, tag v0's lockfile never fetched."""
    origin = Repo(tmp_path / "origin")
    origin.write("web/package-lock.json", lockfile("4.4.3", "web"))
    origin.commit("web")
    origin.git("tag", "v0")
    origin.git("rm", "-q", "-r", "web")
    origin.write("package-lock.json", lockfile("4.4.2"))
    origin.commit("top")
    origin.git("config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    subprocess.run(
        [
            *("git", "-c", "protocol.file.allow=always", "clone", "-q", "--filter=blob:none"),
            *(f"file://{origin.path}", str(clone)),
        ],
        check=True,
        capture_output=True,
        env={**GIT_ENV, "HOME": str(tmp_path)},
    )
    missing = subprocess.run(
        ["git", "rev-list", "--objects", "--missing=print", "--all"],
        cwd=clone,
        env={**GIT_ENV, "GIT_NO_LAZY_FETCH": "1"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert [m for m in missing if m.startswith("?")], "the clone holds every blob"
    return origin.path, clone


def test_a_partial_clone_missing_blob_is_an_error_and_nothing_is_fetched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _origin, clone = _partial_clone(tmp_path)
    trace = tmp_path / "git-trace.txt"
    plain = gitsource.git_environment

    def traced(gitdir: str) -> dict[str, str]:
        return {**plain(gitdir), "GIT_TRACE": str(trace)}

    monkeypatch.setattr(gitsource, "git_environment", traced)
    rules = write_rules(tmp_path)
    for mode in ((), ("-history",)):
        code, report = _scan(capsys, "-rules", str(rules), "-git", str(clone), *mode)
        assert code == 2  # main's lockfile (debug 4.4.2) is read and found
        assert {f["ref"] for f in report["findings"]} >= {"main"}
        errors = {e["path"]: e["message"] for e in report["errors"]}
        missing = f"{clone}@tags/v0:web/package-lock.json"
        assert missing in errors, errors
        assert "not in this partial clone" in errors[missing]
    assert trace.exists()
    assert " fetch" not in trace.read_text(encoding="utf-8", errors="replace")


def test_a_partial_clone_in_the_inventory_is_an_error_not_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _origin, clone = _partial_clone(tmp_path)
    rules = write_rules(tmp_path)
    db = str(tmp_path / "inv.sqlite")
    assert main(["inventory", "add", "-db", db, "-git", str(clone)]) == 0
    capsys.readouterr()
    code, report = _scan(capsys, "-rules", str(rules), "-inventory", db, "-ref", "tags/*")
    assert code == 1
    assert report["findings"] == []
    assert any(e["path"].endswith("@tags/v0:web/package-lock.json") for e in report["errors"]), (
        report["errors"]
    )


def test_git_calls_never_fetch_lazily() -> None:
    assert gitsource.git_environment(os.devnull)["GIT_NO_LAZY_FETCH"] == "1"


def test_refs_git_ignores_are_named_not_skipped_silently(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """for-each-ref leaves out a symbolic ref in a loop, one naming no ref and a ref file that
    holds no object id ('warning: ignoring broken ref'): each is a note naming it."""
    r = Repo(tmp_path / "w")
    r.write("package-lock.json", lockfile("4.4.2"))
    r.commit("init")
    r.git("symbolic-ref", "refs/heads/loop1", "refs/heads/loop2")
    r.git("symbolic-ref", "refs/heads/loop2", "refs/heads/loop1")
    r.git("symbolic-ref", "refs/heads/dangling", "refs/heads/nowhere")
    r.git("symbolic-ref", "refs/heads/fine", "refs/heads/main")
    (r.path / ".git" / "refs" / "tags" / "junk").write_text("not an id\n", encoding="utf-8")
    code, report = _scan(capsys, "-rules", str(write_rules(tmp_path)), "-git", str(r.path))
    assert code == 2
    assert {f["ref"] for f in report["findings"]} == {"main"}
    ignored = sorted(
        n["path"].rpartition("@")[2] for n in report["notes"] if "a ref git ignores" in n["message"]
    )
    assert ignored == ["dangling", "loop1", "loop2", "tags/junk"]


# What git-lfs 3 writes in place of a file it tracks, and the header git-crypt 0.7 puts before
# a file it encrypts (then a 12-byte nonce and the AES-CTR stream): the bytes of neither are a
# lockfile, and each mode says which one it met.
LFS_POINTER = (
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    "size 18234\n"
)
GIT_CRYPT = b"\x00GITCRYPT\x00" + bytes(range(12)) + bytes(range(255, 0, -1)) * 8
NAMES = ("package-lock.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "package.json")


def test_lfs_pointers_and_git_crypt_files_are_refused_by_name_in_every_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r = Repo(tmp_path / "w")
    for name in NAMES:
        r.write(f"lfs/{name.split('.')[0]}/{name}", LFS_POINTER)
        r.write(f"crypt/{name.split('.')[0]}/{name}", GIT_CRYPT)
    r.commit("pointers and ciphertext")
    rules = str(write_rules(tmp_path))
    db = str(tmp_path / "inv.sqlite")
    assert main(["inventory", "add", "-db", db, "-git", str(r.path)]) == 0
    capsys.readouterr()
    for mode in (
        ("-git", str(r.path)),
        ("-git", str(r.path), "-history"),
        ("-inventory", db),
        ("-dir", str(r.path), "-recursive"),
    ):
        code, report = _scan(capsys, "-rules", rules, *mode)
        assert code == 1, mode
        said = {e["path"].rpartition(":")[2]: e["message"] for e in report["errors"]}
        said = {p.removeprefix(f"{r.path}/"): m for p, m in said.items()}
        for name in NAMES:
            folder = name.split(".")[0]
            assert "a git LFS pointer" in said[f"lfs/{folder}/{name}"], (mode, said)
            assert "encrypted by git-crypt" in said[f"crypt/{folder}/{name}"], (mode, said)
