"""An unseen sample for the heuristic: well-known npm packages the tuning corpus did not list.

    python scripts/heuristic-fp/build_unseen.py install WORKDIR [--shard i/n]
    python scripts/heuristic-fp/build_unseen.py scan WORKDIR [--out DIR] [--src OLD/src]

``unseen-names.txt`` (beside this script) holds the hand-picked names: frameworks, CLIs, bundlers,
test runners, cloud SDKs, crypto/auth libraries, native bindings, browser automation, Electron
tooling, monorepo tools. ``install`` first rebuilds the corpus list exactly as ``build_corpus.py``
did (``npm-high-impact@1.13.0``, first 9,000 names in its order) and refuses every picked name on
it, then installs the rest in batches of ``--batch`` names (``WORKDIR/trees/uNN``, same npm flags
and failure splitting as the corpus: no lifecycle script runs). Dependencies come along, so the
scanned set also holds packages the corpus may have had; ``scan`` counts both.

``scan`` runs the CLI an outside checker would run, once per batch tree:
``gouvernante -heuristic -dir TREE -json -output DIR/TREE.json``, timed, then prints the distinct
name@version count, the findings (each name@version once) and the time per package.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build_corpus import install_batches, load_names  # noqa: E402
from corpus_scan import finished  # noqa: E402

CORPUS_LIMIT = 9000  # build_corpus.py's --limit default: the names.txt of the corpus
RX_FOLDERS = re.compile(r"heuristic: scanned (\d+) package folders")


def picked() -> list[str]:
    lines = (HERE / "unseen-names.txt").read_text(encoding="utf-8").splitlines()
    return [s.strip() for s in lines if s.strip() and not s.startswith("#")]


def cmd_install(work: Path, batch: int, shard: str) -> int:
    corpus = set(load_names(work, CORPUS_LIMIT))
    names = picked()
    listed = [n for n in names if n in corpus]
    if listed:
        print(f"refused (on the corpus list): {' '.join(listed)}", flush=True)
    names = [n for n in names if n not in corpus]
    (work / "unseen-names.txt").write_text("\n".join(names) + "\n")
    i_shard, n_shards = (int(x) for x in shard.split("/"))
    install_batches(work, names, start=0, batch=batch, folder="u{:02d}", shard=(i_shard, n_shards))
    return 0


def installed(tree: Path) -> dict[str, str]:
    """name@version -> folder for every package npm recorded in the tree's hidden lockfile."""
    lock = tree / "node_modules" / ".package-lock.json"
    if not lock.is_file():
        return {}
    out: dict[str, str] = {}
    for key, entry in json.loads(lock.read_text(encoding="utf-8")).get("packages", {}).items():
        if not key or entry.get("link"):
            continue
        name = key.rsplit("node_modules/", 1)[-1]
        if "version" in entry:
            out.setdefault(f"{name}@{entry['version']}", str(tree / key))
    return out


def cmd_scan(work: Path, out: Path, src: str | None) -> int:
    out.mkdir(parents=True, exist_ok=True)
    corpus = set(load_names(work, CORPUS_LIMIT))
    top = set((work / "unseen-names.txt").read_text(encoding="utf-8").split())
    packages: set[str] = set()
    picked_versions: set[str] = set()
    findings: dict[tuple[str, ...], dict[str, object]] = {}
    elapsed = 0.0
    scanned_folders = 0
    for tree in sorted((work / "trees").glob("u*")):
        if not finished(tree) or not (tree / "node_modules").is_dir():
            continue
        report = out / f"{tree.name}.json"
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "gouvernante",
                "-heuristic",
                "-dir",
                str(tree),
                "-json",
                "-output",
                str(report),
            ],
            check=False,
            env={**os.environ, "PYTHONPATH": src} if src else None,
        )
        dt = time.perf_counter() - t0
        elapsed += dt
        data = json.loads(report.read_text(encoding="utf-8"))
        notes = [n["message"] for n in data["notes"]]
        n_tree = sum(int(m.group(1)) for n in notes if (m := RX_FOLDERS.search(n)))
        scanned_folders += n_tree
        print(f"{tree.name}: {n_tree} package folders, {dt:.1f} s", flush=True)
        got = installed(tree)
        packages.update(got)
        for ident, folder in got.items():
            name = ident.rsplit("@", 1)[0]
            if name in top and folder == str(tree / "node_modules" / name):
                picked_versions.add(ident)
        for f in data["findings"]:
            if f.get("type") != "heuristic":
                continue
            rel = f["path"].split("/node_modules/")[-1]
            pkg, ver = f.get("package", ""), f.get("version", "")
            key = (f["rule_id"], pkg, ver, rel, str(f.get("line")))
            findings.setdefault(key, f)
    names = {p.rsplit("@", 1)[0] for p in packages}
    unseen = {p for p in packages if p.rsplit("@", 1)[0] not in corpus}
    print(
        f"\n{len(packages)} distinct name@version ({len(names)} names); "
        f"{len(unseen)} of them have a name not on the corpus list; "
        f"{len(top & names)} picked names installed"
    )
    (work / "picked-versions.txt").write_text("\n".join(sorted(picked_versions)) + "\n")
    per_pkg = 1000 * elapsed / scanned_folders if scanned_folders else 0.0
    print(
        f"scan time: {elapsed:.1f} s wall for {scanned_folders} package folders (all trees, "
        f"a release in several trees counted in each) = {per_pkg:.2f} ms per package folder"
    )
    for label, idents in (("all", packages), ("names not on the corpus list", unseen)):
        hits = [f for f in findings.values() if f"{f.get('package')}@{f.get('version')}" in idents]
        high = [f for f in hits if f.get("confidence") == "high"]
        per = 1000 / len(idents) if idents else 0.0
        print(
            f"{label}: {len(idents)} packages; high (verdict-changing) {len(high)} = "
            f"{len(high) * per:.2f} per 1,000; review {len(hits) - len(high)} = "
            f"{(len(hits) - len(high)) * per:.2f} per 1,000"
        )
    for (rule, pkg, ver, rel, line), f in sorted(findings.items()):
        side = "unseen" if pkg not in corpus else "corpus-listed"
        print(f"| {f.get('confidence')} | {rule} | {pkg}@{ver} ({side}) | {rel}:{line} |")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("action", choices=("install", "scan"))
    ap.add_argument("workdir")
    ap.add_argument("--batch", type=int, default=40)
    ap.add_argument("--shard", default="0/1", help="i/n: install batches whose index %% n == i")
    ap.add_argument("--out", help="report folder (default WORKDIR/reports)")
    ap.add_argument(
        "--src",
        help="scan with the engine of this source folder (PYTHONPATH), e.g. an older commit's "
        "`git archive COMMIT src` for the 'before' figure",
    )
    args = ap.parse_args()
    work = Path(args.workdir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.action == "install":
        return cmd_install(work, args.batch, args.shard)
    return cmd_scan(work, Path(args.out) if args.out else work / "reports", args.src)


if __name__ == "__main__":
    sys.exit(main())
