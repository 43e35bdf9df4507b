"""The one parser table: every lockfile format, detected by file name and by content.

Each format module exposes ``sniff(head: bytes) -> bool`` (does this content look like my format?)
and ``parse(data: bytes, path: str) -> LockfileGraph`` (pure: no disk, no network; raises
``LockfileError`` naming ``path``). Modules are imported lazily, so a scan of one npm lockfile
never pays for the YAML parser.
"""

from __future__ import annotations

import importlib
import os
import posixpath
from collections.abc import Callable, Collection, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING

import msgspec

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import _sniff
from gouvernante.model import LockfileFormat, LockfileGraph, Source

if TYPE_CHECKING:
    from gouvernante.fs.digest import UnpackBudget

# How many leading bytes ``sniff`` functions get.
SNIFF_BYTES = 8192
# pnpm's workspace file: catalogs and (pnpm 10) overrides, read by name only.
PNPM_WORKSPACE = "pnpm-workspace.yaml"
DENO_CONFIG = "deno.json"
DENO_CONFIGS = (DENO_CONFIG, "deno.jsonc")
# A project's manifest (its declared ranges; read beside an npm v1 or yarn classic lockfile).
MANIFEST = "package.json"
# The fields of the declared dependencies an override stands for (``DeclaredDependency.field``):
# a manifest's (``package_json``), pnpm 10's ``overrides`` in pnpm-workspace.yaml
# (``pnpm_workspace``); a deno.json import map's (``deno_json``). Here, not in ``package_json``:
# the matcher asks them of every lockfile, which needs no manifest reader (decision 0105).
MANIFEST_OVERRIDES = ("overrides", "resolutions", "pnpm.overrides")
WORKSPACE_OVERRIDES = "pnpm-workspace.yaml overrides"
DENO_IMPORT_FIELDS = frozenset({"imports", "scopes"})
OVERRIDE_FIELDS = (*MANIFEST_OVERRIDES, WORKSPACE_OVERRIDES)
# Files read as a package.json (their declared ranges) that are not their folder's package.json:
# neither their name, globs nor overrides are the project's (decision 0109)
NOT_THE_MANIFEST = frozenset({PNPM_WORKSPACE, *DENO_CONFIGS})


class ParserSpec(msgspec.Struct, frozen=True):
    name: str  # short name used in messages: "npm", "pnpm", ...
    module: str  # module under gouvernante.lockfiles
    filenames: tuple[str, ...]  # names that select this parser without sniffing

    def load(self) -> ModuleType:
        return importlib.import_module(f"gouvernante.lockfiles.{self.module}")

    @property
    def parse(self) -> Callable[[bytes, str], LockfileGraph]:
        fn: Callable[[bytes, str], LockfileGraph] = self.load().parse
        return fn

    def sniff(self, head: bytes) -> bool:
        light = _LIGHT_SNIFFERS.get(self.module)  # (no import of the reader: ``_sniff``)
        fn: Callable[[bytes], bool] = light if light is not None else self.load().sniff
        return fn(head)


_LIGHT_SNIFFERS: dict[str, Callable[[bytes], bool]] = {
    "bun_binary": _sniff.bun_binary,
    "bun": _sniff.bun,
    "deno": _sniff.deno,
}


# Order matters for content sniffing: the most specific formats first; package.json last.
PARSERS: tuple[ParserSpec, ...] = (
    ParserSpec("bun.lockb", "bun_binary", ("bun.lockb",)),
    ParserSpec("bun", "bun", ("bun.lock",)),
    ParserSpec("npm", "npm", ("package-lock.json", "npm-shrinkwrap.json")),
    # (``shrinkwrap.yaml``: pnpm 1-2's lockfile, refused by the reader, never left unread)
    ParserSpec("pnpm", "pnpm", ("pnpm-lock.yaml", "shrinkwrap.yaml")),
    ParserSpec("yarn", "yarn", ("yarn.lock",)),
    ParserSpec("deno", "deno", ("deno.lock",)),
    ParserSpec("package.json", "package_json", ("package.json",)),
    # by name only (never sniffed): a manifest whose declared dependencies are its overrides
    ParserSpec(PNPM_WORKSPACE, "pnpm_workspace", (PNPM_WORKSPACE,)),
    # by name only: a Deno project's import map (its npm: targets are declared ranges)
    ParserSpec(DENO_CONFIG, "deno_json", DENO_CONFIGS),
)

