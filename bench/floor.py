"""Issue 17's floor, shared by the lockfile benchmarks: a program that starts Python, reads the
rules and the lockfile, runs one regex over the entry keys (headers) and intersects them with the
rule names. What a scan cannot beat; the CLI is timed against it in the same, interleaved runs.

Used by ``yarn_scan.py --floor`` and ``pnpm_scan.py --floor`` (loaded by path: bench/ is no
package); ``foundation_scan.py`` has the package-lock one.
"""

from __future__ import annotations

import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

# argv: the lockfile, then the rule files; the regex's group 1 is a package name.
FLOOR = r"""
import json, re, sys
names = set()
for path in sys.argv[3:]:
    with open(path, "rb") as fh:
        for rule in json.loads(fh.read())["rules"]:
            names.update(p["package_name"] for p in rule["package_rules"])
with open(sys.argv[2], "rb") as fh:
    data = fh.read()
keys = re.findall(sys.argv[1].encode(), data, re.MULTILINE)
print(len(names.intersection(k.decode() for k in keys)))
"""

# One entry header of each format, group 1 the (first) package name.
NPM_KEY = r'"(?:[^"]*/)?node_modules/((?:@[^/"]+/)?[^/"]+)":'  # foundation_scan.py's floor
YARN_CLASSIC_HEADER = r'^"?((?:@[^/\s"]+/)?[^@\s"/]+)@'
PNPM_KEY = r"^  '?/?((?:@[^/\s']+/)?[^@\s'/]+)@"


def load_sibling(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        name, Path(__file__).resolve().parent / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Ratio:
    cli_wall: float
    floor_wall: float
    cli_cpu: float
    floor_cpu: float
    before_wall: float | None = None  # the CLI of an older tree (``--before SRC``)
    before_cpu: float | None = None

    def lines(self, target: float) -> list[str]:
        before = []
        if self.before_wall is not None and self.before_cpu is not None:
            before = [
                f"CLI of the older tree (--before):        {self.before_wall * 1e3:7.1f} ms wall,"
                f" {self.before_cpu * 1e3:8.1f} ms CPU; ratio to the floor"
                f" {self.before_wall / self.floor_wall:.2f} wall,"
                f" {self.before_cpu / self.floor_cpu:.2f} CPU"
            ]
        return [
            *before,
            f"floor (start, read, one regex, names): {self.floor_wall * 1e3:8.1f} ms wall,"
            f" {self.floor_cpu * 1e3:8.1f} ms CPU",
            f"full CLI scan (process start included): {self.cli_wall * 1e3:7.1f} ms wall,"
            f" {self.cli_cpu * 1e3:8.1f} ms CPU",
            f"ratio CLI / floor: {self.cli_wall / self.floor_wall:.2f} wall,"
            f" {self.cli_cpu / self.floor_cpu:.2f} CPU (issue 17 target <= {target})",
        ]


def _run(cmd: list[str], ok: tuple[int, ...], pythonpath: str | None = None) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    # The tool as installed: with its bytecode cached (any PYTHONDONTWRITEBYTECODE recompiles).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    r = subprocess.run(cmd, capture_output=True, check=False, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode not in ok:
        raise SystemExit(f"{cmd[:3]} failed ({r.returncode}): {r.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def compare(
    lockfile: Path, rules: Path, header: str, repeat: int, before: str | None = None
) -> Ratio:
    """Medians of ``repeat`` interleaved runs of the CLI and of the floor (and of the CLI with
    ``PYTHONPATH=before``, an older tree's ``src``, when given)."""
    rule_files = sorted(str(p) for p in rules.glob("*.json"))
    cli = [sys.executable, "-m", "gouvernante", "-rules", str(rules), "-lockfile", str(lockfile)]
    cli.append("-json")
    floor = [sys.executable, "-c", FLOOR, header, str(lockfile), *rule_files]
    _run(cli, (0, 2))  # warm the page cache and the .pyc files
    _run(floor, (0,))
    cli_t: list[tuple[float, float]] = []
    floor_t: list[tuple[float, float]] = []
    before_t: list[tuple[float, float]] = []
    for _ in range(repeat):
        cli_t.append(_run(cli, (0, 2)))
        floor_t.append(_run(floor, (0,)))
        if before is not None:
            before_t.append(_run(cli, (0, 2), before))
    return Ratio(
        statistics.median(w for w, _ in cli_t),
        statistics.median(w for w, _ in floor_t),
        statistics.median(c for _, c in cli_t),
        statistics.median(c for _, c in floor_t),
        statistics.median(w for w, _ in before_t) if before_t else None,
        statistics.median(c for _, c in before_t) if before_t else None,
    )
