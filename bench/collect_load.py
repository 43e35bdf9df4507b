"""Peak memory and time of ``collect``'s reading (``load_reports``) on many real reports and on
hostile inputs (decision 0114).

    PYTHONPATH=src python bench/collect_load.py [--reports 3000] [--mb 48] [--dir DIR]
        [--cases normal,array-of-empty,skipped-field,in-findings,broken-at-end,lines-of-empty]

``normal``: real reports written by ``gouvernante -format json`` on the repository's own test
lockfiles (real findings), copied ``--reports`` times with other scan ids: one file each in
folders, plus one JSON array and one JSON Lines file of the same reports. The hostile cases are
``--mb`` megabytes each: ``[[],[],...]``; a report whose unknown field holds ``[[],...]``; a
report whose ``findings`` is ``[[],...]``; ``[[],...`` cut before its end; one ``[]`` a line
after one report line. Each case runs in a fresh process; its peak RSS (``ru_maxrss``) and
wall time are printed, with how many reports and issues it read.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ["tests/pipeline/fixtures/npm-tag-alias", "tests/pipeline/fixtures/bun-midday"]

_CHILD = """
import resource, sys, time
from gouvernante.collect.load import load_reports
t = time.perf_counter()
out = load_reports(sys.argv[1:])
took = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(f"{rss} {took:.2f} {len(out.reports)} {len(out.issues)} {out.duplicates}")
"""


def real_reports(work: Path) -> list[dict[str, object]]:
    out = []
    for folder in SCANNED:
        done = subprocess.run(
            [sys.executable, "-m", "gouvernante", "-dir", str(ROOT / folder), "-format", "json"],
            capture_output=True,
            check=False,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
            cwd=work,
        )
        out.append(json.loads(done.stdout))
    return out


def build_normal(work: Path, count: int) -> list[str]:
    seeds = real_reports(work)
    folder = work / "normal"
    reports = []
    for i in range(count):
        rep = json.loads(json.dumps(seeds[i % len(seeds)]))
        rep["scan"]["id"] = f"scan-{i:06d}"
        rep["scan"]["project"] = f"github.com/org/p{i % 500}"
        reports.append(rep)
    for i, rep in enumerate(reports):
        target = folder / f"h{i % 50}" / f"{i}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(rep, indent=2))
    (work / "array.json").write_text(json.dumps(reports))
    (work / "lines.jsonl").write_text("".join(json.dumps(r) + "\n" for r in reports))
    return [str(folder), str(work / "array.json"), str(work / "lines.jsonl")]


def build_hostile(work: Path, case: str, mb: int, report: dict[str, object]) -> str:
    n = mb * 1024 * 1024 // 3
    many = b"[" + b"[]," * n + b"[]]"
    path = work / f"{case}.json"
    head = json.dumps(report).encode()
    if case == "array-of-empty":
        path.write_bytes(many)
    elif case == "skipped-field":
        path.write_bytes(head[:-1] + b', "x": ' + many + b"}")
    elif case == "in-findings":
        rep = dict(report, findings="@@")
        path.write_bytes(json.dumps(rep).encode().replace(b'"@@"', many))
    elif case == "broken-at-end":
        path.write_bytes(many[:-1] + b"}")
    elif case == "lines-of-empty":
        path = work / f"{case}.jsonl"
        path.write_bytes(head + b"\n" + b"[]\n" * n)
    return str(path)


def run(paths: list[str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *paths],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    return done.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--mb", type=int, default=48)
    parser.add_argument("--dir", type=Path)
    parser.add_argument(
        "--cases",
        default="normal,array-of-empty,skipped-field,in-findings,broken-at-end,lines-of-empty",
    )
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="collect-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    seed = real_reports(work)[0]
    print("case                  peak-RSS-MB  seconds  reports  issues  duplicates")
    for case in args.cases.split(","):
        t = time.perf_counter()
        if case == "normal":
            paths = build_normal(work, args.reports)
        else:
            paths = [build_hostile(work, case, args.mb, seed)]
        built = time.perf_counter() - t
        rss, took, reports, issues, dups = run(paths).split()
        figures = f"{rss:>12}{took:>9}{reports:>9}{issues:>8}{dups:>12}"
        print(f"{case:22}{figures}  (built {built:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
