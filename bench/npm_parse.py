"""Time the npm lockfile parser against ``json.loads`` on a synthetic v3 package-lock.

    PYTHONPATH=src python bench/npm_parse.py [entries] [rounds]

Builds a lockfileVersion 3 file shaped like a big monorepo's (nested ``node_modules`` keys,
scoped names, sha512 integrity, dependency maps, engines, licenses) in a temporary directory,
then times, in the same run, ``json.loads`` of its bytes and ``gouvernante.lockfiles.npm.parse``
(best CPU time of several interleaved rounds each) and prints both and their ratio.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gouvernante.lockfiles import npm


def synthetic_lock(entries: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    names = [
        f"@scope{i % 97}/pkg-{i}" if i % 5 == 0 else f"package-number-{i}" for i in range(entries)
    ]
    packages: dict[str, Any] = {
        "": {
            "name": "bench-monorepo",
            "version": "1.0.0",
            "workspaces": ["packages/*"],
            "dependencies": {n: "^1.0.0" for n in names[:200]},
        }
    }
    for i, name in enumerate(names):
        if i % 4 == 3:  # a nested copy under an earlier package
            parent = names[rng.randrange(0, max(i, 1))]
            key = f"node_modules/{parent}/node_modules/{name}"
        else:
            key = f"node_modules/{name}"
        version = f"{rng.randrange(0, 20)}.{rng.randrange(0, 30)}.{rng.randrange(0, 40)}"
        digest = base64.b64encode(hashlib.sha512(key.encode()).digest()).decode()
        base = name.rpartition("/")[2]
        entry: dict[str, Any] = {
            "version": version,
            "resolved": f"https://registry.npmjs.org/{name}/-/{base}-{version}.tgz",
            "integrity": f"sha512-{digest}",
            "license": "MIT",
        }
        deps = rng.sample(names, k=rng.randrange(0, 6))
        if deps:
            entry["dependencies"] = {d: f"^{rng.randrange(0, 9)}.0.0" for d in deps}
        if i % 3 == 0:
            entry["engines"] = {"node": ">=14"}
        if i % 11 == 0:
            entry["dev"] = True
        if i % 17 == 0:
            entry["bin"] = {base: "bin/cli.js"}
        packages[key] = entry
    lock = {
        "name": "bench-monorepo",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": True,
        "packages": packages,
    }
    return (json.dumps(lock, indent=2) + "\n").encode()


def best_of(rounds: int, fn: Any) -> float:
    best = float("inf")
    for _ in range(rounds):
        gc.collect()
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "package-lock.json"
        path.write_bytes(synthetic_lock(entries))
        data = path.read_bytes()
    count = len(npm.parse(data, str(path)).packages)
    # Interleaved rounds, best of each: the machine's load affects both sides alike.
    t_json = t_parse = float("inf")
    for _ in range(rounds):
        t_json = min(t_json, best_of(1, lambda: json.loads(data)))
        t_parse = min(t_parse, best_of(1, lambda: npm.parse(data, str(path))))
    t_edges = best_of(1, lambda: npm.parse(data, str(path)).details.edges())  # noqa: PLW0108
    print(f"entries: {count}  size: {len(data) / 1e6:.1f} MB")
    print(f"json.loads:      {t_json * 1000:8.1f} ms")
    print(f"npm.parse:       {t_parse * 1000:8.1f} ms")
    print(f"ratio parse/json: {t_parse / t_json:.2f}  ({t_json / t_parse:.1f}x faster)")
    print(f"parse + edges(): {t_edges * 1000:8.1f} ms (lazy, only when a finding needs paths)")


if __name__ == "__main__":
    main()
