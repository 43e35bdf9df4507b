"""Time the pnpm-lock.yaml parser against PyYAML's libyaml loader on the same synthetic file.

    PYTHONPATH=src python bench/pnpm_scan.py [--packages 6000] [--repeat 5]
    python bench/pnpm_scan.py --floor --packages 50000 [--repeat 5]

Builds a lockfileVersion 9.0 file shaped like a real monorepo's (workspaces, scoped packages,
peer-suffixed snapshots, integrity hashes, engines/cpu/os, optional and transitive peer
dependencies), then reports the best of ``--repeat`` runs of ``yaml.load(CSafeLoader)``, of our
``parse`` and of the first ``details.edges()`` call.

``--floor``: the whole CLI with an 800-package rule set (half of it names packages of the file)
against issue 17's floor for pnpm keys (start, read, one regex over the package keys,
intersection with the rule names; ``floor.py``), medians of interleaved runs.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import yaml

from gouvernante.lockfiles import pnpm


def _integrity(seed: str) -> str:
    digest = hashlib.sha512(seed.encode()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def _quote(key: str) -> str:
    return f"'{key}'" if key.startswith("@") else key


def synthetic_lockfile(count: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    names = [f"@scope{i % 40}/lib-{i}" if i % 4 == 0 else f"pkg-{i}" for i in range(count)]
    versions = [f"{rng.randint(0, 20)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}" for _ in names]
    peers = {i for i in range(count) if i % 9 == 0}
    react = "react@18.2.0"
    out: list[str] = [
        "lockfileVersion: '9.0'",
        "",
        "settings:",
        "  autoInstallPeers: true",
        "  excludeLinksFromLockfile: false",
        "",
        "importers:",
        "",
    ]

    def ref(i: int) -> str:
        return f"{versions[i]}({react})" if i in peers else versions[i]

    for w in range(20):
        out.append("  .:" if w == 0 else f"  packages/app-{w}:")
        out.append("    dependencies:")
        for i in sorted(rng.sample(range(count), 30), key=lambda j: names[j]):
            out.append(f"      {_quote(names[i])}:")
            out.append(f"        specifier: ^{versions[i]}")
            out.append(f"        version: {ref(i)}")
        out.append("")
    out += ["packages:", ""]
    order = sorted(range(count), key=lambda j: names[j])
    for i in order:
        out.append(f"  {_quote(names[i] + '@' + versions[i])}:")
        out.append(f"    resolution: {{integrity: {_integrity(names[i])}}}")
        out.append("    engines: {node: '>=14'}")
        if i in peers:
            out.append("    peerDependencies:")
            out.append("      react: ^18.0.0")
        if i % 50 == 1:
            out.append("    cpu: [x64]")
            out.append("    os: [linux]")
        if i % 7 == 0:
            out.append("    hasBin: true")
        out.append("")
    out.append(f"  {_quote('react@18.2.0')}:")
    out.append(f"    resolution: {{integrity: {_integrity('react')}}}")
    out.append("")
    out += ["snapshots:", ""]
    for i in order:
        key = names[i] + "@" + ref(i)
        deps = sorted(
            {j for j in rng.sample(range(count), rng.randint(0, 8)) if j != i},
            key=lambda j: names[j],
        )
        if not deps and i not in peers:
            out.append(f"  {_quote(key)}: {{}}")
            out.append("")
            continue
        out.append(f"  {_quote(key)}:")
        out.append("    dependencies:")
        for j in deps:
            out.append(f"      {_quote(names[j])}: {ref(j)}")
        if i in peers:
            out.append("      react: 18.2.0")
            out.append("    transitivePeerDependencies:")
            out.append("      - supports-color")
        out.append("")
    out.append("  react@18.2.0: {}")
    out.append("")
    return "\n".join(out).encode()


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--packages", type=int, default=6000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--floor", action="store_true", help="CLI against the floor program")
    ap.add_argument("--before", help="with --floor: an older tree's src, timed the same way")
    args = ap.parse_args()
    if args.floor:
        floor_ratio(args.packages, args.repeat, args.before)
        return 0
    data = synthetic_lockfile(args.packages)
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        print("libyaml is not available: the comparison would be unfair", file=sys.stderr)
        return 1

    graph = pnpm.parse(data, "bench/pnpm-lock.yaml")
    edges = graph.details.edges()
    yaml_s = best(lambda: yaml.load(data, Loader=loader), args.repeat)
    parse_s = best(lambda: pnpm.parse(data, "bench/pnpm-lock.yaml"), args.repeat)
    edges_s = min(
        best(pnpm.parse(data, "bench/pnpm-lock.yaml").details.edges, 1) for _ in range(args.repeat)
    )
    print(
        f"file: {len(data) / 1e6:.2f} MB, {len(graph.packages)} packages, "
        f"{sum(len(v) for v in edges.values())} edges"
    )
    print(f"yaml.load CSafeLoader : {yaml_s * 1000:8.1f} ms")
    print(
        f"pnpm.parse            : {parse_s * 1000:8.1f} ms  "
        f"({parse_s / yaml_s:.2f}x the CSafeLoader time)"
    )
    print(f"details.edges()       : {edges_s * 1000:8.1f} ms (first call, after parse)")
    print(
        f"parse + edges         : {(parse_s + edges_s) * 1000:8.1f} ms  "
        f"({(parse_s + edges_s) / yaml_s:.2f}x)"
    )
    scan_s = cli_scan(data, args.repeat)
    print(
        f"full CLI scan         : {scan_s * 1000:8.1f} ms  ({scan_s / yaml_s:.2f}x; process start,"
        " bundled rule pack, report included)"
    )
    return 0 if scan_s <= yaml_s else 2


def floor_ratio(count: int, repeat: int, before: str | None = None) -> None:
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("floor", Path(__file__).parent / "floor.py")
    assert spec is not None and spec.loader is not None
    floor = importlib.util.module_from_spec(spec)
    sys.modules["floor"] = floor  # dataclasses look their module up
    spec.loader.exec_module(floor)
    rules_of = floor.load_sibling("foundation_scan").make_rules
    names = [f"@scope{i % 40}/lib-{i}" if i % 4 == 0 else f"pkg-{i}" for i in range(count)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lock = root / "pnpm-lock.yaml"
        lock.write_bytes(synthetic_lockfile(count))
        (root / "rules").mkdir()
        rules_of(root / "rules", names)
        ratio = floor.compare(lock, root / "rules", floor.PNPM_KEY, repeat, before)
        print(f"pnpm-lock 9.0, {count} packages, {lock.stat().st_size / 1e6:.1f} MB; 800 rules")
        print("\n".join(ratio.lines(2.0)))


def cli_scan(data: bytes, repeat: int) -> float:
    """Wall time of ``gouvernante -lockfile pnpm-lock.yaml -json`` (best of ``repeat``)."""
    with tempfile.TemporaryDirectory() as tmp:
        lock = os.path.join(tmp, "pnpm-lock.yaml")
        with open(lock, "wb") as fh:
            fh.write(data)
        cmd = [sys.executable, "-m", "gouvernante", "-lockfile", lock, "-json"]

        def run() -> None:
            r = subprocess.run(cmd, capture_output=True, check=False)
            if r.returncode not in (0, 2):
                raise SystemExit(r.stderr.decode())

        return best(run, repeat)


if __name__ == "__main__":
    # Time the tool as installed: with its bytecode cached. Any value of PYTHONDONTWRITEBYTECODE,
    # even "0", makes every run recompile the sources.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    raise SystemExit(main())
