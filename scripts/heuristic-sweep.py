"""False-positive sweep: run the heuristic engine over every npm tarball in a local npm cache.

    nice -n 19 env PYTHONPATH=src python scripts/heuristic-sweep.py OUT.jsonl \
        [--cache ~/.npm/_cacache] [--limit N] [--only NAME ...] [--grep REGEX] [--summary]

No network. The cache's index (``index-v5``) names each tarball by its registry URL; its content
(``content-v2/<algo>/<hex>``) is the tarball. Each tarball is extracted into a temporary
``node_modules/<name>`` tree and scanned as ``-heuristic`` scans an installed tree (``discover``
then ``scan_package_dirs``, one process): every hit is written to OUT.jsonl, one line per
tarball, with its confidence (high counts in the verdict, medium/low are review items).

Extraction is defensive (the tarballs are data, never run): regular files only (no symlinks, hard
links or devices); a member name that is absolute, holds ``..`` or leaves the package folder is
skipped; files over ``MAX_MEMBER`` bytes, more than ``MAX_MEMBERS`` members or more than
``MAX_TOTAL`` decompressed bytes stop that tarball with a note. Only what the engine can read is
written: code files (``is_code_file`` not False), extension-less files (shebang scripts) and
``.json`` files; images, binaries, maps and type declarations are skipped.

Order: the well-known names in ``FIRST`` (popular packages, native-binary wrappers, SDKs), then
names by how many versions the cache holds (most first), then the rest. A rerun with the same
OUT.jsonl skips the tarballs already recorded. ``--summary`` prints the high and review counts of
OUT.jsonl per pattern and the packages with high hits; ``--recall tests/heuristic/fixtures/recall``
prints what each recall fixture reads (the before/after figure of a rule change). ``--grep
REGEX`` sweeps only the tarballs whose unpacked bytes match (the ones a rule change can touch; the
others are not recorded).
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import re
import shutil
import sys
import tarfile
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

from gouvernante.heuristic import engine, scan_package_dir
from gouvernante.heuristic.discover import discover
from gouvernante.heuristic.engine import scan_package_dirs
from gouvernante.heuristic.files import Stats, is_code_file
from gouvernante.heuristic.signals import FileSignals
from gouvernante.heuristic.views import TextView

MAX_MEMBER = 64 * 1024 * 1024
MAX_MEMBERS = 100_000
MAX_TOTAL = 1024 * 1024 * 1024
GREP_OVERLAP = 4096

FIRST = (
    "react",
    "react-dom",
    "lodash",
    "typescript",
    "esbuild",
    "@swc/core",
    "sharp",
    "puppeteer",
    "puppeteer-core",
    "playwright",
    "playwright-core",
    "prisma",
    "@prisma/client",
    "@prisma/engines",
    "next",
    "webpack",
    "core-js",
    "core-js-pure",
    "node-gyp",
    "electron",
    "@sentry/cli",
    "@sentry/node",
    "@sentry/browser",
    "dd-trace",
    "snyk",
    "onnxruntime-node",
    "@apollo/rover",
    "husky",
    "cypress",
    "vite",
    "rollup",
    "@babel/core",
    "eslint",
    "prettier",
    "jest",
    "vitest",
    "axios",
    "express",
    "chalk",
    "debug",
    "commander",
    "yargs",
    "tslib",
    "rxjs",
    "zod",
    "nx",
    "turbo",
    "@nestjs/core",
    "@angular/core",
    "vue",
    "svelte",
    "tailwindcss",
    "postcss",
    "sass",
    "node-sass",
    "bcrypt",
    "canvas",
    "sqlite3",
    "better-sqlite3",
    "@biomejs/biome",
    "wrangler",
    "workerd",
    "aws-sdk",
    "@aws-sdk/client-s3",
    "firebase",
    "firebase-tools",
    "@google-cloud/storage",
    "googleapis",
    "@azure/identity",
    "mongodb",
    "mongoose",
    "pg",
    "mysql2",
    "redis",
    "ioredis",
    "socket.io",
    "ws",
    "jsdom",
    "cheerio",
    "moment",
    "dayjs",
    "date-fns",
    "uuid",
    "semver",
    "glob",
    "rimraf",
    "fs-extra",
    "node-fetch",
    "undici",
    "@anthropic-ai/claude-code",
    "@google/gemini-cli",
    "openai",
    "@openai/codex",
    "@vercel/ncc",
    "vercel",
    "netlify-cli",
    "@netlify/build",
    "serverless",
    "aws-cdk-lib",
    "@aws-cdk/core",
    "@angular/cli",
    "@vue/cli",
    "create-react-app",
    "react-scripts",
    "expo",
    "react-native",
    "@expo/cli",
    "lerna",
    "@changesets/cli",
    "semantic-release",
    "np",
    "release-it",
    "pnpm",
    "yarn",
    "npm",
    "bun",
    "deno",
)

_URL = re.compile(r"https?://[^/]+/(?P<name>(?:@[^/]+(?:/|%2[fF]))?[^/@]+)/-/[^/]+\.tgz$")


_NAME = re.compile(r"(?:@[a-z0-9][\w.~-]*/)?[a-z0-9_][\w.~-]*", re.IGNORECASE)


def cache_entries(cache: Path) -> Iterator[tuple[str, str | None]]:
    """(URL, integrity) of every entry of the cache index, in file order (an entry with a null
    integrity is a deletion: None)."""
    for path in sorted((cache / "index-v5").rglob("*")):
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            _, _, body = line.partition("\t")
            try:
                entry = json.loads(body)
            except ValueError:
                continue
            key = entry.get("key", "") if isinstance(entry, dict) else ""
            integ = entry.get("integrity")
            yield key.rsplit("request-cache:", 1)[-1], integ if isinstance(integ, str) else None


def cache_tarballs(cache: Path) -> dict[str, tuple[str, str]]:
    """URL -> (package name, integrity) of every tarball in the cache index (last entry wins;
    an entry with a null integrity is a deletion)."""
    out: dict[str, tuple[str, str]] = {}
    for url, integ in cache_entries(cache):
        m = _URL.search(url)
        if not m:
            continue
        if integ is None:
            out.pop(url, None)
            continue
        name = unquote(m.group("name"))
        if _NAME.fullmatch(name):  # a folder name that stays where it is put
            out[url] = (name, integ)
    return out


def content_path(cache: Path, integrity: str) -> Path | None:
    """The content file of an SRI string (its first hash whose file exists)."""
    for part in integrity.split():
        algo, _, b64 = part.partition("-")
        try:
            hexd = base64.b64decode(b64).hex()
        except ValueError:
            continue
        p = cache / "content-v2" / algo / hexd[:2] / hexd[2:4] / hexd[4:]
        if p.is_file():
            return p
    return None


def holds(tgz: Path, pattern: re.Pattern[bytes]) -> bool:
    """Whether the unpacked tarball (its tar stream, members and headers alike) matches
    ``pattern``: read in bounded chunks, each searched with the end of the one before (a match
    up to ``GREP_OVERLAP`` bytes long is found across a chunk boundary); a bad archive holds
    nothing."""
    tail = b""
    try:
        with gzip.open(tgz, "rb") as fh:
            while chunk := fh.read(1 << 20):
                if pattern.search(tail + chunk):
                    return True
                tail = chunk[-GREP_OVERLAP:]
    except (OSError, EOFError, zlib.error):
        return False
    return False


def _wanted(name: str) -> bool:
    return is_code_file(name) is not False or name.lower().endswith(".json")


def _safe_rel(name: str) -> str | None:
    """The member's path inside the package (its first component, ``package/``, dropped), or
    None when it is absolute, climbs out or is empty."""
    if "\0" in name or name.startswith(("/", "\\")):
        return None
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if len(parts) < 2 or ".." in parts:
        return None
    return "/".join(parts[1:])


def extract(tgz: Path, dest: str, notes: Counter[str]) -> None:
    """The tarball's wanted regular files under ``dest`` (see the module docstring)."""
    total = members = 0
    with tarfile.open(tgz, "r|gz") as tar:
        for m in tar:
            members += 1
            if members > MAX_MEMBERS:
                notes["member_cap"] += 1
                return
            if not m.isfile():
                if not m.isdir():
                    notes["not_regular"] += 1
                continue
            rel = _safe_rel(m.name)
            if rel is None:
                notes["unsafe_name"] += 1
                continue
            if not _wanted(rel.rsplit("/", 1)[-1]):
                continue
            if m.size > MAX_MEMBER:
                notes["member_too_big"] += 1
                continue
            total += m.size
            if total > MAX_TOTAL:
                notes["total_cap"] += 1
                return
            src = tar.extractfile(m)
            if src is None:
                continue
            target = os.path.join(dest, rel)
            if not os.path.realpath(target).startswith(os.path.realpath(dest) + os.sep):
                notes["unsafe_name"] += 1
                continue
            try:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
            except OSError:
                notes["unwritable"] += 1
                continue
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(src, out)


