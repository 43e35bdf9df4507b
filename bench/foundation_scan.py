"""Foundation benchmark: a synthetic package-lock v3 (50,000+ entries, ~16 MB) scanned against an
800-package rule set, next to merely parsing the same file with the stdlib ``json``, same run.

    python bench/foundation_scan.py [--entries 52000] [--repeat 5]

Prints the median wall times and the ratio (target: full CLI scan, process start included, at or
below the stdlib parse-only time).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _name(rng: random.Random, i: int) -> str:
    stem = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 10)))
    if i % 7 == 0:
        return f"@scope{i % 97}/{stem}-{i}"
    return f"{stem}-{i}"


def make_lockfile(path: Path, entries: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    names = [_name(rng, i) for i in range(entries // 2)]
    packages: dict[str, object] = {
        "": {
            "name": "bench-app",
            "version": "1.0.0",
            "dependencies": {n: "^1.0.0" for n in names[:40]},
        }
    }
    i = 0
    while len(packages) < entries + 1:
        name = names[i % len(names)]
        nested = i >= len(names)
        key = f"node_modules/{name}"
        if nested:
            parent = names[(i * 31) % len(names)]
            key = f"node_modules/{parent}/node_modules/{name}"
        version = f"{rng.randint(0, 12)}.{rng.randint(0, 30)}.{rng.randint(0, 40)}"
        digest = base64.b64encode(hashlib.sha512(key.encode()).digest()).decode()
        base = name.rsplit("/", 1)[-1]
        entry: dict[str, object] = {
            "version": version,
            "resolved": f"https://registry.npmjs.org/{name}/-/{base}-{version}.tgz",
            "integrity": f"sha512-{digest}",
            "license": "MIT",
        }
        deps = {
            names[(i * 7 + k) % len(names)]: f"^{rng.randint(0, 5)}.0.0"
            for k in range(rng.randint(0, 5))
        }
        if deps:
            entry["dependencies"] = deps
        if rng.random() < 0.3:
            entry["dev"] = True
        if rng.random() < 0.1:
            entry["engines"] = {"node": ">=14"}
        packages[key] = entry
        i += 1
    doc = {
        "name": "bench-app",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": True,
        "packages": packages,
    }
    path.write_text(json.dumps(doc, indent=2))
    return names


def make_rules(directory: Path, names: list[str], count: int = 800, seed: int = 11) -> None:
    rng = random.Random(seed)
    chosen = rng.sample(names, count // 2) + [
        f"absent-package-{k}" for k in range(count - count // 2)
    ]
    rules = []
    for k in range(0, count, 10):
        rules.append(
            {
                "id": f"BENCH-{k:04d}",
                "title": f"bench rule {k}",
                "kind": "compromised-release",
                "ecosystem": "npm",
                "severity": "high",
                "package_rules": [
                    {"package_name": n, "affected_versions": ["=1.2.3", ">=11.29.0 <11.30.0"]}
                    for n in chosen[k : k + 10]
                ],
            }
        )
    (directory / "bench-rules.json").write_text(
        json.dumps({"schema_version": "1.0.0", "rules": rules})
    )


# The "floor" of issue 17: start Python, read the file, one regex over the entry keys, intersect
# with the rule names. What a scan cannot beat; the target is CLI <= 1.6x this, same run.
_FLOOR = r"""
import json, re, sys
names = set()
for path in sys.argv[2:]:
    with open(path, "rb") as fh:
        for rule in json.loads(fh.read())["rules"]:
            names.update(p["package_name"] for p in rule["package_rules"])
with open(sys.argv[1], "rb") as fh:
    data = fh.read()
