#!/usr/bin/env python3
"""Fuzz the lockfile parsers for longer than CI does.

    python scripts/fuzz-lockfiles.py --minutes 5 [--seed 1] [--no-realworld]
    python scripts/fuzz-lockfiles.py --settings --minutes 5 [--seed 1]
    python scripts/fuzz-lockfiles.py --cut-lines [--step 1]

Every text lockfile of tests/lockfiles/fixtures (and, unless --no-realworld, the real
lockfiles of tests/realworld/data and the newest tools' of tests/lockfiles/newest), damaged
over and over: every cut of the file (in steps, finer on each round) and random mutations (a
byte replaced, deleted or inserted, a line doubled or dropped). Each damaged file must give an
error or a reading that keeps every package (cuts) or the planted finding (mutations outside
its entry); never a traceback, never a hang (see
tests/lockfiles/fuzzcore.py). Prints figures; exits 1 on any failure, listing them.

With --settings, the files read beside the lockfiles instead: catalogs (pnpm-workspace.yaml,
.yarnrc.yml, a bun root package.json), .yarnrc.yml's lockfileFilename and pnpm 1-2
shrinkwrap.yaml, each damaged copy read exactly as a YAML/JSON reference reads it, or refused
(tests/lockfiles/fuzz_catalogs.py).

With --cut-lines, every line cut of each yarn classic and npm v1 lockfile under tests/ with a
package.json beside it, scanned as its project with -dir and -dir -recursive: an error or every
finding of the whole file (tests/lockfiles/cutsweep.py, decision 0129; the big realworld files
take minutes: --step N cuts every Nth line, and a file of S bytes every S/50,000th at least).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from lockfiles.cutsweep import cases as cuts_cases  # noqa: E402
from lockfiles.cutsweep import sweep  # noqa: E402
from lockfiles.fuzz_catalogs import Failure as SettingsFailure  # noqa: E402
from lockfiles.fuzz_catalogs import check_settings, cuts, settings_cases  # noqa: E402
from lockfiles.fuzzcore import (  # noqa: E402 - after the path set-up
    Failure,
    NothingToPlant,
    check,
    fixture_paths,
    load_case,
    mutate,
    truncations,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-realworld", action="store_true")
    parser.add_argument("--settings", action="store_true")
    parser.add_argument("--cut-lines", action="store_true")
    parser.add_argument("--step", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if args.settings:
        return fuzz_settings(args.minutes, args.seed, rng)
    if args.cut_lines:
        return cut_lines(args.step)
    return fuzz_lockfiles(args, rng)


def cut_lines(step: int) -> int:
    """Every ``step``-th line cut of every yarn classic / npm v1 lockfile under tests/ with a
    package.json beside it, scanned as its project with -dir and -dir -recursive (decision
    0129, ``tests/lockfiles/cutsweep.py``; npm v1 is JSON: every 50th line at least)."""
    import tempfile

    counts: Counter[str] = Counter()
    failures: dict[str, str] = {}
    for lockfile in cuts_cases():
        # (a file of 100 KB and more: a cut every size/50 KB lines at least, so that the
        # biggest, yarn1-jest's 14,159 lines, takes minutes, not an hour)
        every = max(step, lockfile.stat().st_size // 50_000)
        every = every if lockfile.name == "yarn.lock" else max(every, 50)
        for recursive in (False, True):
            with tempfile.TemporaryDirectory() as work:
                result = sweep(lockfile, Path(work), recursive, every)
            counts["cuts"] += result.cuts
            counts["whole file errs (not cut)"] += result.whole_errs
            for failure in result.failures:
                kind = "unseeable" if failure.unseeable else "lost, no error"
                counts[kind] += 1
                if not failure.unseeable:
                    failures[f"{failure.case} line {failure.line} {recursive=}"] = str(failure)
    return _summary(counts, "(not measured)", failures)


def fuzz_lockfiles(args: argparse.Namespace, rng: random.Random) -> int:
    paths = fixture_paths(realworld=not args.no_realworld)
    cases = []
    for p in paths:
        try:
            cases.append(load_case(p, str(p.relative_to(ROOT))))
        except NothingToPlant:  # workspaces only (berry9-prettier-rules' tools): nothing to find
            continue
    deadline = time.monotonic() + args.minutes * 60
    counts: Counter[str] = Counter()
    failures: dict[str, str] = {}
    slowest = 0.0
    slowest_of = ""
    rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        for case in cases:
            if time.monotonic() >= deadline:
                break
            # cuts: a random offset within a step that shrinks each round
            step = max(1, len(case.data) // (50 * rounds))
            for cut, where in truncations(case, step):
                if rng.random() > 200 / max(200, len(case.data) // step):
                    continue
                counts["truncations"] += 1
                try:
                    verdict = check(case, cut, truncated=True, touched=where)
                except Failure as exc:
                    counts["failures"] += 1
                    failures.setdefault(f"{case.label} cut", str(exc))
                    continue
                counts[f"cut->{verdict.kind}"] += 1
                if verdict.seconds > slowest:
                    slowest, slowest_of = verdict.seconds, f"{case.label} cut at {where[0]}"
            for _ in range(200):
                damaged, touched = mutate(
                    case.data,
                    rng.randrange(len(case.data)),
                    rng.randrange(5),
                    rng.randrange(-256, 64),
                )
                counts["mutations"] += 1
                try:
                    verdict = check(case, damaged, truncated=False, touched=touched)
                except Failure as exc:
                    counts["failures"] += 1
                    failures.setdefault(f"{case.label} mutation", str(exc))
                    continue
                counts[f"mutation->{verdict.kind}"] += 1
                if verdict.seconds > slowest:
                    slowest, slowest_of = verdict.seconds, f"{case.label} mutated"
    print(f"{len(cases)} lockfiles, {rounds} rounds, {args.minutes} min, seed {args.seed}")
    return _summary(counts, f"parse of a damaged file: {slowest:.3f}s ({slowest_of})", failures)


def fuzz_settings(minutes: float, seed: int, rng: random.Random) -> int:
    cases = settings_cases()
    deadline = time.monotonic() + minutes * 60
    counts: Counter[str] = Counter()
    failures: dict[str, str] = {}
    slowest, slowest_of, rounds = 0.0, "", 0
    while time.monotonic() < deadline:
        rounds += 1
        for case in cases:
            if time.monotonic() >= deadline:
                break
            trials = [
                (damaged, where)
                for damaged, where in cuts(case.data, max(1, len(case.data) // (50 * rounds)))
                if rng.random() <= 200 / max(200, len(case.data))
            ]
            for _ in range(200):
                damaged, touched = mutate(
                    case.data,
                    rng.randrange(len(case.data)),
                    rng.randrange(5),
                    rng.randrange(-256, 64),
                )
                trials.append((damaged, f"mutation at {touched}"))
            for damaged, where in trials:
                kind = "cut" if where.startswith("cut") else "mutation"
                counts[f"{kind}s"] += 1
                try:
                    verdict = check_settings(case, damaged, where)
                except SettingsFailure as exc:
                    counts["failures"] += 1
                    failures.setdefault(f"{case.kind}:{case.label} {kind}", str(exc))
                    continue
                counts[f"{case.kind} {kind}->{verdict.kind}"] += 1
                if verdict.seconds > slowest:
                    slowest, slowest_of = verdict.seconds, f"{case.label} {where}"
    print(f"{len(cases)} settings files, {rounds} rounds, {minutes} min, seed {seed}")
    return _summary(counts, f"read of a damaged file: {slowest:.3f}s ({slowest_of})", failures)


def _summary(counts: Counter[str], slowest: str, failures: dict[str, str]) -> int:
    """Print a run's counts, its slowest damaged file and its failures; the exit code."""
    for key in sorted(counts):
        print(f"  {key}: {counts[key]}")
    print(f"  slowest {slowest}")
    for label, message in sorted(failures.items()):
        print(f"FAIL {label}: {message}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
