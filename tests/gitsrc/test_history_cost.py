"""-history's cost follows what each commit changes (decision 0073). Before, every commit whose
tree held a manifest a rule may hit placed and judged every lockfile and manifest of the tree
again (``snapshot_findings`` per commit): members x commits, 18 s for 200 workspace members
over 800 commits. Now a commit re-judges the files it changed, and builds the tree's context
(catalogs, lockfiles, project facts) again only when a commit changes it. The outcome must
not change: it is compared here with the old walk (a full ``snapshot_findings`` per commit)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gitsrc.gitrepo import Repo, lockfile, write_rules
from gouvernante import gitscan
from gouvernante.gitscan import (
    GitScanOutput,
    GitScanRequest,
    HitKey,
    Snapshot,
    run_git_scan,
    snapshot_findings,
)
from gouvernante.model import Finding, FindingType
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rule_files

T0 = 1788868800 - 5 * 86400  # five days before the test rule's published_at


class _Rescan(gitscan._Declared):
    """Every commit's tree placed whole, as -history did before."""

    def hits(self, ref: str, commit: str, when: int) -> dict[HitKey, Finding]:
        if self.index is None:
            return {}
        files = tuple(self.tree.values())
        outcomes = [self.outcomes.get(gitscan.BlobKey.of(f)) for f in files]
        matches = [o.match if o is not None else None for o in outcomes]
        if not any(m is not None and (m.declared or m.catalog_refs) for m in matches):
            return {}
        snap = Snapshot(self.repository, ref, commit, when, files)
        placed = snapshot_findings(snap, self.outcomes, (), None, self.index)
        found: dict[HitKey, Finding] = {}
        for f in placed.findings:
            if f.declared_range is not None:
                found.setdefault(gitscan._hit_key(f), f)
        return found


def _scan(tmp_path: Path, repo: Repo, since: int | None = None) -> GitScanOutput:
    ruleset, errors = load_rule_files([str(write_rules(tmp_path))])
    assert errors == []
    request = GitScanRequest((str(repo.path),), history=True, since=since, workers=1)
    return run_git_scan(request, ruleset.rules, build_index(ruleset.rules))


def _member(name: str, debug: str, extra: int) -> str:
    deps = {"debug": debug, "left-pad": f"^1.{extra}.0"}
    return json.dumps({"name": name, "version": f"1.0.{extra}", "dependencies": deps})


def _workspace_repo(path: Path, seed: int, commits: int) -> Repo:  # noqa: C901 - a script
    """A monorepo whose commits change members' ranges, pnpm, bun and yarn catalogs, a
    lockfile, members' names (project facts), and rename and delete member folders."""
    rng = random.Random(seed)
    r = Repo(path, start=T0)
    members = {f"pn/packages/m{i}": f"m{i}" for i in range(6)}
    members |= {f"bun/packages/b{i}": f"b{i}" for i in range(4)}
    members |= {f"yr/packages/y{i}": f"y{i}" for i in range(4)}
    specs = ["catalog:", "4.4.1", "4.4.2", "4.4.3", "catalog:", "~4.4.3"]
    r.write("pn/pnpm-workspace.yaml", "packages:\n  - 'packages/*'\ncatalog:\n  debug: 4.4.1\n")
    root = {"name": "bunroot", "workspaces": {"packages": ["packages/*"]}}
    r.write("bun/package.json", json.dumps(root | {"catalog": {"debug": "4.4.1"}}))
    r.write("yr/package.json", json.dumps({"name": "yr", "workspaces": ["packages/*"]}))
    r.write("yr/.yarnrc.yml", "catalog:\n  debug: 4.4.1\n")
    r.write("legacy/package.json", json.dumps({"name": "legacy", "dependencies": {"debug": "^4"}}))
    r.write("legacy/package-lock.json", lockfile("4.4.1", "legacy"))
    # an npm workspace whose lockfile resolves no debug: a member's pin of it is a finding,
    # unless another member is named debug (then a workspace: a note)
    r.write("ws/package.json", json.dumps({"name": "ws", "workspaces": ["packages/*"]}))
    lock = {"name": "ws", "lockfileVersion": 3, "packages": {"": {"name": "ws"}}}
    r.write("ws/package-lock.json", json.dumps(lock))
    r.write("ws/packages/a/package.json", _member("a", "4.4.1", 0))
    r.write("ws/packages/c/package.json", _member("c", "4.4.1", 0))
    for folder, name in members.items():
        r.write(f"{folder}/package.json", _member(name, "catalog:", 0))
    r.commit("init")
    # the name alone decides: a's pin is a finding, not while c is named debug
    for name, pin in (("c", "4.4.2"), ("debug", "4.4.2"), ("c", "4.4.2"), ("c", "4.4.1")):
        r.write("ws/packages/a/package.json", _member("a", pin, 0))
        r.write("ws/packages/c/package.json", _member(name, "4.4.1", 0))
        r.commit(f"ws: c named {name}, a pins {pin}")
    for n in range(1, commits):
        what = rng.randrange(13)
        folder = rng.choice(sorted(members))
        if what <= 3:  # a member's ranges
            r.write(f"{folder}/package.json", _member(members[folder], rng.choice(specs), n))
        elif what == 4:  # a catalog
            debug = rng.choice(["4.4.1", "4.4.2"])
            kind = rng.randrange(3)
            if kind == 0:
                r.write(
                    "pn/pnpm-workspace.yaml",
                    f"packages:\n  - 'packages/*'\ncatalog:\n  debug: {debug}\n",
                )
            elif kind == 1:
                r.write("bun/package.json", json.dumps(root | {"catalog": {"debug": debug}}))
            else:
                r.write("yr/.yarnrc.yml", f"catalog:\n  debug: {debug}\n")
        elif what == 5:  # the lockfile
            r.write("legacy/package-lock.json", lockfile(rng.choice(["4.4.1", "4.4.2"]), "legacy"))
        elif what == 6:  # a rename
            moved = f"{folder}-r{n}"
            r.git("mv", folder, moved)
            members[moved] = members.pop(folder)
        elif what == 7 and len(members) > 4:  # a deletion
            r.git("rm", "-q", "-r", folder)
            del members[folder]
        elif what == 8:  # a name (a project fact: a workspace named debug is no registry one)
            members[folder] = rng.choice(["debug", f"x{n}"])
            r.write(f"{folder}/package.json", _member(members[folder], rng.choice(specs), n))
        elif what == 9:  # everything fixed (the windows close)
            for each, name in members.items():
                r.write(f"{each}/package.json", _member(name, "catalog:", n))
            r.write(
                "pn/pnpm-workspace.yaml", "packages:\n  - 'packages/*'\ncatalog:\n  debug: 4.4.1\n"
            )
            r.write("bun/package.json", json.dumps(root | {"catalog": {"debug": "4.4.1"}}))
            r.write("yr/.yarnrc.yml", "catalog:\n  debug: 4.4.1\n")
            r.write("ws/packages/a/package.json", _member("a", "4.4.1", n))
        elif what == 10 and rng.randrange(2):  # the ws member's name alone
            name = "debug" if rng.randrange(2) else "c"
            r.write("ws/packages/c/package.json", _member(name, "4.4.1", 0))
        elif what == 10:  # the other ws member's pin
            r.write("ws/packages/a/package.json", _member("a", rng.choice(["4.4.1", "4.4.2"]), n))
        else:  # a new member
            base = folder.rsplit("/", 1)[0]
            members[f"{base}/n{n}"] = f"n{n}"
            r.write(f"{base}/n{n}/package.json", _member(f"n{n}", rng.choice(specs), n))
        r.commit(f"commit {n}")
    return r


