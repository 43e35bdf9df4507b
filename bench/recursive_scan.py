"""A tree of project folders, each with a real lockfile (the committed fixtures made by npm, pnpm,
yarn and bun, and two mid-sized lockfiles from bench/lockfiles), scanned with ``-dir -recursive``:
both cores vs one worker, same run.

    python bench/recursive_scan.py [--projects 500] [--repeat 3]

Prints wall times, throughput (lockfiles/s, packages/s) and the speed-up (target >= 1.6x).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "lockfiles" / "fixtures"
MIDSIZE = Path(__file__).resolve().parent / "lockfiles"  # ~580 packages each, see generate.sh


def real_lockfiles() -> list[Path]:
    found = sorted(MIDSIZE.glob("*/package-lock.json")) + sorted(MIDSIZE.glob("*/pnpm-lock.yaml"))
    for expected in sorted(FIXTURES.glob("*/*/expected.json")):
        name = json.loads(expected.read_text())["lockfile"]
        if name != "bun.lockb":
            found.append(expected.parent / name)
    return found


def build_tree(root: Path, projects: int) -> None:
    sources = real_lockfiles()
    for i in range(projects):
        src = sources[i % len(sources)]
        project = root / f"team-{i % 25:02d}" / f"project-{i:04d}"
        project.mkdir(parents=True)
        shutil.copy(src, project / src.name)


def scan(root: Path, workers: int | None) -> tuple[float, dict[str, int]]:
    cmd = [sys.executable, "-m", "gouvernante", "-dir", str(root), "-recursive", "-json"]
    if workers is not None:
        cmd += ["-workers", str(workers)]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, check=False)
    elapsed = time.perf_counter() - t0
    if r.returncode not in (0, 2):
        raise SystemExit(f"scan failed ({r.returncode}): {r.stderr.decode()[:500]}")
    summary: dict[str, int] = json.loads(r.stdout)["summary"]
    return elapsed, summary


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build_tree(root, args.projects)
        scan(root, 1)  # warm the page cache
        one: list[float] = []
        both: list[float] = []
        summary: dict[str, int] = {}
        for _ in range(args.repeat):  # interleaved, so load changes hit both alike
            t, summary = scan(root, 1)
            one.append(t)
            t, summary = scan(root, None)
            both.append(t)
        t1, t2 = statistics.median(one), statistics.median(both)
        files, pkgs = summary["lockfiles_scanned"], summary["packages_scanned"]
        print(f"{args.projects} projects, {files} lockfiles, {pkgs} packages (bundled rule pack)")
        for label, t in (("one worker:", t1), ("both cores:", t2)):
            print(f"{label:12} {t:6.2f} s {files / t:7.0f} lockfiles/s {pkgs / t:9.0f} packages/s")
        print(f"speed-up: {t1 / t2:.2f}x (target >= 1.6x)")
    return 0


if __name__ == "__main__":
    # Time the tool as installed: with its bytecode cached. Any value of PYTHONDONTWRITEBYTECODE,
    # even "0", makes every run recompile the sources.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    raise SystemExit(main())
