"""Safe reads of untrusted files: regular files only, size-capped, never blocking on FIFOs.

Every reader uses these (lockfiles, rule files, feeds, suppressions, reports, hashed host files,
installed packages, caches, /proc). ``read_regular`` raises ``InputError`` for a file that must
be read; ``read_small`` answers with the bytes or an ``Unread`` (why not) for the many small files
a host scan looks at. Messages name what the path is instead of a regular file.
"""

from __future__ import annotations

import errno
import os
import stat
from enum import StrEnum
from typing import BinaryIO, assert_never

import msgspec

from gouvernante.errors import InputError

MAX_LOCKFILE_BYTES = 512 * 1024 * 1024

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def describe_mode(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def os_message(exc: OSError) -> str:
    """One wording for a failed open/read/stat."""
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    if exc.errno == errno.ELOOP:
        # (an open that does not follow links says so for a link too, not only for a loop)
        return "a symbolic link, not followed (or a symlink loop)"
    reason = exc.strerror or str(exc)
    return f"cannot read: {reason[:1].lower()}{reason[1:]}"


def size_message(size: int, limit: int) -> str:
    mib = 1024 * 1024
    shown = f"{limit // mib} MiB" if limit % mib == 0 else f"{limit} bytes"
    return f"file is too large ({size} bytes; the limit is {shown})"


# Pseudo file systems whose "files" are the state of this machine (environment, memory, devices):
# never read through a link, whatever the scanned tree.
PSEUDO_ROOTS = ("/proc", "/sys", "/dev")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def real_path_inside(path: str, real_folder: str) -> str | None:
    """``path`` with every link resolved, when that lies inside ``real_folder`` (itself a real
    path, ``os.path.realpath``); None when it leads out of it. Whether the file exists is not
    asked: the read that follows says."""
    real = os.path.realpath(path)
    return real if _inside(real, real_folder) else None


def link_end_inside(link: str, tree: str, real_tree: str | None = None) -> str | None:
    """Where the symbolic link ``link`` (to a folder, say) leads, relative to ``tree`` and
    '/'-separated ('' for ``tree`` itself), when that lies inside ``tree`` (None: out of it,
    never read; nor into /proc, /sys or /dev). Every link on the way is resolved; whether the
    end exists is not asked (decision 0113). ``real_tree``: ``tree``'s real path, when the
    caller has it."""
    if real_tree is None:
        real_tree = os.path.realpath(tree)
    real = real_path_inside(link, real_tree)
    if real is None or any(_inside(real, pseudo) for pseudo in PSEUDO_ROOTS):
        return None
    rel = os.path.relpath(real, real_tree)
    return "" if rel == os.curdir else rel.replace(os.sep, "/")


def pseudo_refusal(path: str) -> str | None:
    """Why a file of a user-chosen folder (rule files) must not be read, or None: it resolves into
    ``/proc``, ``/sys`` or ``/dev`` (a process's environment or memory, a device), which no rule
    file is; fstat calls ``/proc/self/environ`` a regular file, so the open alone does not refuse
    it. A symlink elsewhere is followed: the folder is the user's (``link_refusal`` is the rule
    for scanned trees). A path naming its file itself (``/dev/zero``) is left to the open, whose
    message says what the file is."""
    target = os.path.realpath(path)
    if target != os.path.abspath(path) and any(_inside(target, pseudo) for pseudo in PSEUDO_ROOTS):
        return "resolves into /proc, /sys or /dev; refusing to read it"
    return None


def link_refusal(path: str, tree: str) -> str | None:
    """Why the symlink ``path`` (or a file under a symlinked folder) must not be read, or None.

    A scanned tree is untrusted: a ``yarn.lock`` that links to ``~/.npmrc``, to a private key or
    to ``/proc/self/environ`` must not be opened (its bytes could reach a message or a report). A
    link is followed only when it resolves inside ``tree``; one into ``/proc``, ``/sys`` or
    ``/dev`` is refused even when ``tree`` holds them. The message names no target: where the
    link points is the attacker's text, and the link's own name is enough to find it.
    """
    try:
        target = os.path.realpath(path, strict=True)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symlink loop; not read"
        return "is a symlink to a missing or unreadable file; not read"
    real_tree = os.path.realpath(tree)
    if any(_inside(target, pseudo) for pseudo in PSEUDO_ROOTS):
        return "is a symlink into /proc, /sys or /dev; refusing to read it"
    if not _inside(target, real_tree):
        return "is a symlink to a file outside the scanned folder; refusing to read it"
    return None


def open_regular(path: str, display: str | None = None) -> int:
    """Open ``path`` read-only; refuse anything but a regular file without blocking on it."""
    shown = display or path
    try:
        fd = os.open(path, _FLAGS)
    except IsADirectoryError:
        raise InputError(shown, "is a directory, not a regular file") from None
    except OSError as exc:
        raise InputError(shown, os_message(exc)) from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        raise InputError(shown, os_message(exc)) from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise InputError(shown, "is a directory, not a regular file")
        raise InputError(shown, f"not a regular file ({describe_mode(mode)}); refusing to read it")
    return fd


def open_regular_stream(path: str, display: str | None = None) -> BinaryIO:
    """``open_regular`` as a buffered binary file, for readers that take a file object (tar,
    zip, SQLite headers): a FIFO or a device is refused before anything waits on it."""
    return os.fdopen(open_regular(path, display), "rb")


def read_regular(
    path: str, max_bytes: int, display: str | None = None
) -> tuple[bytes, tuple[int, int]]:
    """The bytes of a regular file of at most ``max_bytes`` bytes, and its (device, inode)."""
    shown = display or path
    fd = open_regular(path, shown)
    try:
        st = os.fstat(fd)
        if st.st_size > max_bytes:
            raise InputError(shown, size_message(st.st_size, max_bytes))
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, max(st.st_size - total, 0) + 65536)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:  # grew while being read
                raise InputError(shown, size_message(total, max_bytes))
            chunks.append(chunk)
        return b"".join(chunks), (st.st_dev, st.st_ino)
    except OSError as exc:
        raise InputError(shown, os_message(exc)) from None
    finally:
        os.close(fd)