_BY_NAME = {filename: spec for spec in PARSERS for filename in spec.filenames}

# File names a directory scan picks up.
LOCKFILE_NAMES: frozenset[str] = frozenset(_BY_NAME)


def parser_for_name(filename: str) -> ParserSpec | None:
    return _BY_NAME.get(filename)


def detect(filename: str, head: bytes) -> ParserSpec | None:
    """The parser for a file: by its well-known name, else by its content."""
    spec = _BY_NAME.get(filename)
    if spec is not None:
        return spec
    for candidate in PARSERS:
        if candidate.sniff(head):
            return candidate
    return None


# What a repository holds in place of a file some tool keeps elsewhere: git-lfs's pointer text
# (spec v1; "hawser" was its first name) and git-crypt's header before the ciphertext.
_LFS_POINTERS = (
    b"version https://git-lfs.github.com/spec/",
    b"version https://hawser.github.com/spec/",
)
_GIT_CRYPT = b"\x00GITCRYPT\x00"


def _stand_in(data: bytes) -> str | None:
    """Why ``data`` is not a file's content but what stands for it (an LFS pointer, a
    git-crypt file), or None."""
    if data.startswith(_LFS_POINTERS):
        return (
            "a git LFS pointer, not the file: its content is in LFS storage (git lfs pull,"
            " then scan the checkout); not read"
        )
    if data.startswith(_GIT_CRYPT):
        return "encrypted by git-crypt (git-crypt unlock, then scan the checkout); not read"
    return None


def _checked_by_caller(_folder: str) -> bool:
    return True


# ``parse_bytes``' ``own_lockfile`` of a caller that reads the file once for every tree it is in
# (-git's blobs, the inventory's contents): the graph keeps its ``own_lockfile_links``, which
# ``own_lockfile_refusal`` judges against each tree where the file is placed.
CHECKED_BY_CALLER: Callable[[str], bool] = _checked_by_caller
OWN_LOCKFILE = "pnpm-lock.yaml"
# what ``own_lockfile_refusal`` says (an inventory finds by it the contents it stored refused
# before decision 0135, to read them again)
OWN_LOCKFILE_REFUSED = "whose folder has no pnpm-lock.yaml of its own"


def own_lockfile_in(lockfile_dir: str, holds: Callable[[str], bool]) -> Callable[[str], bool]:
    """``parse_bytes``' ``own_lockfile`` for a file in the folder ``lockfile_dir`` of a tree
    (a path on disk, in an image or in a git tree; '' for its root): does the tree
    hold a regular pnpm-lock.yaml in this linked folder (relative to ``lockfile_dir``, never
    above it: ``LockfileGraph.own_lockfile_links``)? ``holds``: is there a regular file at
    this path of the tree, reached through no symbolic link below ``lockfile_dir`` (one there
    may lead out of the tree, whose files the scan never reads)? Each mode's tree answers
    ``holds``; the path is made here, once for all of them."""

    def own(folder: str) -> bool:
        if folder in ("", ".", "..") or folder.startswith(("/", "../")) or "\0" in folder:
            # (the file's own folder, or out of it: never another project's; a NUL names no
            # file of any tree, and the file system refuses it with ValueError, not OSError)
            return False
        return holds(posixpath.join(lockfile_dir, folder, OWN_LOCKFILE))

    return own


