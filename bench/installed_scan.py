"""Installed packages: the ``-host`` tree scan against a plain ``os.scandir`` listing of the same
folders, same run.

    PYTHONPATH=src python bench/installed_scan.py [--packages 20000] [--repeat 7] [--dir DIR]

Builds ``--packages`` installed packages as npm and pnpm leave them: 8 npm projects (top-level,
scoped and nested packages, npm's hidden lockfile ``node_modules/.package-lock.json`` written
after the folders, as npm does) and 2 pnpm projects (``.pnpm/<name>@<version>/node_modules/<name>``
with the top-level symlinks and ``.modules.yaml``). Each package holds a package.json, an index.js
and a ``lib/`` folder. The bundled rules are loaded and two affected releases planted (one behind
an npm alias). The baseline lists exactly the folders the scan must visit (node_modules, @scope
folders, the pnpm store, each package's nested node_modules probe) with ``os.scandir`` and reads
nothing. The two alternate ``--repeat`` times after a warm-up; medians and their ratio are printed
(target: at most 2x), then the same scan with the records removed (every package.json read).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gouvernante.host.install_state import HIDDEN_LOCKFILE
from gouvernante.host.installed import scan_tree
from gouvernante.host.reader import Collector
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rules

BUILTIN = Path(__file__).resolve().parent.parent / "src" / "gouvernante" / "rules" / "builtin"
NPM_PROJECTS = 8
PNPM_PROJECTS = 2


def _package(path: Path, name: str, version: str) -> None:
    path.mkdir(parents=True)
    manifest = {"name": name, "version": version, "main": "index.js", "license": "MIT"}
    (path / "package.json").write_text(json.dumps(manifest, indent=2))
    (path / "index.js").write_text("module.exports = 1;\n")
    (path / "lib").mkdir()
    (path / "lib" / "util.js").write_text("exports.x = 1;\n")


def _npm_project(project: Path, count: int, planted: bool) -> None:
    nm = project / "node_modules"
    record: dict[str, dict[str, str]] = {}
    made = i = 0
    while made < count:
        folder = f"@org{i % 20}/pkg-{i}" if i % 6 == 0 else f"pkg-{i}"
        name, version = folder, f"2.{i % 13}.{i % 5}"
        if planted and i == 1:
            name, version = "axios", "1.14.1"  # behind the alias pkg-1
        _package(nm / folder, name, version)
        record[f"node_modules/{folder}"] = {"version": version}
        if name != folder:
            record[f"node_modules/{folder}"]["name"] = name
        made += 1
        if i % 4 == 0 and made < count:
            nested = f"node_modules/{folder}/node_modules/nested-{i % 3}"
            _package(project / nested, f"nested-{i % 3}", f"0.{i % 9}.0")
            record[nested] = {"version": f"0.{i % 9}.0"}
            made += 1
        i += 1
    (project / "package.json").write_text('{"name":"app","version":"1.0.0"}')
    doc = {"name": "app", "lockfileVersion": 3, "requires": True, "packages": record}
    (nm / HIDDEN_LOCKFILE).write_text(json.dumps(doc, indent=2))  # written last, as npm does


def _pnpm_project(project: Path, count: int, planted: bool) -> None:
    nm = project / "node_modules"
    store = nm / ".pnpm"
    for i in range(count):
        name = f"@org{i % 20}/p-{i}" if i % 6 == 0 else f"p-{i}"
        version = f"1.{i % 11}.0"
        if planted and i == 2:
            name, version = "@ctrl/tinycolor", "4.1.1"
        target = store / f"{name.replace('/', '+')}@{version}" / "node_modules" / name
        _package(target, name, version)
        link = nm / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(target, link.parent))
    (nm / ".modules.yaml").write_text("layoutVersion: 5\nvirtualStoreDir: .pnpm\n")
    (project / "package.json").write_text('{"name":"app","version":"1.0.0"}')


def build(root: Path, packages: int) -> list[str]:
    per = packages // (NPM_PROJECTS + PNPM_PROJECTS)
    roots = []
    for p in range(NPM_PROJECTS):
        _npm_project(root / f"npm{p}", per, planted=p == 0)
        roots.append(str(root / f"npm{p}" / "node_modules"))
    for p in range(PNPM_PROJECTS):
        _pnpm_project(root / f"pnpm{p}", per, planted=p == 0)
        roots.append(str(root / f"pnpm{p}" / "node_modules"))
    return roots


def listing(root: str) -> int:
    """The folders a tree scan visits, listed with ``os.scandir``; nothing read."""
    seen = 0
    stack = [root]
    while stack:
        nm = stack.pop()
        try:
            it = os.scandir(nm)
        except OSError:
            continue
        with it:
            for e in it:
                if not e.is_dir(follow_symlinks=False):
                    continue
                if e.name.startswith("@"):
                    with os.scandir(e.path) as scope:
                        for s in scope:
                            if s.is_dir(follow_symlinks=False):
                                seen += 1
                                stack.append(s.path + "/node_modules")
                elif e.name == ".pnpm":
                    with os.scandir(e.path) as store:
                        stack.extend(s.path + "/node_modules" for s in store if s.is_dir())
                elif not e.name.startswith("."):
                    seen += 1
                    stack.append(e.path + "/node_modules")
    return seen


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--packages", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--dir", help="build (and keep) the trees here; reused when built")
    args = ap.parse_args()
    base = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="gouv-installed-"))
    marker = base / "built.json"
    if not (marker.exists() and json.loads(marker.read_text()) == args.packages):
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        build(base, args.packages)
        marker.write_text(json.dumps(args.packages))
    roots = [str(p / "node_modules") for p in sorted(base.iterdir()) if p.is_dir()]
    index = build_index(load_rules([str(BUILTIN)]).rules)

    def scan() -> Collector:
        collector = Collector(index)
        for r in roots:
            scan_tree(r, collector, where="bench")
        return collector

    try:
        folders = sum(listing(r) for r in roots)  # warm-up: the page cache holds both
        result = scan()
        base_t: list[float] = []
        scan_t: list[float] = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            sum(listing(r) for r in roots)
            base_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            result = scan()
            scan_t.append(time.perf_counter() - t0)
        b, s = statistics.median(base_t), statistics.median(scan_t)
        hidden = [Path(r) / HIDDEN_LOCKFILE for r in roots] + [
            Path(r) / ".modules.yaml" for r in roots
        ]
        saved = {p: p.read_bytes() for p in hidden if p.exists()}
        for p in saved:
            p.unlink()
        try:
            full_t = []
            for _ in range(max(3, args.repeat // 2)):
                t0 = time.perf_counter()
                full = scan()
                full_t.append(time.perf_counter() - t0)
        finally:
            for p, data in saved.items():
                p.write_bytes(data)
                os.utime(p)
        findings = sorted(f"{f.package}@{f.version}" for f in result.findings)
        assert findings == sorted(f"{f.package}@{f.version}" for f in full.findings)
        print(
            f"{result.installed} installed packages in {len(roots)} trees ({folders} package"
            f" folders listed by the baseline); findings: {', '.join(findings)}\n"
            f"os.scandir listing (median of {args.repeat}): {b * 1000:.0f} ms\n"
            f"tree scan with the records (median): {s * 1000:.0f} ms"
            f" -> {s / b:.2f}x (target <= 2x)\n"
            f"tree scan reading every package.json (median): {statistics.median(full_t) * 1000:.0f}"
            f" ms -> {statistics.median(full_t) / b:.2f}x"
        )
    finally:
        if not args.dir:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