def read_regular_file(path: str, max_bytes: int, display: str | None = None) -> bytes:
    """``read_regular`` without the file identity."""
    return read_regular(path, max_bytes, display)[0]


def read_chosen(
    path: str, max_bytes: int, display: str | None = None
) -> tuple[bytes, tuple[int, int]]:
    """``read_regular`` for a file the user chose (named, or found in a folder they named: rule
    files, feeds to import, reports to collect, suppression and SBOM files): refused unread
    when it resolves into /proc, /sys or /dev (``pseudo_refusal``), where fstat calls a
    process's environment a regular file. The one reader of such inputs (decision 0161)."""
    _refuse_pseudo(path, display)
    return read_regular(path, max_bytes, display)


def read_chosen_file(path: str, max_bytes: int, display: str | None = None) -> bytes:
    """``read_chosen`` without the file identity."""
    return read_chosen(path, max_bytes, display)[0]


def open_chosen_stream(path: str, display: str | None = None) -> BinaryIO:
    """``open_regular_stream`` for a file the user chose (``read_chosen``'s refusal first)."""
    _refuse_pseudo(path, display)
    return open_regular_stream(path, display)


def _refuse_pseudo(path: str, display: str | None) -> None:
    refused = pseudo_refusal(path)
    if refused is not None:
        raise InputError(display or path, refused)


class UnreadKind(StrEnum):
    """Why ``read_small`` returned no bytes."""

    ABSENT = "absent"  # nothing at the path
    REFUSED = "refused"  # there, but not read on purpose: not a regular file, a link, too large
    FAILED = "failed"  # could not be read (permission, I/O): whatever it holds is unchecked


class Unread(msgspec.Struct, frozen=True):
    """A file ``read_small`` did not read, and why."""

    kind: UnreadKind
    reason: str

    @property
    def is_error(self) -> bool:
        """Could not be checked (an error), rather than absent or refused (a note at most)."""
        match self.kind:
            case UnreadKind.FAILED:
                return True
            case UnreadKind.ABSENT | UnreadKind.REFUSED:
                return False
            case _:
                assert_never(self.kind)


_ABSENT = Unread(UnreadKind.ABSENT, "absent")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _refused(reason: str) -> Unread:
    return Unread(UnreadKind.REFUSED, reason)


def _failed(reason: str) -> Unread:
    return Unread(UnreadKind.FAILED, reason)


def _open_checked(path: str) -> int | Unread:
    """An fd of ``path`` opened without blocking, or why it was not.

    The open does not follow a symlink; a symlink is opened only when ``stat`` shows it leads to
    a regular file, so a symlink to a FIFO or a device is never opened and a loop is reported.
    """
    try:
        return os.open(path, _FLAGS | _NOFOLLOW)
    except FileNotFoundError:
        return _ABSENT
    except OSError as exc:
        code = exc.errno
        if code == errno.ENOTDIR:
            return _ABSENT
        if code == errno.EACCES:
            return _failed("permission denied")
        if not _NOFOLLOW or code not in (errno.ELOOP, errno.EMLINK):
            return _failed(f"cannot open: {exc.strerror or exc}")
    try:  # a symlink
        st = os.stat(path)
    except FileNotFoundError:
        return _refused("a dangling symlink, skipped")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return _refused("a symlink loop, skipped")
        return _failed(f"cannot open: {exc.strerror or exc}")
    if not stat.S_ISREG(st.st_mode):
        return _refused(f"a symlink to {describe_mode(st.st_mode)}, not a regular file: skipped")
    try:
        return os.open(path, _FLAGS)
    except OSError as exc:
        return _failed(f"cannot open: {exc.strerror or exc}")


def read_small(path: str, cap: int, head: int | None = None) -> bytes | Unread:
    """The bytes of a regular file of at most ``cap`` bytes (only the first ``head`` bytes when
    given), or why they were not read.

    Opened non-blocking and checked with ``fstat`` before any read: a FIFO, a device or a socket
    is closed unread, an oversized (or sparse) file is refused by its size.
    """
    fd = _open_checked(path)
    if isinstance(fd, Unread):
        return fd
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return _refused(f"{describe_mode(st.st_mode)}, not a regular file: skipped")
        if head is None and st.st_size > cap:
            return _refused(f"too large ({st.st_size} bytes; the limit is {cap}), skipped")
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
        if total > limit:
            return _refused(f"grew past {limit} bytes while read, skipped")
        return b"".join(chunks)
    except OSError as exc:
        return _failed(f"cannot read: {exc.strerror or exc}")
    finally:
        os.close(fd)
