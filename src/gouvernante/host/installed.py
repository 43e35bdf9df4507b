"""Installed packages: every package folder of a ``node_modules`` tree, named by its package.json.

A package folder is where ``-image`` finds one, by its place alone: ``.../node_modules/<name>``
or ``.../node_modules/@scope/<name>`` (``<name>`` not starting with ``.`` or ``@``) at any depth
under the scanned tree. So every folder of the tree is listed, a package's own files too: a
package vendored in a package's sub-folder (pnpm's ``dist/node_modules``, npm's bundled trees, a
``vendor/`` copy, a bundled dependency's own bundle) is an installed package like any other, and
so are pnpm's, bun's and npm's virtual stores (``.pnpm/<id>/node_modules/<name>``) without a
rule of their own. Folders are listed with ``os.scandir`` (entry types from the listing) and
symlinks are never followed, so pnpm's and bun's links into their virtual stores count once and
a link loop cannot trap the scan; each folder's (device, inode) is kept, so a bind mount met
twice is listed once. A folder with no sub-folder is not listed where its link count says so
exactly (ext2/3/4, XFS, tmpfs: 2 + its sub-folders), which spares most of a tree's listings
(decision 0050).
"""

from __future__ import annotations

import errno
import os
import stat

from gouvernante.host.install_state import (
    LocalCopies,
    RecordedTree,
    changed_ns,
    disagreement_note,
    local_copies,
    pnpm_managed,
    read_recorded_tree,
    same_release,
    tree_releases,
)
from gouvernante.host.matching import package_hits, unknown_version
from gouvernante.host.mounts import MOUNTINFO, mount_table
from gouvernante.host.reader import Collector
from gouvernante.lockfiles._tarball_url import local_tarball
from gouvernante.lockfiles.package_json import PackageManifest, installed_release, read_manifest
from gouvernante.model import FindingType
from gouvernante.safetext import shown
from gouvernante.vocab import LockfileEcosystem

MAX_MANIFEST_BYTES = 8 * 1024 * 1024
# A package folder whose package.json does not decode: which package it holds is unknown (node
# cannot load it either, but its files are there), so the tree is not clean.
NOT_A_MANIFEST = "not a JSON object: the package installed here is unknown (damaged package.json?)"
_NM = "node_modules"
# A scope folder (``node_modules/@scope``) that is a symlink to a folder of the tree the walk does
# not list as one: its packages are what require() loads there, and are not read (decision 0150).
SCOPE_LINK_IN_TREE = (
    "a scope folder that is a link to a folder of this tree that is not one: the packages"
    " installed through it were not read"
)
# What a folder is to pnpm's store hint: the tree's own ``.pnpm``, one of its ids, the id's
# ``node_modules`` (and a scope folder in it), whose packages pnpm names by folder.
_PLAIN, _STORE, _ID, _IN_STORE = 0, 1, 2, 3
# yarn berry's pnpm linker (``nodeLinker: pnpm``): ``node_modules/.store/<locator>/package`` is
# a package, its folder no name (``@esbuild-linux-x64-npm-0.25.10-<hash>``).
_YARN_STORE, _YARN_ID = 4, 5
YARN_STORE = ".store"
# The virtual stores whose folder for a ``file:``/``link:`` package is ``<name>@file+<path>``
_LOCAL_COPY_STORES = frozenset({".pnpm", ".bun"})
YARN_STORE_PACKAGE = "package"
# File systems whose folders' link count is exactly 2 + their sub-folders (a count that does not
# fit is 1). Elsewhere (btrfs and overlayfs give 1; NFS, CIFS, FUSE... may give 2 whatever the
# folder holds) every folder is listed.
EXACT_LINK_COUNTS = frozenset({"ext2", "ext3", "ext4", "xfs", "tmpfs"})


def exact_link_count_devices(mountinfo: str = MOUNTINFO) -> frozenset[int]:
    """The devices (``st_dev``) mounted with a file system of ``EXACT_LINK_COUNTS``, from the
    kernel's mount table (Linux); none elsewhere, or when the table cannot be read. A line not
    read (cut, or not as the kernel writes it) trusts nothing of its device."""
    return frozenset(
        m.device
        for m in mount_table(mountinfo)
        if m.device is not None and m.fs_type in EXACT_LINK_COUNTS
    )


