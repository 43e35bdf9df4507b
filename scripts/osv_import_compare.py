"""Compare two OSV imports of the same feed: what changed, warnings, time.

Runs the importer of each source tree in its own process (so two versions of the package can be
compared), three times each, alternating, and prints the rule-level differences and the median
CPU and wall time of the conversion (reading + converting, not writing).

  git archive <old-commit> src | tar -x -C /tmp/old
  python scripts/osv_import_compare.py --old /tmp/old/src --new src FEED [--narrow]

FEED is anything ``rules import osv`` takes: a record, a folder of records, a ``.zip``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

_CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from gouvernante.rules.importers import import_rules
options = {"narrow": "yes"} if sys.argv[4] == "narrow" else {}
wall, cpu = time.perf_counter(), time.process_time()
documents, warnings = import_rules("osv", [sys.argv[2]], options)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
rules = {
    r["id"]: {p["package_name"]: p["affected_versions"] for p in r["package_rules"]}
    for _, rs in documents for r in rs
}
with open(sys.argv[3], "w") as fh:
    json.dump({"rules": rules, "warnings": warnings, "wall": wall, "cpu": cpu}, fh)
"""


def _run(src: str, feed: str, mode: str, out: Path) -> dict[str, Any]:
    subprocess.run([sys.executable, "-c", _CHILD, src, feed, str(out), mode], check=True)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def _shape(expressions: list[str] | None) -> str:
    if expressions is None:
        return "absent"
    if expressions == ["*"]:
        return "every version"
    if all(e.startswith("=") for e in expressions):
        return "listed versions"
    return "ranges"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="src/ folder of the old version")
    parser.add_argument("--new", required=True, help="src/ folder of the new version")
    parser.add_argument("--narrow", action="store_true", help="run the new version with narrow")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("feed")
    ns = parser.parse_args()
    mode = "narrow" if ns.narrow else "union"
    runs: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(ns.runs):
            runs["old"].append(_run(ns.old, ns.feed, "union", Path(tmp) / f"old{n}.json"))
            runs["new"].append(_run(ns.new, ns.feed, mode, Path(tmp) / f"new{n}.json"))
    old, new = runs["old"][0], runs["new"][0]
    ids = set(old["rules"]) | set(new["rules"])
    changed = sorted(i for i in ids if old["rules"].get(i) != new["rules"].get(i))
    packages = 0
    shapes: Counter[tuple[str, str]] = Counter()
    for rule_id in changed:
        a, b = old["rules"].get(rule_id, {}), new["rules"].get(rule_id, {})
        for name in set(a) | set(b):
            if a.get(name) != b.get(name):
                packages += 1
                shapes[(_shape(a.get(name)), _shape(b.get(name)))] += 1
    print(f"records: old {len(old['rules'])}, new {len(new['rules'])}; changed {len(changed)}")
    print(f"packages changed: {packages}")
    for (was, now), count in shapes.most_common():
        print(f"  {was} -> {now}: {count}")
    for rule_id in changed[:5]:
        print(f"  e.g. {rule_id}: {old['rules'].get(rule_id)} -> {new['rules'].get(rule_id)}")
    print(f"warnings: old {len(old['warnings'])}, new {len(new['warnings'])}")
    for line in new["warnings"][:5]:
        print(f"  {line[:160]}")
    for label in ("old", "new"):
        cpu = statistics.median(r["cpu"] for r in runs[label])
        wall = statistics.median(r["wall"] for r in runs[label])
        print(f"{label}: median of {ns.runs}: {cpu:.2f} s CPU, {wall:.2f} s wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
