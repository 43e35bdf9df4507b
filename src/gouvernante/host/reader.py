"""What the installed-package and cache scanners share: safe small reads and one result sink."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field

from gouvernante.fs.read import describe_mode
from gouvernante.host.matching import package_finding, package_hits
from gouvernante.model import Finding, FindingType, ScanIssue
from gouvernante.rules.index import RuleIndex
from gouvernante.vocab import LockfileEcosystem

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _open_checked(path: str) -> int | str | None:
    """An fd of ``path`` opened without blocking, or the reason it was not, or None if absent.

    The open does not follow a symlink; a symlink is opened only when ``stat`` shows it leads to
    a regular file, so a symlink to a FIFO or a device is never opened and a loop is reported.
    """
    try:
        return os.open(path, _FLAGS | _NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as exc:
        code = exc.errno
        if code == errno.ENOTDIR:
            return None
        if code == errno.EACCES:
            return "permission denied"
        if not _NOFOLLOW or code not in (errno.ELOOP, errno.EMLINK):
            return f"cannot open: {exc.strerror or exc}"
    try:  # a symlink
        st = os.stat(path)
    except FileNotFoundError:
        return "a dangling symlink, skipped"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symlink loop, skipped"
        return f"cannot open: {exc.strerror or exc}"
    if not stat.S_ISREG(st.st_mode):
        return f"a symlink to {describe_mode(st.st_mode)}, not a regular file: skipped"
    try:
        return os.open(path, _FLAGS)
    except OSError as exc:
        return f"cannot open: {exc.strerror or exc}"


def read_small(path: str, cap: int, head: int | None = None) -> bytes | str | None:
    """The bytes of a regular file of at most ``cap`` bytes (only the first ``head`` bytes when
    given); ``None`` when there is no such file; otherwise the reason it was skipped.

    Opened non-blocking and checked with ``fstat`` before any read: a FIFO, a device or a socket
    is closed unread, an oversized (or sparse) file is refused by its size.
    """
    fd = _open_checked(path)
    if not isinstance(fd, int):
        return fd
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return f"{describe_mode(st.st_mode)}, not a regular file: skipped"
        if head is None and st.st_size > cap:
            return f"too large ({st.st_size} bytes; the limit is {cap}), skipped"
        limit = cap if head is None else min(head, cap)
        want = limit if head is not None else st.st_size
        first = os.read(fd, want + 1)
        if len(first) <= want and (head is None or len(first) < want):
            return first  # a short read of a regular file: the whole file
        if head is not None:
            return first[:head]
        chunks: list[bytes] = [first]
        total = len(first)
        while total <= limit:
            chunk = os.read(fd, max(want - total + 1, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if head is not None and total >= head:
                return b"".join(chunks)[:head]
        if total > limit:
            return f"grew past {limit} bytes while read, skipped"
        return b"".join(chunks)
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    finally:
        os.close(fd)


def is_unreadable(reason: str) -> bool:
    """A reason that means "could not be checked" (an error) rather than "not a package file"."""
    return reason.startswith(("permission denied", "cannot "))


@dataclass
class Collector:
    """Findings, issues and counters of one host scan; ``report`` matches one package."""

    index: RuleIndex
    names: frozenset[str] = frozenset()
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanIssue] = field(default_factory=list)
    notes: list[ScanIssue] = field(default_factory=list)
    installed: int = 0
    cache_entries: int = 0

    def __post_init__(self) -> None:
        self.names = self.index.names

    def dir_error(self, path: str, message: str) -> None:
        self.errors.append(ScanIssue(path, message))

    def skipped(self, path: str, reason: str) -> None:
        self.notes.append(ScanIssue(path, reason))

    def read(self, path: str, cap: int, head: int | None = None) -> bytes | None:
        """``read_small``, with a file that is there but not read recorded as ``unreadable``."""
        data = read_small(path, cap, head)
        if isinstance(data, str):
            self.unreadable(path, data)
            return None
        return data

    def unreadable(self, path: str, reason: str) -> None:
        """A file that was not read: an error if it could not be, a note if it was refused."""
        if is_unreadable(reason):
            self.errors.append(ScanIssue(path, reason))
        else:
            self.notes.append(ScanIssue(path, reason))

    def report(
        self,
        name: str,
        version: str,
        path: str,
        *,
        kind: FindingType,
        where: str,
        ecosystem: LockfileEcosystem | None,
        install_scripts: tuple[str, ...] = (),
    ) -> None:
        for hit in package_hits(self.index, name, version, ecosystem):
            self.findings.append(
                package_finding(
                    hit,
                    kind=kind,
                    name=name,
                    version=version,
                    path=path,
                    where=where,
                    install_scripts=install_scripts,
                )
            )