keys = re.findall(rb'"(?:[^"]*/)?node_modules/((?:@[^/"]+/)?[^/"]+)":', data)
print(len(names.intersection(k.decode() for k in keys)))
"""


def _time(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _before_after(entries: int, repeat: int, before: str) -> int:
    """The CLI of this tree and of ``before`` (``PYTHONPATH``) against the floor, interleaved."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("floor", Path(__file__).parent / "floor.py")
    assert spec is not None and spec.loader is not None
    floor = importlib.util.module_from_spec(spec)
    sys.modules["floor"] = floor  # dataclasses look their module up
    spec.loader.exec_module(floor)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lock = root / "package-lock.json"
        names = make_lockfile(lock, entries)
        (root / "rules").mkdir()
        make_rules(root / "rules", names)
        ratio = floor.compare(lock, root / "rules", floor.NPM_KEY, repeat, before)
        print(f"package-lock v3, {entries} entries, {lock.stat().st_size / 1e6:.1f} MB; 800 rules")
        print("\n".join(ratio.lines(1.6)))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=52_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument(
        "--before",
        help="an older tree's src: only the CLI of both trees and the floor, timed by floor.py",
    )
    args = ap.parse_args()
    if args.before:
        return _before_after(args.entries, args.repeat, args.before)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lock = root / "package-lock.json"
        names = make_lockfile(lock, args.entries)
        rules_dir = root / "rules"
        rules_dir.mkdir()
        make_rules(rules_dir, names)
        size_mb = lock.stat().st_size / 1e6

        def stdlib_parse() -> None:
            with open(lock, "rb") as fh:
                json.loads(fh.read())

        cmd = [
            sys.executable,
            "-m",
            "gouvernante",
            "-rules",
            str(rules_dir),
            "-lockfile",
            str(lock),
            "-json",
        ]

        def cli_scan() -> None:
            r = subprocess.run(cmd, capture_output=True, check=False)
            if r.returncode not in (0, 2):
                raise SystemExit(f"scan failed: {r.stderr.decode()}")

        floor_cmd = [sys.executable, "-c", _FLOOR, str(lock), str(rules_dir / "bench-rules.json")]

        def floor() -> None:
            subprocess.run(floor_cmd, capture_output=True, check=True)

        def python_start() -> None:
            subprocess.run([sys.executable, "-c", "pass"], check=True)

        clean_rules = root / "clean-rules"
        clean_rules.mkdir()
        make_rules(clean_rules, [f"not-in-the-lockfile-{k}" for k in range(800)])
        clean_cmd = [*cmd[:4], str(clean_rules), *cmd[5:]]

        def clean_scan() -> None:
            r = subprocess.run(clean_cmd, capture_output=True, check=False)
            if r.returncode != 0:
                raise SystemExit(f"clean scan failed: {r.stderr.decode()}")

        cli_scan()  # warm the page cache and .pyc files
        clean_scan()
        # Interleaved, so a change of machine load hits both sides alike; medians of each side.
        parse_times: list[float] = []
        scan_times: list[float] = []
        clean_times: list[float] = []
        floor_times: list[float] = []
        for _ in range(args.repeat):
            parse_times.append(_time(stdlib_parse, 1))
            scan_times.append(_time(cli_scan, 1))
            clean_times.append(_time(clean_scan, 1))
            floor_times.append(_time(floor, 1))
        parse_t = statistics.median(parse_times)
        scan_t = statistics.median(scan_times)
        clean_t = statistics.median(clean_times)
        floor_t = statistics.median(floor_times)
        start_t = _time(python_start, args.repeat)
        report = json.loads(subprocess.run(cmd, capture_output=True, check=False).stdout)
        print(f"lockfile: {args.entries} entries, {size_mb:.1f} MB; rules: 800 package rules")
        summary = report["summary"]
        print(f"findings: {summary['total_findings']}, ", end="")
        print(f"packages scanned: {summary['packages_scanned']}")
        print(f"stdlib json.loads parse only (in-process): {parse_t * 1000:8.1f} ms")
        print(f"bare python start (python -c pass):        {start_t * 1000:8.1f} ms")
        print(f"floor (start, read, one regex, names):     {floor_t * 1000:8.1f} ms")
        print(f"full CLI scan (process start included):    {scan_t * 1000:8.1f} ms")
        print(f"same scan, rules naming nothing in it:     {clean_t * 1000:8.1f} ms")
        print(f"ratio scan / stdlib parse: {scan_t / parse_t:.2f} (target <= 1.00)")
        print(f"ratio clean scan / stdlib parse: {clean_t / parse_t:.2f}")
        print(f"ratio scan / floor: {scan_t / floor_t:.2f} (issue 17 target <= 1.6)")
    return 0


if __name__ == "__main__":
    # Time the tool as installed: with its bytecode cached. Any value of PYTHONDONTWRITEBYTECODE,
    # even "0", makes every run recompile the sources.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    raise SystemExit(main())
