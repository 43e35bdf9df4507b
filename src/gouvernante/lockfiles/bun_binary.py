"""bun.lockb: bun's binary lockfile (the default of bun 0.x, 1.0 and 1.1).

Read exactly for lockfile formats 2 (what bun 0.1.7 to 1.2.x write) and 3 (64-bit version
numbers: what bun 1.3 and 1.4 write when they rewrite an existing bun.lockb); any other format
number, and any inconsistency in the file, is a ``LockfileError`` that names the byte offset and
says how to get the text ``bun.lock`` instead. The layout below was learned from bun's own
serializer (``src/install/lockfile.zig``, ``lockfile/bun.lockb.zig``, ``Package.Serializer``,
``Buffers``) and checked against files written by bun 1.0.0, 1.0.36, 1.1.0, 1.1.38, 1.1.45,
1.2.20, 1.3.0 and 1.4.5 (``tests/lockfiles/fixtures/bun/``). All integers are little-endian::

    header   "#!/usr/bin/env bun\\nbun-lockfile-format-v0\\n"   42 bytes
             u32 format (2 or 3)   [32]u8 meta hash   u64 end of data
    packages u64 count  u64 alignment (8)  u64 field count (8; 7 before bun 0.6.8)
             u64 begin  u64 end     then, from begin, one column per field, each `count` items:
             name String(8)  name_hash u64  resolution(64; 72 in format 3)  dependencies(8)
             resolutions slice(8)  meta(88)  bin(20)  scripts(49)
    buffers  six arrays, each u64 begin, u64 end (absolute), a text prefix, then the items:
             trees(20)  hoisted dependency ids(u32)  resolutions(u32 package id)
             dependencies(26)  extern strings(16)  string bytes(1)
             u64 0
    sections optional, each an 8-byte tag and arrays as above: "wOrKsPaC" (workspace versions
             and paths), "tRuStEDd" / "eMpTrUsT" (trusted dependencies), "oVeRriDs" (overrides),
             "pAtChEdD" (patched dependencies), "cAtAlOgS" (catalogs), "cNfGvRsN" (u64 config
             version); the data ends exactly at "end of data".

A ``String`` is 8 bytes: all zero is ""; with the top bit of the last byte clear it holds up to 8
bytes inline (NUL-terminated); otherwise it points into the string bytes (low 32 bits: offset,
next 31 bits: length). A package's ``dependencies`` and ``resolutions`` slices (u32 offset, u32
length) index the dependency and resolution buffers in parallel: ``resolutions[i]`` is the id of
the package dependency ``i`` resolved to (``0xFFFFFFFF``: not resolved, e.g. an optional
dependency for another platform). Package 0 is the root project.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Mapping, Sequence

import msgspec

from gouvernante.errors import LockfileError
from gouvernante.lockfiles import _sniff
from gouvernante.lockfiles._bun_wyhash import wyhash11
from gouvernante.lockfiles._local_folder import local_tarball_path
from gouvernante.lockfiles._tarball_url import built_url, injected, registry_identity
from gouvernante.lockfiles.bun import _file_folders, _tarball_version
from gouvernante.model import (
    Importer,
    KnownEdges,
    LockedPackage,
    LockfileFormat,
    LockfileGraph,
    Source,
)

MAGIC = _sniff.BUN_BINARY_MAGIC

HINT = (
    "bun.lockb is bun's binary lockfile; convert it with "
    '"bun install --save-text-lockfile" (bun >= 1.1.39) or upgrade to bun >= 1.2 and scan bun.lock'
)

SUPPORTED_FORMATS = frozenset({2, 3})

_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_SLICE = struct.Struct("<II")  # ExternalSlice: offset, length
_NONE = 0xFFFFFFFF  # invalid package id: a dependency that was not resolved
_ROOT_DEP = 0xFFFFFFFE  # the dependency id of the root install tree
# Dependency.Behavior bits: prod 2, optional 4, dev 8, peer 16, workspace 32 (with none of the
# others: a member of the root's "workspaces", which is an importer of its own, not a dependency
# of the root; with them: a dependency declared by a workspace).
_DEPENDS = 2 | 4 | 8 | 16
_TREE = struct.Struct("<5I")  # id, dependency id, parent tree, hoisted dependencies slice

# Package columns in the order bun writes them, with their item sizes.
_COLUMNS = (
    ("name", 8),
    ("name_hash", 8),
    ("resolution", 64),
    ("dependencies", 8),
    ("resolutions", 8),
    ("meta", 88),
    ("bin", 20),
    ("scripts", 49),
)
_SCRIPTS_OPTIONAL = 7  # files of bun < 0.6.8 have no scripts column
_META_INTEGRITY = 20  # offset of the Integrity (u8 tag, [64]u8 digest) inside meta

# Buffers, in the order bun writes them, with their item sizes.
_BUFFERS = (
    ("trees", 20),
    ("hoisted dependencies", 4),
    ("resolutions", 4),
    ("dependencies", 26),
    ("extern strings", 16),
    ("string bytes", 1),
)
_MAX_PREFIX = 256  # the debug text bun writes before each array, plus alignment

_TAG_WORKSPACES = b"wOrKsPaC"
_TAG_TRUSTED = b"tRuStEDd"
_TAG_EMPTY_TRUSTED = b"eMpTrUsT"
_TAG_OVERRIDES = b"oVeRriDs"
_TAG_PATCHED = b"pAtChEdD"
_TAG_CATALOGS = b"cAtAlOgS"
_TAG_CONFIG_VERSION = b"cNfGvRsN"
_SECTIONS = frozenset(
    {
        _TAG_WORKSPACES,
        _TAG_TRUSTED,
        _TAG_EMPTY_TRUSTED,
        _TAG_OVERRIDES,
        _TAG_PATCHED,
        _TAG_CATALOGS,
        _TAG_CONFIG_VERSION,
    }
)

# Semver.Version: major, minor, patch (u32 and 4 bytes of padding in format 2, u64 in format 3),
# then the prerelease and build ExternalStrings (String, u64 hash).
_NUMBERS = {2: struct.Struct("<3I4x"), 3: struct.Struct("<3Q")}

# Resolution tags (Resolution.Tag).
_ROOT, _NPM, _FOLDER, _LOCAL_TARBALL = 1, 2, 4, 8
_GITHUB, _GITLAB, _GIT = 16, 24, 32
_SYMLINK, _WORKSPACE, _REMOTE_TARBALL = 64, 72, 80

# Resolution tag -> the Dependency.Version tags that ask for it (tarball 3, folder 4, symlink 5,
# workspace 6, git 7, github 8); registry packages (npm) may be asked for by any.
_ASKED_BY: dict[int, frozenset[int]] = {
    _WORKSPACE: frozenset({6}),
    _FOLDER: frozenset({4}),
    _SYMLINK: frozenset({5}),
    _LOCAL_TARBALL: frozenset({3}),
    _REMOTE_TARBALL: frozenset({3}),
    _GITHUB: frozenset({7, 8}),
    _GITLAB: frozenset({7, 8}),
    _GIT: frozenset({7, 8}),
}
_LOCAL_KINDS = frozenset({_WORKSPACE, _FOLDER, _SYMLINK})

_INTEGRITY = {1: ("sha1", 20), 2: ("sha256", 32), 3: ("sha384", 48), 4: ("sha512", 64)}


def sniff(head: bytes) -> bool:
    return _sniff.bun_binary(head)  # (in ``_sniff``: detection imports nothing of this module)


class _Reader:
    """Bounds-checked reads from the file; every failure names the byte offset, never bytes.
    ``fmt`` is the lockfile format number, which sets the size of versions and resolutions."""

    def __init__(self, data: bytes, path: str, fmt: int = 2) -> None:
        self.data = data
        self.path = path
        self.size = len(data)
        self.numbers = _NUMBERS[fmt]
        self.version_size = self.numbers.size + 32
        self.resolution_size = 8 + 8 + self.version_size  # tag and padding, url, version

    def fail(self, offset: int, message: str) -> LockfileError:
        # the position is part of the message itself, so that it survives wherever the
        # message goes (a scan report keeps the detail, not the exception)
        return LockfileError(self.path, f"byte {offset}: {message}")

    def need(self, offset: int, length: int, what: str) -> None:
        if offset < 0 or length < 0 or offset + length > self.size:
            raise self.fail(offset, f"truncated: {what} runs past the end of the file")

    def u32(self, offset: int, what: str) -> int:
        self.need(offset, 4, what)
        value: int = _U32.unpack_from(self.data, offset)[0]
        return value

    def u64(self, offset: int, what: str) -> int:
        self.need(offset, 8, what)
        value: int = _U64.unpack_from(self.data, offset)[0]
        return value


class _Array(msgspec.Struct, frozen=True, gc=False):
    """One serialized array: where its items are and how many there are."""

    start: int
    count: int
    item: int

    def at(self, index: int) -> int:
        return self.start + index * self.item


class _Strings:
    """``Semver.String`` values, resolved against the string bytes buffer."""

    def __init__(self, reader: _Reader, buffer: _Array) -> None:
        self._reader = reader
        self._start = buffer.start
        self._size = buffer.count
        self._cache: dict[bytes, str] = {}
        self._hashes: dict[str, int] = {}
        # Bytes decoded for distinct string pointers: bun writes each string once, so a file
        # whose pointers would decode many times its own size is damaged (and would take
        # quadratic time).
        self._budget = 8 * reader.size + (1 << 20)

    def get(self, offset: int, what: str) -> str:
        raw = self._reader.data[offset : offset + 8]
        known = self._cache.get(raw)
        if known is not None:
            return known
        if raw[7] & 0x80 == 0:  # inline: up to 8 bytes, NUL-terminated ("" when all zero)
            end = raw.find(0)
            text = raw if end < 0 else raw[:end]
        else:
            value: int = _U64.unpack_from(raw)[0]
            at, length = value & 0xFFFFFFFF, (value >> 32) & 0x7FFFFFFF
            if at + length > self._size:
                raise self._reader.fail(offset, f"{what}: string points past the string bytes")
            self._budget -= length
            if self._budget < 0:
                raise self._reader.fail(offset, f"{what}: strings overlap far more than bun writes")
            text = self._reader.data[self._start + at : self._start + at + length]
        try:
            decoded = text.decode("utf-8")
        except UnicodeDecodeError:
            raise self._reader.fail(offset, f"{what}: string is not valid UTF-8") from None
        self._cache[raw] = decoded
        return decoded

    def name(self, offset: int, hash_at: int, what: str) -> str:
        """A package or dependency name, checked against the hash bun stored beside it: a
        changed byte in a name would otherwise hide that package from every rule."""
        name = self.get(offset, what)
        if not name or any(ord(c) < 0x20 or c == "\x7f" for c in name):
            raise self._reader.fail(offset, f"{what} is empty or has control characters")
        known = self._hashes.get(name)
        if known is None:
            known = self._hashes[name] = wyhash11(name.encode("utf-8"))
        if known != _U64.unpack_from(self._reader.data, hash_at)[0]:
            raise self._reader.fail(offset, f"{what} does not match its stored hash")
        return name


def parse(data: bytes, path: str) -> LockfileGraph:
    if not data.startswith(MAGIC):
        raise LockfileError(path, f"not a bun.lockb file (no bun lockfile header); {HINT}")
    reader = _Reader(data, path)
    head = len(MAGIC)
    fmt = reader.u32(head, "format version")
    if fmt not in SUPPORTED_FORMATS:
        raise reader.fail(
            head, f"bun.lockb format version {fmt} is not supported (supported: 2, 3); {HINT}"
        )
    end = reader.u64(head + 36, "data size")
    if end > reader.size:
        raise reader.fail(
            head + 36, f"truncated: the header says {end} bytes of data, the file has {reader.size}"
        )
    reader = _Reader(data[:end], path, fmt)  # nothing past the end of data is ever read

    count, columns, pos = _package_columns(reader, head + 44)
    arrays: list[_Array] = []
    for what, item in _BUFFERS:
        array, pos = _array(reader, pos, item, what)
        arrays.append(array)
    trees, hoisted, resolutions, dependencies, _extern, string_bytes = arrays
    if reader.u64(pos, "end of buffers") != 0:
        raise reader.fail(pos, "expected 0 after the buffers")
    pos += 8
    strings = _Strings(reader, string_bytes)
    workspace_versions, sections, pos = _sections(reader, pos, strings)
    if pos != reader.size:
        raise reader.fail(pos, f"unrecognised data before the end of data; {HINT}")

    legacy = trees.count > 0 and reader.u32(trees.at(0) + 4, "root tree") != _ROOT_DEP
    _check_trees(reader, trees, hoisted, count if legacy else dependencies.count)
    return _graph(
        _Layout(
            reader,
            count,
            columns,
            resolutions,
            dependencies,
            strings,
            workspace_versions,
            # overrides and catalogs let a dependency resolve to another kind of source than
            # the one it names
            rewired=bool(sections & {_TAG_OVERRIDES, _TAG_CATALOGS}),
        )
    )


def _package_columns(reader: _Reader, pos: int) -> tuple[int, dict[str, int], int]:
    """Check the package list header; the package count, each column's offset, the end."""
    count = reader.u64(pos, "package count")
    alignment = reader.u64(pos + 8, "package alignment")
    fields = reader.u64(pos + 16, "package field count")
    begin = reader.u64(pos + 24, "package list start")
    end = reader.u64(pos + 32, "package list end")
    if alignment != 8:
        raise reader.fail(pos + 8, f"unexpected package alignment {alignment}")
    if fields not in (len(_COLUMNS), _SCRIPTS_OPTIONAL):
        raise reader.fail(pos + 16, f"unexpected number of package fields {fields}")
    header_end = pos + 40
    if not header_end <= begin <= header_end + 8 or begin > end or end > reader.size:
        raise reader.fail(pos + 24, "package list range out of bounds")
    sizes = [reader.resolution_size if name == "resolution" else size for name, size in _COLUMNS]
    stride = sum(sizes[:fields])
    if count == 0 or count * stride != end - begin:
        raise reader.fail(pos, f"package list of {count} packages does not fill its byte range")
    columns: dict[str, int] = {}
    at = begin
    for (name, _), size in zip(_COLUMNS[:fields], sizes, strict=False):
        columns[name] = at
        at += count * size
    return count, columns, end


