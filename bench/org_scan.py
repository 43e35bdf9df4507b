"""An organisation of bare repositories made from the real lockfile fixtures, scanned the ways
docs/org-scan.md describes, with the clone-and-scan baseline measured in the same run.

    python bench/org_scan.py [--repos 200] [--commits 20] [--keep DIR] [--steps a,b,...]
        [--osv FEED] [--db FILE] [--src SRC] [--no-baseline]

Each repository (``org{N}/team-NN/repo-NNNNN.git``, bare) has a ``main`` branch of ``--commits``
commits that each rewrite the lockfile (a real fixture made by npm, pnpm, yarn or bun; each
repository's and each commit's bytes distinct, so nothing is shared by accident), and two side
branches (``develop``, ``feature/x``). 5% of repositories hold debug@4.4.2
(GOUV-2025-CHALK-DEBUG in the bundled pack) on ``feature/x`` now; another 5% held it on ``main``
for three commits around the rule's published_at and removed it. Two ``git fast-import``
processes write every repository's objects into two stores next to the organisation; each
repository is a skeleton with its own refs and the store as its alternate object directory
(10,000 repositories in about 95 s). With ``--keep DIR`` the organisation is made once and
reused.

Steps (``--steps``, in order; wall clock and CPU of the tool and its git processes):
  add        ``inventory add -git ORG -recursive`` into a new inventory;
  refresh    the same after 1% of the refs (that many ``main`` branches) moved by one commit;
  inventory  ``-inventory`` with the bundled pack;
  osv        ``-inventory`` with the rules ``rules import osv`` makes of ``--osv FEED`` (a folder,
             .zip or .tar.xz of OSV records, e.g. /work/shared/ossf/npm-20k.tar.xz), imported once;
  history    ``-git ORG -recursive -history`` (no inventory);
  baseline   ``git clone`` of every repository, then ``-dir CHECKOUTS -recursive`` (one scan over
             all checkouts: the most favourable form of "clone and scan each one", default
             branch only, no history), and the ratio of ``history`` to it.
``--src`` runs another checkout's ``src/`` (a before/after comparison on the same organisation).
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
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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
    if name.endswith((".yaml", ".lock")) and name not in ("bun.lock", "deno.lock"):
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


def repo_commits(n: int, commits: int, sources: Sequence[Path], base: int) -> Iterator[bytes]:
    """Repository ``n``'s commits as fast-import records, marks from ``base`` + 1: ``main``
    (``commits`` commits each rewriting the lockfile), ``develop`` and ``feature/x`` forked from
    it: ``main``'s head is mark ``base + commits``, ``develop``'s + 2, ``feature/x``'s + 3."""
    kind = n % 20  # 0: bad on feature/x now; 1: bad on main for three commits in the past
    source = PLANT_SOURCE if kind in (0, 1) else sources[n % len(sources)]
    text = source.read_text(encoding="utf-8")
    path = ("app/" if n % 3 == 0 else "") + source.name
    start = PUBLISHED - commits * 3 * 3600 // 2
    yield b"reset refs/gen\n\n"
    mark = base
    for c in range(commits):
        mark += 1
        body = planted(text) if kind == 1 and commits // 2 <= c < commits // 2 + 3 else text
        parent = f":{mark - 1}" if c else None
        when = start + c * 3 * 3600
        yield _commit("refs/gen", mark, when, path, variant(body, n, c, source.name), parent)
    for branch, at, extra in (("develop", commits - 3, 2), ("feature/x", commits - 5, 1)):
        parent = f":{base + at}"
        for e in range(extra):
            mark += 1
            body = planted(text) if kind == 0 and branch == "feature/x" else text
            when = start + (at + e) * 3 * 3600 + 600
            yield _commit(
                "refs/gen",
                mark,
                when,
                path,
                variant(body, n, 100 + mark - base, source.name),
                parent,
            )
            parent = f":{mark}"


MARKS_PER_REPO = 64


def _skeleton(target: Path, store: Path, heads: dict[str, str]) -> None:
    """A bare repository whose objects are those of ``store`` (``objects/info/alternates``, as
    forges share a fork network's objects) and whose refs are its own ``packed-refs``."""
    (target / "objects" / "info").mkdir(parents=True)
    (target / "objects" / "pack").mkdir()
    (target / "refs" / "heads").mkdir(parents=True)
    (target / "refs" / "tags").mkdir()
    (target / "HEAD").write_text("ref: refs/heads/main\n")
    (target / "config").write_text(
        "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n"
    )
    (target / "objects" / "info" / "alternates").write_text(f"{store / 'objects'}\n")
    lines = ["# pack-refs with: peeled fully-peeled sorted \n"]
    lines += [f"{oid} refs/heads/{name}\n" for name, oid in sorted(heads.items())]
    (target / "packed-refs").write_text("".join(lines))