class _TreeScan:
    """One tree: a stack of folders, each listed once.

    A stack entry is (folder, its name, its parent's name, its place in pnpm's store). A folder
    whose parent is named ``node_modules`` (or a scope folder in one) is a package: its
    package.json is read when what the package manager recorded (``install_state``) does not
    already say that it holds no package a rule names; then it is listed like any folder.
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
        self.stack: list[tuple[str, str, str, int, int]] = []
        self.seen: set[int] = set()  # (device << 128 | inode) of each folder entered
        self.recorded: RecordedTree | None = None  # (for the hints)
        self.tree: RecordedTree | None = None  # (what it says a folder holds: always)
        self.local: list[LocalCopies] = []
        self.pnpm: int | None = None  # when pnpm wrote the tree's .modules.yaml (its store hint)
        # Hashing reads every package's files anyway; the hint only saves manifest reads.
        self.hints = collector.payloads is None
        self.exact = exact_link_count_devices() if os.name == "posix" else frozenset()

    def enter(self, path: str, *, follow: bool = False) -> os.stat_result | None:
        """The folder's stat, once per (device, inode); None for a folder met before, a
        symlink (``follow``: the scanned location itself may be one), a file, or nothing."""
        try:
            st = os.stat(path, follow_symlinks=follow)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno != errno.ENOTDIR:
                self.collector.dir_error(path, f"cannot read directory: {exc.strerror or exc}")
            return None
        if not stat.S_ISDIR(st.st_mode):
            return None
        key = st.st_dev << 128 | st.st_ino
        if key in self.seen:
            return None
        self.seen.add(key)
        return st

    def subdirs(self, path: str, links: list[str] | None = None) -> list[str] | None:
        """The names of the folder's sub-folders (symlinks left out), sorted; ``links``: where
        to add the paths of its symlinks not named with a leading ``.``."""
        listed = 0 if links is None else len(links)
        try:
            with os.scandir(path) as it:
                try:
                    if links is None:
                        names = [e.name for e in it if e.is_dir(follow_symlinks=False)]
                    else:
                        names = []
                        for e in it:
                            if e.is_dir(follow_symlinks=False):
                                names.append(e.name)
                            elif e.name[:1] != "." and e.is_symlink():
                                links.append(e.path)
                except OSError:  # an entry's type not read: the slow way, entry by entry
                    names = None
            if names is None:
                if links is not None:
                    del links[listed:]  # (listed again, entry by entry)
                names = self._subdirs_one_by_one(path, links)
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                self.collector.dir_error(path, f"cannot read directory: {exc.strerror or exc}")
            return None
        names.sort()
        return names

    def _subdirs_one_by_one(self, path: str, links: list[str] | None) -> list[str]:
        names: list[str] = []
        with os.scandir(path) as it:
            for entry in it:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        names.append(entry.name)
                    elif links is not None and entry.name[:1] != "." and entry.is_symlink():
                        links.append(entry.path)
                except FileNotFoundError:
                    continue
                except OSError as exc:  # maybe a folder, not entered: the tree is not clean
                    self.collector.dir_error(
                        entry.path, f"cannot read directory: {exc.strerror or exc}"
                    )
        return names

    def run(self, root: str, *, modules_folder: bool = False) -> None:
        if self.enter(root, follow=True) is None:
            return
        recorded = read_recorded_tree(root)
        # (what the record says was installed from the project itself is needed either way)
        self.local = local_copies(root, recorded)
        self.tree = recorded
        if self.hints:
            self.recorded = recorded
            self.pnpm = pnpm_managed(root)
        head, name = os.path.split(root)
        if modules_folder:  # (yarn 1's --modules-folder: its packages as node_modules' are)
            name = _NM
        self.stack.append((root, name, os.path.basename(head), _PLAIN, 0))
        store = root + os.sep + ".pnpm" if self.pnpm is not None else None
        sep = os.sep
        stack = self.stack
        exact = self.exact
        # the symlinks among the tree's package entries (in every node_modules and scope folder)
        links: list[str] | None = [] if self.kind is FindingType.INSTALLED else None
        # (device << 128 | inode) of the folders read as packages or as scope folders
        places: set[int] = set()
        while stack:
            # ``above``: when the folders between the tree's top and this one (itself included)
            # last changed: a scope folder renamed (``mv @evil @good``) renames its packages
            # without changing their own folders (the top, whose entries change with any
            # install or cache, and its dot-folders but pnpm's ``.pnpm``, are not counted)
            folder, name, parent, place, above = stack.pop()
            packages = name == _NM
            scoped = not packages and name[:1] == "@" and len(name) > 1 and parent == _NM
            # (every package place's symlinks: decision 0150)
            names = self.subdirs(folder, links if packages or scoped else None)
            if not names:
                continue
            in_store = place == _IN_STORE
            for sub in reversed(names):  # popped in sorted order
                path = folder + sep + sub
                st = self.enter(path)
                if st is None:
                    continue
                # (``install_state.changed_ns``, or the folders' above: inline, once a folder;
                # two comparisons cost a third of a max() call)
                changed = st.st_ctime_ns
                modified = st.st_mtime_ns
                changed = changed if changed >= modified else modified
                changed = changed if changed >= above else above
                if packages and sub[0] not in ".@":
                    places.add(st.st_dev << 128 | st.st_ino)
                    self.package(path, sub, in_store, st, changed)
                elif scoped:
                    places.add(st.st_dev << 128 | st.st_ino)
                    self.package(path, f"{name}/{sub}", in_store, st, changed)
                elif place == _YARN_ID and sub == YARN_STORE_PACKAGE:
                    places.add(st.st_dev << 128 | st.st_ino)
                    self._read(path, "")  # (no name to hint by: always read)
                elif packages and sub[0] == "@":
                    places.add(st.st_dev << 128 | st.st_ino)
                # (else: no sub-folder; a node_modules or scope folder is listed for its links)
                if (
                    st.st_nlink != 2
                    or st.st_dev not in exact
                    or (links is not None and (sub == _NM or (packages and sub[:1] == "@")))
                ):
                    below = _place(place, path, sub, store, packages)
                    # (pnpm's store ``.pnpm`` is counted: one made before the install and
                    # renamed in after it keeps its folders' old times, decision 0147)
                    dot = folder == root and sub[:1] == "." and path != store
                    stack.append((path, sub, name, below, 0 if dot else changed))
        if links:
            self._links(root, links, places)

    def _links(self, root: str, links: list[str], places: set[int]) -> None:
        """``links``: the tree's package entries (``<folder>/node_modules/<name>``,
        ``.../node_modules/@scope/<name>``, ``.../node_modules/@scope``) that are symlinks;
        ``places``: the folders the walk read as packages or as scope folders.

        A link to one of those is what the walk read there already (pnpm's and bun's links into
        their stores, npm's linked layout, yarn's pnpm linker): one stat. A link to another
        folder of the tree (``node_modules/kind-of -> .evil/is-number``) is read as the package
        ``require()`` loads through it, its package.json only (decision 0150: no folder is
        entered through a link, so none loops); a scope folder that is such a link is an error
        (its packages are not read). A link out of the tree is not followed (decision 0050).
        Links of the tree's top (``<root>/<name>``, ``<root>/@scope/<name>``) leading to nothing
        are a note naming the tree (pnpm 10's global virtual store, when the store they lead
        into is gone; any other link to a missing folder); a link whose target cannot be looked
        at (permission, I/O) is an error: what it holds is unknown."""
        missing: list[str] = []
        sep = os.sep
        real_root: str | None = None
        for link in sorted(links):
            try:
                st = os.stat(link)
            except OSError as exc:
                if exc.errno not in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
                    self.collector.dir_error(
                        link, f"cannot read the folder this link leads to: {exc.strerror}"
                    )
                elif _top_entry(root, link):
                    missing.append(link)
                continue
            key = st.st_dev << 128 | st.st_ino
            if not stat.S_ISDIR(st.st_mode) or key in places:
                continue
            if real_root is None:
                real_root = os.path.realpath(root)
            target = os.path.realpath(link)
            if target != real_root and not target.startswith(real_root + sep):
                continue  # out of the tree: not followed (decision 0050)
            head, name = os.path.split(link)
            if name[:1] == "@":
                self.collector.dir_error(link, SCOPE_LINK_IN_TREE)
                continue
            parent = os.path.basename(head)
            self._read(link, f"{parent}/{name}" if parent[:1] == "@" else name)
        if missing:
            self.collector.skipped(root, links_not_there(len(missing), missing[0], image=False))

    def package(
        self, path: str, folder: str, in_store: bool, st: os.stat_result, changed: int
    ) -> None:
        """The package folder ``path`` (named ``folder``), last changed at ``changed`` (its
        ``changed_ns``, or a folder's above it when later)."""
        if self.hints and folder not in self.names:
            # pnpm's store: the folder is the package's real name, as pnpm placed it there
            # before writing .modules.yaml (a folder replaced since is read)
            if in_store and self.pnpm is not None and changed <= self.pnpm:
                self._counted()
                return
            if self.recorded is not None and self._vouched(path, self.recorded, changed):
                return
        self._read(path, folder, st, changed)

    def _vouched(self, path: str, recorded: RecordedTree, changed: int) -> bool:
        """Counted from the package manager's record (npm's hidden lockfile, yarn's install
        state): its entry for this folder, written after the folder last changed, names no
        package a rule is about. (What the package's own folders hold is listed all the same:
        a change deep in them changes no date of the folder.)"""
        key = recorded.key(path)
        if key is None:
            return False
        release = recorded.vouches_for(key, changed)
        if release is None or release[0] in self.names:
            return False
        self._counted()
        return True

    def _counted(self) -> None:
        if self.kind is FindingType.INSTALLED:
            self.collector.installed += 1
        else:
            self.collector.cache_entries += 1

    def _read(
        self,
        path: str,
        folder: str,
        st: os.stat_result | None = None,
        changed: int | None = None,
    ) -> None:
        collector = self.collector
        manifest_path = path + os.sep + "package.json"
        # a folder named for a rule's package whose package.json is not read is an error
        data = collector.read(manifest_path, MAX_MANIFEST_BYTES, package=folder)
        if data is None:
            return
        manifest = read_manifest(data)
        if manifest is None:
            collector.dir_error(manifest_path, NOT_A_MANIFEST)
            return
        if not folder and yarn_stub(manifest):
            return
        self._counted()
        name, version, scripts = installed_release(
            manifest, folder, lambda: os.path.isfile(os.path.join(path, "binding.gyp"))
        )
        if collector.payloads is not None:
            collector.payloads.package_dir(path, name, version or None, self.kind, self.where)
        if st is None:  # (the walker's stat of the folder, when it had one)
            try:
                st = os.stat(path, follow_symlinks=False)
            except OSError:
                st = None
        # what the package manager recorded here, where it is not what the package.json says
        # (a folder not looked at: the store's folder name still says what it is). A record
        # adding a release is believed while the folder's modification time is not later than
        # it (decision 0078: a tree copied with its times kept, or chown'd, still names its
        # packages); one sparing a read or taking a finding back only while the folder's status
        # has not changed either (``changed_ns``: a folder renamed or copied in keeps its time).
        records = [
            r
            for r in tree_releases(path, st.st_mtime_ns if st else 0, self.tree, self.local)
            if not same_release(name, version, r)
        ]
        names = self.names
        if (name not in names and not any(r.name in names for r in records)) or (
            pnpm_local_copy(path, name) or (folder != name and pnpm_local_copy(path, folder))
        ):
            return
        if changed is None and st is not None:
            changed = changed_ns(st)
        if self.local and changed is not None and self._local_copy(path, name, version, changed):
            return
        for record in records:
            collector.skipped(path, disagreement_note(name, version, record))
        if name in names:
            unknown = unknown_version(collector.index, name, version)
            if unknown is not None:
                collector.dir_error(manifest_path, unknown)
        releases = dict.fromkeys([(name, version), *((r.name, r.version) for r in records)])
        for release in releases:
            if release[0] in names:
                collector.report(
                    *release,
                    path,
                    kind=self.kind,
                    where=self.where,
                    ecosystem=self.ecosystem,
                    install_scripts=scripts,
                )

    def _local_copy(self, path: str, name: str, version: str, changed: int) -> bool:
        """Does the package manager's record say the package ``name`` at ``path`` (last changed
        at ``changed``, its ``changed_ns``) was installed from the project itself
        (``install_state.local_copies``)? Then it is not matched by name and version, as a
        lockfile's local packages are not; a note says so when a rule names that release."""
        for copies in self.local:
            source = copies.copy_at(path, name, changed)
            if source is None or local_tarball(source):  # (a packed tarball: decision 0072)
                continue
            if package_hits(self.collector.index, name, version, None):
                self.collector.skipped(path, local_copy_note(name, version, copies.record))
            return True
        return False


def _top_entry(root: str, link: str) -> bool:
    """Is ``link`` one of the tree's top package entries (``<root>/<name>``,
    ``<root>/@scope/<name>``, ``<root>/@scope``)?"""
    head = os.path.dirname(link)
    return head == root or (os.path.basename(head)[:1] == "@" and os.path.dirname(head) == root)


def links_not_there(count: int, example: str, *, image: bool) -> str:
    """The words for a ``node_modules`` whose package entries are links to folders that are not
    there (``example``: the first such link, as shown): pnpm 10's global virtual store
    (``enableGlobalVirtualStore``) links a project's packages into the store, outside the project;
    ``image``: the store is not in the image."""
    where = "in the image" if image else "on this host"
    links = "packages installed here are links" if count > 1 else "package installed here is a link"
    return (
        f"{count} {links} to a folder that is not {where} (first: {example}; as pnpm's global"
        " virtual store, enableGlobalVirtualStore, links them into its store): the installed"
        " packages live outside what was scanned and were not checked; the lockfile's findings"
        " still come from the lockfile"
    )


def local_copy_note(name: str, version: str, record: str) -> str:
    """The words for an installed package a rule names by name and version that its package
    manager installed from the project's own code (what the record says it came from is
    scanned text: not echoed)."""
    return (
        f"{shown(name)}@{shown(version)} is installed here from the project itself (a file:"
        f" folder, a link or an injected workspace, as {record} records it), not from the"
        " registry: not matched by name and version, as a lockfile's file: folders, link: and"
        " workspace packages are not (a file: tarball, which may be a copy of an affected"
        " release, is matched)"
    )


def yarn_stub(manifest: PackageManifest) -> bool:
    """Is this package.json of yarn's pnpm linker store the stand-in it writes for an optional
    package not installed on this platform (its name and ``"mocked": true``, no version; yarn
    4.18.1, ``@esbuild/aix-ppc64`` on linux-x64)? No package is installed there."""
    return manifest.mocked is True and manifest.version is None


def pnpm_local_copy(path: str, name: str, sep: str = os.sep) -> bool:
    """Is ``path`` a package pnpm installed from a ``file:`` or ``link:`` folder or tarball
    (``.pnpm/<name, / as +>@file+<path>/node_modules/<name>``; bun 1.4.5's isolated layout the
    same in ``.bun``)? Such a package is the project's own copy, not the registry release of that
    name (as a lockfile's local packages are never matched by name and version); its
    dependencies are ids of their own. ``sep``: the path's separator (``/`` for a path in an
    image)."""
    parts = path.split(sep)
    depth = name.count("/") + 1  # (a scoped package's folder is two parts)
    if (
        len(parts) < depth + 3
        or parts[-depth - 1] != _NM
        or parts[-depth - 3] not in _LOCAL_COPY_STORES
    ):
        return False
    store_id = parts[-depth - 2]
    base = name.replace("/", "+")
    # (a packed tarball, ``<name>@file+vendor+x.tgz``, may be the affected release's own copy:
    # matched by name and version, decision 0072)
    return store_id.startswith((f"{base}@file+", f"{base}@link+")) and not local_tarball(store_id)


def scan_tree(
    root: str,
    collector: Collector,
    *,
    kind: FindingType = FindingType.INSTALLED,
    where: str,
    ecosystem: LockfileEcosystem | None = None,
    modules_folder: bool = False,
) -> None:
    """Every package under the ``node_modules`` folder ``root`` (nested ones included);
    ``modules_folder``: ``root`` is such a folder by another name (``fs.walk.modules_folder``)."""
    scan = _TreeScan(collector, kind, where, ecosystem)
    scan.run(root.rstrip(os.sep) or root, modules_folder=modules_folder)


def scan_package_versions(root: str, collector: Collector, *, where: str) -> None:
    """``<root>/<version>/``, each the package named ``root``'s last part with its package.json
    at the top (corepack's ``v1/pnpm/9.1.0``, volta's ``tools/image/yarn/1.22.19``), read like
    a ``node_modules/<name>`` folder (a release is the package.json's ``name`` and ``version``). The
    package's own ``node_modules`` are scanned as a tree by the caller's location."""
    name = os.path.basename(root.rstrip(os.sep))
    scan = _TreeScan(collector, FindingType.INSTALLED, where, None)
    scan.hints = False
    for version in scan.subdirs(root) or []:
        path = root + os.sep + version
        # (no package.json: not such a package - corepack keeps yarn 2+ as one yarn.js file)
        if os.path.lexists(path + os.sep + "package.json"):
            scan._read(path, name)


def _place(place: int, path: str, name: str, store: str | None, packages: bool = False) -> int:
    """Where the folder ``path`` (named ``name``, in a folder at ``place``; ``packages``: that
    folder is a ``node_modules``) is in pnpm's store, or yarn berry's pnpm linker's."""
    if packages and name == YARN_STORE:
        return _YARN_STORE
    if place == _PLAIN:
        return _STORE if path == store else _PLAIN
    if place == _YARN_STORE:
        return _YARN_ID
    if place == _STORE:
        return _ID
    if place == _ID:
        return _IN_STORE if name == _NM else _PLAIN
    return _IN_STORE if name[:1] == "@" else _PLAIN  # a scope folder of the id's node_modules
