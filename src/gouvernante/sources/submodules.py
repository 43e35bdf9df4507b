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
    out: dict[str, None] = {}
    in_submodule = False
    for raw in data.decode("utf-8", "surrogateescape").splitlines():
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
            out[value] = None
        if len(out) >= MAX_SUBMODULES:
            break
    return list(out)


def unchecked_submodules(folder: str, data: bytes) -> list[str]:
    """The submodule paths of ``folder``'s ``.gitmodules`` (``data``) with nothing checked out
    there: missing, an empty folder, or not a folder. A path leaving ``folder`` (absolute,
    ``..``) is no submodule git would create, and is left out."""
    missing: list[str] = []
    for rel in submodule_paths(data):
        norm = posixpath.normpath(rel)
        if norm.startswith(("/", "../")) or norm in ("..", ".") or "\x00" in norm:
            continue
        if not _has_entries(os.path.join(folder, *norm.split("/"))):
            missing.append(norm)
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
