"""Heuristic engine speed: ``scan_tree`` per 1,000 installed packages next to a plain read of the
same files, same run.

    PYTHONPATH=src python bench/heuristic_scan.py [TREE...] [--workers 2] [--repeat 3]
        [--packages 1000] [--keep]

TREE is an installed ``node_modules`` (e.g. some of the FP corpus trees that
``scripts/heuristic-fp/build_corpus.py`` installs: WORKDIR/trees/*/node_modules); several are
scanned as one run, each name@version once. Without TREE a synthetic tree of ``--packages``
packages is built from realistic library code (a few hundred KB per 100 packages, some install
scripts, some bundles), with the recall fixtures planted so there are findings.

The baseline walks the same package folders with the engine's own file selection and reads every
selected file's bytes (``open``/``read``, nothing else). Both run ``--repeat`` times after one
warm-up read (page cache warm); the best time of each is reported, per 1,000 packages, with the
ratio, and the CPU time of both (this process and the scan's workers): on a shared machine the
wall time follows the load, the CPU time much less.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

from gouvernante.heuristic import engine
from gouvernante.heuristic import files as files_mod

ROOT = Path(__file__).resolve().parents[1]
RECALL = ROOT / "tests" / "heuristic" / "fixtures" / "recall"

_LIB = """'use strict';
const path = require('path');
const fs = require('fs');
function resolveConfig(dir, name) {{
  const candidates = ['.{n}rc', '.{n}rc.json', '{n}.config.js'].map(f => path.join(dir, f));
  for (const c of candidates) if (fs.existsSync(c)) return c;
  return null;
}}
function parse(text) {{
  const out = {{}};
  for (const line of String(text).split(/\\r?\\n/)) {{
    const m = /^\\s*([\\w.-]+)\\s*=\\s*(.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }}
  return out;
}}
class Cache {{
  constructor(limit) {{ this.limit = limit || {k}; this.map = new Map(); }}
  get(key) {{ const v = this.map.get(key); if (v !== undefined) {{ this.map.delete(key); this.map.set(key, v); }} return v; }}
  set(key, value) {{ this.map.set(key, value); if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value); }}
}}
module.exports = {{ resolveConfig, parse, Cache, version: '{k}.0.0' }};
"""  # noqa: E501


def build_tree(root: Path, packages: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    nm = root / "node_modules"
    for i in range(packages):
        name = f"@s{i % 13}/pkg{i}" if i % 5 == 0 else f"pkg{i}"
        d = nm / name if i % 9 else nm / f"pkg{i - 1}" / "node_modules" / f"pkg{i}"
        d.mkdir(parents=True, exist_ok=True)
        scripts = '"scripts": {"postinstall": "node install.js"}, ' if i % 25 == 0 else ""
        (d / "package.json").write_text(
            f'{{"name": "{name}", "version": "1.{i % 7}.0", {scripts}"main": "index.js"}}'
        )
        body = _LIB.format(n=f"tool{i}", k=i)
        (d / "index.js").write_text(body)
        (d / "lib").mkdir(exist_ok=True)
        for j in range(rng.randint(2, 6)):
            (d / "lib" / f"part{j}.js").write_text(body * rng.randint(1, 4))
        (d / "README.md").write_text("# readme\n" * 20)
        if i % 25 == 0:
            (d / "install.js").write_text(
                "const https = require('https');\nconst cp = require('child_process');\n"
                "https.get('https://registry.npmjs.org/x', r => cp.execFileSync('true'));\n"
            )
        if i % 50 == 0:
            (d / "dist").mkdir(exist_ok=True)
            (d / "dist" / "bundle.min.js").write_text((body.replace("\n", ";") * 200)[:600_000])
    for case in sorted(os.listdir(RECALL)):
        shutil.copytree(RECALL / case, nm / f"planted-{case}")


def plain_read(trees: list[str]) -> tuple[int, int]:
    stats = files_mod.Stats()
    files = total = 0
    seen: set[tuple[str, ...]] = set()
    for pkg in [p for tree in trees for p in engine.unique_packages(tree, stats, seen)]:
        for path, _shebang in files_mod.package_files(pkg, stats):
            with open(path, "rb") as fh:
                total += len(fh.read())
            files += 1
    return files, total


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the scan's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("tree", nargs="*")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--packages", type=int, default=1000)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    tmp: str | None = None
    trees: list[str] = list(args.tree)
    if not trees:
        tmp = tempfile.mkdtemp(prefix="heuristic-bench-")
        build_tree(Path(tmp), args.packages)
        trees = [tmp]
    try:
        seen: set[tuple[str, ...]] = set()
        packages = sum(len(engine.unique_packages(t, None, seen)) for t in trees)
        files, size = plain_read(trees)  # warm-up
        read_best = scan_best = read_cpu = scan_cpu = float("inf")
        hits_n = 0
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), _cpu()
            plain_read(trees)
            read_best = min(read_best, time.perf_counter() - t0)
            read_cpu = min(read_cpu, _cpu() - c0)
            t0, c0 = time.perf_counter(), _cpu()
            hits, _notes = engine.scan_trees(trees, workers=args.workers)
            scan_best = min(scan_best, time.perf_counter() - t0)
            scan_cpu = min(scan_cpu, _cpu() - c0)
            hits_n = len(hits)
        per_k = 1000 / max(packages, 1)
        print(f"trees: {', '.join(trees)}")
        print(f"packages: {packages}, code files: {files}, {size / 1e6:.1f} MB, hits: {hits_n}")
        print(
            f"plain read : {read_best:.2f} s  ({read_best * per_k:.2f} s per 1,000 packages, "
            f"{1000 * read_best / max(packages, 1):.2f} ms per package)"
        )
        print(
            f"scan       : {scan_best:.2f} s  ({scan_best * per_k:.2f} s per 1,000 packages, "
            f"{1000 * scan_best / max(packages, 1):.2f} ms per package, workers={args.workers})"
        )
        print(f"ratio scan/read: {scan_best / read_best:.1f}x")
        print(
            f"CPU time (all processes): plain read {read_cpu:.2f} s "
            f"({1000 * read_cpu / max(packages, 1):.2f} ms per package), scan {scan_cpu:.2f} s "
            f"({1000 * scan_cpu / max(packages, 1):.2f} ms per package), "
            f"ratio {scan_cpu / max(read_cpu, 1e-9):.1f}x"
        )
    finally:
        if tmp is not None and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
