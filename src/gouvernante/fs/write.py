"""The one way reports are written: whole or not at all, never through a symlink.

The bytes go to a temporary file in the target's folder (``O_EXCL``, mode 0644), are flushed to
disk, then take the target's name: ``rename`` when overwriting is allowed, ``link`` when it is not
(so a name that exists, or appears meanwhile, is never replaced). A full disk, a kill or a write
error leaves the target as it was and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat

from gouvernante.errors import ReportError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    if exc.errno == errno.EFBIG:
        return "file too large for this file system or limit"
    text = exc.strerror or type(exc).__name__
    return text[:1].lower() + text[1:]


def _refuse_unsafe_target(path: str) -> bool:
    """True if ``path`` exists (as a regular file); refuse symlinks and anything else."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise ReportError(path, f"cannot write report: {_reason(exc)}") from None
    if stat.S_ISLNK(st.st_mode):
        raise ReportError(path, "is a symlink; refusing to write a report through it")
    if not stat.S_ISREG(st.st_mode):
        raise ReportError(path, "exists and is not a regular file; refusing to replace it")
    return True


def write_report_file(path: str, data: bytes, *, overwrite: bool = True) -> None:
    """Write ``data`` to ``path`` atomically; ``ReportError`` (one line) on any failure."""
    exists = _refuse_unsafe_target(path)
    if exists and not overwrite:
        raise ReportError(path, "exists; not overwriting it")
    folder = os.path.dirname(path) or "."
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
    except OSError as exc:
        raise ReportError(path, f"cannot write report: {_reason(exc)}") from None
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if overwrite:
            os.rename(tmp, path)
        else:
            _link_exclusive(tmp, path)
        _sync_folder(folder)
    except FileExistsError:
        _discard(tmp)
        raise ReportError(path, "exists; not overwriting it") from None
    except OSError as exc:
        _discard(tmp)
        raise ReportError(path, f"cannot write report: {_reason(exc)}") from None
    except BaseException:
        _discard(tmp)
        raise


def _link_exclusive(tmp: str, path: str) -> None:
    """Give ``tmp`` the name ``path`` only if that name is free (``link`` never replaces)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        # A file system without hard links: create the name exclusively and copy; a copy that
        # fails half-way is removed (the name was free, so nothing of anyone else's is lost).
        with open(tmp, "rb") as src:
            body = src.read()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
        try:
            with os.fdopen(fd, "wb") as dst:
                dst.write(body)
                dst.flush()
                os.fsync(dst.fileno())
        except BaseException:
            _discard(path)
            raise
    os.unlink(tmp)


def _sync_folder(folder: str) -> None:
    """Make the new name durable (best effort: not every system can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)
