"""Time ``scan_npm_cache`` on an npm cache with its index, then with ``index-v5`` moved away.

    PYTHONPATH=src python bench/npm_cache_content.py [--entries 50000] [--repeat 3]
        [--dir DIR] [--keep] [--states index,partial,no-index]

Builds ``<dir>/.npm/_cacache`` as npm writes it: ``--entries`` tarballs in ``content-v2``
(gzip, each a ``package/`` folder of 8 files, 2-40 KB of text, ``package.json`` fifth as
``npm pack`` orders a typical package), a registry document for every tenth, and one index line
per blob (tarball and document keys, one bucket per key). Two affected releases of the built-in
rules are planted among them. The scan runs ``--repeat`` times with the index (the normal case)
and then with ``index-v5`` renamed (decision 0090: each gzip blob is read to its package.json);
the best time of each and the findings are printed. ``--states`` picks among ``index`` (as
built), ``partial`` (the buckets of ``--orphans`` tarballs and of their registry documents moved
away: decision 0097, those blobs are read to their package.json) and ``no-index``. A ``--dir``
that holds a cache already is reused (so two source trees can be timed on the same cache).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import random
import shutil
import tarfile
import tempfile
import time
from pathlib import Path

from gouvernante.host.caches import scan_npm_cache
from gouvernante.host.reader import Collector
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rules

BUILTIN = Path(__file__).resolve().parent.parent / "src" / "gouvernante" / "rules" / "builtin"
PLANTED = [("axios", "1.14.1"), ("@ctrl/tinycolor", "4.1.1")]
REGISTRY = "make-fetch-happen:request-cache:https://registry.npmjs.org/"


# text to cut the files from: random enough that gzip keeps about a third of it
_POOL = "".join(f"exports.f{k} = {random.Random(k).random()};\n" for k in range(4000)).encode()


def _tarball(name: str, version: str, rng: random.Random) -> bytes:
    out = io.BytesIO()
    files = [f"lib/part{i}.js" for i in range(4)] + ["package.json", "README.md", "LICENSE"]
    files.append("x.d.ts")
    with tarfile.open(fileobj=out, mode="w:gz", compresslevel=6) as tar:
        for path in files:
            if path == "package.json":
                data = json.dumps(
                    {"name": name, "version": version, "main": "lib/part0.js"}
                ).encode()
            else:
                start = rng.randrange(len(_POOL) - 12_000)
                data = _POOL[start : start + rng.randint(1_000, 12_000)]
            info = tarfile.TarInfo(f"package/{path}")
            info.size = len(data)
            info.mtime = 499162500
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _put(cache: Path, key: str, data: bytes) -> None:
    digest = hashlib.sha512(data).digest()
    hexd = digest.hex()
    blob = cache / "_cacache" / "content-v2" / "sha512" / hexd[:2] / hexd[2:4] / hexd[4:]
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(data)
    body = json.dumps(
        {
            "key": key,
            "integrity": "sha512-" + base64.b64encode(digest).decode(),
            "time": 1795851049753,
            "size": len(data),
            "metadata": {
                "url": key.split(":", 2)[2],
                "reqHeaders": {},
                # as npm 11 records them (a document's JSON is what says its blob is no tarball)
                "resHeaders": {
                    "content-type": "application/octet-stream"
                    if key.endswith(".tgz")
                    else "application/json"
                },
            },
        },
        separators=(",", ":"),
    )
    kd = hashlib.sha256(key.encode()).hexdigest()
    bucket = cache / "_cacache" / "index-v5" / kd[:2] / kd[2:4] / kd[4:]
    bucket.parent.mkdir(parents=True, exist_ok=True)
    with bucket.open("a") as f:
        f.write("\n" + hashlib.sha1(body.encode()).hexdigest() + "\t" + body)


def build(cache: Path, entries: int) -> None:
    rng = random.Random(90)
    for i in range(entries):
        name, version = _release(i)
        base = name.rpartition("/")[2]
        _put(cache, f"{REGISTRY}{name}/-/{base}-{version}.tgz", _tarball(name, version, rng))
        if i % 10 == 9:
            doc = {"name": name, "versions": {version: {"dist": {"integrity": "sha512-x"}}}}
            _put(cache, f"{REGISTRY}{name}", json.dumps(doc).encode())


def _release(i: int) -> tuple[str, str]:
    return PLANTED[i] if i < len(PLANTED) else (f"cached-{i}", f"1.{i % 30}.{i % 7}")


def _bucket(cache: Path, key: str) -> Path:
    kd = hashlib.sha256(key.encode()).hexdigest()
    return cache / "_cacache" / "index-v5" / kd[:2] / kd[2:4] / kd[4:]


def _orphan_buckets(cache: Path, orphans: int) -> list[Path]:
    """The buckets of the first ``orphans`` tarballs (a planted one among them) and their
    documents: moved away, those tarballs are blobs no index line names."""
    out = []
    for i in range(1, orphans + 1):
        name, version = _release(i)
        base = name.rpartition("/")[2]
        out.append(_bucket(cache, f"{REGISTRY}{name}/-/{base}-{version}.tgz"))
        if i % 10 == 9:
            out.append(_bucket(cache, f"{REGISTRY}{name}"))
    return out


def timed(cache: Path, repeat: int) -> tuple[float, Collector]:
    rules = tuple(load_rules([str(BUILTIN)]).rules)
    best = float("inf")
    c = Collector(build_index(rules))
    for _ in range(repeat):
        c = Collector(build_index(rules))
        start = time.perf_counter()
        scan_npm_cache(str(cache), c)
        best = min(best, time.perf_counter() - start)
    return best, c


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--states", default="index,no-index", help="index, partial, no-index")
    ap.add_argument("--orphans", type=int, default=500, help="tarballs left unindexed (partial)")
    args = ap.parse_args()
    root = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="npm-cache-bench-"))
    cache = root / ".npm"
    try:
        if not (cache / "_cacache").is_dir():
            start = time.perf_counter()
            build(cache, args.entries)
            print(f"built {args.entries} tarballs in {time.perf_counter() - start:.1f} s")
        for state in args.states.split(","):
            label = {"index": "with index", "no-index": "index-v5 moved away"}.get(
                state, f"{args.orphans} tarballs' buckets moved away"
            )
            moved: list[tuple[Path, Path]] = []
            if state == "no-index":
                moved = [(cache / "_cacache" / "index-v5", root / "index-v5.away")]
            elif state == "partial":
                away = root / "buckets.away"
                away.mkdir(exist_ok=True)
                buckets = _orphan_buckets(cache, args.orphans)
                moved = [(b, away / f"{k}") for k, b in enumerate(buckets)]
            for here, there in moved:
                os.rename(here, there)
            try:
                best, c = timed(cache, args.repeat)
            finally:
                for here, there in moved:
                    os.rename(there, here)
            print(
                f"{label}: best of {args.repeat} {best * 1000:.0f} ms, {c.cache_entries} entries,"
                f" {len(c.findings)} findings, {len(c.errors)} errors, {len(c.notes)} notes"
            )
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
