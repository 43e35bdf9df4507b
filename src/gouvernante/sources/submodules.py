"""Git submodules of a checkout that are not checked out.

A ``-dir -recursive`` scan of a clone reads the files on disk: a submodule that was checked out
(``git submodule update --init``) is a folder like any other and is scanned, but one that was
not is an empty folder (or nothing), and its lockfiles were silently never seen. The
``.gitmodules`` file names the submodules' paths; a path with nothing in it is reported as a
note. The file is parsed here, bounded, without running ``git`` (no config includes, no hooks,
no fetch).
"""

from __future__ import annotations

import os
import posixpath

GITMODULES = ".gitmodules"
MAX_GITMODULES_BYTES = 1024 * 1024
MAX_SUBMODULES = 10_000


def submodule_paths(data: bytes) -> list[str]:
    """The ``path`` values of a ``.gitmodules`` file (git config syntax), in file order, each
    once. A value git would unquote differently (escapes) is taken as written: at worst a path
    that does not exist, reported as not checked out."""
    return list(_paths_and_lines(data))


def _paths_and_lines(data: bytes) -> dict[str, int]:
    """``submodule_paths`` with the line (from 1) that first gives each."""
    out: dict[str, int] = {}
    in_submodule = False
    for number, raw in enumerate(data.decode("utf-8", "surrogateescape").split("\n"), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            in_submodule = line[1:].lstrip().lower().startswith("submodule")
            continue
        key, eq, value = line.partition("=")
        if not in_submodule or not eq or key.strip().lower() != "path":
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if value:
            out.setdefault(value, number)
        if len(out) >= MAX_SUBMODULES:
            break
    return out


def unchecked_submodules(folder: str, data: bytes) -> list[tuple[str | None, int]]:
    """The submodules of ``folder``'s ``.gitmodules`` (``data``) with nothing checked out at
    their path: (the path, its line) when something is there (an empty folder, or not a
    folder), (None, its line) when nothing is: such a path is only text of the file, which is
    not echoed (a note names the line). A path leaving ``folder`` (absolute, ``..``) is no
    submodule git would create, and is left out."""
    missing: list[tuple[str | None, int]] = []
    for rel, line in _paths_and_lines(data).items():
        norm = posixpath.normpath(rel)
        if norm.startswith(("/", "../")) or norm in ("..", ".") or "\x00" in norm:
            continue
        path = os.path.join(folder, *norm.split("/"))
        if not _has_entries(path):
            missing.append((norm if os.path.lexists(path) else None, line))
    return missing


def _has_entries(path: str) -> bool:
    """A real folder (not a symlink) with something in it."""
    try:
        if os.path.islink(path) or not os.path.isdir(path):
            return False
        with os.scandir(path) as entries:
            return any(True for _ in entries)
    except OSError:
        return False
