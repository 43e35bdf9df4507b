"""The heuristic engine: a static look at installed package folders for compromise techniques.

Nothing here executes scanned code. How a package is judged:

1. ``package.json``: the install-time lifecycle commands are checked and the local files they run
   are marked install-reachable (``install.py``).
2. Every code file is read once (``files.py``) and turned into a ``TextView`` (``views.py``): its
   text, a decoded view of hex/base64 literals and split strings, and which pattern anchors occur
   (one pass over the text).
3. Every pattern's detector (``families/``, assembled by ``patterns.py``) looks at the file's
   shared signals (``signals.py``); running at install time raises or enables several of them.
   Each hit carries the confidence of the form that matched, and its severity follows that
   confidence (``patterns.severity_for``).

This module is the driver: one read per file, hits, notes, findings. Package folders, their
manifests and their code files are found by one walk (``discover.py``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from gouvernante.heuristic.discover import PackageJob, discover, job_for
from gouvernante.heuristic.excerpt import excerpt, line_of
from gouvernante.heuristic.files import (
    MAX_BYTES_PER_PACKAGE,
    MAX_FILE_BYTES,
    MAX_FILES_PER_PACKAGE,
    SAMPLE_HEAD_BYTES,
    SAMPLE_TAIL_BYTES,
    Digests,
    Stats,
    is_binary,
    is_javascript,
    read_sampled,
)
from gouvernante.heuristic.install import (
    analyze_commands,
    detect_file,
    install_tasks,
    reachable,
)
from gouvernante.heuristic.patterns import PATTERNS, severity_for
from gouvernante.heuristic.signals import FileSignals
from gouvernante.heuristic.unit import Detection
from gouvernante.heuristic.views import build_view
from gouvernante.model import Finding, FindingType, MatchKind
from gouvernante.procpool import process_pool
from gouvernante.vocab import Confidence, Severity

__all__ = [
    "MAX_FILE_BYTES",
    "HeuristicHit",
    "count_packages",
    "scan_package_dir",
    "scan_tree",
    "scan_trees",
    "to_finding",
    "unique_packages",
]

PARALLEL_THRESHOLD = 24  # packages; below this scan_trees stays in one process

# Packages whose install step legitimately downloads and starts a native binary. They are spared
# GH-INSTALL-DOWNLOAD-EXEC / GH-INSTALL-RUNTIME-DOWNLOAD only while nothing else in the package is
# suspicious: a compromised release of one of them still shows its other signals.
KNOWN_BINARY_WRAPPERS = frozenset(
    {
        "bun", "deno", "node", "esbuild", "esbuild-wasm", "@swc/core", "sharp", "node-sass",
        "puppeteer", "puppeteer-core", "playwright", "playwright-core", "electron", "cypress",
        "phantomjs", "phantomjs-prebuilt", "chromedriver", "geckodriver", "@sentry/cli",
        "@biomejs/biome", "turbo", "prisma", "@prisma/engines", "@prisma/client", "nx",
        "lefthook", "@parcel/watcher", "canvas", "bcrypt", "sqlite3", "better-sqlite3",
        "@mapbox/node-pre-gyp", "node-pre-gyp", "grpc-tools", "ngrok", "flow-bin",
        "husky", "core-js", "core-js-pure", "protoc", "workerd", "wrangler", "@tailwindcss/oxide",
        "@vscode/ripgrep", "vscode-ripgrep", "msw", "edgedriver", "iedriver", "selenium-webdriver",
    }
)  # fmt: skip
_WRAPPER_EXPECTED = frozenset({"GH-INSTALL-DOWNLOAD-EXEC", "GH-INSTALL-RUNTIME-DOWNLOAD"})


@dataclass(frozen=True)
class HeuristicHit:
    """One pattern matched at one place in one installed package."""

    pattern_id: str
    severity: Severity  # follows the confidence (see patterns.severity_for)
    confidence: Confidence
    title: str
    why: str
    file: str
    line: int  # 1-based; 0 when the place is in the tail sample of a sampled file
    excerpt: str  # <= 160 chars, tokens masked
    package: str | None
    version: str | None


# --------------------------------------------------------------------------------------------
# one package


def _scan_package(
    job: PackageJob, stats: Stats, digests: Digests | None = None
) -> list[HeuristicHit]:
    pkg_dir, pkg_real, manifest = job.path, job.real, job.manifest
    name, version, cmds = manifest.name, manifest.version, list(manifest.commands)
    manifest_raw = manifest.raw

    reader = _Reader(stats, digests)
    read_text = reader.text

    reach = reachable(pkg_real, cmds, read_text) if cmds else set()
    tasks = install_tasks(cmds) if reach else frozenset()

    found: list[HeuristicHit] = []

    def emit(pid: str, d: Detection, path: str, line: int, shown: str) -> None:
        p = PATTERNS[pid]
        found.append(
            HeuristicHit(
                pattern_id=p.id,
                severity=severity_for(p, d.confidence),
                confidence=d.confidence,
                title=p.title,
                why=p.why,
                file=path,
                line=line,
                excerpt=shown,
                package=name,
                version=version,
            )
        )

    manifest_path = os.path.join(pkg_dir, "package.json")
    commands = dict(cmds)
    for hook, hits in analyze_commands(cmds):
        line = _manifest_line(manifest_raw, hook)
        for pid, d in hits:
            emit(pid, d, manifest_path, line, excerpt(f"{hook}: {commands[hook]}", 0))

    join = os.path.join
    for rel, needs_shebang in _files_of(job):
        path, real = join(pkg_dir, rel), join(pkg_real, rel)
        got = reader.take(path, real)
        if got is None:
            continue
        data, sampled = got
        if not data:
            continue
        if needs_shebang and not data.startswith(b"#!"):
            continue
        if is_binary(data):
            stats.add("binary")
            continue
        stats.add("files")
        stats.add("bytes", len(data))
        text = data.decode("utf-8", errors="replace")
        at_install = real in reach
        signals = FileSignals(
            build_view(text),
            install=at_install,
            tasks=tasks if at_install else frozenset(),
            js=is_javascript(rel, data),
        )
        head_len = SAMPLE_HEAD_BYTES if sampled else len(text) + 1
        for pid, d in detect_file(signals):
            line = line_of(text, d.offset) if d.offset < head_len else 0
            emit(pid, d, path, line, excerpt(text, d.offset))

    if reader.unread:
        stats.add("over_budget")
        stats.over_budget.append((pkg_dir, reader.unread))
    # binary wrappers: their download-and-run install step is expected when nothing else is odd
    if name in KNOWN_BINARY_WRAPPERS and all(h.pattern_id in _WRAPPER_EXPECTED for h in found):
        found = []
    found.sort(key=lambda h: (h.file, h.line, h.pattern_id))
    return found


class _Reader:
    """One package's file reads: each file once (the files an install script runs are read while
    following them, and the scan reuses their bytes), at most ``MAX_BYTES_PER_PACKAGE`` bytes in
    all; past it a file is not read and counted in ``unread``."""

    __slots__ = ("digests", "read", "spent", "stats", "unread")

    def __init__(self, stats: Stats, digests: Digests | None) -> None:
        self.stats, self.digests = stats, digests
        self.read: dict[str, tuple[bytes, bool] | None] = {}
        self.spent = 0
        self.unread = 0

    def _load(self, path: str) -> tuple[bytes, bool] | None:
        got = read_sampled(path, MAX_FILE_BYTES, self.stats, self.digests)
        if got is not None:
            self.spent += len(got[0])
        return got

    def text(self, real: str) -> str | None:
        """A file's text for following an install script (None: unreadable, binary, or past
        the budget: then ``take`` counts it unread)."""
        read = self.read
        if real not in read:
            if self.spent >= MAX_BYTES_PER_PACKAGE:
                return None
            read[real] = self._load(real)
        got = read[real]
        if got is None or is_binary(got[0]):
            return None
        return got[0].decode("utf-8", errors="replace")

    def take(self, path: str, real: str) -> tuple[bytes, bool] | None:
        """A file's bytes for the scan (already read or read now), None if unreadable or past
        the budget."""
        if real in self.read:
            return self.read.pop(real)
        if self.spent >= MAX_BYTES_PER_PACKAGE:
            self.unread += 1
            return None
        return self._load(path)


def _files_of(job: PackageJob) -> Iterator[tuple[str, bool]]:
    """(path relative to the package, needs_shebang) of the package's code files: the files
    ``main`` and ``bin`` name first (they spend the byte budget first), then the others in the
    walk's order."""
    files = [*((rel, False) for rel in job.files), *((rel, True) for rel in job.shebang)]
    entries = job.manifest.entries
    if entries:
        first = set(entries)
        files.sort(key=lambda file: file[0] not in first)  # (stable: the walk's order kept)
    yield from files


