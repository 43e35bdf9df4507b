"""Big rule sets: 100,000 packages (the size of the public malicious-packages feeds) in several
rule files, loaded by the strict loader without and with the opt-in cache of validated rule files
(``GOUVERNANTE_RULE_CACHE``), next to a plain untyped ``msgspec.json.decode`` of the same files,
same run.

    python bench/big_rules.py [--packages 100000] [--files 4] [--repeat 7] [--compare-src OTHER/src]

Each measurement runs in a fresh process (no memoisation carried over) and times the load only;
runs are interleaved and medians printed, with the ratio warm load / plain decode (targets: warm
load <= 0.3 s and <= 2x the plain decode). Times are wall and CPU (``time.process_time``) of the
load alone; "every rule decoded" also iterates the loaded rules (with the cache, rules are
decoded on use: what SARIF, CycloneDX and ``rules validate`` do). ``--compare-src`` also times
the cached load of another tree of the tool (its own cache folder) in the same runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = r"""
import os, sys, time
mode, folder = sys.argv[1], sys.argv[2]
files = sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".json"))
if mode == "decode":
    import msgspec
    t0 = time.perf_counter()
    c0 = time.process_time()
    count = 0
    for path in files:
        with open(path, "rb") as fh:
            count += len(msgspec.json.decode(fh.read())["rules"])
else:
    from gouvernante.rules.loader import load_rule_files
    t0 = time.perf_counter()
    c0 = time.process_time()
    ruleset, errors = load_rule_files([folder])
    assert not errors, errors[:3]
    count = len(ruleset.rules)
    if mode == "load-all":  # every rule decoded (SARIF, CycloneDX, rules validate)
        count = len(list(ruleset.rules))
print(time.perf_counter() - t0, time.process_time() - c0, count)
"""


def make_rules(folder: Path, packages: int, files: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    per_file = -(-packages // files)
    for f in range(files):
        rules = []
        for k in range(f * per_file, min(packages, (f + 1) * per_file)):
            versions = [f"={rng.randint(0, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 30)}"]
            if k % 5 == 0:
                versions.append(f">={rng.randint(1, 5)}.0.0 <{rng.randint(6, 9)}.0.0")
            name = f"@mal{k % 50}/pkg-{k}" if k % 3 == 0 else f"malicious-pkg-{k}"
            rules.append(
                {
                    "id": f"MAL-2026-{k:06d}",
                    "title": f"Malicious code in {name} (npm)",
                    "kind": "malicious-package",
                    "ecosystem": "npm",
                    "severity": "critical",
                    "package_rules": [{"package_name": name, "affected_versions": versions}],
                    "references": [f"https://osv.dev/vulnerability/MAL-2026-{k:06d}"],
                }
            )
        doc = {"schema_version": "1.0.0", "rules": rules}
        (folder / f"feed-{f:02d}.json").write_text(json.dumps(doc))


def _child(mode: str, folder: Path, env: dict[str, str]) -> tuple[float, float, int]:
    r = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(folder)],
        capture_output=True,
        check=False,
        env=env,
    )
    if r.returncode != 0:
        raise SystemExit(f"{mode} failed: {r.stderr.decode()[-2000:]}")
    seconds, cpu, count = r.stdout.split()
    return float(seconds), float(cpu), int(count)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--packages", type=int, default=100_000)
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--compare-src", help="another tree's src/ folder, timed in the same runs")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "rules"
        folder.mkdir()
        t0 = time.perf_counter()
        make_rules(folder, args.packages, args.files)
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        print(f"generated in {time.perf_counter() - t0:.1f} s")
        base_env = {k: v for k, v in os.environ.items() if k != "GOUVERNANTE_RULE_CACHE"}
        cache_env = {**base_env, "GOUVERNANTE_RULE_CACHE": str(Path(tmp) / "cache")}
        runs = [("decode", "decode", base_env), ("warm", "load", cache_env)]
        runs.append(("warm-all", "load-all", cache_env))
        runs.append(("cold", "load", base_env))
        if args.compare_src:
            other_env = {
                **base_env,
                "GOUVERNANTE_RULE_CACHE": str(Path(tmp) / "cache-other"),
                "PYTHONPATH": os.path.abspath(args.compare_src),
            }
            runs.append(("other", "load", other_env))
        for name, mode, env in runs:
            if name != "cold":
                _child(mode, folder, env)  # first load: fills the cache
        walls: dict[str, list[float]] = {name: [] for name, _, _ in runs}
        cpus: dict[str, list[float]] = {name: [] for name, _, _ in runs}
        counts = set()
        for _ in range(args.repeat):
            for name, mode, env in runs:
                seconds, cpu, count = _child(mode, folder, env)
                walls[name].append(seconds)
                cpus[name].append(cpu)
                counts.add(count)
        print(
            f"rules: {args.packages} packages in {args.files} files, {size:.1f} MB; counts {counts}"
        )
        labels = {
            "decode": "plain msgspec.json.decode (untyped)",
            "cold": "strict loader, no cache",
            "warm": "strict loader, cached (2nd+ load)",
            "warm-all": "cached, every rule decoded",
            "other": "other src, cached (2nd+ load)",
        }
        for name, _, _ in runs:
            wall = statistics.median(
                w / d for w, d in zip(walls[name], walls["decode"], strict=True)
            )
            cpu = statistics.median(c / d for c, d in zip(cpus[name], cpus["decode"], strict=True))
            print(
                f"{labels[name]:>36}: wall {statistics.median(walls[name]) * 1000:7.1f} ms,"
                f" CPU {statistics.median(cpus[name]) * 1000:7.1f} ms;"
                f" / plain decode (median of paired runs): wall {wall:.2f}, CPU {cpu:.2f}"
            )
        print("targets: cached load <= 0.3 s and <= 2x the plain decode")
    return 0


if __name__ == "__main__":
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    raise SystemExit(main())