def _array(reader: _Reader, pos: int, item: int, what: str) -> tuple[_Array, int]:
    """One array as bun's ``Buffers.writeArray`` writes it; the array and the position after."""
    start = reader.u64(pos, f"{what} start")
    stop = reader.u64(pos + 8, f"{what} end")
    if not pos + 16 <= start <= stop <= reader.size or start - pos > _MAX_PREFIX:
        raise reader.fail(pos, f"{what}: array range out of bounds")
    if (stop - start) % item:
        raise reader.fail(pos, f"{what}: array length is not a whole number of items")
    return _Array(start, (stop - start) // item, item), stop


def _sections(
    reader: _Reader, pos: int, strings: _Strings
) -> tuple[dict[int, str], set[bytes], int]:
    """The optional tagged sections after the buffers, each known tag at most once; the
    workspace versions by name hash, the tags seen, and where the known sections end."""
    versions: dict[int, str] = {}
    seen: set[bytes] = set()
    while reader.size - pos >= 8:
        tag = reader.data[pos : pos + 8]
        if tag not in _SECTIONS or tag in seen:
            break
        seen.add(tag)
        pos += 8
        if tag == _TAG_WORKSPACES:
            pos = _workspaces(reader, pos, strings, versions)
        elif tag == _TAG_TRUSTED:
            _, pos = _array(reader, pos, 4, "trusted dependencies")
        elif tag in (_TAG_OVERRIDES, _TAG_PATCHED):
            what = "override" if tag == _TAG_OVERRIDES else "patched dependency"
            keys, pos = _array(reader, pos, 8, f"{what} hashes")
            values, pos = _array(reader, pos, 26 if tag == _TAG_OVERRIDES else 24, what)
            if keys.count != values.count:
                raise reader.fail(pos, f"{what} arrays differ in length")
            for i in range(values.count):
                if tag == _TAG_OVERRIDES:
                    _dependency(strings, values.at(i), "override")
                else:
                    strings.get(values.at(i), "patch file")
        elif tag == _TAG_CATALOGS:
            pos = _catalogs(reader, pos, strings)
        elif tag == _TAG_CONFIG_VERSION:
            reader.u64(pos, "config version")
            pos += 8
    return versions, seen, pos


def _workspaces(reader: _Reader, pos: int, strings: _Strings, versions: dict[int, str]) -> int:
    hashes, pos = _array(reader, pos, 8, "workspace name hashes")
    values, pos = _array(reader, pos, reader.version_size, "workspace versions")
    path_hashes, pos = _array(reader, pos, 8, "workspace path hashes")
    paths, pos = _array(reader, pos, 8, "workspace paths")
    if hashes.count != values.count or path_hashes.count != paths.count:
        raise reader.fail(pos, "workspace arrays differ in length")
    for i in range(hashes.count):
        name_hash = reader.u64(hashes.at(i), "workspace name hash")
        versions[name_hash] = _version(reader, strings, values.at(i))
    for i in range(paths.count):
        strings.get(paths.at(i), "workspace path")
    return pos


def _catalogs(reader: _Reader, pos: int, strings: _Strings) -> int:
    """The default catalog (names, dependencies), the group names, then each group's."""
    names, pos = _array(reader, pos, 8, "catalog names")
    deps, pos = _array(reader, pos, 26, "catalog dependencies")
    groups, pos = _array(reader, pos, 8, "catalog groups")
    lists = [(names, deps)]
    for i in range(groups.count):  # each group is two more arrays: bounded by the file size
        strings.get(groups.at(i), "catalog group")
        group_names, pos = _array(reader, pos, 8, "catalog names")
        group_deps, pos = _array(reader, pos, 26, "catalog dependencies")
        lists.append((group_names, group_deps))
    for keys, values in lists:
        if keys.count != values.count:
            raise reader.fail(keys.start, "catalog arrays differ in length")
        for i in range(keys.count):
            strings.get(keys.at(i), "catalog name")
            _dependency(strings, values.at(i), "catalog")
    return pos


def _dependency(strings: _Strings, at: int, what: str) -> None:
    """Check a ``Dependency.External``: name (against its hash), behavior, tag, literal."""
    strings.name(at, at + 8, f"{what} name")
    strings.get(at + 18, f"{what} version")


def _check_trees(reader: _Reader, trees: _Array, hoisted: _Array, bound: int) -> None:
    """Each install tree (a node_modules folder) names its parent tree and the dependencies
    hoisted into it; every such reference must exist. ``bound`` is the number of dependencies
    (or of packages, in the legacy trees of bun 0.x that hold package ids)."""
    for i in range(trees.count):
        at = trees.at(i)
        tree_id, dep_id, parent, off, length = _TREE.unpack_from(reader.data, at)
        if tree_id != i:
            raise reader.fail(at, f"install tree {i} has id {tree_id}")
        if dep_id >= bound and dep_id not in (_ROOT_DEP, _NONE):
            raise reader.fail(at + 4, "install tree refers to a dependency that does not exist")
        if parent >= trees.count and parent != _NONE:
            raise reader.fail(at + 8, "install tree refers to a parent tree that does not exist")
        if off + length > hoisted.count:
            raise reader.fail(at + 12, "install tree dependencies out of range")
    for i in range(hoisted.count):
        dep_id = reader.u32(hoisted.at(i), "hoisted dependency")
        if dep_id >= bound:
            raise reader.fail(hoisted.at(i), "hoisted dependency does not exist")


def _version(reader: _Reader, strings: _Strings, at: int) -> str:
    numbers = reader.numbers
    reader.need(at, reader.version_size, "version")
    major, minor, patch = numbers.unpack_from(reader.data, at)
    pre = strings.get(at + numbers.size, "prerelease tag")
    build = strings.get(at + numbers.size + 16, "build tag")
    text = f"{major}.{minor}.{patch}"
    if pre:
        text += f"-{pre}"
    if build:
        text += f"+{build}"
    return text


def _integrity(reader: _Reader, at: int) -> str | None:
    tag = reader.data[at]
    if tag == 0:
        return None
    known = _INTEGRITY.get(tag)
    if known is None:
        raise reader.fail(at, f"unknown integrity kind {tag}")
    algorithm, length = known
    digest = reader.data[at + 1 : at + 1 + length]
    return f"{algorithm}-{base64.b64encode(digest).decode('ascii')}"


class _Resolved(msgspec.Struct, frozen=True, gc=False):
    """What a package's resolution says: its version, source, and text form."""

    version: str
    source: Source
    spec: str  # bun's own text for the resolution: 1.2.3, workspace:packages/a, github:...
    resolved: str | None = None


def _check_tarball_version(
    reader: _Reader, name: str, version: str, url: str, at: int, *, what: str = "its tarball URL"
) -> None:
    """A registry tarball URL (``<registry>/<name>/-/<name>-<version>.tgz``, the file named
    without the scope) names the package and its version too, and bun downloads that URL: they
    must agree (decision 0030: what another name's URL names is installed under this one).
    Nothing else in the file checks a version, so a changed digit is caught here for every
    registry that uses npm's paths."""
    found = registry_identity(url)
    if found is not None and found != (name, version):
        raise reader.fail(at, f"package name and version do not match {what}")


def _resolution(reader: _Reader, strings: _Strings, name: str, at: int) -> _Resolved | None:
    """None for the root package."""
    tag = reader.data[at]
    value = at + 8
    if tag == _NPM:
        version = _version(reader, strings, value + 8)
        url = strings.get(value, "tarball URL")
        if url:
            _check_tarball_version(reader, name, version, url, value + 8)
        else:
            built = built_url(name, version)
            if built is not None:
                _check_tarball_version(
                    reader, name, version, built, value + 8, what="the registry URL"
                )
        return _Resolved(version, Source.REGISTRY, version, url or None)
    if tag == _ROOT:
        return None
    if tag in (_WORKSPACE, _FOLDER, _SYMLINK):
        where = strings.get(value, "package folder")
        prefix = {_WORKSPACE: "workspace:", _FOLDER: "file:", _SYMLINK: "link:"}[tag]
        return _Resolved("", Source.LOCAL, prefix + where)
    if tag == _LOCAL_TARBALL:  # the project's own copy (see bun.py): integrity still compared
        where = strings.get(value, "tarball")
        return _Resolved("", Source.LOCAL, "file:" + where, where)
    if tag == _REMOTE_TARBALL:
        where = strings.get(value, "tarball")
        return _Resolved(_tarball_version(name, where), Source.TARBALL, where, where)
    if tag in (_GITHUB, _GITLAB, _GIT):
        owner = strings.get(value, "git owner")
        repo = strings.get(value + 8, "git repository")
        strings.get(value + 16, "git committish")
        commit = strings.get(value + 24, "git commit")
        strings.get(value + 32, "git package name")
        if tag == _GIT:
            spec = f"git+{repo}#{commit}"
        else:
            host = "github" if tag == _GITHUB else "gitlab"
            spec = f"{host}:{owner}/{repo}#{commit}"
        return _Resolved("", Source.GIT, spec, spec)
    raise reader.fail(at, f"unsupported resolution kind {tag}")


class _Layout(msgspec.Struct, frozen=True):
    """Where everything the graph is built from lies in the file."""

    reader: _Reader
    count: int  # packages
    columns: Mapping[str, int]  # package column -> its offset
    resolutions: _Array
    dependencies: _Array
    strings: _Strings
    workspace_versions: Mapping[int, str]  # name hash -> version
    rewired: bool  # the file has overrides or catalogs


def _graph(layout: _Layout) -> LockfileGraph:
    folder_specs: list[str] = []
    ids, packages, importers = _packages(layout, folder_specs)
    edges = _edges(layout, ids)
    return LockfileGraph(
        LockfileFormat.BUN_BINARY,
        packages,
        importers,
        details=KnownEdges(edges),
        local_folders=_file_folders(folder_specs),
        unnamed_tarballs=_tarball_paths(packages, importers, edges),
    )


def _tarball_paths(
    packages: Sequence[LockedPackage], importers: Sequence[Importer], edges: Mapping[str, list[str]]
) -> tuple[tuple[str, str], ...]:
    """(node id, path relative to the lockfile's folder, "" when it cannot be told) of each
    ``file:`` tarball package, whose version bun.lockb does not record: every mode reads it
    from the tarball's package.json as bun.lock's (decision 0146; 0155 for this format). bun
    1.2.23 writes the path relative to the folder of the workspace that depends on it
    (``vendor/x.tgz`` for packages/core's ``file:vendor/x.tgz``): the folder is the one of the
    workspaces depending on the package directly, the root's when none does (an override's
    path is the root package.json's); workspaces in two folders: "", not read (the note)."""
    tarballs = [p for p in packages if p.source is Source.LOCAL and p.resolved is not None]
    if not tarballs:
        return ()
    folders: dict[str, set[str]] = {}
    for importer in importers:
        folder = importer.id.partition("@workspace:")[2] if importer.id else ""
        for dep in edges.get(importer.id, ()):
            folders.setdefault(dep, set()).add(folder)
    found: list[tuple[str, str]] = []
    for pkg in tarballs:
        bases = folders.get(pkg.id, {""})
        path = local_tarball_path(pkg.resolved or "", next(iter(bases))) if len(bases) == 1 else ""
        found.append((pkg.id, path))
    return tuple(found)


def _packages(
    layout: _Layout, folder_specs: list[str]
) -> tuple[list[str], list[LockedPackage], list[Importer]]:
    """Node ids by package id (the root is ""), the packages, the importers; the ``file:``
    spec of each folder package is added to ``folder_specs`` (its package.json is judged by
    this lockfile, as bun.lock's)."""
    reader, strings, columns = layout.reader, layout.strings, layout.columns
    ids: list[str] = []
    packages: list[LockedPackage] = []
    importers: list[Importer] = []
    taken: set[str] = {""}
    for i in range(layout.count):
        name_at = columns["name"] + 8 * i
        res_at = columns["resolution"] + reader.resolution_size * i
        if reader.data[res_at] == _ROOT:
            name = strings.get(name_at, "package name")
        else:  # checked first: the other checks name the package
            name = strings.name(name_at, columns["name_hash"] + 8 * i, "package name")
        resolved = _resolution(reader, strings, name, res_at)
        if (resolved is None) != (i == 0):
            raise reader.fail(res_at, "the root project must be the first package, and only it")
        if resolved is None:
            ids.append("")
            importers.append(Importer("", name or "(root)"))
            continue
        node = f"{name}@{resolved.spec}"
        if node in taken:
            node = f"{node}#{i}"
        taken.add(node)
        ids.append(node)
        version = resolved.version
        integrity = None
        if resolved.source is Source.LOCAL and resolved.resolved is None:  # (a tarball: hashed)
            if resolved.spec.startswith("workspace:"):
                name_hash: int = _U64.unpack_from(reader.data, columns["name_hash"] + 8 * i)[0]
                version = layout.workspace_versions.get(name_hash, "")
                importers.append(Importer(node, name))
            elif resolved.spec.startswith("file:"):
                folder_specs.append(resolved.spec)
        else:
            integrity = _integrity(reader, columns["meta"] + 88 * i + _META_INTEGRITY)
        packages.append(
            LockedPackage(node, name, version, resolved.source, integrity, resolved.resolved)
        )
        if resolved.source is Source.TARBALL and resolved.resolved is not None:
            # bun downloads the URL and installs it under the dependency's folder name, whatever
            # the package's name says: a registry tarball of another package or version joins
            # the graph under this node (decision 0030, as bun.lock's tarball tuples)
            other = injected(node, name, version, resolved.resolved, integrity)
            if other is not None:
                packages.append(other)
    return ids, packages, importers


def _edges(layout: _Layout, ids: Sequence[str]) -> dict[str, list[str]]:
    """Node id -> the node ids its dependencies resolved to; every reference is checked."""
    reader, strings, columns = layout.reader, layout.strings, layout.columns
    data, dependencies, resolutions = reader.data, layout.dependencies, layout.resolutions
    edges: dict[str, list[str]] = {}
    listed = 0
    kinds = [data[columns["resolution"] + reader.resolution_size * i] for i in range(layout.count)]
    asked = [kind in (_ROOT, _NPM) for kind in kinds]  # asked for by a dependency of its kind
    for i in range(layout.count):
        deps_at = columns["dependencies"] + 8 * i
        res_at = columns["resolutions"] + 8 * i
        d_off, d_len = _SLICE.unpack_from(data, deps_at)
        r_off, r_len = _SLICE.unpack_from(data, res_at)
        if d_off + d_len > dependencies.count:
            raise reader.fail(deps_at, "package dependencies out of range")
        if r_off + r_len > resolutions.count or r_len != d_len:
            raise reader.fail(res_at, "package resolutions out of range")
        listed += d_len  # bun gives each package its own stretch of the dependency buffer
        if listed > dependencies.count:
            raise reader.fail(deps_at, "package dependency lists overlap")
        children: dict[str, None] = {}
        for k in range(d_len):
            dep_at = dependencies.at(d_off + k)
            _dependency(strings, dep_at, "dependency")
            target_at = resolutions.at(r_off + k)
            target: int = _U32.unpack_from(data, target_at)[0]
            if target == _NONE:
                continue  # not resolved: an optional dependency bun skipped
            if target >= layout.count:
                raise reader.fail(
                    target_at, f"dependency resolves to package {target}, which does not exist"
                )
            behavior, wants = data[dep_at + 16], data[dep_at + 17]
            entry = behavior & _DEPENDS == 0  # one of the root's "workspaces"
            if wants in _ASKED_BY.get(kinds[target], ()) or (entry and kinds[target] == _WORKSPACE):
                asked[target] = True
            if target != i and behavior & _DEPENDS:  # not a "workspaces" entry
                children[ids[target]] = None
        edges[ids[i]] = list(children)
    _check_asked(layout, kinds, asked)
    return edges


def _check_asked(layout: _Layout, kinds: Sequence[int], asked: Sequence[bool]) -> None:
    """A package that is not from the registry (a workspace, a folder, a git repository...) is
    there because some dependency names that kind of source. One that none asks for is a
    damaged file: read as it stands, a registry package would be hidden as a local one."""
    for i, ok in enumerate(asked):
        if ok or (layout.rewired and kinds[i] not in _LOCAL_KINDS):
            continue
        at = layout.columns["resolution"] + layout.reader.resolution_size * i
        raise layout.reader.fail(at, "no dependency asks for this kind of package")