def own_lockfile_refusal(
    links: Sequence[tuple[str, str]], path: str, own_lockfile: Callable[[str], bool] | None
) -> LockfileError | None:
    """The refusal of a file whose workspace links (``LockfileGraph.own_lockfile_links``:
    (YAML path, folder)) are not each answered by a folder holding a pnpm-lock.yaml of its own
    (``own_lockfile``; None: no look-up, none is), as a file cut after them; None when all are
    (pnpm's shared-workspace-lockfile=false root, decisions 0130 and 0135)."""
    for where, folder in links:
        if own_lockfile is None or not own_lockfile(folder):
            from gouvernante.fs.walk import SKIP_DIRS  # noqa: PLC0415 - a refusal only

            skipped = sorted(set(folder.split("/")) & SKIP_DIRS)
            return LockfileError(
                path,
                "a dependency linked to a workspace package no importer of the file lists,"
                + (
                    f" in a folder ({skipped[0]}) no listing of this tree's lockfiles enters: its"
                    f" own {OWN_LOCKFILE} is not read (scan the checkout with -dir)"
                    if skipped
                    else f" {OWN_LOCKFILE_REFUSED} (truncated or edited file?)"
                ),
                json_path=where,
            )
    return None


def linked_projects(graph: LockfileGraph) -> tuple[str, ...]:
    """The folders a pnpm lockfile links its projects to (relative to the file's folder,
    '/'-separated, possibly above it: a per-project member's ``link:../b``): its workspace
    links with a lockfile of their own (``LockfileGraph.own_lockfile_links``) and every
    ``link:`` package. With ``shared-workspace-lockfile=false`` pnpm installs each such
    project's dependencies from the pnpm-lock.yaml in its folder (decisions 0135, 0138), which a
    scan of this file reads too where it holds one. Absolute paths and NULs are left out."""
    folders = dict.fromkeys(folder for _where, folder in graph.own_lockfile_links)
    if graph.format is LockfileFormat.PNPM:
        # (the ids column: building every package of a 50,000-entry file cost 0.4 s)
        folders.update(dict.fromkeys(i[5:] for i in graph.table.ids if i.startswith("link:")))
    return tuple(
        f for f in folders if f not in ("", ".") and not f.startswith("/") and "\0" not in f
    )


def parse_bytes(
    data: bytes,
    path: str,
    filename: str | None = None,
    *,
    own_lockfile: Callable[[str], bool] | None = None,
) -> LockfileGraph:
    """Detect the format of ``data`` and parse it; ``path`` is used in messages only.
    ``own_lockfile``: does this folder (relative to the file's) hold a lockfile of its own
    (``LockfileGraph.own_lockfile_links``, ``own_lockfile_in``)? Without it, no folder is taken
    to; ``CHECKED_BY_CALLER``: the caller judges the links against its tree."""
    name = filename if filename is not None else path.replace("\\", "/").rsplit("/", 1)[-1]
    stand_in = _stand_in(data)
    if stand_in is not None:
        raise LockfileError(path, stand_in)
    spec = detect(name, data[:SNIFF_BYTES])
    if spec is None:
        raise LockfileError(path, "not a recognised lockfile or package.json")
    try:
        graph = spec.parse(data, path)
    except LockfileError:
        raise
    except RecursionError:
        raise LockfileError(path, "nesting too deep to parse") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        # A parser bug or an input shape it did not expect: fail closed, never "0 packages".
        # The exception's text could quote the file: only its kind is named.
        kind = type(exc).__name__
        raise LockfileError(path, f"cannot parse {spec.name} file ({kind})") from None
    if own_lockfile is not CHECKED_BY_CALLER:
        refusal = own_lockfile_refusal(graph.own_lockfile_links, path, own_lockfile)
        if refusal is not None:
            raise refusal
    if (
        graph.format is LockfileFormat.PACKAGE_JSON
        and name not in spec.filenames
        and not graph.declared
        and not graph.workspaces
        and not graph.resolutions
    ):
        # Taken for a manifest by its content alone (a "name" or "version" field) and declaring
        # nothing: most likely another tool's file (a deno.lock read so was 0 packages, CLEAN).
        raise LockfileError(
            path,
            "read as a package.json by its content, but it declares no dependency: not a"
            " lockfile or manifest this tool reads (another tool's file?)",
        )
    return graph


