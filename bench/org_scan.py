"""An organisation of bare repositories made from the real lockfile fixtures, scanned the ways
docs/org-scan.md describes, with the clone-and-scan baseline measured in the same run.

    python bench/org_scan.py [--repos 200] [--commits 20] [--keep DIR] [--no-baseline]

Each repository (``org/team-NN/repo-NNNN.git``, bare, made with ``git fast-import``) has a
``main`` branch of ``--commits`` commits that each rewrite the lockfile (a real fixture made by
npm, pnpm, yarn or bun; each repository's and each commit's bytes distinct, so nothing is
shared by accident), and two side branches (``develop``, ``feature/x``). 5% of repositories hold
debug@4.4.2 (GOUV-2025-CHALK-DEBUG in the bundled pack) on ``feature/x`` now; another 5% held it on
``main`` for three commits around the rule's published_at and removed it.

Measured, wall clock, both cores (the tool's default):
  1. ``inventory add -git ORG -recursive``, first time;
  2. the same after 1% of the repositories' ``main`` moved by one commit;
  3. ``-inventory`` with the bundled pack (and ``-at`` a day earlier);
  4. ``-git ORG -recursive -history`` (no inventory);
  5. baseline: ``git clone`` of every repository, then ``-dir CHECKOUTS -recursive`` (one scan
     over all checkouts: the most favourable form of "clone and scan each one", default branch
     only, no history).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "lockfiles" / "fixtures"
MIDSIZE = ROOT / "bench" / "lockfiles"
PLANT_SOURCE = FIXTURES / "npm" / "npm11-v3" / "package-lock.json"
PUBLISHED = 1757289600  # 2025-09-08T00:00:00Z, GOUV-2025-CHALK-DEBUG's published_at
GIT_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def real_lockfiles() -> list[Path]:
    found = sorted(MIDSIZE.glob("*/package-lock.json")) + sorted(MIDSIZE.glob("*/pnpm-lock.yaml"))
    for expected in sorted(FIXTURES.glob("*/*/expected.json")):
        name = json.loads(expected.read_text())["lockfile"]
        if name != "bun.lockb":
            found.append(expected.parent / name)
    return found


def planted(text: str) -> str:
    """The npm fixture with debug 4.3.4 replaced by the compromised 4.4.2."""
    out, n = re.subn(
        r'("node_modules/debug": \{\s*"version": )"4\.3\.4"', r'\1"4.4.2"', text, count=1
    )
    assert n == 1, "the npm fixture no longer holds debug 4.3.4"
    return out


def variant(text: str, repo: int, commit: int, name: str) -> bytes:
    """Distinct bytes per repository and commit, same meaning: a comment line in the YAML-like
    formats (where the writers put theirs), trailing whitespace in the JSON ones."""
    if name.endswith((".yaml", ".lock")) and name != "bun.lock":
        return f"# variant {repo}.{commit}\n{text}".encode()
    return (
        text.rstrip("\n")
        + "\n"
        + " " * (repo % 97)
        + "\n"
        + " " * (repo // 97)
        + "\n"
        + "\n" * commit
    ).encode()


def _commit(  # noqa: PLR0917 - one fast-import record
    ref: str, mark: int, when: int, path: str, data: bytes, parent: str | None
) -> bytes:
    head = f"commit {ref}\nmark :{mark}\ncommitter dev <dev@example.com> {when} +0000\n"
    msg = b"update lockfile\n"
    out = head.encode() + f"data {len(msg)}\n".encode() + msg
    if parent:
        out += f"from {parent}\n".encode()
    out += f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n"
    return out


def make_repo(target: Path, n: int, commits: int, sources: Sequence[Path]) -> None:
    kind = n % 20  # 0: bad on feature/x now; 1: bad on main for three commits in the past
    source = PLANT_SOURCE if kind in (0, 1) else sources[n % len(sources)]
    text = source.read_text(encoding="utf-8")
    path = ("app/" if n % 3 == 0 else "") + source.name
    start = PUBLISHED - commits * 3 * 3600 // 2
    stream = b""
    mark = 0
    for c in range(commits):
        mark += 1
        body = planted(text) if kind == 1 and commits // 2 <= c < commits // 2 + 3 else text
        parent = f":{mark - 1}" if c else None
        stream += _commit(
            "refs/heads/main",
            mark,
            start + c * 3 * 3600,
            path,
            variant(body, n, c, source.name),
            parent,
        )
    main_marks = mark
    for branch, at, extra in (("develop", commits - 3, 2), ("feature/x", commits - 5, 1)):
        parent = f":{at}"
        for e in range(extra):
            mark += 1
            body = planted(text) if kind == 0 and branch == "feature/x" else text
            stream += _commit(
                f"refs/heads/{branch}",
                mark,
                start + (at + e) * 3 * 3600 + 600,
                path,
                variant(body, n, 100 + mark, source.name),
                parent,
            )
            parent = f":{mark}"
    assert main_marks <= mark
    target.mkdir(parents=True)
    subprocess.run(
        ["git", "init", "-q", "--bare", "-b", "main", str(target)], check=True, env=GIT_ENV
    )
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=target,
        input=stream,
        check=True,
        env={**GIT_ENV, "GIT_DIR": str(target)},
    )


def move_main(repo: Path, n: int, when: int) -> None:
    """One more commit on main (a moved ref)."""
    source = PLANT_SOURCE if n % 20 in (0, 1) else real_lockfiles()[n % len(real_lockfiles())]
    text = source.read_text(encoding="utf-8")
    path = ("app/" if n % 3 == 0 else "") + source.name
    stream = _commit(
        "refs/heads/main", 1, when, path, variant(text, n, 999, source.name), "refs/heads/main^0"
    )
    subprocess.run(
        ["git", "fast-import", "--quiet", "--force"],
        cwd=repo,
        input=stream,
        check=True,
        env={**GIT_ENV, "GIT_DIR": str(repo)},
    )


def repo_path(org: Path, n: int) -> Path:
    return org / f"team-{n % 40:02d}" / f"repo-{n:05d}.git"


def build_org(org: Path, repos: int, commits: int) -> None:
    sources = real_lockfiles()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda n: make_repo(repo_path(org, n), n, commits, sources), range(repos)))


def gouvernante(*args: str) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    """Wall time of one CLI run; its CPU time (all its processes, git included) is added to
    ``CPU`` under the same key, so figures can be read independently of other load."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "gouvernante", *args], capture_output=True, check=False
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return wall, done


