"""Build the heuristic false-positive corpus: >= 10,000 distinct real npm packages, installed.

    python scripts/heuristic-fp/build_corpus.py /work/fp-corpus   # outside the repo, not committed

The name list is pinned: the npm package ``npm-high-impact@1.13.0`` (wooorm/npm-high-impact), which
exports the registry's most downloaded (``npmTopDownloads``) and most depended-on
(``npmTopDependents``) names. The order is: the first 3,000 most downloaded, the first 1,500 most
depended-on, then the rest of the most downloaded, then the rest of the most depended-on, without
repeats; the first ``--limit`` names are written to ``WORKDIR/names.txt``.

The names are installed in batches of ``--batch`` names, each batch its own tree
``WORKDIR/trees/bNNN`` with ``npm install --ignore-scripts --no-audit --no-fund
--legacy-peer-deps`` (no lifecycle script of any package runs), dependencies included. A batch that
fails is split in two until the name that fails is alone; such names are listed in
``WORKDIR/unavailable.txt`` (unpublished, security-held, platform-only packages ...).

``--force`` lets npm install platform-specific packages (``@esbuild/darwin-x64`` ...) on this
machine instead of failing the batch. ``--start``/``--prefix``/``--batch``/``--shard`` let several
installers share the list (RESULT.md gives the exact commands of the measured corpus).

Splitting into halves (tuning / held-out) happens per installed package, by name; see
``split.py``. Re-running resumes: a batch whose tree has ``.done`` is skipped.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

LIST_PACKAGE = "npm-high-impact@1.13.0"
NPM_FLAGS = [
    "--ignore-scripts",
    "--no-audit",
    "--no-fund",
    "--legacy-peer-deps",
    "--force",  # platform-specific packages (@esbuild/*, sharp's libvips...) install anyway
    "--loglevel=error",
]


def load_names(work: Path, limit: int) -> list[str]:
    lst = work / "list"
    if not (lst / "node_modules" / "npm-high-impact").is_dir():
        lst.mkdir(parents=True, exist_ok=True)
        (lst / "package.json").write_text('{"name":"list","version":"1.0.0","private":true}\n')
        subprocess.run(["npm", "install", *NPM_FLAGS, LIST_PACKAGE], cwd=lst, check=True)
    script = (
        "import {npmTopDownloads as a, npmTopDependents as b} from 'npm-high-impact';"
        "console.log(JSON.stringify([a, b]))"
    )
    out = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=lst,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    downloads, dependents = json.loads(out)
    names: list[str] = []
    seen: set[str] = set()
    ordered = [*downloads[:3000], *dependents[:1500], *downloads[3000:], *dependents[1500:]]
    for name in ordered:
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names[:limit]


_NPM_NAMED = re.compile(
    r"'(?P<a>(?:@[^/'\s]+/)?[^@'\s]+)@[^']*' (?:is not in this registry|could not be found)"
    r"|Unsupported platform for (?P<b>(?:@[^/\s]+/)?[^@\s]+)@"
)


def _failing_name(stderr: str, names: list[str]) -> str | None:
    """The requested name npm reports as missing (E404) or unsupported, if it is one of ours."""
    for m in _NPM_NAMED.finditer(stderr):
        name = m.group("a") or m.group("b")
        if name in names:
            return name
    return None


def install(tree: Path, names: list[str], bad: list[str]) -> list[str]:
    """Install ``names`` into ``tree``; return the names installed (failing ones go to ``bad``)."""
    if not names:
        return []
    tree.mkdir(parents=True, exist_ok=True)
    (tree / "package.json").write_text('{"name":"fp-batch","version":"1.0.0","private":true}\n')
    proc = subprocess.run(
        ["npm", "install", *NPM_FLAGS, *names],
        check=False,
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if proc.returncode == 0:
        return names
    named = _failing_name(proc.stderr, names)
    if named is not None and len(names) > 1:
        # npm named the requested package it could not get: drop it and retry, cheaper than
        # splitting the batch (a failing dependency is not named this way: that case splits).
        bad.append(named)
        print(f"  unavailable: {named}: {proc.stderr.strip().splitlines()[:1]}", flush=True)
        return install(tree, [n for n in names if n != named], bad)
    if len(names) == 1:
        bad.append(names[0])
        print(f"  unavailable: {names[0]}: {proc.stderr.strip().splitlines()[:1]}", flush=True)
        return []
    mid = len(names) // 2
    # The tree may be half-written: start each half from a clean folder.
    left = install(tree.with_name(tree.name + "a"), names[:mid], bad)
    right = install(tree.with_name(tree.name + "b"), names[mid:], bad)
    return left + right


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("workdir")
    ap.add_argument("--limit", type=int, default=9000, help="names to install")
    ap.add_argument("--batch", type=int, default=150)
    ap.add_argument("--start", type=int, default=0, help="skip this many names (earlier batches)")
    ap.add_argument("--prefix", default="b", help="tree folder prefix (one per batch size)")
    ap.add_argument("--shard", default="0/1", help="i/n: install batches whose index %% n == i")
    args = ap.parse_args()
    work = Path(args.workdir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    shard, shards = (int(x) for x in args.shard.split("/"))
    names = load_names(work, args.limit)
    (work / "names.txt").write_text("\n".join(names) + "\n")
    print(f"{len(names)} names from {LIST_PACKAGE}", flush=True)
    install_batches(
        work,
        names,
        start=args.start,
        batch=args.batch,
        folder=f"{args.prefix}{{:03d}}",
        shard=(shard, shards),
    )
    return 0


def install_batches(
    work: Path, names: list[str], *, start: int, batch: int, folder: str, shard: tuple[int, int]
) -> None:
    """Install ``names[start:]`` a batch at a time into ``work/trees/<folder.format(batch
    index)>``, the batches whose index is ``shard[0]`` modulo ``shard[1]``; a finished batch is
    marked ``.done`` and skipped when run again; names npm could not install are appended to
    ``unavailable-<shard>.txt``."""
    bad: list[str] = []
    for i in range(start, len(names), batch):
        tree = work / "trees" / folder.format(i // batch)
        if (i // batch) % shard[1] != shard[0] or (tree / ".done").exists():
            continue
        chunk = names[i : i + batch]
        print(f"batch {tree.name}: {len(chunk)} names", flush=True)
        install(tree, chunk, bad)
        tree.mkdir(parents=True, exist_ok=True)
        (tree / ".done").write_text("")
        with open(work / f"unavailable-{shard[0]}.txt", "a", encoding="utf-8") as fh:
            fh.writelines(f"{n}\n" for n in bad)
        bad.clear()


if __name__ == "__main__":
    sys.exit(main())