def order(tarballs: dict[str, tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(url, name, integrity): FIRST names, then by versions cached (most first), then name."""
    per_name: Counter[str] = Counter(name for name, _ in tarballs.values())
    rank = {n: i for i, n in enumerate(FIRST)}

    def key(item: tuple[str, tuple[str, str]]) -> tuple[int, int, str, str]:
        url, (name, _) = item
        return (rank.get(name, len(rank)), -per_name[name], name, url)

    return [(url, name, integ) for url, (name, integ) in sorted(tarballs.items(), key=key)]


def scan_one(tgz: Path, name: str, work: str) -> dict[str, object]:
    notes: Counter[str] = Counter()
    root = tempfile.mkdtemp(dir=work)
    try:
        pkg = os.path.join(root, "node_modules", *name.split("/"))
        os.makedirs(pkg)
        try:
            extract(tgz, pkg, notes)
        except (tarfile.TarError, OSError, EOFError) as exc:
            return {"error": f"{type(exc).__name__}: {exc}"}
        stats = Stats()
        jobs = discover(root, stats)
        hits, _ = scan_package_dirs(jobs, workers=1, stats=stats)
        return {
            "packages": len(jobs),
            "notes": dict(notes),
            "hits": [
                {
                    "pattern": h.pattern_id,
                    "confidence": h.confidence.value,
                    "package": h.package,
                    "version": h.version,
                    "file": os.path.relpath(h.file, root),
                    "line": h.line,
                    "excerpt": h.excerpt,
                }
                for h in hits
            ],
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _every_file_at_install() -> None:
    """Make the engine judge every file as install-reachable (an at-risk figure, not a scan)."""

    def at_install(
        view: TextView, install: bool, tasks: frozenset[str] = frozenset(), js: bool = False
    ) -> FileSignals:
        del install
        return FileSignals(view, install=True, tasks=tasks, js=js)

    setattr(engine, "FileSignals", at_install)  # noqa: B010 (a module attribute, on purpose)


def records(out: Path) -> Iterator[dict[str, object]]:
    if out.exists():
        with out.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)


def summary(out: Path) -> None:
    high: Counter[str] = Counter()
    review: Counter[str] = Counter()
    high_pkgs: dict[str, set[str]] = defaultdict(set)
    review_pkgs: dict[str, set[str]] = defaultdict(set)
    n = errors = 0
    for rec in records(out):
        n += 1
        errors += "error" in rec
        for h in rec.get("hits", []):  # type: ignore[attr-defined]
            who = f"{h['package']}@{h['version']}"
            if h["confidence"] == "high":
                high[h["pattern"]] += 1
                high_pkgs[h["pattern"]].add(who)
            else:
                review[f"{h['pattern']}/{h['confidence']}"] += 1
                review_pkgs[f"{h['pattern']}/{h['confidence']}"].add(who)
    print(f"tarballs: {n} ({errors} errors)")
    print(f"high hits: {sum(high.values())} in {len(set().union(*high_pkgs.values()))} packages")
    for pid, c in high.most_common():
        print(f"  {pid}: {c} hits  {sorted(high_pkgs[pid])[:12]}")
    print(f"review hits: {sum(review.values())} in {len(set().union(*review_pkgs.values()))} pkgs")
    for pid, c in review.most_common():
        print(f"  {pid}: {c} hits, {len(review_pkgs[pid])} pkgs  {sorted(review_pkgs[pid])[:6]}")


def recall(folder: Path) -> None:
    """Per recall fixture, the best confidence of each pattern it reads; then the totals."""
    rank = {"low": 0, "medium": 1, "high": 2}
    totals: Counter[str] = Counter()
    for case in sorted(p for p in folder.iterdir() if p.is_dir()):
        best: dict[str, str] = {}
        for h in scan_package_dir(str(case)):
            c = h.confidence.value
            if rank[c] >= rank.get(best.get(h.pattern_id, "low"), 0):
                best[h.pattern_id] = c
            totals[f"hits_{c}"] += 1
        totals.update(best.values())
        print(f"{case.name}: " + " ".join(f"{k}={v}" for k, v in sorted(best.items())))
    print(
        f"recall: {len(list(folder.iterdir()))} cases, (case, pattern) pairs high={totals['high']} "
        f"medium={totals['medium']} low={totals['low']}; hits high={totals['hits_high']} "
        f"medium={totals['hits_medium']} low={totals['hits_low']}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--cache", type=Path, default=Path.home() / ".npm" / "_cacache")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--only", nargs="*", default=None, help="names to sweep (all if absent)")
    ap.add_argument("--summary", action="store_true")
    ap.add_argument("--recall", type=Path, help="print what each recall fixture under it reads")
    ap.add_argument(
        "--all-install",
        action="store_true",
        help="take every code file as install-reachable (what would be high if it ran at install)",
    )
    ap.add_argument("--rescan", action="store_true", help="ignore OUT.jsonl's records")
    ap.add_argument(
        "--grep",
        type=lambda v: re.compile(v.encode()),
        help="only the tarballs whose unpacked bytes match this regex (a rule change's subset)",
    )
    args = ap.parse_args()
    if args.recall:
        recall(args.recall)
        return 0
    if args.summary:
        summary(args.out)
        return 0
    if args.all_install:
        _every_file_at_install()
    done = set() if args.rescan else {str(r.get("url")) for r in records(args.out)}
    todo = [t for t in order(cache_tarballs(args.cache)) if t[0] not in done]
    if args.only is not None:
        todo = [t for t in todo if t[1] in set(args.only)]
    if args.limit:
        todo = todo[: args.limit]
    print(f"{len(todo)} tarballs to sweep ({len(done)} already recorded)", file=sys.stderr)
    work = tempfile.mkdtemp(prefix="heuristic-sweep-")
    t0 = time.monotonic()
    try:
        with args.out.open("w" if args.rescan else "a", encoding="utf-8") as fh:
            for i, (url, name, integ) in enumerate(todo, 1):
                tgz = content_path(args.cache, integ)
                rec: dict[str, object] = {"url": url, "name": name}
                if tgz is None:
                    rec["error"] = "content missing"
                elif args.grep is None or holds(tgz, args.grep):
                    rec.update(scan_one(tgz, name, work))
                else:
                    rec = {}
                if rec:
                    fh.write(json.dumps(rec) + "\n")
                    fh.flush()
                if i % 200 == 0:
                    print(f"{i}/{len(todo)} {time.monotonic() - t0:.0f}s", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
