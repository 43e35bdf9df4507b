"""The package folders a heuristic scan looks at, found in one walk with one read of each manifest.

A *package folder* holds a ``package.json`` and is the scanned root, a child of a ``node_modules``
(scoped or not, at any depth: nested installs, pnpm's ``.pnpm`` store, yarn's unplugged packages)
or a bun cache entry (``name@version@@@n``). One walk of the tree (``os.scandir``: entry types come
from the directory listing, no ``stat`` per entry; one ``stat`` per folder for the loop guard)
does three things at once:

- finds the package folders, in a fixed order (root first, then depth-first by sorted name);
- reads and decodes each one's ``package.json`` once: what the scan needs of it (name, version,
  install commands) travels with the package to the worker, which does not read it again;
- lists each scanned package's own code files (its folders, not its ``node_modules`` or ``.git``)
  as it passes, so the worker does not walk the package again.

A release whose integrity is known (npm's ``node_modules/.package-lock.json``, or ``_integrity`` in
an old npm's ``package.json``) is scanned once per run: a later copy of the same name, version and
integrity is skipped, and so are its own folders (its content is the release's, by that integrity);
only its ``node_modules`` is walked on, for the packages installed there. Without an integrity every
copy is scanned: a ``package.json`` can claim any name and version.

Symlinked folders are never entered and loops through bind mounts are broken by (device, inode);
an unreadable folder is counted (``unreadable_dirs``), never fatal.
"""

from __future__ import annotations

import json
import os
from typing import NamedTuple

from gouvernante.fs.walk import list_dir, modules_folder
from gouvernante.heuristic.files import (
    MAX_FILES_PER_PACKAGE,
    Stats,
    is_code_file,
    load_manifest,
    package_files,
    read_sampled,
    str_field,
)
from gouvernante.heuristic.install import install_commands

__all__ = [
    "Manifest",
    "PackageJob",
    "discover",
    "entry_files",
    "hidden_lock_integrity",
    "job_for",
    "read_manifest",
]

MAX_HIDDEN_LOCK_BYTES = 64 * 1024 * 1024


class Manifest(NamedTuple):
    """What a scan needs of a package.json, decoded once."""

    name: str | None
    version: str | None
    commands: tuple[tuple[str, str], ...]  # (hook, command) of the install-time scripts
    raw: str  # the text, kept only when there are install commands (their line numbers)
    # the files ``main`` and ``bin`` name, relative to the package (normalized, as written and
    # with the suffixes node tries): read first when the package's byte budget is short
    entries: tuple[str, ...] = ()


NO_MANIFEST = Manifest(None, None, (), "")
_ENTRY_TRIES = ("", ".js", ".cjs", ".mjs", os.sep + "index.js")


def entry_files(data: dict[str, object]) -> tuple[str, ...]:
    """The package-relative paths ``main`` and ``bin`` may name (each as written and with the
    suffixes node tries); strings only, at most 64 of them."""
    named: list[str] = []
    main, bins = data.get("main"), data.get("bin")
    if isinstance(main, str):
        named.append(main)
    if isinstance(bins, str):
        named.append(bins)
    elif isinstance(bins, dict):
        named.extend(v for v in bins.values() if isinstance(v, str))
    out: list[str] = []
    for value in named[:64]:
        rel = os.path.normpath(value.replace("\\", "/")).lstrip(os.sep)
        if rel and not rel.startswith(".."):
            out.extend(rel + tail for tail in _ENTRY_TRIES)
    return tuple(dict.fromkeys(out))


class PackageJob(NamedTuple):
    """One package folder to scan, with what discovery already read of it."""

    path: str  # the folder as found under the scanned root
    real: str  # its real path
    manifest: Manifest
    files: tuple[str, ...]  # its code files, relative to ``path``
    shebang: tuple[str, ...]  # its extension-less files, scanned when they start with ``#!``


