"""Safe reads of untrusted files: regular files only, size-capped, never blocking on FIFOs."""

from __future__ import annotations

import errno
import os
import stat

from gouvernante.errors import InputError

MAX_LOCKFILE_BYTES = 512 * 1024 * 1024


def describe_mode(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def open_regular(path: str, display: str | None = None) -> int:
    """Open ``path`` read-only; refuse anything but a regular file without blocking on it."""
    shown = display or path
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError(shown, "no such file") from None
    except PermissionError:
        raise InputError(shown, "permission denied") from None
    except IsADirectoryError:
        raise InputError(shown, "is a directory, not a file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(shown, "symlink loop") from None
        raise InputError(shown, f"cannot open: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise InputError(shown, f"cannot stat: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise InputError(shown, f"is {describe_mode(st.st_mode)}, not a regular file")
    return fd


def read_regular_file(path: str, max_bytes: int, display: str | None = None) -> bytes:
    """Read a whole regular file of at most ``max_bytes`` bytes."""
    shown = display or path
    fd = open_regular(path, shown)
    try:
        size = os.fstat(fd).st_size
        if size > max_bytes:
            raise InputError(shown, f"too large ({size} bytes; the limit is {max_bytes})")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, max(size - total, 0) + 65536)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise InputError(shown, f"too large (over {max_bytes} bytes)")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(shown, f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