def _build_shard(org: Path, store: Path, numbers: Sequence[int], commits: int) -> None:
    sources = real_lockfiles()
    subprocess.run(["git", "init", "-q", "--bare", str(store)], check=True, env=GIT_ENV)
    marks = store / "marks"
    assert commits + 3 < MARKS_PER_REPO
    with subprocess.Popen(
        ["git", "fast-import", "--quiet", f"--export-marks={marks}"],
        stdin=subprocess.PIPE,
        env={**GIT_ENV, "GIT_DIR": str(store)},
    ) as proc:
        assert proc.stdin is not None
        for n in numbers:
            for record in repo_commits(n, commits, sources, n * MARKS_PER_REPO):
                proc.stdin.write(record)
        proc.stdin.close()
        if proc.wait() != 0:
            raise SystemExit("git fast-import failed")
    oids = dict(line.split() for line in marks.read_text().splitlines())
    for n in numbers:
        base = n * MARKS_PER_REPO
        heads = {
            "main": oids[f":{base + commits}"],
            "develop": oids[f":{base + commits + 2}"],
            "feature/x": oids[f":{base + commits + 3}"],
        }
        _skeleton(repo_path(org, n), store, heads)


def move_main(repo: Path, n: int, when: int) -> None:
    """One more commit on main (a moved ref)."""
    source = PLANT_SOURCE if n % 20 in (0, 1) else real_lockfiles()[n % len(real_lockfiles())]
    text = source.read_text(encoding="utf-8")
    path = ("app/" if n % 3 == 0 else "") + source.name
    stream = _commit(
        "refs/heads/main",
        1,
        when,
        path,
        variant(text, n, 200 + when % 50, source.name),
        "refs/heads/main^0",
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
    """Two ``git fast-import`` processes (one per core) write every repository's objects into
    two shared stores next to ``org``; each repository is then a bare skeleton (its refs, the
    store as its alternate object directory). 10,000 repositories take minutes, not an hour."""
    shards = [list(range(k, repos, 2)) for k in range(2)]
    stores = [org.parent / f"{org.name}-store-{k}.git" for k in range(2)]
    for store in stores:
        shutil.rmtree(store, ignore_errors=True)
    with ThreadPoolExecutor(2) as pool:
        list(
            pool.map(
                lambda k: _build_shard(org, stores[k], shards[k], commits) if shards[k] else None,
                range(2),
            )
        )


SRC: list[str] = []  # --src: another checkout's src/ (a before/after comparison)


def gouvernante(*args: str) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    """Wall time of one CLI run; its CPU time (all its processes, git included) is appended to
    ``CPU``, so figures can be read independently of other load."""
    env = dict(os.environ)
    if SRC:
        env["PYTHONPATH"] = SRC[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "gouvernante", *args], capture_output=True, check=False, env=env
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return wall, done


CPU: list[float] = []
Row = tuple[str, float, float | None, str]


def _ok(done: subprocess.CompletedProcess[bytes], codes: tuple[int, ...]) -> None:
    if done.returncode not in codes:
        raise SystemExit(f"failed ({done.returncode}): {done.stderr.decode()[-800:]}")


def step_add(org: Path, db: Path, label: str) -> Row:
    t, done = gouvernante("inventory", "add", "-db", str(db), "-git", str(org), "-recursive")
    _ok(done, (0,))
    return (label, t, CPU[-1], done.stdout.decode().strip())


def step_refresh(org: Path, db: Path, repos: int) -> Row:
    moved = max(1, 3 * repos // 100)  # 1% of the refs: that many mains move
    step = max(1, repos // moved)
    stamp = PUBLISHED + 86400 + int(time.time()) % 86400  # a new commit each run
    for n in range(0, moved * step, step):
        move_main(repo_path(org, n), n, stamp)
    return step_add(org, db, f"inventory add ({moved} of {3 * repos} refs moved)")


def step_inventory(db: Path, rules: Path | None, label: str) -> Row:
    extra = ["-rules", str(rules)] if rules is not None else []
    t, done = gouvernante(*extra, "-inventory", str(db), "-json")
    _ok(done, (0, 2))
    summary = json.loads(done.stdout)["summary"]
    return (label, t, CPU[-1], f"{summary['total_findings']} findings")


def osv_rules(feed: Path, work: Path) -> Path:
    """The OSV feed (a folder, .zip or .tar.xz of records) imported once into rule files."""
    out = work / f"rules-{feed.name}"
    if out.is_dir() and any(out.iterdir()):
        return out
    source = feed
    if feed.name.endswith((".tar.xz", ".tar.gz", ".tar")):
        source = work / f"records-{feed.name}"
        if not source.is_dir():
            source.mkdir(parents=True)
            subprocess.run(["tar", "-xf", str(feed), "-C", str(source)], check=True)
    t, done = gouvernante("rules", "import", "osv", str(source), "-output", str(out))
    _ok(done, (0,))
    print(f"imported {feed} into {out} in {t:.1f} s")
    return out


def step_history(org: Path) -> tuple[Row, dict[str, object] | None]:
    t, done = gouvernante("-git", str(org), "-recursive", "-history", "-json")
    _ok(done, (2,))
    report = json.loads(done.stdout)
    kinds: dict[str, int] = {}
    for f in report["findings"]:
        kinds[f["type"]] = kinds.get(f["type"], 0) + 1
    past = next((f for f in report["findings"] if f["type"] == "past_package"), None)
    return ("-git ORG -recursive -history", t, CPU[-1], json.dumps(kinds)), past


def step_baseline(org: Path, work: Path) -> tuple[list[Row], float]:
    checkouts = work / "checkouts"
    shutil.rmtree(checkouts, ignore_errors=True)
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
    findings = json.loads(done.stdout)["summary"]["total_findings"]
    rows: list[Row] = [
        ("baseline: git clone each (2 at a time)", cloned, clone_cpu, ""),
        ("baseline: -dir CHECKOUTS -recursive", t, CPU[-1], f"{findings} findings"),
    ]
    shutil.rmtree(checkouts, ignore_errors=True)
    return rows, cloned + t


STEPS = ("add", "refresh", "inventory", "osv", "history", "baseline")


@dataclass
class Run:
    org: Path
    db: Path
    work: Path
    repos: int
    osv: Path | None
    rows: list[Row] = field(default_factory=list)
    past: dict[str, object] | None = None
    history_time: float | None = None


def run_step(step: str, run: Run) -> None:
    if step == "add":
        run.db.unlink(missing_ok=True)
        run.rows.append(step_add(run.org, run.db, "inventory add (first)"))
    elif step == "refresh":
        run.rows.append(step_refresh(run.org, run.db, run.repos))
    elif step == "inventory":
        run.rows.append(step_inventory(run.db, None, "-inventory, bundled pack"))
    elif step == "osv" and run.osv is not None:
        rules = osv_rules(run.osv, run.work)
        run.rows.append(step_inventory(run.db, rules, f"-inventory, rules from {run.osv.name}"))
    elif step == "history":
        row, run.past = step_history(run.org)
        run.rows.append(row)
        run.history_time = row[1]
    elif step == "baseline":
        more, baseline = step_baseline(run.org, run.work)
        run.rows.extend(more)
        if run.history_time is not None:
            note = "(wall; the baseline sees main only, no history)"
            run.rows.append(("ratio -history / baseline", run.history_time / baseline, None, note))
    else:
        raise SystemExit(f"unknown step {step!r} (steps: {','.join(STEPS)})")
    print(f"{run.rows[-1][0]:48s} {run.rows[-1][1]:8.2f}", flush=True)


def show(run: Run) -> None:
    print(f"\n{'step':48s} {'wall s':>8s} {'cpu s':>8s}")
    for name, seconds, cpu, note in run.rows:
        shown = f"{cpu:8.2f}" if cpu is not None else " " * 8
        print(f"{name:48s} {seconds:8.2f} {shown}  {note}")
    past = run.past
    if past is not None:
        print("\nexposure window (a past_package finding):")
        print(f"  {past['repository']}@{past['ref']}:{past['lockfile']}")
        print(f"  {past['description']}")
        print(
            f"  introduced {past['introduced_at']} ({str(past['introduced_commit'])[:12]}),"
            f" removed {past['removed_at']} ({str(past['removed_commit'])[:12]}),"
            f" in_compromise_window={past.get('in_compromise_window')}"
        )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos", type=int, default=200)
    ap.add_argument("--commits", type=int, default=20)
    ap.add_argument("--keep", type=Path, default=None, help="build the org here (once), keep it")
    ap.add_argument("--steps", default=",".join(STEPS), help=f"some of {','.join(STEPS)}")
    ap.add_argument("--db", type=Path, default=None, help="inventory file (default: in --keep)")
    ap.add_argument("--osv", type=Path, default=None, help="OSV feed (folder, .zip, .tar.xz)")
    ap.add_argument("--src", default=None, help="run the gouvernante of this src/ folder")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    if args.src:
        SRC.append(str(Path(args.src).resolve()))
    steps = [s for s in args.steps.split(",") if s]
    if args.no_baseline and "baseline" in steps:
        steps.remove("baseline")
    if "osv" in steps and args.osv is None:
        steps.remove("osv")
    if args.osv is not None and not args.osv.exists():
        raise SystemExit(f"{args.osv}: no such OSV feed (give --osv a folder, .zip or .tar.xz)")
    work = args.keep or Path(tempfile.mkdtemp(prefix="org-bench-"))
    org = work / f"org{args.repos}"
    run = Run(org, args.db or work / f"inventory{args.repos}.db", work, args.repos, args.osv)
    try:
        if not org.is_dir():
            t0 = time.perf_counter()
            build_org(org, args.repos, args.commits)
            print(
                f"built {args.repos} bare repositories x 3 branches, {args.commits} commits of"
                f" lockfile history on main, in {time.perf_counter() - t0:.1f} s"
            )
        for step in steps:
            run_step(step, run)
        show(run)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