class _Owner:
    """A scanned package's file list, filled while the walk is inside the package."""

    __slots__ = ("base", "files", "full", "shebang")

    def __init__(self, path: str) -> None:
        self.base = len(path) if path.endswith(os.sep) else len(path) + 1
        self.files: list[str] = []
        self.shebang: list[str] = []
        self.full = False

    def extend(self, folder: str, names: list[tuple[str, bool]], stats: Stats) -> None:
        """Add the code files ``names`` (name, needs_shebang) of ``folder`` (ending with a
        separator), up to ``MAX_FILES_PER_PACKAGE`` (then ``file_cap`` is counted, once)."""
        if self.full:
            return
        rel = folder[self.base :]
        room = MAX_FILES_PER_PACKAGE - len(self.files) - len(self.shebang)
        for name, needs_shebang in names:
            if room <= 0:
                self.full = True
                stats.add("file_cap")
                return
            room -= 1
            (self.shebang if needs_shebang else self.files).append(rel + name)


def read_manifest(pkg_dir: str, stats: Stats) -> tuple[Manifest, str]:
    """The package's manifest (``NO_MANIFEST`` if absent or not an object) and its
    ``_integrity`` ("" if none)."""
    loaded = load_manifest(pkg_dir, stats)
    if loaded is None:
        return NO_MANIFEST, ""
    data, raw = loaded
    cmds = tuple(install_commands(data))
    name, version = str_field(data, "name"), str_field(data, "version")
    manifest = Manifest(name, version, cmds, raw if cmds else "", entry_files(data))
    return manifest, str_field(data, "_integrity") or ""


def job_for(pkg_dir: str, stats: Stats) -> PackageJob:
    """The job of one package folder given on its own (no tree walk, no deduplication)."""
    manifest, _integrity = read_manifest(pkg_dir, stats)
    owner = _Owner(pkg_dir)
    for path, needs_shebang in package_files(pkg_dir, stats):
        (owner.shebang if needs_shebang else owner.files).append(path[owner.base :])
    return PackageJob(
        pkg_dir, os.path.realpath(pkg_dir), manifest, tuple(owner.files), tuple(owner.shebang)
    )


def hidden_lock_integrity(root: str, stats: Stats) -> dict[str, str]:
    """Integrity per installed folder (absolute path) from npm's node_modules/.package-lock.json."""
    out: dict[str, str] = {}
    candidates = [os.path.join(root, "node_modules", ".package-lock.json")]
    if os.path.basename(root) == "node_modules":
        candidates.append(os.path.join(root, ".package-lock.json"))
    for lock in candidates:
        tried = Stats()
        got = read_sampled(lock, MAX_HIDDEN_LOCK_BYTES, tried)
        if got is None and not os.path.lexists(lock):
            continue  # no hidden lockfile here (most candidates): not an unreadable entry
        stats.counts.update(tried.counts)
        if got is None or got[1]:
            continue
        try:
            data = json.loads(got[0])
        except (ValueError, RecursionError):
            continue
        pkgs = data.get("packages") if isinstance(data, dict) else None
        if not isinstance(pkgs, dict):
            continue
        base = os.path.dirname(os.path.dirname(lock))
        for key, entry in pkgs.items():
            if isinstance(key, str) and isinstance(entry, dict):
                integ = entry.get("integrity")
                if isinstance(integ, str):
                    out[os.path.abspath(os.path.join(base, key))] = integ
    return out


def _code_files(files: list[str], links: set[str]) -> list[tuple[str, bool]]:
    """(name, needs_shebang) of the code files among a folder's files, sorted; symlinks left out."""
    out: list[tuple[str, bool]] = []
    for name in sorted(files):
        if name not in links:
            kind = is_code_file(name)
            if kind is not False:
                out.append((name, kind is None))
    return out


# Where a folder sits, which decides whether it can be a package folder (see ``_is_package``).
_OTHER, _IN_NODE_MODULES, _IN_SCOPE = 0, 1, 2


def _child_place(name: str, place: int) -> int:
    """The place of the sub-folders of a folder called ``name`` that sits at ``place``."""
    if name == "node_modules":
        return _IN_NODE_MODULES
    if place == _IN_NODE_MODULES and name.startswith("@"):
        return _IN_SCOPE
    return _OTHER


