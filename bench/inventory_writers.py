"""Many writers into one PostgreSQL inventory: wall time of 8 concurrent ``inventory add``
processes against 1, and the rows each way (they must be the same: nothing lost, nothing twice).

    GOUVERNANTE_TEST_POSTGRES_URL=postgresql://... python bench/inventory_writers.py [--repos 400]

The organisation is bench/org_scan.py's (real lockfile fixtures, every repository's bytes
distinct; main, develop and feature/x per repository). The URL names a role that may create
databases (scripts/postgres-test-server.sh start DIR prints one); each run gets a fresh database.
Runs, each into an empty database:
  1. one writer, every repository, one worker process;
  2. one writer, every repository, the default two worker processes;
  3. eight writers at once, each an eighth of the repositories (one worker each): CI shards;
  4. eight writers at once, each every repository: the worst overlap;
and one writer into SQLite as the reference for the row counts.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from gouvernante.inventory.store import connect

TABLES = ("repositories", "sources", "commits_seen", "ref_states", "blobs", "packages")


def _org_scan() -> Any:
    spec = importlib.util.spec_from_file_location(
        "org_scan", Path(__file__).with_name("org_scan.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["org_scan"] = module
    spec.loader.exec_module(module)
    return module


def _database(admin: str) -> str:
    name = f"gouvernante_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(admin)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _drop(admin: str, url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _writers(db: str, jobs: list[list[str]], workers: int | None) -> tuple[float, float]:
    """Wall time and the writers' CPU time (their processes and git's; not the server's)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    procs = []
    for paths in jobs:
        args = [sys.executable, "-m", "gouvernante", "inventory", "add", "-db", db]
        if workers is not None:
            args += ["-workers", str(workers)]
        for p in paths:
            args += ["-git", p]
        procs.append(subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    for proc in procs:
        _out, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"writer failed ({proc.returncode}): {err.decode()[-800:]}")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def _server_cpu(admin: str) -> float | None:
    """CPU seconds the local server's processes used so far (the postmaster's own and its
    reaped backends'), from /proc; None when the server is not a local process we can read."""
    try:
        with psycopg.connect(admin) as conn:
            row = conn.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        backend = Path(f"/proc/{row[0]}/stat").read_text().rsplit(")", 1)[1].split()
        fields = Path(f"/proc/{backend[1]}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError, psycopg.Error):
        return None
    # after the ")": state ppid ... utime(11) stime(12) cutime(13) cstime(14), in clock ticks
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(f) for f in fields[11:15]) / ticks


def _evaluate(db: str) -> tuple[float, str]:
    """``-inventory`` with the bundled pack: wall time and the findings count."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "gouvernante", "-inventory", db, "-json"],
        capture_output=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode not in (0, 2):
        raise SystemExit(f"-inventory failed: {done.stderr.decode()[-800:]}")
    return wall, f"{json.loads(done.stdout)['summary']['total_findings']} findings"


def _counts(location: str) -> dict[str, int]:
    db = connect(location, create=False)
    try:
        return {t: int(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES}
    finally:
        db.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos", type=int, default=400)
    ap.add_argument("--commits", type=int, default=6)  # org_scan needs >= 5
    args = ap.parse_args()
    admin = os.environ.get("GOUVERNANTE_TEST_POSTGRES_URL")
    if not admin:
        raise SystemExit("set GOUVERNANTE_TEST_POSTGRES_URL (scripts/postgres-test-server.sh)")
    org_scan = _org_scan()
    with tempfile.TemporaryDirectory() as work:
        org = Path(work) / "org"
        t0 = time.perf_counter()
        org_scan.build_org(org, args.repos, args.commits)
        print(f"org: {args.repos} repositories built in {time.perf_counter() - t0:.1f} s")
        paths = [str(org_scan.repo_path(org, n)) for n in range(args.repos)]
        reference = str(Path(work) / "reference.db")
        t, cpu = _writers(reference, [paths], None)
        expected = _counts(reference)
        print(f"SQLite, 1 writer (2 workers): {t:.1f} s (CPU {cpu:.1f} s)  rows {expected}")
        t, found = _evaluate(reference)
        print(f"SQLite, -inventory with the bundled pack: {t:.2f} s, {found}")
        runs = (
            ("1 writer, 1 worker", [paths], 1),
            ("1 writer, 2 workers", [paths], None),
            ("8 writers, an eighth each", [paths[k::8] for k in range(8)], 1),
            ("8 writers, every repository each", [paths] * 8, 1),
        )
        for label, jobs, workers in runs:
            db = _database(admin)
            try:
                server_before = _server_cpu(admin)
                t, cpu = _writers(db, jobs, workers)
                server_after = _server_cpu(admin)
                got = _counts(db)
                evaluated = _evaluate(db) if workers is None else None
            finally:
                _drop(admin, db)
            verdict = "same rows as SQLite" if got == expected else f"DIFFERENT rows: {got}"
            server = (
                f", server's {server_after - server_before:.1f} s"
                if server_before is not None and server_after is not None
                else ""
            )
            print(f"PostgreSQL, {label}: {t:.1f} s (CPU: writers' {cpu:.1f} s{server})  {verdict}")
            if evaluated is not None:
                print(
                    f"PostgreSQL, -inventory with the bundled pack: {evaluated[0]:.2f} s,"
                    f" {evaluated[1]}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
