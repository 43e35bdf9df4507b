"""Scan the false-positive corpus (``build_corpus.py``) in its two halves; print the figures.

    PYTHONPATH=src python scripts/heuristic-fp/corpus_scan.py /work/fp-corpus [--half tuning]
        [--json out.json]

The split, fixed once and for good: a package belongs to the **held-out** half when the first
byte of SHA-256(package name, UTF-8) is odd, else to the **tuning** half. Patterns are tuned on
the tuning half only; the held-out half is the figure that counts. The split is by name, so every
version of a package is on the same side.

Every distinct name@version under ``WORKDIR/trees/*`` is scanned once. High-confidence hits are
*verdict-changing* (they make the exit code 2 by default); medium/low ones are *review* items.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

from gouvernante.heuristic.engine import HeuristicHit, scan_package_dirs, unique_packages
from gouvernante.heuristic.files import Stats, load_manifest, str_field
from gouvernante.vocab import Confidence

HALVES = ("tuning", "held-out")


def half_of(name: str) -> str:
    """The half a package name belongs to (the committed split rule)."""
    return HALVES[hashlib.sha256(name.encode("utf-8")).digest()[0] & 1]


def finished(tree: Path) -> bool:
    """Whether the install into ``tree`` finished.

    A batch whose installer finished has ``.done`` (b000a, b000ab ... belong to batch b000). A
    split part of a batch that is not done counts when npm wrote both lockfiles, which it does
    only once an install succeeded (a failed or interrupted one leaves no node_modules at all).
    """
    if (tree.with_name(tree.name[:4]) / ".done").exists():
        return True
    return (tree / "package-lock.json").is_file() and (
        tree / "node_modules" / ".package-lock.json"
    ).is_file()


def corpus(
    work: Path, pattern: str = "*", exclude: set[str] | None = None
) -> dict[str, list[tuple[str, str]]]:
    """Package folders per half: (folder, name@version), each name@version once, leaving out
    the name@version in ``exclude`` (another corpus's packages: a new sample counts only what
    is new to it)."""
    stats = Stats()
    seen: set[tuple[str, ...]] = set()
    names: set[str] = set()
    out: dict[str, list[tuple[str, str]]] = {h: [] for h in HALVES}
    for tree in sorted((work / "trees").glob(pattern)):
        if not finished(tree):
            continue  # an install still running (or stopped): its files may be half written
        nm = tree / "node_modules"
        if not nm.is_dir():
            continue
        for pkg in unique_packages(str(nm), stats, seen):
            loaded = load_manifest(pkg, stats)
            if loaded is None:
                continue
            name = str_field(loaded[0], "name")
            version = str_field(loaded[0], "version")
            if name is None or version is None or pkg == str(nm):
                continue
            ident = f"{name}@{version}"
            if ident in names:  # same name@version, other integrity: scanned once here
                continue
            if exclude is not None and ident in exclude:
                continue
            names.add(ident)
            out[half_of(name)].append((pkg, ident))
    return out


def summarize(half: str, packages: int, hits: list[HeuristicHit], elapsed: float) -> list[str]:
    high = [h for h in hits if h.confidence is Confidence.HIGH]
    review = [h for h in hits if h.confidence is not Confidence.HIGH]
    per = 1000 / packages if packages else 0.0
    lines = [
        f"### {half}: {packages} packages, scanned in {elapsed:.1f} s",
        "",
        f"- verdict-changing (high): {len(high)} = **{len(high) * per:.2f} per 1,000 packages**",
        f"- review (medium/low): {len(review)} = **{len(review) * per:.2f} per 1,000 packages**",
        "",
    ]
    if hits:
        lines += [
            "| confidence | pattern | package | file:line | excerpt |",
            "| --- | --- | --- | --- | --- |",
        ]
        for h in sorted(hits, key=lambda h: (h.confidence != Confidence.HIGH, h.pattern_id)):
            rel = h.file.split("/node_modules/")[-1]
            excerpt = h.excerpt.replace("|", "\\|").replace("`", "'")
            lines.append(
                f"| {h.confidence} | {h.pattern_id} | {h.package}@{h.version} | {rel}:{h.line} "
                f"| `{excerpt[:100]}` |"
            )
        lines.append("")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("workdir")
    ap.add_argument("--half", choices=HALVES, action="append")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json")
    ap.add_argument("--trees", default="*", help="only these batch folders (a glob)")
    ap.add_argument(
        "--exclude-corpus",
        action="append",
        default=[],
        help="WORKDIR of another corpus: its name@version are left out (a new sample)",
    )
    ap.add_argument(
        "--list-trees",
        action="store_true",
        help="print the node_modules of every finished tree (for bench/heuristic_scan.py) and stop",
    )
    args = ap.parse_args()
    if args.list_trees:
        for tree in sorted((Path(args.workdir) / "trees").glob(args.trees)):
            if finished(tree) and (tree / "node_modules").is_dir():
                print(tree / "node_modules")
        return 0
    exclude: set[str] | None = None
    if args.exclude_corpus:
        exclude = set()
        for other in args.exclude_corpus:
            for items in corpus(Path(other)).values():
                exclude.update(ident for _, ident in items)
    halves = corpus(Path(args.workdir), args.trees, exclude)
    total = sum(len(v) for v in halves.values())
    out = [f"corpus: {total} distinct name@version packages", ""]
    if exclude is not None:
        out[0] += f" (leaving out {len(exclude)} of {', '.join(args.exclude_corpus)})"
    dump: dict[str, object] = {"packages": total}
    for half in args.half or HALVES:
        dirs = [d for d, _ in halves[half]]
        t0 = time.perf_counter()
        hits, notes = scan_package_dirs(dirs, workers=args.workers)
        elapsed = time.perf_counter() - t0
        out += summarize(half, len(dirs), hits, elapsed)
        out += [f"- note: {n}" for n in notes] + [""]
        dump[half] = {
            "packages": len(dirs),
            "elapsed_s": elapsed,
            "notes": notes,
            "hits": [asdict(h) for h in hits],
        }
    print("\n".join(out))
    if args.json:
        Path(args.json).write_text(json.dumps(dump, indent=1, default=str))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
