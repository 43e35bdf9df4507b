"""What a package manager recorded about the ``node_modules`` tree it installed, used to skip
reading package.json files that cannot matter.

- npm (7 and later) writes ``node_modules/.package-lock.json``, the *hidden lockfile*: one entry
  per installed folder (``node_modules/a/node_modules/b``), with the package's ``name`` when it
  differs from the folder's (aliases, git and tarball dependencies). npm itself trusts it only
  while no package folder is newer than it; so do we, folder by folder.
- pnpm places every package in its virtual store as ``.pnpm/<id>/node_modules/<name>``, always
  under the package's real name (an alias is a symlink elsewhere), so the folder names it.

A package is identified from these without opening its package.json only when no name it could
carry (its folder's, the recorded one) is a name any rule is about; a package a rule names is
always read from its own package.json, as is any folder these files do not describe, or describe
from before the folder last changed. Hidden lockfiles that do not decode exactly are ignored.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import msgspec

from gouvernante.fs.read import read_small

HIDDEN_LOCKFILE = ".package-lock.json"
PNPM_STATE = ".modules.yaml"
MAX_HIDDEN_LOCKFILE_BYTES = 128 * 1024 * 1024
# A hidden lockfile dated in the future (clock skew, or a hand-set time) vouches for nothing.
_FUTURE_SLACK_NS = 24 * 3600 * 10**9
_NM_PREFIX = "node_modules/"


class _Entry(msgspec.Struct, frozen=True, gc=False):
    name: str | None = None
    version: str | None = None
    link: bool = False


class _HiddenLockfile(msgspec.Struct, frozen=True, gc=False):
    packages: dict[str, _Entry] = {}


_DECODER = msgspec.json.Decoder(_HiddenLockfile)


@dataclass(frozen=True, slots=True)
class RecordedTree:
    """npm's hidden lockfile of the ``node_modules`` folder ``root``: folder key (its path from
    the project folder, ``/``-separated: ``node_modules/a/node_modules/b``) -> (name, version).
    ``nested``: the keys that have packages in a ``node_modules`` folder of their own."""

    root: str
    mtime_ns: int
    packages: dict[str, tuple[str, str]]
    nested: frozenset[str]

    def key(self, path: str) -> str | None:
        """The hidden lockfile's key for the package folder ``path`` under ``root``."""
        if not path.startswith(self.root) or path[len(self.root) : len(self.root) + 1] != os.sep:
            return None
        rel = path[len(self.root) + 1 :]
        return _NM_PREFIX + (rel.replace(os.sep, "/") if os.sep != "/" else rel)

    def vouches_for(self, key: str, folder_mtime_ns: int) -> tuple[str, str] | None:
        """(name, version) the hidden lockfile records for ``key``, if the folder has not
        changed since it was written."""
        if folder_mtime_ns > self.mtime_ns:
            return None
        return self.packages.get(key)


def read_hidden_lockfile(root: str) -> RecordedTree | None:
    """npm's hidden lockfile of the ``node_modules`` folder ``root``, or None when there is
    none, it cannot be read, or it does not decode exactly (then every package.json is read)."""
    path = os.path.join(root, HIDDEN_LOCKFILE)
    data = read_small(path, MAX_HIDDEN_LOCKFILE_BYTES)
    if not isinstance(data, bytes):
        return None
    try:
        mtime_ns = os.stat(path).st_mtime_ns
        doc = _DECODER.decode(data.removeprefix(b"\xef\xbb\xbf"))
    except (OSError, msgspec.MsgspecError, RecursionError, ValueError):
        return None
    if mtime_ns > time.time_ns() + _FUTURE_SLACK_NS:
        return None
    packages: dict[str, tuple[str, str]] = {}
    nested: set[str] = set()
    for key, entry in doc.packages.items():
        if not key.startswith(_NM_PREFIX) or entry.link:
            continue  # the project itself, a workspace folder, or a symlink (never followed)
        folder = key.rpartition(_NM_PREFIX)[2]
        packages[key] = (entry.name or folder, entry.version or "")
        parent = key.rpartition("/" + _NM_PREFIX)[0]
        if parent:
            nested.add(parent)
    return RecordedTree(root, mtime_ns, packages, frozenset(nested))


def pnpm_managed(root: str) -> bool:
    """Did pnpm install the ``node_modules`` folder ``root`` (it writes ``.modules.yaml``)?"""
    return os.path.isfile(os.path.join(root, PNPM_STATE))