def needs_manifest(graph: LockfileGraph) -> bool:
    """Is the package.json beside this lockfile part of reading it (``with_manifest_beside``)?"""
    return graph.format is not LockfileFormat.PACKAGE_JSON and (
        not graph.roots_known
        or bool(graph.overridden)
        or bool(graph.unkeyed)
        or bool(graph.root_claims)
        or bool(graph.member_claims)
    )


def locks_member_dependencies(graph: LockfileGraph) -> bool:
    """Are the workspace members' package.json files part of reading this lockfile with the
    manifest beside it (``with_manifest_beside``'s ``member_manifests``)? yarn classic locks
    their dependencies in the root's file (decision 0133); npm v1 reads no ``workspaces``."""
    return graph.format is LockfileFormat.YARN_CLASSIC and needs_manifest(graph)


def reads_member_manifests(graph: LockfileGraph) -> bool:
    """Are the workspaces' package.json files read with the manifest beside this lockfile
    (``with_manifest_beside``'s ``member_manifests``)? yarn classic's member dependencies
    (``locks_member_dependencies``), and npm v2/v3 member records' claims (decision 0155)."""
    return bool(graph.member_claims) or locks_member_dependencies(graph)


def with_manifest_beside(
    graph: LockfileGraph,
    manifest: LockfileGraph | None,
    members: Collection[str] = (),
    member_manifests: Mapping[str, LockfileGraph] | None = None,
) -> LockfileGraph:
    """A lockfile read with the package.json beside it (None: none, or not readable), as every
    mode reads it (-dir, -git, -image, the inventory): npm v1 and yarn classic record not the
    project's own dependencies, the manifest does (``direct``; a registry range it declares
    that the lockfile does not lock, ``members`` aside, is an entry error: truncated or
    out-of-date lockfile); a berry entry only an override explains needs the manifest's
    ``resolutions`` to name it. ``members``: the names of the workspaces the manifest's
    ``workspaces`` globs name; ``member_manifests``: their package.json files read, by folder
    relative to the lockfile's (yarn classic locks their dependencies too, decision 0133)."""
    if not needs_manifest(graph):
        return graph
    from gouvernante.lockfiles.package_json import (  # noqa: PLC0415 - these files only
        with_manifest,
        with_resolutions,
        workspace_links,
        yarn_workspaces,
    )

    graph = _with_member_claims(graph, member_manifests or {})
    graph = with_resolutions(_with_root_claims(graph, manifest), manifest)
    if manifest is None:
        return _with_workspaces_unkeyed(graph, lambda _key, _spec: False)
    names, read = yarn_workspaces(members, member_manifests or {})
    graph = _with_workspaces_unkeyed(graph, workspace_links(names, read))
    return with_manifest(graph, manifest, names, read)


def _with_root_claims(graph: LockfileGraph, manifest: LockfileGraph | None) -> LockfileGraph:
    """An npm v2/v3 error about a dependency only the root's record declares
    (``LockfileGraph.root_claims``) dropped when the package.json beside does not declare the
    name in any dependency field: npm 11.19.1 reads the root's dependencies from package.json
    and ignores the record's (``npm ci --dry-run`` installs @sap/cds-dk 7.3.1's shrinkwrap,
    whose record keeps 10 devDependencies with no entry; decision 0148). A name it declares
    keeps its error, and so does every one with no package.json beside (-lockfile alone)."""
    if not graph.root_claims:
        return graph
    from gouvernante.lockfiles.package_json import DEPENDENCY_FIELDS  # noqa: PLC0415 - npm only

    dropped: set[str] = set()
    if manifest is not None:
        declared = {
            dep.alias or dep.name for dep in manifest.declared if dep.field in DEPENDENCY_FIELDS
        }
        dropped = {error for name, error in graph.root_claims if name not in declared}
    return msgspec.structs.replace(
        graph,
        root_claims=(),
        entry_errors=tuple(e for e in graph.entry_errors if e not in dropped),
    )


