"""The folder of a local directory package, as the lockfile's ``local_folders`` gives it.

A ``file:`` directory dependency (and a berry ``portal:``) is installed with its dependencies,
which the project's lockfile resolves: the package.json in that folder is then judged by this
lockfile, as a workspace's is (``match.placing.projects_of``). A tarball, an absolute path or a
folder outside the lockfile's is no such folder.
"""

from __future__ import annotations

import posixpath

_TARBALL_SUFFIXES = (".tgz", ".tar.gz", ".tar")


def local_folder(path: str, base: str = "") -> str | None:
    """``path`` (relative to ``base``, itself relative to the lockfile's folder) as a folder
    relative to the lockfile's, or None."""
    if path.lower().endswith(_TARBALL_SUFFIXES):
        return None
    return _inside(path, base)


def local_tarball_path(path: str, base: str = "") -> str:
    """A ``file:`` tarball's ``path`` (relative to ``base``, itself relative to the lockfile's
    folder) relative to the lockfile's folder; "" for one outside it (absolute, ``~``, ``..``)."""
    return _inside(path, base) or ""


def _inside(path: str, base: str) -> str | None:
    if not path or path.startswith(("/", "~")) or "\\" in path or ":" in path:
        return None
    folder = posixpath.normpath(posixpath.join(base, path))
    if folder in (".", "..") or folder.startswith("../"):
        return None
    return folder
