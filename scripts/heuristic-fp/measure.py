"""Run the heuristic engine over an installed tree and summarise the findings (run.sh calls this).

Prints a Markdown summary (packages scanned, findings per 1,000 packages by confidence, one row
per finding) and optionally writes the raw hits as JSON. Verdicts are added by hand in RESULT.md.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from gouvernante.heuristic import scan_tree
from gouvernante.heuristic.engine import count_packages


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("tree", help="the node_modules folder to scan")
    ap.add_argument("--requested", help="packages.txt (names asked for)")
    ap.add_argument("--unavailable", help="names the registry could not install")
    ap.add_argument("--json", help="write the hits here")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    packages = count_packages(args.tree)
    t0 = time.perf_counter()
    hits, notes = scan_tree(args.tree, workers=args.workers)
    elapsed = time.perf_counter() - t0
    per_conf = Counter(h.confidence for h in hits)
    pkgs_by_conf: dict[str, set[str]] = {}
    for h in hits:
        pkgs_by_conf.setdefault(h.confidence, set()).add(f"{h.package}@{h.version}")

    requested = _lines(args.requested)
    unavailable = _lines(args.unavailable)
    out = [
        "## Run",
        "",
        f"- requested: {len(requested)} names from packages.txt"
        + (f"; not installable: {', '.join(unavailable)}" if unavailable else ""),
        f"- installed tree: {packages} distinct name@version packages",
        f"- scan time: {elapsed:.1f} s with {args.workers} worker processes",
        *[f"- note: {n}" for n in notes],
        "",
        "## Findings per 1,000 packages",
        "",
        "| confidence | findings | per 1,000 packages | packages with a finding |",
        "| --- | --- | --- | --- |",
    ]
    for conf in ("high", "medium", "low"):
        n = per_conf.get(conf, 0)
        rate = 1000 * n / packages if packages else 0.0
        out.append(f"| {conf} | {n} | {rate:.2f} | {len(pkgs_by_conf.get(conf, ()))} |")
    out += [
        "",
        "## Findings",
        "",
        "| confidence | pattern | package | file:line | excerpt | verdict |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    order = {"high": 0, "medium": 1, "low": 2}
    for h in sorted(hits, key=lambda h: (order[h.confidence], h.pattern_id, h.file)):
        rel = os.path.relpath(h.file, args.tree)
        excerpt = h.excerpt.replace("|", "\\|").replace("`", "'")
        out.append(
            f"| {h.confidence} | {h.pattern_id} | {h.package}@{h.version} | "
            f"{rel}:{h.line} | `{excerpt}` | |"
        )
    print("\n".join(out))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "packages": packages,
                    "elapsed_s": elapsed,
                    "notes": notes,
                    "hits": [asdict(h) | {"severity": h.severity.value} for h in hits],
                },
                indent=1,
            )
        )
    return 0


def _lines(path: str | None) -> list[str]:
    if not path or not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as fh:
        return [s.strip() for s in fh if s.strip() and not s.startswith("#")]


if __name__ == "__main__":
    raise SystemExit(main())
