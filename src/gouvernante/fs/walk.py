"""The one directory walker.

Iterative (no recursion limit), never follows symlinked directories, guards against loops through
bind mounts by (device, inode), reports unreadable directories and carries on.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Collection, Iterator

import msgspec

# Folders that never hold a project's own lockfiles: dependency trees, VCS metadata, caches.
SKIP_DIRS: frozenset[str] = frozenset(
    {
        "node_modules",
        "bower_components",
        "jspm_packages",
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        "CVS",
        ".yarn",
        ".pnpm-store",
        ".npm",
        ".cache",
        ".next",
        ".nuxt",
        ".turbo",
        ".parcel-cache",
        "__pycache__",
        ".venv",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)


# yarn 1's record of an install (1.22.22), written in the folder that holds the packages: a
# folder holding it under another name than node_modules is one ``--modules-folder`` named
# (on the command line or in a .yarnrc), laid out as a node_modules (decision 0070)
YARN_INTEGRITY = ".yarn-integrity"


def modules_folder(path: str, files: Collection[str]) -> bool:
    """Is the folder ``path``, holding the files ``files``, one yarn 1 installed a project's
    packages in under another name than ``node_modules`` (``--modules-folder``)? Such a folder
    holds packages (folders) and yarn's hidden records, never a package.json of its own (a
    project's folder does) nor any other file: a folder holding a lockfile beside a
    ``.yarn-integrity`` is walked as a project's, so no lockfile is passed over."""
    return (
        YARN_INTEGRITY in files
        and os.path.basename(path) != "node_modules"
        and all(name.startswith(".") for name in files)
    )


class WalkedDir(msgspec.Struct, frozen=True):
    path: str
    files: tuple[str, ...]  # names of entries that are files or symlinks (not dirs)
    links: frozenset[str] = frozenset()  # those of ``files`` that are symlinks


def walk(
    root: str,
    *,
    recursive: bool = True,
    prune: Callable[[str, str], bool] | None = None,
    on_error: Callable[[str, str], None] | None = None,
    installed: list[str] | None = None,
) -> Iterator[WalkedDir]:
    """Yield each directory under ``root`` (root first, then depth-first in sorted order).

    ``prune(name, path)`` returns True for a sub-directory that must not be entered (default:
    ``SKIP_DIRS``). ``on_error(path, message)`` receives directories that cannot be read.
    ``installed``: the walk of a project's own folders: a folder below ``root`` that yarn 1
    installed packages in under another name (``modules_folder``) is an install, as a
    ``node_modules`` is: neither yielded nor entered, its path appended to ``installed``. (Other
    walks, which look at every file, enter it.)
    """
    skip = prune if prune is not None else (lambda name, _path: name in SKIP_DIRS)
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        current = stack.pop()
        try:
            listing = list_dir(current, seen)
        except OSError as exc:
            if on_error:
                on_error(current, f"cannot read directory: {exc.strerror or exc}")
            continue
        if listing is None:
            continue
        files, links, entries = listing
        if installed is not None and current != root and modules_folder(current, files):
            installed.append(current)
            continue
        # ``prune`` is asked before the folder is yielded (callers' prunes may record what they see)
        subdirs = [e.path for e in entries if not skip(e.name, e.path)] if recursive else []
        files.sort()
        yield WalkedDir(current, tuple(files), frozenset(links))
        subdirs.sort(reverse=True)
        stack.extend(subdirs)


def list_dir(
    path: str, seen: set[tuple[int, int]]
) -> tuple[list[str], list[str], list[os.DirEntry[str]]] | None:
    """One folder's listing, the one place a folder is listed: (names of entries that are not
    folders, those of them that are symlinks, the sub-folders' entries), in directory order.

    Entry types come from the listing (no ``stat`` per entry); symlinked folders count as files,
    never as sub-folders. ``seen`` holds the (device, inode) of folders already listed: ``None``
    for one met again (a loop through a bind mount). ``OSError`` when the folder cannot be read.
    """
    st = os.stat(path)
    key = (st.st_dev, st.st_ino)
    if key in seen:
        return None
    seen.add(key)
    files: list[str] = []
    links: list[str] = []
    subdirs: list[os.DirEntry[str]] = []
    with os.scandir(path) as it:
        for entry in it:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                subdirs.append(entry)
                continue
            files.append(entry.name)
            try:
                if entry.is_symlink():
                    links.append(entry.name)
            except OSError:
                links.append(entry.name)
    return files, links, subdirs


def is_regular_file(path: str) -> bool:
    """True for a regular file (following a symlink to it); False for FIFOs, devices, loops."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def find_files(
    root: str,
    suffixes: tuple[str, ...],
    *,
    skip_dir: Callable[[str], bool] | None = None,
    on_error: Callable[[str, str], None] | None = None,
) -> list[str]:
    """Files under ``root`` whose names end with ``suffixes`` (case-insensitive), hidden files and
    folders left out, sorted by their path components. Symlinks to directories are not entered
    nor returned; symlinks to files are returned (readers refuse what is not a regular file)."""

    def prune(name: str, _path: str) -> bool:
        return name.startswith(".") or (skip_dir is not None and skip_dir(name))

    found: list[tuple[tuple[str, ...], str]] = []
    for wd in walk(root, prune=prune, on_error=on_error):
        rel = os.path.relpath(wd.path, root)
        parts = () if rel == os.curdir else tuple(rel.split(os.sep))
        for name in wd.files:
            if name.startswith(".") or not name.lower().endswith(suffixes):
                continue
            path = os.path.join(wd.path, name)
            if name in wd.links and os.path.isdir(path):
                continue
            found.append(((*parts, name), path))
    found.sort()
    return [path for _, path in found]
