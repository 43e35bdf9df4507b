"""``-git REPO -history`` on generated workspace repositories: M members x C commits, each
commit changing one or two files (a member's package.json, now and then the catalog, a
lockfile, a rename or a deletion). The history's cost should follow what each commit changes,
not members x commits (decision 0073).

    python bench/history_scan.py [--shape 50x200 --shape 200x800] [--repeat 3]
                                 [--before OLD/src] [--keep DIR]

Prints, per shape, the scan's wall time and time per commit, the ratio of each shape's
per-commit time to the first shape's, and with ``--before`` (``git archive main src | tar -x -C
OLD``) the same for that tree in the same run, and whether both JSON reports are identical.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

T0 = 1788868800 - 30 * 86400  # 30 days before the rule's published_at
RULES = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "BENCH-HISTORY-001",
            "title": "Compromised debug release (bench rule)",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "critical",
            "package_rules": [{"package_name": "debug", "affected_versions": ["=4.4.2"]}],
            "metadata": {"published_at": "2026-09-08T12:00:00Z"},
        },
        {
            "id": "BENCH-HISTORY-002",
            "title": "Compromised chalk release (bench rule)",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "critical",
            "package_rules": [{"package_name": "chalk", "affected_versions": ["=5.6.1"]}],
            "metadata": {"published_at": "2026-09-08T12:00:00Z"},
        },
    ],
}


def _load_lockfile() -> Callable[..., str]:
    """``tests/gitsrc/gitrepo.py``'s ``lockfile`` (debug and ms, npm v3), the one the git tests
    write (loaded by path: tests/ is no package)."""
    path = Path(__file__).resolve().parent.parent / "tests" / "gitsrc" / "gitrepo.py"
    spec = importlib.util.spec_from_file_location("gitrepo", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return cast("Callable[..., str]", module.lockfile)


_LOCKFILE = _load_lockfile()


def _lockfile(debug: str) -> str:
    """A small npm v3 lockfile of the ``legacy`` project (debug and ms)."""
    return _LOCKFILE(debug, name="legacy")


def _member(i: int, revision: int) -> str:
    deps = {"debug": "catalog:", "left-pad": f"^1.{revision % 4}.0"}
    if i % 7 == 0:
        deps["chalk"] = "5.6.1" if revision % 3 == 1 else "5.6.0"  # a plain pin, on and off
    doc = {"name": f"m{i:04d}", "version": f"1.0.{revision}", "dependencies": deps}
    return json.dumps(doc, indent=2) + "\n"


def _catalog(members: int, debug: str) -> str:
    return f"packages:\n  - 'packages/*'\ncatalog:\n  debug: {debug}\n  left-pad: ^1.3.0\n"


def history_commits(
    members: int, commits: int, lockfile_every: int = 25
) -> list[tuple[dict[str, str | None], int]]:
    """Each commit's changes (path -> text, None: deleted) and time: the first adds every
    member, the catalog, the root manifest and a lockfile; each later one changes a member,
    every 10th the catalog's debug (4.4.1 / 4.4.2), every ``lockfile_every``th the lockfile,
    every 40th renames a member's folder and every 60th deletes one (re-added 5 commits
    later)."""
    root = {"name": "root", "private": True, "version": "1.0.0"}
    first: dict[str, str | None] = {
        "package.json": json.dumps(root) + "\n",
        "pnpm-workspace.yaml": _catalog(members, "4.4.1"),
        "legacy/package.json": json.dumps({"name": "legacy", "dependencies": {"debug": "^4"}}),
        "legacy/package-lock.json": _lockfile("4.4.1"),
    }
    folder = {i: f"packages/m{i:04d}" for i in range(members)}
    revision = dict.fromkeys(range(members), 0)
    for i in range(members):
        first[f"{folder[i]}/package.json"] = _member(i, 0)
    out: list[tuple[dict[str, str | None], int]] = [(first, T0)]
    deleted: dict[int, int] = {}  # member -> commit it comes back at
    for n in range(1, commits):
        change: dict[str, str | None] = {}
        i = (n * 7919) % members
        if i in deleted:
            i = (i + 1) % members
        if i not in deleted:
            revision[i] += 1
            change[f"{folder[i]}/package.json"] = _member(i, revision[i])
        if n % 10 == 0:
            change["pnpm-workspace.yaml"] = _catalog(members, "4.4.2" if n % 20 else "4.4.1")
        if n % lockfile_every == 0:
            debug = "4.4.2" if (n // lockfile_every) % 2 else "4.4.3"
            if lockfile_every == 1:  # (a new content each time)
                debug = f"4.4.{n}"
            change["legacy/package-lock.json"] = _lockfile(debug)
        if n % 40 == 0:
            j = (n * 31) % members
            if j not in deleted:
                change[f"{folder[j]}/package.json"] = None
                folder[j] = f"packages/r{n:04d}-{j:04d}"
                change[f"{folder[j]}/package.json"] = _member(j, revision[j])
        if n % 60 == 0:
            k = (n * 13) % members
            if k not in deleted and f"{folder[k]}/package.json" not in change:
                change[f"{folder[k]}/package.json"] = None
                deleted[k] = n + 5
        for k, back in list(deleted.items()):
            if back == n:
                del deleted[k]
                change[f"{folder[k]}/package.json"] = _member(k, revision[k])
        out.append((change, T0 + n * 600))
    return out


def make_repo(path: Path, members: int, commits: int, lockfile_every: int = 25) -> Path:
    """The repository, written with ``git fast-import`` (one process, no work tree)."""
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)
    stream: list[bytes] = []
    for n, (change, when) in enumerate(history_commits(members, commits, lockfile_every)):
        message = f"commit {n}".encode()
        stream.append(b"commit refs/heads/main\n")
        stream.append(f"committer dev <dev@example.com> {when} +0000\n".encode())
        stream.append(b"data %d\n%s\n" % (len(message), message))
        for rel, text in sorted(change.items()):
            if text is None:
                stream.append(f"D {rel}\n".encode())
            else:
                data = text.encode()
                stream.append(f"M 100644 inline {rel}\n".encode())
                stream.append(b"data %d\n%s\n" % (len(data), data))
    subprocess.run(
        ["git", "-C", str(path), "fast-import", "--quiet"],
        input=b"".join(stream),
        check=True,
        env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull},
    )
    return path


def scan(src: Path, rules: Path, repo: Path) -> tuple[float, bytes]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, "-m", "gouvernante", "-rules", str(rules), "-git", str(repo)]
    cmd += ["-history", "-json"]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, check=False, env=env)
    elapsed = time.perf_counter() - t0
    if r.returncode not in (0, 1, 2):
        raise SystemExit(f"scan failed ({r.returncode}): {r.stderr.decode()[:500]}")
    return elapsed, _comparable(r.stdout)


def _comparable(report: bytes) -> bytes:
    """The report without what differs between two runs (times, durations)."""
    doc = json.loads(report)
    for key in ("id", "started_at", "finished_at"):
        doc.get("scan", {}).pop(key, None)
    doc.get("summary", {}).pop("elapsed_ms", None)
    return json.dumps(doc, sort_keys=True).encode()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", action="append", help="MEMBERSxCOMMITS (default 50x200, 200x800)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--before", type=Path, help="an older tree's src folder, run the same way")
    ap.add_argument("--keep", type=Path, help="write the repositories here and keep them")
    ap.add_argument(
        "--lockfile-every",
        type=int,
        default=25,
        help="a lockfile change every N commits (1: every commit changes what the tree's"
        " ranges are judged by, the worst case)",
    )
    args = ap.parse_args()
    shapes = [tuple(int(x) for x in s.split("x")) for s in (args.shape or ["50x200", "200x800"])]
    here = Path(__file__).resolve().parents[1] / "src"
    trees = [("this tree", here)] + ([("before", args.before.resolve())] if args.before else [])
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        rules = base / "rules.json"
        base.mkdir(parents=True, exist_ok=True)
        rules.write_text(json.dumps(RULES), encoding="utf-8")
        per_commit: dict[str, list[float]] = {name: [] for name, _ in trees}
        for members, commits in shapes:
            suffix = "" if args.lockfile_every == 25 else f"-l{args.lockfile_every}"
            repo = base / f"repo-{members}x{commits}{suffix}.git"
            if not repo.exists():
                make_repo(repo, members, commits, args.lockfile_every)
            times: dict[str, list[float]] = {name: [] for name, _ in trees}
            reports: dict[str, bytes] = {}
            for _ in range(args.repeat):  # interleaved
                for name, src in trees:
                    elapsed, report = scan(src, rules, repo)
                    times[name].append(elapsed)
                    reports[name] = report
            line = [f"{members}x{commits}:"]
            for name, _ in trees:
                median = statistics.median(times[name])
                per_commit[name].append(median / commits)
                ratio = per_commit[name][-1] / per_commit[name][0]
                line.append(
                    f"{name} {median:.2f} s ({1000 * median / commits:.2f} ms/commit,"
                    f" {ratio:.2f}x the first shape's)"
                )
            if args.before:
                same = reports["this tree"] == reports["before"]
                line.append("reports identical" if same else "REPORTS DIFFER")
                findings = len(json.loads(reports["this tree"]).get("findings", []))
                line.append(f"{findings} findings")
            print("; ".join(line), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
