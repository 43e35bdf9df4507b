"""Time the payload-hash pass (a rule's ``file_hashes``) against a plain read of the same files.

    PYTHONPATH=src python bench/payload_hash.py NODE_MODULES... [--repeat 3] [--heuristic]

For each ``node_modules`` tree given (real ones: e.g. the heuristic false-positive corpus built by
``scripts/heuristic-fp/build_corpus.py``), interleaved ``--repeat`` times after one warm-up:

- *plain read*: ``os.walk`` of the trees, every candidate file (``fs.digest.is_candidate``, at
  most 16 MiB, no symlink) opened and read whole: the I/O floor of hashing those files;
- *hash pass*: the installed-package scan of ``-host`` with one hash rule, so every package
  folder's candidate files are hashed (``host.payloads``), a fresh hasher each time;
- *again*: the same trees given twice to one scan: the second visit lists no package folder.

Also printed: SHA-256 throughput on 64 MiB in memory, and with ``--heuristic`` the whole
``-heuristic`` scan of the trees with and without a hash rule (the pass's share of that run).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import stat
import sys
import time
from pathlib import Path

from gouvernante.fs.digest import MAX_HASHED_FILE_BYTES, ContentHasher, is_candidate
from gouvernante.host.installed import scan_tree
from gouvernante.host.payloads import PayloadScanner
from gouvernante.host.reader import Collector
from gouvernante.rules.index import build_index
from gouvernante.rules.model import ContentHash, Rule, RuleKind
from gouvernante.rules.ruleset import RuleSet
from gouvernante.vocab import Severity

RULE = Rule(
    id="BENCH-HASH",
    title="a payload hash no file has",
    kind=RuleKind.MALICIOUS_PACKAGE,
    ecosystem="npm",
    severity=Severity.CRITICAL,
    package_rules=(),
    source="bench",
    file_hashes=(ContentHash("0" * 64),),
)


def plain_read(roots: list[str]) -> tuple[float, int, int]:
    started = time.perf_counter()
    files = total = 0
    for root in roots:
        for dirpath, _dirs, names in os.walk(root):
            for name in names:
                if not is_candidate(name):
                    continue
                path = os.path.join(dirpath, name)
                st = os.lstat(path)
                if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_HASHED_FILE_BYTES:
                    continue
                with open(path, "rb") as fh:
                    total += len(fh.read())
                files += 1
    return time.perf_counter() - started, files, total


def hash_pass(roots: list[str]) -> tuple[float, PayloadScanner, int]:
    started = time.perf_counter()
    collector = Collector(build_index((RULE,)))
    scanner = PayloadScanner([RULE], ContentHasher())
    collector.payloads = scanner
    for root in roots:
        scan_tree(root, collector, where="bench")
    return time.perf_counter() - started, scanner, collector.installed


def heuristic(roots: list[str], with_hashes: bool) -> tuple[float, str]:
    """The whole -heuristic scan of the trees' projects; its time and the payload note."""
    from gouvernante.pipeline import ScanRequest, run_scan

    # run_scan looks for node_modules beside each project folder: give it the projects.
    projects = [str(Path(r).parent) for r in roots]
    rules = RuleSet((RULE,) if with_hashes else (), ("bench",))
    note = ""
    started = time.perf_counter()
    for project in projects:
        result = run_scan(ScanRequest(directory=project, heuristic=True, workers=2), rules)
        note += "".join(f"\n    {n.message}" for n in result.notes if "content hash" in n.message)
    return time.perf_counter() - started, note


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trees", nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--heuristic", action="store_true")
    args = parser.parse_args()
    roots = [os.path.abspath(t) for t in args.trees]

    data = os.urandom(64 << 20)
    started = time.perf_counter()
    hashlib.sha256(data).hexdigest()
    print(f"sha256 in memory: {64 / (time.perf_counter() - started):.0f} MiB/s")

    plain_read(roots)  # warm-up: both sides then read from the page cache
    reads: list[float] = []
    passes: list[float] = []
    agains: list[float] = []
    scanner = twice = None
    files = total = packages = 0
    for _ in range(args.repeat):
        seconds, files, total = plain_read(roots)
        reads.append(seconds)
        seconds, scanner, packages = hash_pass(roots)
        passes.append(seconds)
        seconds, twice, _ = hash_pass(roots + roots)
        agains.append(seconds)
    assert scanner is not None and twice is not None
    stats = scanner.hasher.stats
    read, best, again = min(reads), min(passes), min(agains)
    print(
        f"trees: {len(roots)}, {packages} packages; candidate files: {files} ({total / 1e6:.1f} MB)"
    )
    print(f"plain read: {read:.2f} s (best of {args.repeat})")
    print(
        f"hash pass: {best:.2f} s ({best / read:.2f}x, "
        f"{best / packages * 1000:.2f} ms per package), "
        f"{stats.files} files hashed ({stats.bytes / 1e6:.1f} MB), {stats.over_cap} over the cap; "
        f"open + read + hash {stats.seconds:.2f} s of it"
    )
    print(
        f"the trees given twice: {again:.2f} s, {twice.hasher.stats.files} files hashed, "
        f"{twice.folders_again} package folders met again and skipped"
    )
    if args.heuristic:
        withouts: list[float] = []
        withs: list[float] = []
        note = ""
        for _ in range(args.repeat):
            withouts.append(heuristic(roots, with_hashes=False)[0])
            seconds, note = heuristic(roots, with_hashes=True)
            withs.append(seconds)
        without, with_h = min(withouts), min(withs)
        print(
            f"-heuristic (best of {args.repeat}, interleaved): {without:.2f} s without a hash "
            f"rule, {with_h:.2f} s with one ({(with_h - without) / without * 100:+.0f} %)"
        )
        print(f"  its note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
