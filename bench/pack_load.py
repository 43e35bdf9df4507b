"""Bundled rule pack load time vs a bare ``json.load`` of the same files, same run.

    python bench/pack_load.py [--repeat 20]

Target (issue 5): loading the pack costs at most 2x the bare json.load. The strict loader (used
for user rules, and for the pack when it is built) is shown for comparison, with cold range caches.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from gouvernante.cli.scan import builtin_rules_dir
from gouvernante.rules.pack import load_pack, pack_files


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


STRICT_COLD = """
import time
from gouvernante.rules.loader import load_rule_files
t0 = time.perf_counter()
load_rule_files([{d!r}])
print((time.perf_counter() - t0) * 1000)
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    directory = builtin_rules_dir()
    files = pack_files(directory)

    def bare() -> None:
        for f in files:
            with open(f, "rb") as fh:
                json.load(fh)

    pack = load_pack(directory)
    n_pkg = sum(len(r.package_rules) for r in pack.rules)
    n_expr = sum(len(p.affected_versions) for r in pack.rules for p in r.package_rules)
    bare_ms = median_ms(bare, args.repeat)
    fast_ms = median_ms(lambda: load_pack(directory), args.repeat)
    cold = [
        float(
            subprocess.run(
                [sys.executable, "-c", STRICT_COLD.format(d=directory)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(3)
    ]
    print(f"pack: {len(files)} files, {len(pack.rules)} rules, {n_pkg} package rules,", end=" ")
    print(f"{n_expr} expressions")
    print(f"bare json.load:            {bare_ms:8.1f} ms")
    ratio = fast_ms / bare_ms
    print(f"load_pack (scan start-up): {fast_ms:8.1f} ms   ratio {ratio:.2f} (target <= 2.00)")
    strict = statistics.median(cold)
    print(f"strict loader, cold:       {strict:8.1f} ms   ratio {strict / bare_ms:.2f}")
    return 0


if __name__ == "__main__":
    # Time the tool as installed: with its bytecode cached. Any value of PYTHONDONTWRITEBYTECODE,
    # even "0", makes every run recompile the sources.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    raise SystemExit(main())
