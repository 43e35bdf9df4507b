"""A rule file of exact prerelease versions (``1.0.0-beta.1``, ``=2.0.0-rc.0``: the OSV and OSSF
feeds list many), loaded by the strict loader without the rule cache (a first load), then every
package rule asked once for a locked prerelease (``first_match``: what a scan of a lockfile naming
each package does), each in a fresh process, same run.

    python bench/exact_prereleases.py [--versions 83000] [--per-package 500] [--repeat 5]
                                      [--compare-src OTHER/src]

``--compare-src`` times another tree of the tool (e.g. ``git archive main src``) in the same,
interleaved runs. Medians of wall and CPU (``time.process_time``) of the load alone and of the
look-ups alone are printed.
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
import sys, time
from gouvernante.rules.loader import load_rule_files
from gouvernante.semver import parse_version
t0 = time.perf_counter()
c0 = time.process_time()
ruleset, errors = load_rule_files([sys.argv[1]])
assert not errors, errors[:3]
t1 = time.perf_counter()
c1 = time.process_time()
locked = parse_version("1.2.3-beta.999")  # in no rule: every expression is looked at
hits = sum(
    prule.first_match(locked) is not None for rule in ruleset.rules for prule in rule.package_rules
)
print(t1 - t0, c1 - c0, time.perf_counter() - t1, time.process_time() - c1, hits)
"""

_TAGS = ("alpha", "beta", "rc", "next", "canary", "dev")


def make_rules(path: Path, versions: int, per_package: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    rules = []
    for k in range(-(-versions // per_package)):
        count = min(per_package, versions - k * per_package)
        exprs: list[str] = []
        while len(exprs) < count:
            release = f"{rng.randint(0, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 30)}"
            tag = rng.choice(_TAGS)
            pre = f"{tag}.{rng.randint(0, 40)}" if rng.random() < 0.8 else f"{rng.randint(0, 9)}"
            exprs.append(("=" if rng.random() < 0.2 else "") + f"{release}-{pre}")
        exprs = list(dict.fromkeys(exprs))
        rules.append(
            {
                "id": f"MAL-2026-{k:06d}",
                "title": f"Malicious code in pkg-{k} (npm)",
                "kind": "malicious-package",
                "ecosystem": "npm",
                "severity": "critical",
                "package_rules": [{"package_name": f"pkg-{k}", "affected_versions": exprs}],
            }
        )
    path.write_text(json.dumps({"schema_version": "1.0.0", "rules": rules}))


def _child(folder: Path, env: dict[str, str]) -> tuple[float, float, float, float, int]:
    r = subprocess.run(
        [sys.executable, "-c", _CHILD, str(folder)], capture_output=True, check=False, env=env
    )
    if r.returncode != 0:
        raise SystemExit(f"child failed: {r.stderr.decode()[-2000:]}")
    wall, cpu, match_wall, match_cpu, hits = r.stdout.split()
    return float(wall), float(cpu), float(match_wall), float(match_cpu), int(hits)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--versions", type=int, default=83_000)
    ap.add_argument("--per-package", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--compare-src", help="another tree's src/ folder, timed in the same runs")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "rules"
        folder.mkdir()
        make_rules(folder / "feed.json", args.versions, args.per_package)
        size = (folder / "feed.json").stat().st_size / 1e6
        env = {k: v for k, v in os.environ.items() if k != "GOUVERNANTE_RULE_CACHE"}
        runs = [("this", env)]
        if args.compare_src:
            runs.append(("other", {**env, "PYTHONPATH": os.path.abspath(args.compare_src)}))
        got: dict[str, list[tuple[float, float, float, float, int]]] = {n: [] for n, _ in runs}
        for _ in range(args.repeat):
            for name, run_env in runs:
                got[name].append(_child(folder, run_env))
        print(
            f"rules: {args.versions} exact prereleases, {args.per_package} per package rule,"
            f" {size:.2f} MB; {time.strftime('%Y-%m-%d %H:%M:%S')} load {os.getloadavg()[0]:.1f}"
        )
        for name, _ in runs:
            rows = got[name]
            med = [statistics.median(r[i] for r in rows) * 1000 for i in range(4)]
            label = "this tree" if name == "this" else f"{args.compare_src}"
            print(
                f"{label}: load wall {med[0]:9.1f} ms, CPU {med[1]:9.1f} ms;"
                f" first_match of every package rule: wall {med[2]:8.1f} ms, CPU {med[3]:8.1f} ms;"
                f" hits {sorted({r[4] for r in rows})}"
            )
    return 0


if __name__ == "__main__":
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    raise SystemExit(main())
