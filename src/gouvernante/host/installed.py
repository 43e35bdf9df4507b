"""Installed packages: every package folder of a ``node_modules`` tree, named by its package.json.

Folders are listed with ``scan.walk`` and symlinks are never followed, so pnpm's and bun's links
into their virtual stores count once and a link loop cannot trap the scan. Only the folders that
can hold packages are listed: ``node_modules`` itself, ``@scope`` folders, the virtual stores
``.pnpm`` / ``.bun`` / ``.store`` (npm's linked layout) and the ``node_modules`` folder nested in a
package; a package's own files (``lib/``, ``dist/``...) are never listed.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import assert_never

from gouvernante.fs.npm_layout import NODE_MODULES, Entry, entry_kind, is_store_scope
from gouvernante.fs.walk import list_dir as walk_list_dir
from gouvernante.host.install_state import RecordedTree, pnpm_managed, read_recorded_tree
from gouvernante.host.matching import unknown_version
from gouvernante.host.reader import Collector
from gouvernante.lockfiles.package_json import installed_release, read_manifest
from gouvernante.model import FindingType
from gouvernante.vocab import LockfileEcosystem

MAX_MANIFEST_BYTES = 8 * 1024 * 1024
# A package folder whose package.json does not decode: which package it holds is unknown (node
# cannot load it either, but its files are there), so the tree is not clean.
NOT_A_MANIFEST = "not a JSON object: the package installed here is unknown (damaged package.json?)"
_NM = NODE_MODULES


def list_dir(path: str, collector: Collector) -> tuple[tuple[str, ...], list[str]] | None:
    """(file names, sub-directory names, sorted) of one directory (``fs.walk.list_dir``: entry
    types from the listing, symlinked directories counted as files); None when it cannot be
    read, reported to the collector as a walk reports it."""
    try:
        listing = walk_list_dir(path, set())
    except OSError as exc:
        collector.dir_error(path, f"cannot read directory: {exc.strerror or exc}")
        return None
    if listing is None:  # (a fresh set: never)
        return None
    files, _links, entries = listing
    files.sort()
    return tuple(files), sorted(e.name for e in entries)


class _TreeScan:
    """One node_modules tree: a stack of node_modules folders, each listed once.

    Only the places a package can be are looked at: each entry of a ``node_modules`` folder,
    the entries of its ``@scope`` folders and of its ``.pnpm`` / ``.bun`` virtual stores, and
    the ``node_modules`` folder inside each package (probed with ``lstat``, which also gives the
    (device, inode) that stops a bind-mount loop). A package's own files are never listed.

    A package.json is read only when what the package manager recorded (``install_state``)
    does not already say that the folder holds no package a rule names.
    """

    def __init__(
        self,
        collector: Collector,
        kind: FindingType,
        where: str,
        ecosystem: LockfileEcosystem | None,
    ) -> None:
        self.collector = collector
        self.kind = kind
        self.where = where
        self.ecosystem = ecosystem
        self.names = collector.names
        self.stack: list[tuple[str, bool]] = []  # (node_modules folder, in pnpm's store)
        self.seen: set[tuple[int, int]] = set()
        self.recorded: RecordedTree | None = None
        self.pnpm = False
        # Hashing reads every package's files anyway; the hint only saves manifest reads.
        self.hints = collector.payloads is None

    def push(self, path: str, *, follow: bool = False, store: bool = False) -> None:
        try:
            st = os.stat(path) if follow else os.lstat(path)
        except FileNotFoundError:
            return
        except OSError as exc:
            if exc.errno != errno.ENOTDIR:
                self.collector.dir_error(path, f"cannot read directory: {exc.strerror or exc}")
            return
        if not stat.S_ISDIR(st.st_mode):
            return  # a symlink (pnpm, bun, npm link) or a file: not followed
        key = (st.st_dev, st.st_ino)
        if key not in self.seen:
            self.seen.add(key)
            self.stack.append((path, store))

    def run(self, root: str) -> None:
        self.push(root, follow=True)  # a location may itself be a symlink; nothing below it
        if self.hints and self.stack:
            self.recorded = read_recorded_tree(root)
            self.pnpm = pnpm_managed(root)
        collector = self.collector
        sep = os.sep
        while self.stack:
            nm, in_store = self.stack.pop()
            listing = list_dir(nm, collector)
            if listing is None:
                continue
            for d in listing[1]:
                path = nm + sep + d
                kind = entry_kind(d)
                match kind:
                    case Entry.PACKAGE:
                        self.package(path, d, in_store)
                    case Entry.SCOPE:
                        scope = list_dir(path, collector)
                        for sub in scope[1] if scope else ():
                            self.package(path + sep + sub, f"{d}/{sub}", in_store)
                    case Entry.STORE:
                        self.store(path, in_pnpm=self.pnpm and d == ".pnpm")
                    case Entry.OTHER:
                        pass
                    case _:
                        assert_never(kind)

    def store(self, path: str, *, in_pnpm: bool) -> None:
        """A virtual store: each id's ``node_modules``; a scope folder's ids (npm's
        ``.store/@scope/<name>@<version>-<hash>``) one level down."""
        sep = os.sep
        store = list_dir(path, self.collector)
        for entry in store[1] if store else ():
            if is_store_scope(entry):
                scope = list_dir(path + sep + entry, self.collector)
                for sub in scope[1] if scope else ():
                    self.push(path + sep + entry + sep + sub + sep + _NM, store=in_pnpm)
            else:
                self.push(path + sep + entry + sep + _NM, store=in_pnpm)

    def package(self, path: str, folder: str, in_store: bool) -> None:
        if self.hints and folder not in self.names:
            if in_store:  # pnpm's store: the folder is the package's real name
                self._counted()
                self.push(path + os.sep + _NM)
                return
            if self.recorded is not None and self._vouched(path, self.recorded):
                return
        self._read(path, folder)

    def _vouched(self, path: str, recorded: RecordedTree) -> bool:
        """Counted from the package manager's record (npm's hidden lockfile, yarn's install
        state): its entry for this folder, written after the folder last changed, names no
        package a rule is about."""
        key = recorded.key(path)
        if key is None:
            return False
        try:
            mtime_ns = os.lstat(path).st_mtime_ns
        except OSError:
            return False
        release = recorded.vouches_for(key, mtime_ns)
        if release is None or release[0] in self.names:
            return False
        self._counted()
        if key in recorded.nested:
            self.push(path + os.sep + _NM)
        return True

    def _counted(self) -> None:
        if self.kind is FindingType.INSTALLED:
            self.collector.installed += 1
        else:
            self.collector.cache_entries += 1

    def _read(self, path: str, folder: str) -> None:
        collector = self.collector
        manifest_path = path + os.sep + "package.json"
        data = collector.read(manifest_path, MAX_MANIFEST_BYTES)
        self.push(path + os.sep + _NM)
        if data is None:
            return
        manifest = read_manifest(data)
        if manifest is None:
            collector.dir_error(manifest_path, NOT_A_MANIFEST)
            return
        self._counted()
        name, version, scripts = installed_release(
            manifest, folder, lambda: os.path.isfile(os.path.join(path, "binding.gyp"))
        )
        if collector.payloads is not None:
            collector.payloads.package_dir(path, name, version or None, self.kind, self.where)
        if name not in self.names:
            return
        unknown = unknown_version(collector.index, name, version)
        if unknown is not None:
            collector.dir_error(manifest_path, unknown)
        collector.report(
            name,
            version,
            path,
            kind=self.kind,
            where=self.where,
            ecosystem=self.ecosystem,
            install_scripts=scripts,
        )


def scan_tree(
    root: str,
    collector: Collector,
    *,
    kind: FindingType = FindingType.INSTALLED,
    where: str,
    ecosystem: LockfileEcosystem | None = None,
) -> None:
    """Every package under the ``node_modules`` folder ``root`` (nested ones included)."""
    _TreeScan(collector, kind, where, ecosystem).run(root.rstrip(os.sep) or root)