def _manifest_line(raw: str, hook: str) -> int:
    idx = raw.find(f'"{hook}"')
    return line_of(raw, idx) if idx >= 0 else 1


def scan_package_dir(pkg_dir: str) -> list[HeuristicHit]:
    """Heuristic hits in one installed package folder (the folder holding its package.json)."""
    stats = Stats()
    return _scan_package(job_for(pkg_dir, stats), stats)


# --------------------------------------------------------------------------------------------
# trees


_Entry = tuple[tuple[int, int, int, int], str]  # a file's identity and its SHA-256
# hits, counts, digests, (package folder, files left unread) past the byte budget
_Result = tuple[list[HeuristicHit], dict[str, int], list[_Entry], list[tuple[str, int]]]


def _job(item: str | PackageJob, stats: Stats) -> PackageJob:
    return job_for(item, stats) if isinstance(item, str) else item


def _worker(item: str | PackageJob) -> _Result:
    """Scan one package: a job from discovery, or a bare folder (read and listed here)."""
    stats = Stats()
    hits = _scan_package(_job(item, stats), stats)
    return hits, dict(stats.counts), [], stats.over_budget


class _DigestLog(dict[tuple[int, int, int, int], str]):
    """This process's digests of the files it read whole; ``new`` is what the caller has not
    been sent yet. Kept across the packages one process scans: a file met twice is hashed once."""

    def __init__(self) -> None:
        super().__init__()
        self.new: list[_Entry] = []

    def __setitem__(self, key: tuple[int, int, int, int], value: str) -> None:
        super().__setitem__(key, value)
        self.new.append((key, value))