def _with_member_claims(
    graph: LockfileGraph, member_manifests: Mapping[str, LockfileGraph]
) -> LockfileGraph:
    """As ``_with_root_claims``, for a folder's record (``LockfileGraph.member_claims``): an
    error dropped when that folder's package.json is read (a workspace the manifest beside
    names) and declares the name in no dependency field. npm 11.19.1 ``npm ci`` installs such a
    file, and refuses it ("Missing: ... from lock file") when the member declares the name
    (decision 0155). A folder whose package.json is not read keeps its errors."""
    if not graph.member_claims:
        return graph
    from gouvernante.lockfiles.package_json import DEPENDENCY_FIELDS  # noqa: PLC0415 - npm only

    dropped: set[str] = set()
    declared: dict[str, set[str]] = {}
    for folder, name, error in graph.member_claims:
        member = member_manifests.get(folder)
        if member is None:
            continue
        names = declared.get(folder)
        if names is None:
            names = declared[folder] = {
                dep.alias or dep.name for dep in member.declared if dep.field in DEPENDENCY_FIELDS
            }
        if name not in names:
            dropped.add(error)
    return msgspec.structs.replace(
        graph,
        member_claims=(),
        entry_errors=tuple(e for e in graph.entry_errors if e not in dropped),
    )


def with_local_entries(graph: LockfileGraph, ids: Sequence[str]) -> LockfileGraph:
    """``graph`` with the entries ``ids`` read as local packages (``LockfileGraph.local_entries``:
    yarn 1 resolves a package a ``resolutions`` entry forces to a ``file:`` folder or ``link:``
    with the folder's resolver, and writes its entries with no ``resolved``; decision 0134),
    every mode alike (the inventory stores the ids with the pairing)."""
    if not ids:
        return graph
    wanted = frozenset(ids)
    packages = [
        msgspec.structs.replace(pkg, source=Source.LOCAL) if pkg.id in wanted else pkg
        for pkg in graph.packages
    ]
    return msgspec.structs.replace(graph, packages=packages, local_entries=tuple(ids))


def with_tarball_releases(
    graph: LockfileGraph, releases: Mapping[str, tuple[str, str]]
) -> LockfileGraph:
    """A yarn lockfile with the packages of its ``file:`` tarballs named as their package.json
    names them (``releases``: node id -> (name, version) read from the tarball, where a mode
    has it at hand): yarn records the dependency's name only (``"local-escape":
    "file:vendor/escape-html-1.0.3.tgz"`` is escape-html 1.0.3 in node_modules/local-escape).
    The entries left unread stay in ``unnamed_tarballs``."""
    if not releases:
        return graph
    from gouvernante.lockfiles._tarball_url import local_tarball  # noqa: PLC0415

    packages = [
        msgspec.structs.replace(
            pkg,
            name=releases[pkg.id][0],
            version=releases[pkg.id][1],
            # (a file read as a tarball whatever its name, yarn 1's ``resolved
            # "./vendor/x.gz"``, is no local folder: a tarball, decision 0163)
            source=Source.LOCAL
            if local_tarball(pkg.resolved or pkg.id.partition("@file:")[2])
            else Source.TARBALL,
        )
        if pkg.id in releases
        else pkg
        for pkg in graph.packages
    ]
    left = tuple(t for t in graph.unnamed_tarballs if t[0] not in releases)
    return msgspec.structs.replace(graph, packages=packages, unnamed_tarballs=left)


# a vendored package's package.json: 1 MiB at most (the tarball: ``ArchiveLimits``' 256 MiB,
# ``TARBALL_BYTES``)
TARBALL_MANIFEST_BYTES = 1024 * 1024
TARBALL_BYTES = 256 * 1024 * 1024


