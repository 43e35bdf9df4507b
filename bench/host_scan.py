"""Time ``run_host_scan`` against a plain ``os.walk`` over the same synthetic home.

    PYTHONPATH=src python bench/host_scan.py [--packages 200000] [--cache-entries 50000]
        [--subdirs 1] [--repeat 3] [--dir DIR] [--keep]

Builds a home with an npm ``_cacache/index-v5`` of ``--cache-entries`` index entries (tarball
and packument keys, one bucket file per key as npm writes them) and ``--packages`` installed
packages across nested ``node_modules`` (20 projects plus an nvm global install; scoped
packages, two levels of nesting, a pnpm virtual store in one project). Each package holds a
package.json, an index.js, a README.md and ``--subdirs`` sub-folders (``lib/``...) with one file
each. The built-in rules are loaded, and a few affected releases are planted so there are
findings. The walk and the scan alternate ``--repeat`` times after one warm-up walk; the best
time of each is reported, with the ratio.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from gouvernante.host.checks import run_host_scan
from gouvernante.host.context import HostContext
from gouvernante.rules.loader import load_rules
from gouvernante.rules.model import OperatingSystem

BUILTIN = Path(__file__).resolve().parent.parent / "src" / "gouvernante" / "rules" / "builtin"
PLANTED = [("axios", "1.14.1"), ("@ctrl/tinycolor", "4.1.1")]


def _package(path: Path, name: str, version: str, subdirs: int) -> None:
    path.mkdir(parents=True)
    manifest = {
        "name": name,
        "version": version,
        "description": f"synthetic package {name}",
        "main": "index.js",
        "license": "MIT",
        "dependencies": {"dep-a": "^1.0.0", "dep-b": "~2.1.0"},
        "scripts": {"test": "node test.js"},
    }
    (path / "package.json").write_text(json.dumps(manifest, indent=2))
    (path / "index.js").write_text("module.exports = 1;\n")
    (path / "README.md").write_text(f"# {name}\n")
    for d in range(subdirs):
        sub = path / ("lib", "dist", "types", "src")[d % 4]
        sub.mkdir()
        (sub / "index.js").write_text("exports.x = 1;\n")


def build_home(root: Path, packages: int, cache_entries: int, subdirs: int) -> None:
    home = root / "home"
    # npm cache: one bucket file per key, as cacache hashes keys.
    index = home / ".npm" / "_cacache" / "index-v5"
    for i in range(cache_entries):
        name = f"@scope{i % 50}/cached-{i}" if i % 5 == 0 else f"cached-{i}"
        base = name.rpartition("/")[2]
        if i % 10 == 9:
            key = f"make-fetch-happen:request-cache:https://registry.npmjs.org/{name}"
        else:
            key = (
                f"make-fetch-happen:request-cache:https://registry.npmjs.org/{name}/-/"
                f"{base}-1.{i % 30}.{i % 7}.tgz"
            )
        if i < len(PLANTED):
            pname, pver = PLANTED[i]
            pbase = pname.rpartition("/")[2]
            key = (
                f"make-fetch-happen:request-cache:https://registry.npmjs.org/{pname}/-/"
                f"{pbase}-{pver}.tgz"
            )
        body = json.dumps(
            {
                "key": key,
                "integrity": "sha512-" + hashlib.sha256(key.encode()).hexdigest(),
                "time": 1795851049753,
                "size": 1234,
                "metadata": {"url": key.split(":", 2)[2], "reqHeaders": {}, "resHeaders": {}},
            },
            separators=(",", ":"),
        )
        digest = hashlib.sha256(key.encode()).hexdigest()
        bucket = index / digest[:2] / digest[2:4] / digest[4:]
        bucket.parent.mkdir(parents=True, exist_ok=True)
        line = hashlib.sha1(body.encode()).hexdigest() + "\t" + body
        bucket.write_text("\n" + line)
    # Installed packages: 20 projects and one nvm global install; each top-level package has a
    # nested node_modules with 3 packages, one of which has 1 more nested level.
    trees = [home / "projects" / f"p{p}" for p in range(20)]
    trees.append(home / ".nvm" / "versions" / "node" / "v20.11.0" / "lib")
    per_tree = packages // len(trees)
    made = 0
    for t, tree in enumerate(trees):
        tree.mkdir(parents=True, exist_ok=True)
        if t < 20:
            (tree / "package.json").write_text('{"name":"app","version":"1.0.0"}')
        nm = tree / "node_modules"
        count = 0
        i = 0
        pnpm = t == 0
        while count < per_tree and made < packages:
            name = f"@org{i % 30}/pkg-{i}" if i % 6 == 0 else f"pkg-{i}"
            if t == 1 and i < len(PLANTED):
                name = PLANTED[i][0]
            version = PLANTED[i][1] if t == 1 and i < len(PLANTED) else f"2.{i % 13}.{i % 5}"
            if pnpm:
                store_dir = name.replace("/", "+") + "@" + version
                top = nm / ".pnpm" / store_dir / "node_modules" / name
            else:
                top = nm / name
            _package(top, name, version, subdirs)
            count += 1
            made += 1
            for j in range(3):
                if count >= per_tree or made >= packages:
                    break
                nested = top / "node_modules" / f"nested-{j}"
                _package(nested, f"nested-{j}", f"0.{i % 9}.{j}", subdirs)
                count += 1
                made += 1
                if j == 0 and count < per_tree and made < packages:
                    deeper = nested / "node_modules" / "deep"
                    _package(deeper, "deep", f"3.{i % 4}.0", subdirs)
                    count += 1
                    made += 1
            i += 1


def plain_walk(root: Path) -> int:
    n = 0
    for _dirpath, _dirnames, filenames in os.walk(root):
        n += 1 + len(filenames)
    return n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--packages", type=int, default=200_000)
    ap.add_argument("--cache-entries", type=int, default=50_000)
    ap.add_argument("--subdirs", type=int, default=1, help="sub-folders per package (lib/...)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", help="build (or reuse, with --keep) the home here")
    ap.add_argument("--keep", action="store_true", help="keep the synthetic home")
    args = ap.parse_args()

    root = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="gouv-host-bench-"))
    marker = root / "built.json"
    spec = {"packages": args.packages, "cache": args.cache_entries, "subdirs": args.subdirs}
    if not (marker.exists() and json.loads(marker.read_text()) == spec):
        if root.exists():
            shutil.rmtree(root / "home", ignore_errors=True)
        t0 = time.perf_counter()
        build_home(root, args.packages, args.cache_entries, args.subdirs)
        marker.write_text(json.dumps(spec))
        print(f"built synthetic home in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    home = root / "home"
    rules = load_rules([str(BUILTIN)]).rules
    ctx = HostContext(
        home=str(home), os=OperatingSystem.LINUX, env={}, system_root=str(root / "no-system")
    )
    projects = sorted(str(p) for p in (home / "projects").iterdir())
    try:
        entries = plain_walk(home)  # warm-up: the page cache holds the tree for both
        walks: list[float] = []
        scans: list[float] = []
        result = None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            plain_walk(home)
            walks.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            result = run_host_scan(rules, ctx, projects)
            scans.append(time.perf_counter() - t0)
        assert result is not None
        walk_s, scan_s = min(walks), min(scans)
        print(
            f"tree: {entries} directories and files; rules: {len(rules)}\n"
            f"run_host_scan: {result.installed_packages} installed packages,"
            f" {result.cache_entries} cache entries, {len(result.findings)} findings,"
            f" {len(result.errors)} errors\n"
            f"os.walk (best of {args.repeat}): {walk_s:.3f}s\n"
            f"run_host_scan (best of {args.repeat}): {scan_s:.3f}s\n"
            f"ratio: {scan_s / walk_s:.2f}x (target <= 1.5x)"
        )
        for f in result.findings:
            print(f"  {f.rule_id} {f.type.value} {f.package}@{f.version} {f.path}")
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