class _Walk:
    """One root's walk: package jobs in discovery order, sharing ``seen`` across roots."""

    def __init__(self, root: str, stats: Stats, seen: set[tuple[str, ...]]) -> None:
        self.root = root
        self.stats = stats
        self.seen = seen
        self.integrity = hidden_lock_integrity(root, stats)
        self.abs_root = os.path.abspath(root)
        self.real_root = os.path.realpath(root)
        self.found: list[tuple[str, Manifest, _Owner]] = []

    def _under(self, base: str, path: str) -> str:
        """``path`` (found under the root) re-rooted at ``base`` (the root's absolute or real
        path): the walk never follows a symlink below the root."""
        rel = path[len(self.root) :].lstrip(os.sep)
        return os.path.join(base, rel) if rel else base

    def _package(self, path: str) -> _Owner | None:
        """Read a package folder's manifest; its owner if it is scanned, None for a copy of a
        release already scanned (same name, version and known integrity)."""
        manifest, integ = read_manifest(path, self.stats)
        if not integ and self.integrity:
            integ = self.integrity.get(self._under(self.abs_root, path), "")
        if integ and manifest.name is not None and manifest.version is not None:
            ident = (manifest.name, manifest.version, integ)
            if ident in self.seen:
                self.stats.add("duplicates")
                return None
            self.seen.add(ident)
        owner = _Owner(path)
        self.found.append((path, manifest, owner))
        return owner

    def run(self) -> list[PackageJob]:
        norm = os.path.normpath(self.root)
        in_nm = os.path.basename(os.path.dirname(norm)) == "node_modules"
        root_place = _IN_NODE_MODULES if in_nm else _OTHER
        visited: set[tuple[int, int]] = set()
        # (path, name, place, owners: the scanned packages whose own files these are)
        stack: list[tuple[str, str, int, tuple[_Owner, ...]]] = [
            (self.root, os.path.basename(norm), root_place, ())
        ]
        is_root = True
        project: _Owner | None = None  # the scanned root's own package, when it is a project's
        while stack:
            path, name, place, owners = stack.pop()
            listed = self._list(path, visited)
            if listed is None:
                is_root = False
                continue
            files, links, subdirs = listed
            # yarn 1's --modules-folder: a node_modules under another name (decision 0074), its
            # packages scanned as installed ones, not as the project's own files. Only in the
            # project's own folders: inside an installed package (owned by it) the folder stays
            # that package's files, so no package hides its code by dropping a .yarn-integrity.
            installed = (
                place == _OTHER
                and all(o is project for o in owners)
                and modules_folder(path, files)
            )
            if installed:
                owners = ()
            package = "package.json" in files and (
                is_root or place != _OTHER or "@@@" in name  # bun's install cache layout
            )
            is_project, is_root = is_root and root_place == _OTHER, False
            copy = False
            if package:
                owner = self._package(path)
                if is_project:
                    project = owner
                if owner is not None:
                    owners = (*owners, owner)
                else:
                    copy = not owners
            if owners:
                names = _code_files(files, links)
                if names:
                    folder = path if path.endswith(os.sep) else path + os.sep
                    for o in owners:
                        o.extend(folder, names, self.stats)
            child = _IN_NODE_MODULES if installed else _child_place(name, place)
            subdirs.sort(reverse=True)
            for sub_name, sub_path in subdirs:
                if sub_name == "node_modules":
                    stack.append((sub_path, sub_name, child, ()))
                elif not copy:  # a copy's own folders are the release's content
                    stack.append((sub_path, sub_name, child, owners))
        return [
            PackageJob(
                path,
                self._under(self.real_root, path),
                manifest,
                tuple(owner.files),
                tuple(owner.shebang),
            )
            for path, manifest, owner in self.found
        ]

    def _list(
        self, path: str, visited: set[tuple[int, int]]
    ) -> tuple[list[str], set[str], list[tuple[str, str]]] | None:
        """(files, symlinks among them, sub-folders as (name, path)); None if unreadable or
        already visited. ``.git`` is never entered."""
        try:
            listing = list_dir(path, visited)
        except OSError:
            self.stats.add("unreadable_dirs")
            return None
        if listing is None:
            return None
        files, links, entries = listing
        subdirs = [(e.name, e.path) for e in entries if e.name != ".git"]
        return files, set(links), subdirs


def discover(
    root: str, stats: Stats | None = None, seen: set[tuple[str, ...]] | None = None
) -> list[PackageJob]:
    """The package folders under ``root`` a scan looks at, each with its manifest and code files:
    a release with a known integrity once (``seen`` carries that across roots), a folder without
    one every time."""
    return _Walk(root, Stats() if stats is None else stats, set() if seen is None else seen).run()