# what each tarball read gave, by its identity (``_tarball_key``): a lockfile may name one
# tarball under any number of aliases, and reading a gzip of 1 GiB costs 1.4 s
_TARBALL_RELEASES: dict[tuple[object, ...], tuple[str, str] | None] = {}
_TARBALL_MEMO = 4096
# what all the tarballs one process reads (a scan; each forked worker its own) may unpack to,
# in sum: each is bounded by ``ArchiveLimits`` (its size times 200 past 1 MiB, 1 GiB), but a
# commit or an image layer compresses a tarball again, so 1,000 distinct bombs can take a few
# KB of a repository and cost 1,000 GiB (decision 0094). Past it, a tarball is refused (its
# entry stays unnamed: an error when a rule names its version).
TARBALL_SCAN_BYTES = 4 * 1024 * 1024 * 1024
_TARBALL_BUDGET: list[UnpackBudget] = []  # (made at the first tarball read)


def tarball_release(shown: str, data: bytes | None = None) -> tuple[str, str] | None:
    """The (name, version) a ``file:`` tarball's package.json gives (``with_tarball_releases``),
    every mode alike: the tarball at the path ``shown`` (-dir), or its bytes ``data`` read from
    where the mode has the project's files (a commit's tree, an image's layers; ``shown`` then
    only names them). None when it cannot be read (missing, damaged, too big, no name or
    version, members the tools read differently): the entry stays unnamed. Nothing in it is run
    or written anywhere. A tarball is read once, however many entries name it."""
    import hashlib  # noqa: PLC0415 - tarballs only

    from gouvernante.errors import GouvernanteError  # noqa: PLC0415 - tarballs only
    from gouvernante.fs.digest import ArchiveLimits, UnpackBudget, tarball_manifest  # noqa: PLC0415
    from gouvernante.lockfiles.package_json import manifest_release  # noqa: PLC0415

    if data is not None:
        key: tuple[object, ...] = (len(data), hashlib.sha256(data).digest())
    else:
        try:
            st = os.stat(shown)
        except OSError:
            return None
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if key in _TARBALL_RELEASES:
        return _TARBALL_RELEASES[key]
    limits = ArchiveLimits(max_archive_bytes=TARBALL_BYTES)
    if not _TARBALL_BUDGET:
        _TARBALL_BUDGET.append(UnpackBudget(TARBALL_SCAN_BYTES))
    budget = _TARBALL_BUDGET[0]
    try:
        manifest = tarball_manifest(shown, TARBALL_MANIFEST_BYTES, limits, data, budget=budget)
        release = manifest_release(manifest)
    except GouvernanteError:
        if budget.left <= 0:
            return None  # (not kept: refused for what the scan read before, not for itself)
        release = None
    if len(_TARBALL_RELEASES) >= _TARBALL_MEMO:
        _TARBALL_RELEASES.clear()
    _TARBALL_RELEASES[key] = release
    return release


def _with_workspaces_unkeyed(
    graph: LockfileGraph, linked: Callable[[str, str | None], bool]
) -> LockfileGraph:
    """A yarn classic dependency no entry answers (``LockfileGraph.unkeyed``) is an entry error
    from the reader on (so a reading that never pairs the file still refuses it), unless yarn 1
    links it to one of the project's workspaces and writes no entry (``linked``: its name and
    range, ``package_json.workspace_links``)."""
    if not graph.unkeyed:
        return graph
    from gouvernante.lockfiles._yarn_common import unkeyed_error  # noqa: PLC0415 - yarn 1 only

    kept = {unkeyed_error(n, line) for n, line, range_ in graph.unkeyed if not linked(n, range_)}
    answered = {unkeyed_error(n, line) for n, line, _range in graph.unkeyed} - kept
    return msgspec.structs.replace(
        graph,
        unkeyed=(),
        entry_errors=tuple(e for e in graph.entry_errors if e not in answered),
    )