def _shown(out: GitScanOutput) -> tuple[list[Any], list[Any], list[Any]]:
    return (
        [
            (
                f.type,
                f.lockfile,
                f.declared_range,
                f.commit,
                f.introduced_commit,
                f.removed_commit,
                f.description,
            )
            for f in out.findings
        ],
        out.errors,
        out.notes,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_reuse_changes_no_finding_error_or_note(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _workspace_repo(tmp_path / "work", seed, 36)
    past: list[Finding] = []
    for since in (None, T0 + 10 * 3600):
        new = _scan(tmp_path, repo, since)
        with monkeypatch.context() as m:
            m.setattr(gitscan, "_Declared", _Rescan)
            old = _scan(tmp_path, repo, since)
        assert _shown(new) == _shown(old)
        assert new.findings == old.findings
        past += [f for f in new.findings if f.type is FindingType.PAST_PACKAGE and f.declared_range]
    assert past, "the repository's history has past declared findings"


def _counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    calls = [0]
    real: Callable[..., Any] = getattr(gitscan, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(gitscan, name, counted)
    return calls


def _ranges_only_repo(path: Path, members: int, commits: int) -> Repo:
    r = Repo(path, start=T0)
    r.write("pnpm-workspace.yaml", "packages:\n  - 'packages/*'\ncatalog:\n  debug: 4.4.1\n")
    for i in range(members):
        r.write(f"packages/m{i}/package.json", _member(f"m{i}", "catalog:", 0))
    r.commit("init")
    for n in range(1, commits):  # a member pins the affected release, the next commit fixes it
        i = ((n - 1) // 2) % members
        spec = "4.4.2" if n % 2 else "catalog:"
        r.write(f"packages/m{i}/package.json", _member(f"m{i}", spec, n))
        r.commit(f"commit {n}")
    return r


def _blobs(repo: Repo) -> Iterator[str]:
    for line in repo.git("log", "--raw", "--no-abbrev", "--format=").splitlines():
        yield line.split()[3]


def test_each_commit_places_what_it_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    members, commits = 30, 24
    repo = _ranges_only_repo(tmp_path / "work", members, commits)
    placed = _counting(monkeypatch, "with_workspace_catalogs")
    parsed = _counting(monkeypatch, "parse_blob_catalogs")
    out = _scan(tmp_path, repo)
    assert out.errors == []
    assert any(f.type is FindingType.PAST_PACKAGE for f in out.findings)
    # each distinct blob parsed once (not members x commits)
    distinct = len(set(_blobs(repo)))
    assert parsed[0] == distinct == out.blobs_parsed == members + 1 + commits - 1
    # the head placed once, the history's context once, then the file each commit changed
    # (before: every file of the tree at every commit, 31 x 24 = 744)
    assert placed[0] <= 2 * (members + 1) + commits
