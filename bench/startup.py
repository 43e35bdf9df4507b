"""Start-up benchmark: the CLI scanning a small package-lock (1,000 entries) against the bundled
rule pack, next to ``python -c pass`` of the same interpreter, same run.

    python bench/startup.py [--entries 1000] [--repeat 21] [--compare-src OTHER/src]

It also times, in the same runs, the least program that answers the same question (``TOY``:
argparse, ``json.loads`` of the file, a look-up of one exact name and version per entry, one line
printed; no rule file, no validation, no other format), and the same program after ``import
typing``: what any Python program that reads the file pays, whatever the scanner does; and
``python -c "import msgspec"`` (the one dependency, as installed): the restated target is the CLI
at most 1.1x that (decision 0137), printed as the CLI's paired ratio to it.

Runs interleave the two commands so a change of machine load hits both alike, and prints the
medians of wall time and of CPU time (user + system of the child) and their ratios (target: CLI
at most 3x a bare interpreter start). ``--compare-src`` also times another tree of the tool (e.g.
``git archive COMMIT src | tar -x -C /tmp/old``, then ``/tmp/old/src``) in the same runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _make_lockfile(path: Path, entries: int) -> None:
    """The synthetic package-lock of ``bench/foundation_scan.py`` (loaded by path: bench/ is no
    package)."""
    spec = importlib.util.spec_from_file_location(
        "foundation_scan", Path(__file__).resolve().parent / "foundation_scan.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make_lockfile(path, entries)


# The least program answering "does this package-lock hold axios 1.14.1?" (argv: -lockfile PATH).
TOY = r"""
import argparse, json
parser = argparse.ArgumentParser()
parser.add_argument("-lockfile")
with open(parser.parse_args().lockfile, "rb") as fh:
    packages = json.loads(fh.read())["packages"]
wanted = {("axios", "1.14.1")}
keys = [(k.rpartition("node_modules/")[2], v.get("version")) for k, v in packages.items()]
hits = [key for key in keys if key in wanted]
print(hits or "CLEAN")
"""


def _run(
    cmd: list[str], ok: tuple[int, ...], env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, check=False, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode not in ok:
        raise SystemExit(f"{cmd} failed ({r.returncode}): {r.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("--compare-src", help="another tree's src/ folder, timed in the same runs")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lock = Path(tmp) / "package-lock.json"
        _make_lockfile(lock, args.entries)
        scan = [sys.executable, "-m", "gouvernante", "-lockfile", str(lock)]
        bare = [sys.executable, "-c", "pass"]
        toy = [sys.executable, "-c", TOY, "-lockfile", str(lock)]
        typed_toy = [sys.executable, "-c", "import typing\n" + TOY, "-lockfile", str(lock)]
        msgspec = [sys.executable, "-c", "import msgspec"]
        runs: list[tuple[str, list[str], tuple[int, ...], dict[str, str] | None]] = [
            ("bare", bare, (0,), None),
            ("toy", toy, (0,), None),
            ("typed", typed_toy, (0,), None),
            ("msgspec", msgspec, (0,), None),
            ("scan", scan, (0, 2), None),
        ]
        if args.compare_src:
            other = {**os.environ, "PYTHONPATH": os.path.abspath(args.compare_src)}
            runs.append(("other", scan, (0, 2), other))
        for _, cmd, ok, env in runs:  # warm the page cache and .pyc files
            _run(cmd, ok, env)
        walls: dict[str, list[float]] = {name: [] for name, *_ in runs}
        cpus: dict[str, list[float]] = {name: [] for name, *_ in runs}
        for _ in range(args.repeat):
            for name, cmd, ok, env in runs:
                wall, cpu = _run(cmd, ok, env)
                walls[name].append(wall)
                cpus[name].append(cpu)
        print(f"lockfile: {args.entries} entries; rules: the bundled pack; {args.repeat} runs each")
        labels = {
            "bare": "python -c pass",
            "toy": "least program",
            "typed": "+ import typing",
            "msgspec": "import msgspec",
            "scan": "CLI scan",
            "other": "CLI (other src)",
        }
        for name, *_ in runs:
            wall_ratio = statistics.median(
                s / b for s, b in zip(walls[name], walls["bare"], strict=True)
            )
            cpu_ratio = statistics.median(
                s / b for s, b in zip(cpus[name], cpus["bare"], strict=True) if b > 0
            )
            print(
                f"{labels[name]:>15}: wall {statistics.median(walls[name]) * 1000:7.1f} ms,"
                f" CPU {statistics.median(cpus[name]) * 1000:7.1f} ms (medians);"
                f" / bare (median of paired runs): wall {wall_ratio:.2f}, CPU {cpu_ratio:.2f}"
            )
        for name in [n for n, *_ in runs if n in ("scan", "other")]:
            over = statistics.median(
                s / m for s, m in zip(cpus[name], cpus["msgspec"], strict=True) if m > 0
            )
            print(f"{labels[name]:>15}: / import msgspec (median of paired runs): CPU {over:.2f}")
        print("targets: CLI <= 3x python -c pass; CLI <= 1.1x import msgspec")
    return 0


if __name__ == "__main__":
    # Time the tool as installed: with its bytecode cached (see foundation_scan.py).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    raise SystemExit(main())
