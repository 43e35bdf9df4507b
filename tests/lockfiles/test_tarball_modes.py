"""A yarn ``file:`` tarball under an alias (``"local-escape": "file:vendor/escape-html-1.0.3.tgz"``:
yarn 1 and berry lock it by the dependency's name only) read in every mode from where the mode
has the project's files (decision 0091): ``-git`` and ``inventory add`` from the same commit's
tree, ``-image`` from the merged layers, as ``-dir`` reads it beside the lockfile. The entry is
then the package its package.json names, and stays an error only where the tarball is not
there, damaged, a link or outside the lockfile's folder.

The projects are ``newest/yarn1`` and ``newest/yarn4`` (made by yarn 1.22.22 and 4.18.1:
``newest/generate.sh``), committed by the real ``git`` under ``y1/`` and ``y4/``.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gouvernante.cli.scan import builtin_rules_dir
from gouvernante.gitscan import GitScanRequest, run_git_scan
from gouvernante.inventory import evaluate as inventory_evaluate
from gouvernante.inventory.record import add
from gouvernante.model import LockfileGraph, ScanIssue
from gouvernante.pipeline import run_image_scan
from gouvernante.rules.index import build_index
from gouvernante.rules.pack import load_pack
from gouvernante.rules.ruleset import RuleSet
from helpers import docker_save, tar_bytes
from lockfiles.test_newest_tools import _ruleset as newest_ruleset
from realworld.harness import _GIT_ENV

NEWEST = Path(__file__).parent / "newest"
PROJECTS = {"y1": "yarn1", "y4": "yarn4"}
TARBALL = "vendor/escape-html-1.0.3.tgz"
NOT_READ = "is locked from a local tarball"
ESCAPE = [("escape-html", "1.0.3")]


def _ruleset(tmp_path: Path) -> RuleSet:
    return newest_ruleset(tmp_path, [("escape-html", "=1.0.3")])


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, env=_GIT_ENV, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def _repo(tmp_path: Path) -> Path:
    """Both projects in one commit on ``main``."""
    repo = tmp_path / "repo"
    for folder, case in PROJECTS.items():
        shutil.copytree(NEWEST / case / "tree", repo / folder)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "projects with a vendored tarball")
    return repo


def _git_scan(repo: Path, ruleset: RuleSet, *, history: bool = False) -> tuple[list, list]:  # type: ignore[type-arg]
    out = run_git_scan(
        GitScanRequest(paths=(str(repo),), history=history, workers=1),
        ruleset.rules,
        build_index(ruleset.rules),
    )
    return out.findings, out.errors


def _inventory(repo: Path, tmp_path: Path, ruleset: RuleSet) -> tuple[list, list]:  # type: ignore[type-arg]
    database = str(tmp_path / "inventory.db")
    summary = add(database, [str(repo)], workers=1)
    assert not summary.errors, summary.errors
    asked = inventory_evaluate.InventoryRequest(database)
    out = inventory_evaluate.evaluate(asked, ruleset.rules, build_index(ruleset.rules))
    return out.findings, out.errors


def _found(findings: list) -> list[tuple[str, str, str]]:  # type: ignore[type-arg]
    return sorted((f.ref or "", f.package, f.version) for f in findings)


def _unread(errors: list[ScanIssue]) -> list[str]:
    """The places of the tarball errors, ``<ref>:<lockfile>``."""
    return sorted(e.path.partition("@")[2] for e in errors if NOT_READ in e.message)


def test_git_reads_the_tarball_from_the_same_commit(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    findings, errors = _git_scan(repo, _ruleset(tmp_path))
    assert errors == []
    assert sorted((f.lockfile, f.package, f.version) for f in findings) == [
        ("y1/yarn.lock", "escape-html", "1.0.3"),
        ("y4/yarn.lock", "escape-html", "1.0.3"),
    ]


def test_the_bundled_pack_has_no_error_for_the_tarball(tmp_path: Path) -> None:
    """4 of the pack's rules apply at any version: each such entry was an error outside -dir."""
    repo = _repo(tmp_path)
    pack = load_pack(builtin_rules_dir())
    assert _git_scan(repo, pack)[1] == []
    assert _inventory(repo, tmp_path, pack)[1] == []


