"""SHA-256 of candidate files and archive members, for payload hashes without a path.

Bounded and measured: only *candidate* files are hashed (``is_candidate``: script and binary
suffixes, and names without a suffix), only up to ``MAX_HASHED_FILE_BYTES``; each file is hashed
once per run, keyed by (device, inode, size, mtime): a hard link, a location reached twice or a
pnpm store file linked into many projects costs one read. Archives (yarn berry zips, npm cache
tarballs) are read in memory, never extracted, within ``ArchiveLimits``; a hostile or damaged
archive raises ``InputError`` naming the archive (and a member by its position), never its bytes.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import os
import posixpath
import stat
import struct
import tarfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Final, Protocol, cast

from gouvernante.errors import InputError
from gouvernante.fs.read import Unread, UnreadKind, describe_mode, os_message

__all__ = [
    "CANDIDATE_SUFFIXES",
    "GZIP_MAGIC",
    "MAX_HASHED_FILE_BYTES",
    "MAX_ZSTD_WINDOW",
    "ZSTD_MAGIC",
    "ArchiveLimits",
    "ContentHasher",
    "HashStats",
    "Readable",
    "UnpackBudget",
    "ZstdStream",
    "is_candidate",
    "is_tar_header",
    "may_be_root_manifest",
    "root_manifest",
    "tar_members",
    "tarball_manifest",
    "zip_member",
    "zip_members",
]

# Payloads seen in npm compromises are a few MB (Shai-Hulud's bundle.js ~3.6 MB, its bun bundle
# ~10 MB); 16 MiB leaves room and keeps native binaries of tools (esbuild ~10 MB, but also 100+ MB
# browsers and compilers) from dominating the cost.
MAX_HASHED_FILE_BYTES: Final = 16 * 1024 * 1024
# Scripts any runtime or shell starts, and native binaries; a name without a suffix is a
# candidate too (a dropped binary, a shebang script). Typings and source maps never are.
CANDIDATE_SUFFIXES: Final = (
    ".js", ".cjs", ".mjs", ".jsx", ".ts", ".cts", ".mts", ".tsx",
    ".sh", ".bash", ".zsh", ".ps1", ".psm1", ".bat", ".cmd", ".py", ".vbs",
    ".exe", ".dll", ".so", ".dylib", ".node", ".bin", ".wasm",
)  # fmt: skip
_NEVER: Final = (".d.ts", ".d.mts", ".d.cts", ".map")
_FLAGS: Final = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_BINARY", 0)
)
_CHUNK: Final = 1 << 20
_sha256 = hashlib.sha256  # one name, so a test can count the digests made


def is_candidate(name: str) -> bool:
    """Is a file of this name hashed? (its size is checked separately)"""
    low = name.lower()
    if low.endswith(_NEVER):
        return False
    if low.endswith(CANDIDATE_SUFFIXES):
        return True
    return "." not in low.lstrip(".")


@dataclass(frozen=True)
class ArchiveLimits:
    """What an archive may hold before it is refused (a zip or gzip bomb, a damaged file)."""

    max_archive_bytes: int = 256 * 1024 * 1024  # the archive file itself
    max_members: int = 100_000
    # a zip's central directory, read whole by ``zipfile`` into an object per entry (about 380
    # bytes each): 134 MiB of 47-byte entries took 1.1 GB and 15 s (decision 0101)
    max_directory_bytes: int = 32 * 1024 * 1024
    max_total_bytes: int = 1024 * 1024 * 1024  # uncompressed bytes read from one archive
    # uncompressed / archive size, past ``ratio_floor`` uncompressed (decision 0094: real npm
    # tarballs measured up to 21)
    max_ratio: int = 200
    ratio_floor: int = 1024 * 1024

    def unpacked_limit(self, archive_bytes: int) -> int:
        """How many bytes an archive of ``archive_bytes`` may give uncompressed: no more than
        ``max_total_bytes``, nor ``max_ratio`` times its size once past ``ratio_floor``. A bomb
        under the absolute limit then costs what an honest archive of its size costs, and a
        tiny one no more than ``ratio_floor``: what a scan spends grows with the bytes given."""
        return min(self.max_total_bytes, max(self.ratio_floor, self.max_ratio * archive_bytes))

    def over(self, archive_bytes: int) -> str:
        """Why an archive that gives more than ``unpacked_limit`` is refused (no byte of it)."""
        limit = self.unpacked_limit(archive_bytes)
        if limit >= self.max_total_bytes:
            return f"refused: more than {self.max_total_bytes // (1024 * 1024)} MiB uncompressed"
        return (
            f"refused: more than {self.max_ratio} times its {archive_bytes} bytes uncompressed"
            " (a gzip or zip bomb?)"
        )


class UnpackBudget:
    """Uncompressed bytes one scan may still spend on archives of a kind (``tar_members``'
    ``budget``): each archive is bounded by ``ArchiveLimits``, their sum by this. An archive
    that would go past it is refused (an ``InputError`` naming it), never read in part as if
    whole."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.left = total

    def spent(self) -> str:
        return (
            f"refused: the scan's budget of {self.total // (1024 * 1024)} MiB uncompressed for"
            " such archives is spent (many archives that each unpack to much: decision 0094)"
        )