_LOG = _DigestLog()


def _hashing_worker(item: str | PackageJob) -> _Result:
    """``_worker``, also hashing the files read whole (a rule has ``file_hashes``)."""
    stats = Stats()
    hits = _scan_package(_job(item, stats), stats, _LOG)
    new, _LOG.new = _LOG.new, []
    return hits, dict(stats.counts), new, stats.over_budget


def unique_packages(
    root: str, stats: Stats | None = None, seen: set[tuple[str, ...]] | None = None
) -> list[str]:
    """The package folders under ``root`` that a scan looks at: a release with a known integrity
    (npm's hidden lockfile, ``_integrity``) once (``seen`` carries that across roots); a folder
    without one every time, since its package.json can claim any name and version (a payload
    posing as a release already scanned would otherwise be skipped). See ``discover``."""
    return [job.path for job in discover(root, stats, seen)]


def count_packages(root: str) -> int:
    """How many distinct package folders ``scan_tree(root)`` scans."""
    return len(unique_packages(root))


def scan_tree(root: str, *, workers: int = 2) -> tuple[list[HeuristicHit], list[str]]:
    """``scan_trees`` of one root."""
    return scan_trees([root], workers=workers)


def scan_trees(
    roots: Sequence[str], *, workers: int = 2, digests: Digests | None = None
) -> tuple[list[HeuristicHit], list[str]]:
    """Scan every package folder under ``roots`` once; returns hits and human-readable notes.

    Package folders are the folders holding a package.json directly under a ``node_modules``
    (scoped or not, at any depth, including pnpm's ``.pnpm`` store and yarn's cache), bun cache
    entries, and ``root`` itself. A release with a known integrity (npm's hidden lockfile,
    ``_integrity``) is scanned once; without one, every copy is scanned. With ``workers > 1`` and
    a big tree, packages are spread over that many processes.

    With ``digests`` (a rule has ``file_hashes``), the SHA-256 of every code file read whole is
    added to it by file identity, for the payload pass (``host.payloads``) to reuse.
    """
    stats = Stats()
    seen: set[tuple[str, ...]] = set()  # shared, so a package is scanned once per run
    todo = [job for root in roots for job in discover(root, stats, seen)]
    return scan_package_dirs(todo, workers=workers, stats=stats, digests=digests)