def test_a_tarball_deleted_later_is_an_error_at_that_commit_only(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _git(repo, "branch", "before")
    _git(repo, "rm", "-q", f"y1/{TARBALL}")
    _git(repo, "commit", "-q", "-m", "the tarball gone from y1")
    ruleset = _ruleset(tmp_path)
    for findings, errors in (
        _git_scan(repo, ruleset),
        _inventory(repo, tmp_path, ruleset),
    ):
        assert _unread(errors) == ["main:y1/yarn.lock"]
        assert _found(findings) == [
            ("before", "escape-html", "1.0.3"),
            ("before", "escape-html", "1.0.3"),
            ("main", "escape-html", "1.0.3"),
        ]


def test_history_reads_each_past_lockfile_with_the_tarballs_of_its_commit(tmp_path: Path) -> None:
    """-history reads a past lockfile with the tarballs of the commit that brought it: no error
    for a past yarn.lock whose tarball was there; one for the past state without it."""
    repo = _repo(tmp_path)
    for folder in PROJECTS:
        lock = repo / folder / "yarn.lock"
        lock.write_text(lock.read_text() + "\n")
    _git(repo, "commit", "-q", "-am", "lockfiles touched")
    findings, errors = _git_scan(repo, _ruleset(tmp_path), history=True)
    assert errors == []
    assert {(f.package, f.version) for f in findings} == set(ESCAPE)
    assert all(f.introduced_commit is not None for f in findings)
    # the tarball gone, then the lockfile changed: that past state has the error
    _git(repo, "rm", "-q", f"y4/{TARBALL}")
    _git(repo, "commit", "-q", "-m", "gone")
    lock = repo / "y4" / "yarn.lock"
    lock.write_text(lock.read_text() + "\n")
    _git(repo, "commit", "-q", "-am", "y4 lockfile touched")
    lock.write_text(lock.read_text().rstrip("\n") + "\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "y4 lockfile as before")
    findings, errors = _git_scan(repo, _ruleset(tmp_path), history=True)
    unread = [e for e in errors if NOT_READ in e.message]
    assert len(unread) == 2, errors  # the head, and the past state between
    assert sum("in the history at commit" in e.message for e in unread) == 1
    assert all(e.path.endswith("y4/yarn.lock") for e in unread)


@pytest.mark.parametrize(
    "state", ["damaged", "a symbolic link", "a folder", "outside the folder", "too big"]
)
def test_a_tarball_not_read_stays_an_error(tmp_path: Path, state: str) -> None:
    repo = _repo(tmp_path)
    for folder in PROJECTS:
        tarball = repo / folder / TARBALL
        tarball.unlink()
        if state == "damaged":
            tarball.write_bytes(b"not gzip")
        elif state == "a symbolic link":
            tarball.symlink_to("../package.json")
        elif state == "a folder":
            tarball.mkdir()
            (tarball / "package.json").write_text('{"name": "escape-html", "version": "1.0.3"}')
        elif state == "too big":
            tarball.write_bytes(_big_manifest())
        else:  # the lockfile names a tarball above its folder (the same bytes)
            (repo / "escape-html-1.0.3.tgz").write_bytes(
                (NEWEST / "yarn1" / "tree" / TARBALL).read_bytes()
            )
            for name in ("yarn.lock", "package.json"):
                path = repo / folder / name
                path.write_text(path.read_text().replace(f"file:{TARBALL}", "file:../x.tgz"))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", state)
    ruleset = _ruleset(tmp_path)
    for findings, errors in (_git_scan(repo, ruleset), _inventory(repo, tmp_path, ruleset)):
        assert findings == [], state
        assert _unread(errors) == ["main:y1/yarn.lock", "main:y4/yarn.lock"], state
        # one rule: "R names", not "R name"
        assert all(
            "names a package at this entry's version" in e.message
            for e in errors
            if NOT_READ in e.message
        ), state


def _big_manifest() -> bytes:
    """A packed package whose package.json is over the 1 MiB read (valid JSON, blank-padded)."""
    body = b'{"name": "escape-html", "version": "1.0.3"}' + b" " * (1024 * 1024)
    return gzip.compress(tar_bytes({"package/package.json": body}))


def _layer(folder: str, case: str, *, tarball: bool = True) -> dict[str, bytes]:
    tree = NEWEST / case / "tree"
    return {
        f"{folder}/{f.relative_to(tree).as_posix()}": f.read_bytes()
        for f in sorted(tree.rglob("*"))
        if f.is_file() and (tarball or not f.name.endswith(".tgz"))
    }


def test_an_image_reads_the_tarball_from_its_layers(tmp_path: Path) -> None:
    """The tarball read from the merged layers (written by another layer than the lockfile's);
    one a later layer deletes is an error."""
    projects = {f"app/{folder}": case for folder, case in PROJECTS.items()}
    lockfiles = {
        path: data
        for folder, case in projects.items()
        for path, data in _layer(folder, case, tarball=False).items()
    }
    tarballs = {
        f"{folder}/{TARBALL}": (NEWEST / case / "tree" / TARBALL).read_bytes()
        for folder, case in projects.items()
    }
    ruleset = _ruleset(tmp_path)
    image = docker_save(tmp_path / "image.tar", [tarballs, lockfiles])
    result = run_image_scan((str(image),), ruleset)
    assert list(result.errors) == []
    assert sorted((f.lockfile, f.package, f.version) for f in result.findings) == [
        ("/app/y1/yarn.lock", "escape-html", "1.0.3"),
        ("/app/y4/yarn.lock", "escape-html", "1.0.3"),
    ]
    assert list(run_image_scan((str(image),), load_pack(builtin_rules_dir())).errors) == []
    whiteout = {f"app/y4/vendor/.wh.{TARBALL.rpartition('/')[2]}": b""}
    image = docker_save(tmp_path / "gone.tar", [tarballs, lockfiles, whiteout])
    result = run_image_scan((str(image),), ruleset)
    assert [(f.lockfile, f.package) for f in result.findings] == [
        ("/app/y1/yarn.lock", "escape-html")
    ]
    [error] = [e for e in result.errors if NOT_READ in e.message]
    assert error.path.endswith(":/app/y4/yarn.lock")


def test_a_folder_recorded_by_the_inventory_reads_the_tarball_on_disk(tmp_path: Path) -> None:
    """``inventory add -dir``: the tarball read beside the lockfile as -dir reads it; a changed
    tarball is a changed folder (its state is recorded again)."""
    tree = tmp_path / "tree"
    for folder, case in PROJECTS.items():
        shutil.copytree(NEWEST / case / "tree", tree / folder)
    ruleset = _ruleset(tmp_path)
    database = str(tmp_path / "inventory.db")

    def answer() -> tuple[list[tuple[str, str]], list[str]]:
        summary = add(database, [], dirs=[str(tree)], workers=1)
        assert not summary.errors, summary.errors
        asked = inventory_evaluate.InventoryRequest(database)
        out = inventory_evaluate.evaluate(asked, ruleset.rules, build_index(ruleset.rules))
        found = sorted((f.lockfile or "", f.package or "") for f in out.findings)
        return found, sorted(e.path.rpartition(":")[2] for e in out.errors)

    assert answer() == ([("y1/yarn.lock", "escape-html"), ("y4/yarn.lock", "escape-html")], [])
    (tree / "y4" / TARBALL).write_bytes(b"not gzip")
    assert answer() == ([("y1/yarn.lock", "escape-html")], ["y4/yarn.lock"])


def test_an_image_parses_each_yarn_lock_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A yarn.lock naming ``file:`` tarballs was parsed to find them (``tarball_files``, before
    the image's second read) and again to be matched: now the first parse is what is matched
    (decision 0106); same findings, and a damaged one gives its error once, as before."""
    from gouvernante.image import scan as image_scan
    from gouvernante.lockfiles import parse_bytes as real

    parsed: list[str] = []

    def counted(
        data: bytes, path: str, name: str, own_lockfile: Callable[[str], bool] | None = None
    ) -> LockfileGraph:
        parsed.append(path)
        return real(data, path, name, own_lockfile=own_lockfile)

    monkeypatch.setattr(image_scan, "parse_bytes", counted)
    projects = {f"app/{folder}": case for folder, case in PROJECTS.items()}
    files = {
        path: data
        for folder, case in projects.items()
        for path, data in _layer(folder, case).items()
    }
    files["app/bad/yarn.lock"] = b'"a@file:x.tgz":\n  version "\xff"\n'  # not UTF-8
    image = docker_save(tmp_path / "image.tar", [files])
    result = run_image_scan((str(image),), _ruleset(tmp_path))
    locks = sorted(p for p in parsed if p.endswith("yarn.lock"))
    assert [p.partition(":/")[2] for p in locks] == [
        "app/bad/yarn.lock",
        "app/y1/yarn.lock",
        "app/y4/yarn.lock",
    ]
    assert sorted((f.lockfile, f.package, f.version) for f in result.findings) == [
        ("/app/y1/yarn.lock", "escape-html", "1.0.3"),
        ("/app/y4/yarn.lock", "escape-html", "1.0.3"),
    ]
    assert [(e.path.partition(":/")[2], e.message) for e in result.errors] == [
        ("app/bad/yarn.lock", "byte 27: not valid UTF-8")
    ]
