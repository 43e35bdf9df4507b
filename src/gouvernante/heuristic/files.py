"""Which files of an installed package the engine reads, and how (read-only, bounded).

Files are opened read-only with ``O_NONBLOCK | O_NOFOLLOW``, checked with ``fstat`` to be regular
files, capped in size (files over ``MAX_FILE_BYTES`` are sampled: their head and tail are scanned
and a note says so); binary files are skipped, symlinked directories are never followed (the walker
guards loops) and symlinked files are skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from gouvernante.fs.walk import walk

__all__ = [
    "MAX_BYTES_PER_PACKAGE",
    "MAX_BYTES_PER_SCAN",
    "MAX_FILE_BYTES",
    "Digests",
    "Stats",
    "is_binary",
    "is_code_file",
    "is_javascript",
    "load_manifest",
    "package_files",
    "read_sampled",
    "str_field",
]

# (device, inode, size, mtime_ns) -> hex SHA-256 of the file's bytes (fs.digest's key)
Digests = dict[tuple[int, int, int, int], str]

_sha256 = hashlib.sha256  # one name, so a test can count the digests made

MAX_FILE_BYTES = 2 * 1024 * 1024  # larger files are sampled (head + tail)
SAMPLE_HEAD_BYTES = 1024 * 1024
SAMPLE_TAIL_BYTES = 512 * 1024
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_FILES_PER_PACKAGE = 20_000
# Bytes of code files read per package (decision 0158): past it the package's other files are
# not read and a note names the package. Install-reachable files and entry points go first.
MAX_BYTES_PER_PACKAGE = 128 * 1024 * 1024
# Bytes of code files read in one scan, all packages and worker processes together (decision
# 0162): the files install scripts run are read in every package before any other file; past it
# no more files are read and one note counts the packages and files left unread.
MAX_BYTES_PER_SCAN = 1024 * 1024 * 1024

JS_SUFFIXES = (".js", ".cjs", ".mjs", ".jsx", ".ts", ".cts", ".mts", ".tsx")
CODE_SUFFIXES = (
    *JS_SUFFIXES,
    ".sh", ".bash", ".zsh", ".ps1", ".psm1", ".bat", ".cmd", ".py", ".vbs",
)  # fmt: skip
# the first line of an extension-less script that JavaScript runtimes run
RX_JS_SHEBANG = re.compile(rb"#![^\n]*\b(?:node|bun|deno|tsx|ts-node)\b")


def is_javascript(rel: str, data: bytes) -> bool:
    """Is the code file ``rel`` (its bytes ``data``) JavaScript or TypeScript, by its name or,
    without a code suffix, by its shebang line? (A shell, PowerShell, Python or batch file runs
    every line: nothing in it is an object's data.)"""
    if rel.lower().endswith(JS_SUFFIXES):
        return True
    return not rel.lower().endswith(CODE_SUFFIXES) and RX_JS_SHEBANG.match(data) is not None


SKIP_SUFFIXES = (".d.ts", ".d.mts", ".d.cts", ".map")

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_BINARY", 0)
)


@dataclass
class Stats:
    counts: Counter[str] = field(default_factory=Counter)
    # (package folder, code files left unread) of the packages past MAX_BYTES_PER_PACKAGE
    over_budget: list[tuple[str, int]] = field(default_factory=list)
    # (package folder, code files left unread) of the packages read after MAX_BYTES_PER_SCAN
    over_scan: list[tuple[str, int]] = field(default_factory=list)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] += n


def read_sampled(
    path: str, limit: int, stats: Stats, digests: Digests | None = None
) -> tuple[bytes, bool] | None:
    """Bytes of a regular file (head+tail sample when larger than ``limit``), and whether it was
    sampled; None if unreadable or not a regular file.

    With ``digests`` (a rule has ``file_hashes``), a file read whole gets its SHA-256 recorded
    under its (device, inode, size, mtime) as ``fstat`` gave them for these bytes, so the payload
    pass (``host.payloads``) does not read it again; a file already recorded is not hashed again."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError:
        stats.add("unreadable")
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            stats.add("not_regular")
            return None
        size = st.st_size
        if size <= limit:
            data = _read_all(fd, size)
            if digests is not None and len(data) == size:
                key = (st.st_dev, st.st_ino, size, st.st_mtime_ns)
                if key not in digests:
                    digests[key] = _sha256(data).hexdigest()
            return data, False
        head = _read_all(fd, SAMPLE_HEAD_BYTES)
        os.lseek(fd, max(size - SAMPLE_TAIL_BYTES, SAMPLE_HEAD_BYTES), os.SEEK_SET)
        tail = _read_all(fd, SAMPLE_TAIL_BYTES)
        stats.add("sampled")
        return head + b"\n" + tail, True
    except OSError:
        stats.add("unreadable")
        return None
    finally:
        os.close(fd)


def _read_all(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def is_binary(data: bytes) -> bool:
    return b"\x00" in data[:8192]


def load_manifest(pkg_dir: str, stats: Stats) -> tuple[dict[str, object], str] | None:
    """The package's package.json as a dict, and its text; None if absent or not an object."""
    got = read_sampled(os.path.join(pkg_dir, "package.json"), MAX_MANIFEST_BYTES, stats)
    if got is None or got[1]:
        return None
    raw = got[0].decode("utf-8", errors="replace")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        stats.add("bad_manifest")
        return None
    if not isinstance(data, dict):
        return None
    return data, raw


def str_field(data: dict[str, object], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def is_code_file(name: str) -> bool | None:
    """True: scan; False: skip; None: scan only if it starts with a shebang."""
    low = name.lower()
    if low.endswith(SKIP_SUFFIXES):
        return False
    if low.endswith(CODE_SUFFIXES):
        return True
    return None if "." not in name else False


def package_files(pkg_dir: str, stats: Stats) -> Iterator[tuple[str, bool]]:
    """(path, needs_shebang) of the package's own files; never enters node_modules or symlinks."""
    emitted = 0
    walker = walk(
        pkg_dir,
        prune=lambda name, _path: name in ("node_modules", ".git"),
        on_error=lambda _path, _msg: stats.add("unreadable_dirs"),
    )
    for wd in walker:
        for name in wd.files:
            if name in wd.links:
                continue
            kind = is_code_file(name)
            if kind is False:
                continue
            emitted += 1
            if emitted > MAX_FILES_PER_PACKAGE:
                stats.add("file_cap")
                return
            yield os.path.join(wd.path, name), kind is None