CPU: list[float] = []


def _ok(done: subprocess.CompletedProcess[bytes], codes: tuple[int, ...]) -> None:
    if done.returncode not in codes:
        raise SystemExit(f"failed ({done.returncode}): {done.stderr.decode()[-800:]}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos", type=int, default=200)
    ap.add_argument("--commits", type=int, default=20)
    ap.add_argument("--keep", type=Path, default=None, help="build the org here and keep it")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="org-bench-"))
    org, db = work / "org", work / "inventory.db"
    try:
        t0 = time.perf_counter()
        build_org(org, args.repos, args.commits)
        print(
            f"built {args.repos} bare repositories x 3 branches, {args.commits} commits of"
            f" lockfile history on main, in {time.perf_counter() - t0:.1f} s"
        )
        rows: list[tuple[str, float, float | None, str]] = []

        t, done = gouvernante("inventory", "add", "-db", str(db), "-git", str(org), "-recursive")
        _ok(done, (0,))
        rows.append(("inventory add (first)", t, CPU[-1], done.stdout.decode().strip()))

        moved = max(1, 3 * args.repos // 100)  # 1% of the refs: that many mains move
        step = max(1, args.repos // moved)
        for n in range(0, moved * step, step):
            move_main(repo_path(org, n), n, PUBLISHED + 86400)
        t, done = gouvernante("inventory", "add", "-db", str(db), "-git", str(org), "-recursive")
        _ok(done, (0,))
        rows.append(
            (
                f"inventory add ({moved} of {3 * args.repos} refs moved)",
                t,
                CPU[-1],
                done.stdout.decode().strip(),
            )
        )

        t, done = gouvernante("-inventory", str(db), "-json")
        _ok(done, (2,))
        summary = json.loads(done.stdout)["summary"]
        rows.append(
            ("-inventory, bundled pack", t, CPU[-1], f"{summary['total_findings']} findings")
        )

        t, done = gouvernante("-git", str(org), "-recursive", "-history", "-json")
        _ok(done, (2,))
        report = json.loads(done.stdout)
        kinds: dict[str, int] = {}
        for f in report["findings"]:
            kinds[f["type"]] = kinds.get(f["type"], 0) + 1
        rows.append(("-git ORG -recursive -history", t, CPU[-1], json.dumps(kinds)))
        history_time = t
        past = next((f for f in report["findings"] if f["type"] == "past_package"), None)

        if not args.no_baseline:
            checkouts = work / "checkouts"
            t0 = time.perf_counter()
            repos = sorted(org.glob("team-*/repo-*.git"))

            def clone(repo: Path) -> None:
                subprocess.run(
                    ["git", "clone", "-q", str(repo), str(checkouts / repo.name[:-4])],
                    check=True,
                    env=GIT_ENV,
                    capture_output=True,
                )

            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(clone, repos))
            cloned = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            clone_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            t, done = gouvernante("-dir", str(checkouts), "-recursive", "-json")
            _ok(done, (0, 2))
            rows.append(("baseline: git clone each (2 at a time)", cloned, clone_cpu, ""))
            rows.append(
                (
                    "baseline: -dir CHECKOUTS -recursive",
                    t,
                    CPU[-1],
                    f"{json.loads(done.stdout)['summary']['total_findings']} findings",
                )
            )
            baseline = cloned + t
            rows.append(
                (
                    "ratio -history / baseline",
                    history_time / baseline,
                    None,
                    "(wall; the baseline sees main only, no history)",
                )
            )
        print(f"{'step':48s} {'wall s':>8s} {'cpu s':>8s}")
        for name, seconds, cpu, note in rows:
            shown = f"{cpu:8.2f}" if cpu is not None else " " * 8
            print(f"{name:48s} {seconds:8.2f} {shown}  {note}")
        if past is not None:
            print("\nexposure window (a past_package finding):")
            print(f"  {past['repository']}@{past['ref']}:{past['lockfile']}")
            print(f"  {past['description']}")
            print(
                f"  introduced {past['introduced_at']} ({past['introduced_commit'][:12]}),"
                f" removed {past['removed_at']} ({past['removed_commit'][:12]}),"
                f" in_compromise_window={past.get('in_compromise_window')}"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
