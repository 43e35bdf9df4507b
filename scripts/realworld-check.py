#!/usr/bin/env python3
"""The realworld set (tests/realworld/data: 42 real lockfiles, 24 from 15 public repositories and
18 from npm registry tarballs, each with an oracle from the package managers' own code) in full,
in every mode.

    python scripts/realworld-check.py [lockfile dir recursive git inventory image]

For each case and mode: a `<name> *` rule for every registry name the oracle lists and for every
workspace name no registry pair has; the (name, version) pairs the scan reports must equal the
oracle's, with no declared-range finding and no match on a workspace name. Prints one line per
case that is not exact and a total per mode; exits 1 unless every case is exact.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from realworld.harness import MODES, case_ids, evaluate  # noqa: E402 - after the path set-up


def main() -> int:
    modes = sys.argv[1:] or list(MODES)
    cases = case_ids()
    all_exact = True
    for mode in modes:
        exact = 0
        pairs = 0
        started = time.perf_counter()
        for case in cases:
            outcome = evaluate(case, mode)
            exact += outcome.exact
            pairs += outcome.expected_pairs - len(outcome.missing)
            if not outcome.exact:
                all_exact = False
                print(
                    f"{mode} {case}: missing {len(outcome.missing)}, extra {len(outcome.extra)},"
                    f" workspace hits {len(outcome.workspace_hits)},"
                    f" declared {len(outcome.declared)}, errors {len(outcome.errors)}"
                )
        seconds = time.perf_counter() - started
        print(f"-{mode}: {exact}/{len(cases)} exact, {pairs} pairs found ({seconds:.0f}s)")
    return 0 if all_exact else 1


if __name__ == "__main__":
    sys.exit(main())
