"""The CI fan-out measured on one machine: the organisation of ``bench/org_scan.py`` read by N
``inventory add -shard I/N`` runs (the matrix jobs, run one after the other here), their SQLite
shards joined by ``inventory merge``, against one ``inventory add`` of the whole organisation;
both inventories' ``-inventory`` answers compared (they must be equal), and a second merge of the
same shards (idempotent: it adds nothing).

    python bench/org_merge.py [--repos 2000] [--commits 20] [--shards 8] [--keep DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from pathlib import Path
from types import ModuleType


def _org_scan() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "org_scan", Path(__file__).resolve().parent / "org_scan.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["org_scan"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _answer(report: bytes) -> tuple[list[str], int, int]:
    doc = json.loads(report)
    findings = sorted(
        json.dumps({k: v for k, v in f.items() if k != "id"}) for f in doc["findings"]
    )
    return findings, doc["summary"]["lockfiles_scanned"], doc["summary"]["packages_scanned"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repos", type=int, default=2000)
    ap.add_argument("--commits", type=int, default=20)
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--keep", type=Path, default=None, help="build the org here (once), keep it")
    ns = ap.parse_args()
    bench = _org_scan()
    work = ns.keep or Path(tempfile.mkdtemp(prefix="gouvernante-merge-"))
    org = work / "org"
    if not org.is_dir():
        bench.build_org(org, ns.repos, ns.commits)
    whole = work / "whole.sqlite"
    whole.unlink(missing_ok=True)
    t_whole, done = bench.gouvernante(
        "inventory", "add", "-db", str(whole), "-git", str(org), "-recursive"
    )
    bench._ok(done, (0,))
    cpu_whole = bench.CPU[-1]
    shards, t_shards, cpu_shards = [], [], []
    for i in range(1, ns.shards + 1):
        shard = work / f"shard-{i}-of-{ns.shards}.sqlite"
        shard.unlink(missing_ok=True)
        t, done = bench.gouvernante(
            "inventory", "add", "-db", str(shard), "-git", str(org), "-recursive",
            "-shard", f"{i}/{ns.shards}",
        )  # fmt: skip
        bench._ok(done, (0,))
        shards.append(str(shard))
        t_shards.append(t)
        cpu_shards.append(bench.CPU[-1])
    merged = work / "merged.sqlite"
    merged.unlink(missing_ok=True)
    t_merge, first = bench.gouvernante("inventory", "merge", "-db", str(merged), *shards)
    bench._ok(first, (0,))
    cpu_merge = bench.CPU[-1]
    t_again, again = bench.gouvernante("inventory", "merge", "-db", str(merged), *shards)
    bench._ok(again, (0,))
    cpu_again = bench.CPU[-1]
    answers = []
    for db in (whole, merged):
        _t, done = bench.gouvernante("-inventory", str(db), "-json")
        bench._ok(done, (0, 2))
        answers.append(_answer(done.stdout))
    sizes = [Path(s).stat().st_size for s in shards]
    print(f"organisation: {ns.repos} repositories x 3 branches, {ns.commits} commits of history")
    print("step                          wall s   CPU s")
    mib = whole.stat().st_size >> 20
    print(f"one inventory add           {t_whole:7.1f} {cpu_whole:7.1f}  ({mib} MiB)")
    print(
        f"{ns.shards} shard adds, in all       {sum(t_shards):7.1f} {sum(cpu_shards):7.1f}"
        f"  (slowest {max(t_shards):.1f} s wall, {max(cpu_shards):.1f} s CPU;"
        f" {sum(sizes) >> 20} MiB in all)"
    )
    said = first.stdout.decode().strip().split(": ", 1)[-1]
    print(f"merge of {ns.shards} shards           {t_merge:7.1f} {cpu_merge:7.1f}  {said}")
    said = again.stdout.decode().strip().split(": ", 1)[-1]
    print(f"merge again (idempotent)    {t_again:7.1f} {cpu_again:7.1f}  {said}")
    equal = answers[0] == answers[1]
    print(f"-inventory answers equal:     {equal} ({len(answers[0][0])} findings)")
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