def scan_package_dirs(
    todo: Sequence[str | PackageJob],
    *,
    workers: int = 2,
    stats: Stats | None = None,
    digests: Digests | None = None,
) -> tuple[list[HeuristicHit], list[str]]:
    """Scan these package folders (already de-duplicated; discovery's jobs or bare folders);
    hits and notes."""
    hits: list[HeuristicHit] = []
    counts: Counter[str] = Counter(stats.counts if stats is not None else ())
    if digests is not None:
        _LOG.clear()  # this process's log starts with this scan
        _LOG.new = []
    over: list[tuple[str, int]] = []
    worker = _worker if digests is None else _hashing_worker
    if workers > 1 and len(todo) >= PARALLEL_THRESHOLD:
        with process_pool(workers) as pool:  # workers end with the scan (signals too)
            for got_hits, got_counts, got_digests, got_over in pool.map(worker, todo, chunksize=8):
                hits += got_hits
                counts.update(got_counts)
                over += got_over
                if digests is not None:
                    digests.update(got_digests)
    else:
        for item in todo:
            got_hits, got_counts, got_digests, got_over = worker(item)
            hits += got_hits
            counts.update(got_counts)
            over += got_over
            if digests is not None:
                digests.update(got_digests)
    hits.sort(key=lambda h: (h.file, h.line, h.pattern_id))
    return hits, _notes(len(todo), counts) + _budget_notes(over)


MAX_BUDGET_NOTES = 20  # packages named one by one; the others are counted


def _budget_notes(over: list[tuple[str, int]]) -> list[str]:
    """One note per package whose code files passed ``MAX_BYTES_PER_PACKAGE`` (its folder and
    how many of its files were not read), the first ``MAX_BUDGET_NOTES`` of them."""
    limit = MAX_BYTES_PER_PACKAGE // 1024**2
    notes = [
        f"heuristic: {folder}: more than {limit} MB of code files; {unread} of its code files "
        "were not read (install-script files and entry points were read first)"
        for folder, unread in sorted(over)[:MAX_BUDGET_NOTES]
    ]
    if len(over) > MAX_BUDGET_NOTES:
        notes.append(
            f"heuristic: {len(over) - MAX_BUDGET_NOTES} more packages had more than {limit} MB "
            "of code files; the rest of their files were not read"
        )
    return notes


def _notes(packages: int, counts: Counter[str]) -> list[str]:
    notes = [
        f"heuristic: scanned {packages} package folders, {counts['files']} code files "
        f"({counts['bytes'] // 1024} KB)"
    ]
    if counts["duplicates"]:
        notes.append(
            f"heuristic: {counts['duplicates']} copies of a release (same integrity) scanned once"
        )
    if counts["sampled"]:
        notes.append(
            f"heuristic: sampled {counts['sampled']} files > {MAX_FILE_BYTES // 1024} KB "
            f"(first {SAMPLE_HEAD_BYTES // 1024} KB + last {SAMPLE_TAIL_BYTES // 1024} KB scanned)"
        )
    if counts["binary"]:
        notes.append(f"heuristic: skipped {counts['binary']} binary files")
    unreadable = counts["unreadable"] + counts["not_regular"] + counts["unreadable_dirs"]
    if unreadable:
        notes.append(f"heuristic: skipped {unreadable} unreadable or non-regular entries")
    if counts["file_cap"]:
        notes.append(
            f"heuristic: {counts['file_cap']} packages had more than {MAX_FILES_PER_PACKAGE} "
            "code files; the rest were not scanned"
        )
    return notes


def to_finding(hit: HeuristicHit, *, review_counts: bool = False) -> Finding:
    """The report form of a hit: type heuristic, match pattern, rule id = pattern id.

    A hit below high confidence is a review item (listed with its evidence, not counted in the
    verdict or the exit code) unless ``review_counts``.
    """
    pattern = PATTERNS[hit.pattern_id]
    return Finding(
        rule_id=hit.pattern_id,
        rule_title=hit.title,
        severity=hit.severity,
        type=FindingType.HEURISTIC,
        match=MatchKind.PATTERN,
        description=f"{hit.why} (modelled on: {pattern.origin}; {pattern.reference})",
        remediation=(
            "Review the code at this place. If it is malicious, remove the package, rotate every "
            "credential the machine held and treat the host as compromised; if it is benign, "
            "suppress this pattern id for this package and version."
        ),
        package=hit.package,
        version=hit.version,
        excerpt=hit.excerpt,
        path=hit.file,
        line=hit.line if hit.line > 0 else None,
        confidence=hit.confidence.value,
        review=hit.confidence is not Confidence.HIGH and not review_counts,
    )
