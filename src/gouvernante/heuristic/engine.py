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

Files are read in two passes: the files install scripts run, of every package, then every
package's other code files; within a byte budget per package (``MAX_BYTES_PER_PACKAGE``) and one
per scan (``MAX_BYTES_PER_SCAN``, shared by the worker processes), past which a note counts the
files left unread.

This module is the driver: one read per file, hits, notes, findings. Package folders, their
manifests and their code files are found by one walk (``discover.py``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from gouvernante.heuristic.discover import PackageJob, discover, job_for
from gouvernante.heuristic.excerpt import excerpt, line_of
from gouvernante.heuristic.files import (
    MAX_BYTES_PER_PACKAGE,
    MAX_BYTES_PER_SCAN,
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
    "ScanBudget",
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
# one package, in two passes: the files its install scripts run (``_install_pass``, every
# package's before any other file of any package), then its other code files (``_rest_pass``)

# files of the package scanned by its install pass (relative), its bytes read, its files left
# unread by its own budget and by the scan's
_Carry = tuple[frozenset[str], int, int, int]
_NOTHING_YET: _Carry = (frozenset(), 0, 0, 0)


class ScanBudget:
    """The bytes of code files one scan has read, in this process or, ``shared`` (a
    ``multiprocessing`` integer the workers inherit), in all its processes; ``out`` once they
    reach ``limit`` (``MAX_BYTES_PER_SCAN``): then no more files are read. A process learns that
    the others spent the rest when it next reads, so each reads at most one file past it."""

    __slots__ = ("limit", "out", "shared", "spent")

    def __init__(self, limit: int, shared: Any = None) -> None:
        self.limit, self.shared, self.spent = limit, shared, 0
        self.out = limit <= 0

    def spend(self, n: int) -> None:
        shared = self.shared
        if shared is None:
            self.spent += n
            total = self.spent
        else:
            with shared.get_lock():
                shared.value += n
                total = shared.value
        if total >= self.limit:
            self.out = True


_BUDGET = ScanBudget(MAX_BYTES_PER_SCAN)  # a worker process's (``_use_budget``)


def _use_budget(limit: int, shared: Any) -> None:
    global _BUDGET  # noqa: PLW0603 - one budget per worker process, set as the pool starts
    _BUDGET = ScanBudget(limit, shared)


class _Package:
    """One package's hits, emitted with its name and version."""

    __slots__ = ("found", "name", "stats", "version")

    def __init__(self, job: PackageJob, stats: Stats) -> None:
        self.name, self.version, self.stats = job.manifest.name, job.manifest.version, stats
        self.found: list[HeuristicHit] = []

    def emit(self, pid: str, d: Detection, path: str, line: int, shown: str) -> None:
        p = PATTERNS[pid]
        self.found.append(
            HeuristicHit(
                pattern_id=p.id,
                severity=severity_for(p, d.confidence),
                confidence=d.confidence,
                title=p.title,
                why=p.why,
                file=path,
                line=line,
                excerpt=shown,
                package=self.name,
                version=self.version,
            )
        )

    def scan(
        self, reader: _Reader, job: PackageJob, files: Iterable[tuple[str, bool]],
        reach: AbstractSet[str] = frozenset(), tasks: frozenset[str] = frozenset(),
    ) -> None:  # fmt: skip
        """Scan these files of the package (``reach``: the real paths of those run at install,
        with ``tasks``)."""
        stats, emit, join = self.stats, self.emit, os.path.join
        pkg_dir, pkg_real = job.path, job.real
        for rel, needs_shebang in files:
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


def _install_pass(
    job: PackageJob, stats: Stats, budget: ScanBudget, digests: Digests | None = None
) -> tuple[list[HeuristicHit], _Carry]:
    """The package's install-time commands and the files they run (read first: every
    package's before any other file), and what ``_rest_pass`` carries on from."""
    cmds = list(job.manifest.commands)
    if not cmds:
        return [], _NOTHING_YET
    pkg = _Package(job, stats)
    reader = _Reader(stats, digests, budget)
    reach = reachable(job.real, cmds, reader.text)
    tasks = install_tasks(cmds) if reach else frozenset()

    manifest_path = os.path.join(job.path, "package.json")
    commands = dict(cmds)
    for hook, hits in analyze_commands(cmds):
        line = _manifest_line(job.manifest.raw, hook)
        for pid, d in hits:
            pkg.emit(pid, d, manifest_path, line, excerpt(f"{hook}: {commands[hook]}", 0))

    files: list[tuple[str, bool]] = []
    if reach:
        join, read, pkg_real = os.path.join, reader.read, job.real
        files = [f for f in _files_of(job) if (r := join(pkg_real, f[0])) in reach or r in read]
        pkg.scan(reader, job, files, reach, tasks)
    done = frozenset(rel for rel, _ in files)
    return pkg.found, (done, reader.spent, reader.unread, reader.unread_scan)


def _rest_pass(
    job: PackageJob, carry: _Carry, stats: Stats, budget: ScanBudget,
    digests: Digests | None = None,
) -> list[HeuristicHit]:  # fmt: skip
    """The package's code files its install pass did not scan, the entry points first; the
    package's cuts by a budget go to ``stats``."""
    done, spent, unread, unread_scan = carry
    pkg = _Package(job, stats)
    reader = _Reader(stats, digests, budget)
    reader.spent, reader.unread, reader.unread_scan = spent, unread, unread_scan
    files = _files_of(job)
    pkg.scan(reader, job, (f for f in files if f[0] not in done) if done else files)
    pkg_dir = job.path
    if reader.unread:
        stats.add("over_budget")
        stats.over_budget.append((pkg_dir, reader.unread))
    if reader.unread_scan:
        stats.over_scan.append((pkg_dir, reader.unread_scan))
    return pkg.found


def _expected_only(job: PackageJob, hits: list[HeuristicHit]) -> list[HeuristicHit]:
    """A binary wrapper's hits: none when its download-and-run install step is all there is."""
    if job.manifest.name in KNOWN_BINARY_WRAPPERS and all(
        h.pattern_id in _WRAPPER_EXPECTED for h in hits
    ):
        return []
    return hits


class _Reader:
    """One package's file reads: each file once (the files an install script runs are read while
    following them, and the scan reuses their bytes), at most ``MAX_BYTES_PER_PACKAGE`` bytes in
    all and none once the scan's ``budget`` is spent; past either a file is not read and counted
    in ``unread`` (the package's budget) or ``unread_scan`` (the scan's)."""

    __slots__ = ("budget", "digests", "read", "spent", "stats", "unread", "unread_scan")

    def __init__(self, stats: Stats, digests: Digests | None, budget: ScanBudget) -> None:
        self.stats, self.digests, self.budget = stats, digests, budget
        self.read: dict[str, tuple[bytes, bool] | None] = {}
        self.spent = 0
        self.unread = 0
        self.unread_scan = 0

    def _load(self, path: str) -> tuple[bytes, bool] | None:
        got = read_sampled(path, MAX_FILE_BYTES, self.stats, self.digests)
        if got is not None:
            self.spent += len(got[0])
            self.budget.spend(len(got[0]))
        return got

    def text(self, real: str) -> str | None:
        """A file's text for following an install script (None: unreadable, binary, or past
        a budget: then ``take`` counts it unread)."""
        read = self.read
        if real not in read:
            if self.spent >= MAX_BYTES_PER_PACKAGE or self.budget.out:
                return None
            read[real] = self._load(real)
        got = read[real]
        if got is None or is_binary(got[0]):
            return None
        return got[0].decode("utf-8", errors="replace")

    def take(self, path: str, real: str) -> tuple[bytes, bool] | None:
        """A file's bytes for the scan (already read or read now), None if unreadable or past
        a budget."""
        if real in self.read:
            return self.read.pop(real)
        if self.spent >= MAX_BYTES_PER_PACKAGE:
            self.unread += 1
            return None
        if self.budget.out:
            self.unread_scan += 1
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


def scan_package_dir(pkg_dir: str, *, notes: list[str] | None = None) -> list[HeuristicHit]:
    """Heuristic hits in one installed package folder (the folder holding its package.json).
    ``notes``, if given, gets the note ``scan_trees`` gives when a byte budget left files of the
    package unread (the folder and how many)."""
    hits, _counts, over, over_scan = _scan_jobs([pkg_dir], workers=1)
    if notes is not None:
        notes += _budget_notes(over) + _scan_budget_notes(over_scan)
    return hits


# --------------------------------------------------------------------------------------------
# trees


_Entry = tuple[tuple[int, int, int, int], str]  # a file's identity and its SHA-256
# hits, counts, digests, what the rest pass carries on from
_InstallResult = tuple[list[HeuristicHit], dict[str, int], list[_Entry], _Carry]
# hits, counts, digests, (package folder, files left unread) past its budget and past the scan's
_RestResult = tuple[
    list[HeuristicHit], dict[str, int], list[_Entry], list[tuple[str, int]], list[tuple[str, int]]
]


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


def _sent() -> list[_Entry]:
    new, _LOG.new = _LOG.new, []
    return new


def _install_worker(item: tuple[PackageJob, bool]) -> _InstallResult:
    """``_install_pass`` of one package (``hashing``: also hash the files read whole, when a
    rule has ``file_hashes``)."""
    job, hashing = item
    stats = Stats()
    hits, carry = _install_pass(job, stats, _BUDGET, _LOG if hashing else None)
    return hits, dict(stats.counts), _sent() if hashing else [], carry


def _rest_worker(item: tuple[PackageJob, _Carry, bool]) -> _RestResult:
    """``_rest_pass`` of one package."""
    job, carry, hashing = item
    stats = Stats()
    hits = _rest_pass(job, carry, stats, _BUDGET, _LOG if hashing else None)
    got = _sent() if hashing else []
    return hits, dict(stats.counts), got, stats.over_budget, stats.over_scan


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
    hits and notes. Every package's install pass runs before any package's rest pass; both
    spend one ``MAX_BYTES_PER_SCAN`` budget."""
    hits, counts, over, over_scan = _scan_jobs(todo, workers, stats, digests)
    notes = _notes(len(todo), counts) + _budget_notes(over) + _scan_budget_notes(over_scan)
    return hits, notes


def _scan_jobs(
    todo: Sequence[str | PackageJob],
    workers: int,
    stats: Stats | None = None,
    digests: Digests | None = None,
) -> tuple[list[HeuristicHit], Counter[str], list[tuple[str, int]], list[tuple[str, int]]]:
    """``scan_package_dirs``' hits, counts and the packages cut by each budget."""
    counts: Counter[str] = Counter(stats.counts if stats is not None else ())
    listed = Stats()  # bare folders are listed here (their unreadable entries counted)
    jobs = [item if isinstance(item, PackageJob) else job_for(item, listed) for item in todo]
    counts.update(listed.counts)
    hashing = digests is not None
    if hashing:
        _LOG.clear()  # this process's log starts with this scan
        _LOG.new = []
    installing = [i for i, job in enumerate(jobs) if job.manifest.commands]
    first: dict[int, list[HeuristicHit]] = {}
    carries: list[_Carry] = [_NOTHING_YET] * len(jobs)
    hits: list[HeuristicHit] = []
    over: list[tuple[str, int]] = []
    over_scan: list[tuple[str, int]] = []

    def took(got_counts: dict[str, int], got_digests: list[_Entry]) -> None:
        counts.update(got_counts)
        if digests is not None:
            digests.update(got_digests)

    def rest(i: int, got: _RestResult) -> None:
        got_hits, got_counts, got_digests, got_over, got_over_scan = got
        hits.extend(_expected_only(jobs[i], first.get(i, []) + got_hits))
        took(got_counts, got_digests)
        over.extend(got_over)
        over_scan.extend(got_over_scan)

    limit = MAX_BYTES_PER_SCAN
    if workers > 1 and len(jobs) >= PARALLEL_THRESHOLD:
        import multiprocessing  # noqa: PLC0415 - only a parallel scan shares a budget

        shared = multiprocessing.Value("q", 0)
        with process_pool(workers, initializer=_use_budget, initargs=(limit, shared)) as pool:
            pass_one = pool.map(_install_worker, [(jobs[i], hashing) for i in installing])
            for i, (got_hits, got_counts, got_digests, carry) in zip(
                installing, pass_one, strict=True
            ):
                first[i], carries[i] = got_hits, carry
                took(got_counts, got_digests)
            items = [(job, carries[i], hashing) for i, job in enumerate(jobs)]
            for i, got in enumerate(pool.map(_rest_worker, items, chunksize=8)):
                rest(i, got)
    else:
        budget = ScanBudget(limit)
        log = _LOG if hashing else None
        for i in installing:
            stats_i = Stats()
            first[i], carries[i] = _install_pass(jobs[i], stats_i, budget, log)
            took(dict(stats_i.counts), _sent() if hashing else [])
        for i, job in enumerate(jobs):
            stats_i = Stats()
            got_hits = _rest_pass(job, carries[i], stats_i, budget, log)
            sent = _sent() if hashing else []
            rest(i, (got_hits, dict(stats_i.counts), sent, stats_i.over_budget, stats_i.over_scan))
    hits.sort(key=lambda h: (h.file, h.line, h.pattern_id))
    return hits, counts, over, over_scan


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


def _scan_budget_notes(over: list[tuple[str, int]]) -> list[str]:
    """One note when the scan's ``MAX_BYTES_PER_SCAN`` left files unread: how many, of how many
    packages (none named: a tree planting them chooses how many there are)."""
    if not over:
        return []
    files = sum(unread for _folder, unread in over)
    return [
        f"heuristic: more than {MAX_BYTES_PER_SCAN // 1024**2} MB of code files in this scan; "
        f"{files} code files of {len(over)} packages were not read (the files install scripts "
        "run were read first, in every package)"
    ]


_COUNT_NOTE = "heuristic: scanned "


def _notes(packages: int, counts: Counter[str]) -> list[str]:
    notes = [
        f"{_COUNT_NOTE}{packages} package folders, {counts['files']} code files "
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
