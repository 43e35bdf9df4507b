"""Peak memory of a scan of a big package-lock (issue 17: <= 1.5x the file size + 50 MiB).

    python bench/memory_scan.py [--entries 200000] [--repeat 3] [--before SRC]

Writes ``bench/foundation_scan.py``'s synthetic package-lock v3 with ``--entries`` entries and
its 800-package rule set, runs the CLI on it in a child process and prints the child's peak
resident set size (``getrusage(RUSAGE_CHILDREN).ru_maxrss``, read in a fresh wrapper process
per run so each figure is one scan's), the median of ``--repeat`` runs, against the target.
``--before SRC`` runs the same with ``PYTHONPATH=SRC`` too (an export of an older tree's
``src``), for before/after figures from the same run.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_PEAK = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:], capture_output=True)\n"
    "assert r.returncode in (0, 2), r.stderr.decode()[-2000:]\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def _foundation() -> object:
    spec = importlib.util.spec_from_file_location(
        "foundation_scan", Path(__file__).resolve().parent / "foundation_scan.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def peak_kib(cmd: list[str], env: dict[str, str]) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, *cmd], capture_output=True, check=True, env=env
    )
    return int(out.stdout.split()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--before", help="an older tree's src folder, run the same way")
    args = ap.parse_args()
    foundation = _foundation()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lock = root / "package-lock.json"
        names = foundation.make_lockfile(lock, args.entries)  # type: ignore[attr-defined]
        (root / "rules").mkdir()
        foundation.make_rules(root / "rules", names)  # type: ignore[attr-defined]
        size = lock.stat().st_size
        cmd = [sys.executable, "-m", "gouvernante", "-rules", str(root / "rules")]
        cmd += ["-lockfile", str(lock), "-json"]
        mib = 1024 * 1024
        target = 1.5 * size / mib + 50
        print(f"package-lock v3, {args.entries} entries, {size / mib:.1f} MiB")
        print(f"target: <= 1.5 x file + 50 MiB = {target:.1f} MiB")
        variants = [("this tree", env)]
        if args.before:
            variants.append(("before", {**env, "PYTHONPATH": args.before}))
        peaks: dict[str, list[int]] = {label: [] for label, _ in variants}
        for _ in range(args.repeat):
            for label, variant_env in variants:
                peaks[label].append(peak_kib(cmd, variant_env))
        for label, values in peaks.items():
            peak = statistics.median(values) / 1024
            print(
                f"{label:10} peak RSS {peak:7.1f} MiB = {peak / (size / mib):.2f} x file"
                f" ({'meets' if peak <= target else 'over'} the target)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