@dataclass
class HashStats:
    files: int = 0  # files read and hashed
    bytes: int = 0
    reused: int = 0  # the same file met again: its digest reused, not read
    shared: int = 0  # hashed by -heuristic as it read the file: not read again
    over_cap: int = 0  # candidates larger than the cap: not hashed
    archives: int = 0
    members: int = 0  # archive members hashed
    member_bytes: int = 0
    seconds: float = 0.0

    def summary(self, cap: int) -> str:
        text = (
            f"content hashes: {self.files} files ({self.bytes // 1024} KB) and "
            f"{self.members} members of {self.archives} archives "
            f"({self.member_bytes // 1024} KB) hashed in {self.seconds:.2f} s"
        )
        if self.shared:
            text += f"; {self.shared} hashed by -heuristic as it read them"
        if self.reused:
            text += f"; {self.reused} met again, not re-read"
        if self.over_cap:
            text += f"; {self.over_cap} larger than {cap // (1024 * 1024)} MiB not hashed"
        return text


@dataclass
class ContentHasher:
    """SHA-256 of files, each file once per run: the digest of a hard-linked file is kept by file
    identity (a file with one link can only be met again through a folder met again, which
    ``host.payloads`` skips), and ``seed`` takes the digests -heuristic made as it read."""

    cap: int = MAX_HASHED_FILE_BYTES
    limits: ArchiveLimits = field(default_factory=ArchiveLimits)
    stats: HashStats = field(default_factory=HashStats)
    _digests: dict[tuple[int, int, int, int], str] = field(default_factory=dict)
    _archives: set[tuple[int, int, int, int]] = field(default_factory=set)
    _shared: set[tuple[int, int, int, int]] = field(default_factory=set)

    def seed(self, digests: Mapping[tuple[int, int, int, int], str]) -> None:
        """Digests another reader made of the bytes it read whole (``-heuristic``), by file
        identity: those files are not read again."""
        for key, value in digests.items():
            self._digests.setdefault(key, value)
        self._shared.update(digests)

    def file(self, path: str) -> str | Unread | None:
        """The hex SHA-256 of a regular file; None when it is over the cap; ``Unread`` when it
        is not a regular file or cannot be read (symlinks are never followed)."""
        if self._digests:  # a file met before (or hashed by -heuristic): one lstat, no open
            try:
                st = os.lstat(path)
            except OSError as exc:
                return _unopened(exc)
            if stat.S_ISREG(st.st_mode):
                known = self._known((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
                if known is not None:
                    return known
        try:
            fd = os.open(path, _FLAGS)
        except OSError as exc:
            return _unopened(exc)
        started = time.perf_counter()
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return Unread(UnreadKind.REFUSED, f"{describe_mode(st.st_mode)}: not hashed")
            if st.st_size > self.cap:
                self.stats.over_cap += 1
                return None
            key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
            known = self._known(key)
            if known is not None:
                return known
            digest = _sha256()
            total = 0
            while chunk := os.read(fd, _CHUNK):
                total += len(chunk)
                if total > self.cap:  # grew while read
                    self.stats.over_cap += 1
                    return None
                digest.update(chunk)
            hexdigest = digest.hexdigest()
            # Only a hard link can be met again under another folder (a folder met again is
            # skipped whole), so only those are kept: small memory on a host of many files.
            if st.st_nlink > 1:
                self._digests[key] = hexdigest
            self.stats.files += 1
            self.stats.bytes += total
            return hexdigest
        except OSError as exc:
            return Unread(UnreadKind.FAILED, f"cannot read: {os_message(exc)}")
        finally:
            os.close(fd)
            self.stats.seconds += time.perf_counter() - started

    def _known(self, key: tuple[int, int, int, int]) -> str | None:
        known = self._digests.get(key)
        if known is not None:
            if key in self._shared:
                self._shared.discard(key)  # met again later: then it is a reuse
                self.stats.shared += 1
            else:
                self.stats.reused += 1
        return known

    def member(self, data: bytes) -> str:
        """The hex SHA-256 of an archive member's bytes."""
        started = time.perf_counter()
        hexdigest = _sha256(data).hexdigest()
        self.stats.members += 1
        self.stats.member_bytes += len(data)
        self.stats.seconds += time.perf_counter() - started
        return hexdigest

    def first_visit(self, path: str) -> bool:
        """True the first time this archive (by identity) is met; False after, or if it is gone."""
        try:
            st = os.stat(path)
        except OSError:
            return False
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        if key in self._archives:
            self.stats.reused += 1
            return False
        self._archives.add(key)
        self.stats.archives += 1
        return True


def _unopened(exc: OSError) -> Unread | None:
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return Unread(UnreadKind.ABSENT, "absent")
    if exc.errno in (errno.ELOOP, errno.EMLINK):
        return Unread(UnreadKind.REFUSED, "a symlink: not followed, not hashed")
    if exc.errno == errno.EISDIR:
        return Unread(UnreadKind.REFUSED, "a directory: not hashed")
    return Unread(UnreadKind.FAILED, f"cannot open: {os_message(exc)}")


def _archive_file(path: str, limits: ArchiveLimits) -> io.FileIO:
    """The archive opened for reading: a regular file (links not followed) no larger than
    ``limits.max_archive_bytes``, else ``InputError`` naming it."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        raise InputError(path, os_message(exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(path, f"not a regular file ({describe_mode(st.st_mode)})")
        if st.st_size > limits.max_archive_bytes:
            raise InputError(
                path, f"archive larger than {limits.max_archive_bytes // (1024 * 1024)} MiB"
            )
        return io.FileIO(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise


def _archive_bytes(path: str, limits: ArchiveLimits) -> bytes:
    with _archive_file(path, limits) as file:
        chunks: list[bytes] = []
        total = 0
        try:
            while chunk := file.read(_CHUNK):
                total += len(chunk)
                if total > limits.max_archive_bytes:
                    raise InputError(path, "archive grew while read")
                chunks.append(chunk)
        except OSError as exc:
            raise InputError(path, os_message(exc)) from None
        return b"".join(chunks)


_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s6H3L5H2L")  # a central directory entry, before its name


def _zip_open(file: IO[bytes], path: str, limits: ArchiveLimits) -> zipfile.ZipFile:
    """``zipfile.ZipFile`` of ``file`` once its central directory is known to be no larger than
    ``limits.max_directory_bytes`` and to hold no more than ``limits.max_members`` entries
    (counted from the entries' own lengths, not the count the zip declares): zipfile reads the
    whole directory into an object per entry before any check of ours could run. The directory
    is found as zipfile finds it (its end record at the end, else the last one in the final
    64 KiB; a zip64 record just before its locator). Raises ``InputError`` naming ``path``; a
    damaged end record is left to zipfile to refuse."""
    size = file.seek(0, io.SEEK_END)
    tail_at = max(0, size - _EOCD.size - 0xFFFF)
    file.seek(tail_at)
    tail = file.read()
    at = len(tail) - _EOCD.size
    if not (at >= 0 and tail.startswith(b"PK\x05\x06", at) and tail.endswith(b"\0\0")):
        at = tail.rfind(b"PK\x05\x06")
    if at == -1 or len(tail) - at < _EOCD.size:
        file.seek(0)
        return zipfile.ZipFile(file)  # (no end record zipfile can read: it refuses the zip)
    directory = _EOCD.unpack_from(tail, at)[5]
    end = tail_at + at  # where the directory ends
    file.seek(max(0, end - _ZIP64_LOCATOR.size - _ZIP64_EOCD.size))
    before = file.read(_ZIP64_LOCATOR.size + _ZIP64_EOCD.size)
    if (
        len(before) == _ZIP64_LOCATOR.size + _ZIP64_EOCD.size
        and before.startswith(b"PK\x06\x06")
        and before.startswith(b"PK\x06\x07", _ZIP64_EOCD.size)
    ):
        directory = _ZIP64_EOCD.unpack_from(before)[8]
        end -= len(before)
    if directory > limits.max_directory_bytes:
        raise InputError(
            path,
            "refused: a central directory of more than"
            f" {limits.max_directory_bytes // (1024 * 1024)} MiB",
        )
    if end - directory >= 0:
        file.seek(end - directory)
        _count_central(file.read(directory), path, limits)
    file.seek(0)
    return zipfile.ZipFile(file)


def bounded_zip(file: IO[bytes], path: str, limits: ArchiveLimits) -> zipfile.ZipFile:
    """``zipfile.ZipFile`` of ``file`` (opened by ``fs.read.open_regular_stream``), its central
    directory bounded by ``limits`` before zipfile reads it (``_zip_open``)."""
    return _zip_open(file, path, limits)


def _count_central(data: bytes, path: str, limits: ArchiveLimits) -> None:
    """Refuse a central directory of more than ``limits.max_members`` entries."""
    at = count = 0
    while at + _CENTRAL.size <= len(data) and data.startswith(b"PK\x01\x02", at):
        fields = _CENTRAL.unpack_from(data, at)
        at += _CENTRAL.size + fields[10] + fields[11] + fields[12]
        count += 1
        if count > limits.max_members:
            raise InputError(path, f"refused: more than {limits.max_members} zip members")


def zip_members(path: str, cap: int, limits: ArchiveLimits) -> Iterator[tuple[str, bytes | None]]:
    """(member name, bytes) of each candidate file member of a zip, in archive order; bytes is
    None for a member over ``cap`` (not read). Raises ``InputError`` for a damaged or hostile
    archive (the members before the problem were yielded)."""
    data = _archive_bytes(path, limits)
    try:
        archive = _zip_open(io.BytesIO(data), path, limits)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise InputError(path, f"not a readable zip archive ({type(exc).__name__})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_members:
            raise InputError(path, f"refused: more than {limits.max_members} zip members")
        declared = sum(i.file_size for i in infos)
        if declared > limits.unpacked_limit(len(data)):
            raise InputError(path, f"{limits.over(len(data))}: its declared sizes")
        total = 0
        for position, info in enumerate(infos):
            name = info.filename
            if info.is_dir() or not is_candidate(name.rpartition("/")[2]):
                continue
            if info.file_size > cap:
                yield name, None
                continue
            try:
                with archive.open(info) as member:
                    body = member.read(cap + 1)
            except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError) as exc:
                raise InputError(
                    path, f"zip member #{position} cannot be read ({type(exc).__name__})"
                ) from None
            total += len(body)
            if total > limits.max_total_bytes:
                raise InputError(
                    path,
                    f"refused: more than {limits.max_total_bytes // (1024 * 1024)} MiB "
                    "uncompressed",
                )
            yield name, body if len(body) <= cap else None


def zip_member(
    path: str,
    member: str | Callable[[list[str]], int | None],
    cap: int,
    limits: ArchiveLimits,
    *,
    strict: bool = False,
) -> bytes | None:
    """One member's bytes (a package.json, to name the package a zip holds); None when absent,
    larger than ``cap`` or unreadable (the archive was read once already: its errors were
    reported then). ``member``: its name, or what picks it from the zip's member names as
    written (``orig_filename``, in central-directory order: zipfile cuts a name at a NUL byte)
    by its position (None: none). ``strict``: an archive or member that cannot be read raises
    ``InputError`` (naming the zip, never its bytes); only an absent member or one over ``cap``
    is None."""
    try:
        # (read where it lies: the central directory and the one member, not the whole file;
        # a 23 MB zip took 90 ms read whole, for one package.json)
        with _archive_file(path, limits) as file, _zip_open(file, path, limits) as archive:
            if isinstance(member, str):
                try:
                    info = archive.getinfo(member)
                except KeyError:
                    return None
            else:
                infos = archive.infolist()
                position = member([i.orig_filename for i in infos])
                if position is None:
                    return None
                info = infos[position]
            if info.file_size > cap:
                return None
            with archive.open(info) as stream:
                body = stream.read(cap + 1)
    except InputError:
        if strict:
            raise
        return None
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError) as exc:
        if strict:
            raise InputError(path, f"not a readable zip archive ({type(exc).__name__})") from None
        return None
    return body if len(body) <= cap else None


GZIP_MAGIC: Final = b"\x1f\x8b"
ZSTD_MAGIC: Final = b"\x28\xb5\x2f\xfd"
# A zstd frame may ask for a window up to 2 GiB (``--long=31``); what image tools write fits in
# libzstd's own default limit (2^27), which bounds the memory a hostile archive can take.
MAX_ZSTD_WINDOW: Final = 1 << 27


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class ZstdStream:
    """A zstd blob's content, every frame in turn (``zstd:chunked`` layers are many frames
    and skippable ones), its window capped (``max_window``); damage is a ``ValueError``
    (what the readers turn into an error naming the file). A blob cut short ends its content
    early."""

    def __init__(self, raw: Readable, max_window: int = MAX_ZSTD_WINDOW) -> None:
        import zstandard  # noqa: PLC0415 - only for a zstd archive

        self.error = zstandard.ZstdError
        decompressor = zstandard.ZstdDecompressor(max_window_size=max_window)
        self.stream = decompressor.stream_reader(cast("IO[bytes]", raw), read_across_frames=True)

    def read(self, size: int = -1) -> bytes:
        try:
            return self.stream.read(size)
        except self.error:
            raise ValueError("zstd data not readable") from None


def is_tar_header(block: bytes) -> bool:
    """Is ``block`` (a file's first 512 bytes) a tar header whose checksum holds, as node-tar
    reads an archive it did not find compressed? (A JSON document, npm's other blobs, is not.)"""
    try:
        tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
    except tarfile.HeaderError:
        return False
    return True


class _Budget(io.RawIOBase):
    """A decompressed stream that refuses to give more than ``limit`` bytes."""

    def __init__(self, inner: Readable, limit: int) -> None:
        self.inner = inner
        self.limit = limit
        self.left = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        want = min(len(buffer), self.left + 1)
        chunk = self.inner.read(want)
        if len(chunk) > self.left:
            self.left = 0  # (all it was allowed is spent)
            raise _OverBudget
        self.left -= len(chunk)
        buffer[: len(chunk)] = chunk
        return len(chunk)


class _OverBudget(Exception):
    pass


def tar_members(
    path: str,
    cap: int,
    limits: ArchiveLimits,
    wanted: Callable[[str], bool] | None = None,
    data: bytes | None = None,
    *,
    budget: UnpackBudget | None = None,
    node_tar: bool = False,
) -> Iterator[tuple[str, bytes | None]]:
    """(member name, bytes) of each candidate regular file of a gzipped tarball (an npm package),
    streamed; bytes is None over ``cap``. ``node_tar``: the archive is read as node-tar 7.5
    (npm 11's extractor) reads a stream with no file name: gzip or zstd by their magic bytes,
    anything else as a plain tar (npm 11.19.1 installs all three from its cache, zstd where
    node's zlib has it: decision 0097). ``wanted``: which member names to yield (default: the
    payload candidates, ``is_candidate`` of the file name). ``data``: the archive's bytes, read
    elsewhere (a git blob, an image layer's member; ``path`` then only names it), else read from
    ``path``. Raises ``InputError`` as ``zip_members`` does, and for a ``wanted`` member that is
    not a plain file (a link, a folder, a contiguous or sparse file: extracted by one tool and
    skipped by another) or a global pax header setting anything but a comment (tarfile applies
    it to the members after it, node's tar readers do not), or one that gives more than
    ``ArchiveLimits.unpacked_limit`` of its size (or than ``budget`` has left: what it gave is
    taken from it)."""
    if data is None:
        data = _archive_bytes(path, limits)
    elif len(data) > limits.max_archive_bytes:
        raise InputError(
            path, f"archive larger than {limits.max_archive_bytes // (1024 * 1024)} MiB"
        )
    allowed = limits.unpacked_limit(len(data))
    left = allowed if budget is None else max(0, min(allowed, budget.left))
    kind = "gzipped tarball"
    inner: Readable = gzip.GzipFile(fileobj=io.BytesIO(data))
    if node_tar and not data.startswith(GZIP_MAGIC):
        kind = "zstd tarball" if data.startswith(ZSTD_MAGIC) else "tarball"
        inner = ZstdStream(io.BytesIO(data)) if data.startswith(ZSTD_MAGIC) else io.BytesIO(data)
    counted = _Budget(inner, left)
    stream = io.BufferedReader(counted)
    position = -1
    try:
        with tarfile.open(fileobj=stream, mode="r|") as archive:
            for position, info in enumerate(archive):
                if position >= limits.max_members:
                    raise InputError(path, f"refused: more than {limits.max_members} members")
                if archive.pax_headers.keys() - {"comment"}:
                    raise InputError(path, _GLOBAL_PAX)
                if wanted is not None and wanted(info.name):
                    if info.type not in _PLAIN_FILE:
                        raise InputError(path, f"member #{position + 1}: {_NOT_PLAIN}")
                elif not info.isreg() or wanted is not None:
                    continue
                if wanted is None and not is_candidate(info.name.rpartition("/")[2]):
                    continue
                if info.size > cap:
                    yield info.name, None
                    continue
                member = archive.extractfile(info)
                yield info.name, member.read() if member is not None else b""
    except _OverBudget:
        over = limits.over(len(data)) if budget is None or left == allowed else budget.spent()
        raise InputError(path, over) from None
    except (tarfile.TarError, zlib.error, gzip.BadGzipFile, EOFError, OSError, ValueError) as exc:
        where = f"member #{position + 1}" if position >= 0 else "its start"
        raise InputError(path, f"not a readable {kind} at {where} ({type(exc).__name__})") from None
    finally:
        if budget is not None:
            budget.left -= counted.limit - counted.left


_PLAIN_FILE = (tarfile.REGTYPE, tarfile.AREGTYPE)
_NOT_PLAIN = "not a plain file where a package manager may extract its package.json"
_GLOBAL_PAX = "a global pax header sets member fields, which package managers do not read alike"


def may_be_root_manifest(name: str) -> bool:
    """Whether some package manager unpacking a packed npm package (its first folder dropped:
    ``package/`` as npm packs it, any name) may leave the member ``name`` as the package's root
    package.json. npm (node-tar) and yarn 1 (tar-fs) drop the first component as written and
    join the rest from the root (``package//package.json``, ``./package.json``,
    ``package/x/../package.json`` are the root's; ``./package/package.json`` is not); yarn
    berry normalises the path first (``./package/package.json`` is the root's); and the
    reading with empty and ``.`` components dropped (``/package/package.json``)."""
    parts = name.split("/")
    if posixpath.normpath("/" + "/".join(parts[1:])).lstrip("/") == "package.json":
        return True
    normal = posixpath.normpath(name).split("/")
    if len(normal) > 1 and "/".join(normal[1:]) == "package.json":
        return True
    kept = [p for p in parts if p not in ("", ".")]
    return len(kept) == 2 and kept[1] == "package.json"


def root_manifest(
    path: str,
    cap: int,
    limits: ArchiveLimits,
    data: bytes | None = None,
    *,
    budget: UnpackBudget | None = None,
    node_tar: bool = False,
) -> bytes | None:
    """The package.json of a packed npm package (a gzipped tarball at ``path``, or its bytes
    ``data`` read elsewhere, ``path`` naming them; ``node_tar``: as ``tar_members``), None when
    no member may be it. Every member
    some package manager may unpack as the root package.json (``may_be_root_manifest``) must be
    a plain file with the same bytes: the tools keep a different one of several (the last as
    each maps it), so two that differ make the package unknown. Raises ``InputError`` for a
    damaged or hostile archive, such a disagreement, or a package.json over ``cap``."""
    found: bytes | None = None
    members = tar_members(
        path, cap, limits, may_be_root_manifest, data, budget=budget, node_tar=node_tar
    )
    for _name, body in members:
        if body is None:
            raise InputError(path, f"its package.json is larger than {cap} bytes")
        if found is not None and body != found:
            raise InputError(
                path,
                "two members may each be its package.json, with different bytes: npm, yarn 1"
                " and yarn berry do not unpack the same one",
            )
        found = body
    return found


def tarball_manifest(
    path: str,
    cap: int,
    limits: ArchiveLimits,
    data: bytes | None = None,
    *,
    budget: UnpackBudget | None = None,
) -> bytes:
    """``root_manifest``, an ``InputError`` when the tarball has none."""
    found = root_manifest(path, cap, limits, data, budget=budget)
    if found is None:
        raise InputError(path, "no package.json in the tarball's top folder")
    return found
