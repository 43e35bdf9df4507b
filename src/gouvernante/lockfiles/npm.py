"""npm ``package-lock.json`` (lockfileVersion 1, 2, 3) and ``npm-shrinkwrap.json``.

Node ids follow npm's own ``packages`` keys for every version: ``node_modules/a``,
``node_modules/a/node_modules/@s/b``, ``packages/core`` (a workspace folder), ``""`` (the
project). A v1 file (nested ``dependencies``) gets the same ids, built from its nesting, so a
dependency path reads the same whatever npm wrote the file. v2 files carry both layouts; only
``packages`` is read.

Decisions:

- ``link: true`` entries and folder entries (keys outside any ``node_modules``) are LOCAL nodes.
  A folder's name is its ``name`` field, else the name of a link pointing at it, else its last
  path segment. Workspace importers are the folders a link points at; the root importer is ``""``.
- An entry inside ``node_modules`` with neither ``version`` nor ``resolved`` nor ``link`` says
  nothing usable (npm leaves such husks for extraneous or broken installs): it is skipped, not
  an error, and a note in ``LockfileGraph.notes`` says how many were (v1: an entry without
  ``version``). With a ``resolved`` (git, tarball) it is kept with version ``""`` (or the
  version a registry-style tarball file name carries).
- ``inBundle``/``bundled`` entries are REGISTRY packages (they come inside their parent's tarball).
- Only the fields needed are decoded (``msgspec`` structs); dependency maps stay raw JSON until
  ``edges()`` is asked for, and line numbers are located in the text on demand.
- v1 has no root entry: the project's edges go to the top-level entries nothing else requires
  (plus any top-level entry left unreachable, e.g. in a cycle).
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import types
from collections.abc import Callable, Iterable, Mapping, Sequence

import msgspec

from gouvernante.errors import LockfileError
from gouvernante.model import (
    Importer,
    LockedPackage,
    LockfileFormat,
    LockfileGraph,
    Source,
)

_NO_RAW = msgspec.Raw(b"")


def _package_factory() -> Callable[[str, str, str, Source, str | None, str | None], LockedPackage]:
    """A ``LockedPackage`` constructor about twice as fast as the frozen dataclass ``__init__``.

    It fills the slots directly (what the generated ``__init__`` does through
    ``object.__setattr__``), and is used only while ``LockedPackage`` is exactly the slotted
    six-field dataclass it was written for; otherwise the ordinary constructor is returned.
    """
    order = ("id", "name", "version", "source", "integrity", "resolved")
    slots = [LockedPackage.__dict__.get(name) for name in order]
    names = tuple(f.name for f in dataclasses.fields(LockedPackage))
    if (
        names != order
        or hasattr(LockedPackage, "__post_init__")
        or not all(isinstance(s, types.MemberDescriptorType) for s in slots)
    ):
        return LockedPackage
    new = object.__new__
    set_id, set_name, set_version, set_source, set_integrity, set_resolved = (
        s.__set__  # type: ignore[union-attr]
        for s in slots
    )

    def make(  # noqa: PLR0917 - positional like the dataclass, for speed
        id: str,
        name: str,
        version: str,
        source: Source,
        integrity: str | None,
        resolved: str | None,
    ) -> LockedPackage:
        package: LockedPackage = new(LockedPackage)
        set_id(package, id)
        set_name(package, name)
        set_version(package, version)
        set_source(package, source)
        set_integrity(package, integrity)
        set_resolved(package, resolved)
        return package

    return make


_package = _package_factory()
_GIT_PREFIXES = ("git+", "git:", "git@", "github:", "gitlab:", "bitbucket:", "gist:")
_SUPPORTED = (1, 2, 3)
_ROOT_LABEL = "(root)"


class _Entry(msgspec.Struct, gc=False):
    """One value of the v2/v3 ``packages`` map: only what the scanner reads."""

    version: str | None = None
    name: str | None = None
    resolved: str | None = None
    integrity: str | None = None
    link: bool = False
    inBundle: bool = False
    dependencies: msgspec.Raw = _NO_RAW
    optionalDependencies: msgspec.Raw = _NO_RAW
    peerDependencies: msgspec.Raw = _NO_RAW
    devDependencies: msgspec.Raw = _NO_RAW


class _V1Entry(msgspec.Struct):
    """One value of a v1 ``dependencies`` map (recursive)."""

    version: str | None = None
    resolved: str | None = None
    integrity: str | None = None
    bundled: bool = False
    requires: msgspec.Raw = _NO_RAW
    dependencies: dict[str, _V1Entry] | None = None


class _Lock(msgspec.Struct):
    lockfileVersion: int | None = None
    name: str | None = None
    packages: dict[str, _Entry] | None = None
    dependencies: msgspec.Raw = _NO_RAW


class _VersionOnly(msgspec.Struct):
    lockfileVersion: object = None


_LOCKFILE_VERSION = re.compile(rb'"lockfileVersion"\s*:\s*-?\d')
_BUN_WORKSPACES = re.compile(rb'"workspaces"\s*:\s*\{\s*""\s*:')


def sniff(head: bytes) -> bool:
    """An npm lockfile: a JSON object with a numeric ``lockfileVersion`` (and not bun.lock)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{"):
        return False
    return bool(_LOCKFILE_VERSION.search(text)) and not _BUN_WORKSPACES.search(text)


def parse(data: bytes, path: str) -> LockfileGraph:
    fmt = (
        LockfileFormat.SHRINKWRAP
        if path.replace("\\", "/").endswith("npm-shrinkwrap.json")
        else LockfileFormat.PACKAGE_LOCK
    )
    if data.startswith(b"\xef\xbb\xbf"):
        data = b"   " + data[3:]  # keep byte offsets (and so line numbers) unchanged
    lock = _decode(data, path)
    version = lock.lockfileVersion
    if version not in _SUPPORTED:
        raise LockfileError(
            path, f"unsupported npm lockfileVersion {version!r}", json_path="lockfileVersion"
        )
    if lock.packages is not None and version != 1:
        return _parse_packages(lock, lock.packages, data, fmt)
    if version == 3:
        raise LockfileError(path, "lockfileVersion 3 file without a packages map")
    return _parse_v1(lock, data, path, fmt)


def _decode(data: bytes, path: str) -> _Lock:
    try:
        return msgspec.json.decode(data, type=_Lock)
    except msgspec.ValidationError as exc:
        found = _lockfile_version_of(data)
        if found is not None and found not in _SUPPORTED:
            raise LockfileError(
                path, f"unsupported npm lockfileVersion {found!r}", json_path="lockfileVersion"
            ) from None
        raise _validation_error(path, exc) from None
    except msgspec.DecodeError as exc:
        raise LockfileError(path, f"invalid JSON: {exc}") from None
    except UnicodeDecodeError as exc:
        raise LockfileError(path, f"invalid JSON: not UTF-8 at byte {exc.start}") from None
    except RecursionError:
        raise LockfileError(path, "JSON nested too deeply") from None


def _lockfile_version_of(data: bytes) -> object:
    try:
        return msgspec.json.decode(data, type=_VersionOnly).lockfileVersion
    except (msgspec.MsgspecError, ValueError, RecursionError):
        return None


def _validation_error(path: str, exc: msgspec.ValidationError) -> LockfileError:
    message = str(exc)
    json_path = None
    marker = " - at `$"
    if marker in message:
        message, _, where = message.partition(marker)
        json_path = where.rstrip("`").lstrip(".") or None
    return LockfileError(path, f"unexpected lockfile shape: {message}", json_path=json_path)


# ---------------------------------------------------------------------------------------------
# lockfileVersion 2 and 3: the flat ``packages`` map


def _parse_packages(
    lock: _Lock, entries: dict[str, _Entry], data: bytes, fmt: LockfileFormat
) -> LockfileGraph:
    packages: list[LockedPackage] = []
    links: dict[str, str] = {}  # link id -> target folder id
    folders: list[str] = []
    skipped: list[str] = []
    append = packages.append
    registry = Source.REGISTRY
    http = ("https://", "http://")
    make = _package
    # The hot loop (tens of thousands of entries): plain registry entries take the fast path.
    for key, entry in entries.items():
        cut = key.rfind("node_modules/")
        version = entry.version
        if cut < 0 or version is None or entry.link:
            if not key:
                continue
            if entry.link:
                target = _link_target(entry.resolved, entries)
                if target is not None:
                    links[key] = target
                name = entry.name or (key[cut + 13 :] if cut >= 0 else key.rpartition("/")[2])
                append(make(key, name, entry.version or "", Source.LOCAL, None, entry.resolved))
            elif cut < 0:
                folders.append(key)  # named below, once links are known
            elif entry.resolved is None:
                skipped.append(key)
            else:
                # No version but a git/tarball source: keep it, version from the URL if any.
                name = entry.name or key[cut + 13 :]
                guessed = _version_from_tarball(entry.resolved, name)
                source = _classify(entry.resolved, name, guessed)
                append(make(key, name, guessed, source, entry.integrity, entry.resolved))
            continue
        name = entry.name or key[cut + 13 :]
        resolved = entry.resolved
        if (
            resolved is None
            or entry.inBundle
            or (
                resolved.endswith(f"/{name}/-/{name.rpartition('/')[2]}-{version}.tgz")
                and resolved.startswith(http)
            )
        ):
            source = registry
        else:
            source = _classify(resolved, name, version)
        append(make(key, name, version, source, entry.integrity, resolved))

    link_names = {target: key.rpartition("node_modules/")[2] for key, target in links.items()}
    for key in folders:
        entry = entries[key]
        name = entry.name or link_names.get(key) or key.rpartition("/")[2]
        packages.append(
            LockedPackage(key, name, entry.version or "", Source.LOCAL, None, entry.resolved)
        )

    root = entries.get("")
    root_name = lock.name or (root.name if root is not None else None)
    importers = [Importer("", root_name or _ROOT_LABEL)]
    seen = {""}
    for target in links.values():
        if target in seen:
            continue
        seen.add(target)
        folder = entries[target]
        importers.append(Importer(target, folder.name or link_names.get(target) or target))
    notes = _skip_note(len(skipped))
    if skipped:  # husks are no nodes: nothing may resolve to them
        entries = {k: v for k, v in entries.items() if k not in set(skipped)}
    details = _PackagesDetails(entries, links, data)
    return LockfileGraph(fmt, packages, importers, (), details, notes)


def _link_target(resolved: str | None, entries: Mapping[str, object]) -> str | None:
    """The folder node a link entry points at (its ``resolved``, relative to the root)."""
    if not resolved:
        return None
    if resolved in entries:
        return resolved
    normalised = posixpath.normpath(resolved)
    return normalised if normalised in entries else None


def _skip_note(skipped: int) -> tuple[str, ...]:
    if not skipped:
        return ()
    return (f"skipped {skipped} entries with no version, no resolved and no link",)


def _skip_note_v1(skipped: int) -> tuple[str, ...]:
    return (f"skipped {skipped} entries with no version",) if skipped else ()


class _PackagesDetails:
    """Edges and lines of a v2/v3 lockfile, computed on first use."""

    def __init__(self, entries: dict[str, _Entry], links: dict[str, str], data: bytes) -> None:
        self._entries = entries
        self._links = links
        self._data = data
        self._edges: dict[str, list[str]] | None = None
        self._lines: dict[str, int | None] = {}
        self._by_dep_name: dict[str, list[str]] | None = None
        self._link_sources: dict[str, list[str]] = {}

    def edges(self) -> Mapping[str, Sequence[str]]:
        if self._edges is None:
            self._edges = self._build_edges()
        return self._edges

    def _build_edges(self) -> dict[str, list[str]]:
        entries = self._entries
        edges: dict[str, list[str]] = {}
        for key, entry in entries.items():
            target = self._links.get(key)
            if target is not None:
                edges[key] = [target]
                continue
            if entry.link:
                edges[key] = []
                continue
            children: list[str] = []
            for name in _dep_names(
                (
                    entry.dependencies,
                    entry.optionalDependencies,
                    entry.peerDependencies,
                    entry.devDependencies,
                )
            ):
                child = _resolve(key, name, entries)
                if child is not None and child != key and child not in children:
                    children.append(child)
            edges[key] = children
        return edges

    def parents_of(self, node_id: str) -> list[str]:
        """Nodes that depend on ``node_id``, resolving only the dependencies named like it.

        A big lockfile with one finding needs a few dozen resolutions, not every edge."""
        if self._edges is not None:
            return [p for p, children in self._edges.items() if node_id in children]
        if self._by_dep_name is None:
            index: dict[str, list[str]] = {}
            for key, entry in self._entries.items():
                if key in self._links or entry.link:
                    continue
                for name in _dep_names(
                    (
                        entry.dependencies,
                        entry.optionalDependencies,
                        entry.peerDependencies,
                        entry.devDependencies,
                    )
                ):
                    index.setdefault(name, []).append(key)
            self._by_dep_name = index
            self._link_sources = {}
            for source, target in self._links.items():
                self._link_sources.setdefault(target, []).append(source)
        cut = node_id.rfind("node_modules/")
        install_name = node_id[cut + len("node_modules/") :] if cut >= 0 else None
        parents = list(self._link_sources.get(node_id, ()))
        if install_name is not None:
            for key in self._by_dep_name.get(install_name, ()):
                if key != node_id and _resolve(key, install_name, self._entries) == node_id:
                    parents.append(key)
        return parents

    def line_of(self, node_id: str) -> int | None:
        if node_id not in self._lines:
            self._lines[node_id] = (
                _find_key_line(self._data, node_id, _section_start(self._data, b'"packages"'))
                if node_id in self._entries
                else None
            )
        return self._lines[node_id]


def _dep_names(maps: Iterable[msgspec.Raw]) -> list[str]:
    names: list[str] = []
    for raw in maps:
        if not len(raw):
            continue
        try:
            decoded = msgspec.json.decode(raw)
        except (msgspec.MsgspecError, ValueError, RecursionError):
            continue
        if isinstance(decoded, dict):
            names.extend(k for k in decoded if isinstance(k, str))
    return names


def _resolve(location: str, name: str, nodes: Mapping[str, object]) -> str | None:
    """The node npm's require() would find for ``name`` from the folder ``location``."""
    folder = location
    while True:
        candidate = f"{folder}/node_modules/{name}" if folder else f"node_modules/{name}"
        if candidate in nodes:
            return candidate
        if not folder:
            return None
        cut = folder.rfind("/node_modules/")
        if cut >= 0:  # from a package to the package whose node_modules holds it
            folder = folder[:cut]
        elif folder.startswith("node_modules/"):
            folder = ""
        else:  # a folder outside node_modules (a workspace): up one directory
            cut = folder.rfind("/")
            folder = folder[:cut] if cut >= 0 else ""


def _section_start(data: bytes, marker: bytes) -> int:
    found = data.find(marker)
    return found if found >= 0 else 0


def _find_key_line(data: bytes, key: str, start: int) -> int | None:
    needle = msgspec.json.encode(key)
    pos = data.find(needle, start)
    while pos >= 0:
        after = pos + len(needle)
        rest = data[after : after + 64].lstrip()
        # An entry is a key whose value is an object; a dependency map's value is a string.
        if rest.startswith(b":") and rest[1:].lstrip().startswith(b"{"):
            return data.count(b"\n", 0, pos) + 1
        pos = data.find(needle, after)
    return None


# ---------------------------------------------------------------------------------------------
# lockfileVersion 1: nested ``dependencies``


def _parse_v1(lock: _Lock, data: bytes, path: str, fmt: LockfileFormat) -> LockfileGraph:
    deps: dict[str, _V1Entry] = {}
    if len(lock.dependencies):
        try:
            decoded = msgspec.json.decode(lock.dependencies, type=dict[str, _V1Entry] | None)
        except msgspec.ValidationError as exc:
            err = _validation_error(path, exc)
            raise LockfileError(
                path, err.detail, json_path=f"dependencies{_suffix(err.json_path)}"
            ) from None
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise LockfileError(path, f"invalid JSON: {exc}", json_path="dependencies") from None
        except RecursionError:
            raise LockfileError(path, "JSON nested too deeply", json_path="dependencies") from None
        deps = decoded or {}
    packages: list[LockedPackage] = []
    requires: dict[str, msgspec.Raw] = {}
    skipped = 0
    stack: list[tuple[str, dict[str, _V1Entry]]] = [("", deps)]
    while stack:
        parent, children = stack.pop()
        for key, entry in children.items():
            node_id = f"{parent}/node_modules/{key}" if parent else f"node_modules/{key}"
            if entry.dependencies:
                stack.append((node_id, entry.dependencies))
            if not entry.version:  # a husk, as in v2/v3 (its nested entries still count)
                skipped += 1
                continue
            requires[node_id] = entry.requires
            packages.append(_v1_package(node_id, key, entry))
    importers = [Importer("", lock.name or _ROOT_LABEL)]
    details = _V1Details(requires, data)
    return LockfileGraph(fmt, packages, importers, (), details, _skip_note_v1(skipped))


def _suffix(json_path: str | None) -> str:
    if not json_path:
        return ""
    return json_path if json_path.startswith("[") else f".{json_path}"


def _v1_package(node_id: str, key: str, entry: _V1Entry) -> LockedPackage:
    raw = entry.version or ""
    resolved = entry.resolved
    name = key
    version = raw
    if raw.startswith("npm:"):
        name, version = _split_alias(raw[4:])
    elif raw.startswith("file:"):
        return LockedPackage(node_id, name, "", Source.LOCAL, None, resolved or raw)
    elif raw.startswith(_GIT_PREFIXES) or _is_git_shorthand(raw):
        return LockedPackage(node_id, name, "", Source.GIT, entry.integrity, resolved or raw)
    elif "://" in raw:
        guessed = _version_from_tarball(raw, name)
        source = _classify(raw, name, guessed)
        return LockedPackage(node_id, name, guessed, source, entry.integrity, resolved or raw)
    if entry.bundled or resolved is None:
        source = Source.REGISTRY
    else:
        source = _classify(resolved, name, version)
    return LockedPackage(node_id, name, version, source, entry.integrity, resolved)


class _V1Details:
    def __init__(self, requires: dict[str, msgspec.Raw], data: bytes) -> None:
        self._requires = requires
        self._data = data
        self._edges: dict[str, list[str]] | None = None
        self._lines: dict[str, int] | None = None

    def edges(self) -> Mapping[str, Sequence[str]]:
        if self._edges is None:
            self._edges = self._build_edges()
        return self._edges

    def _build_edges(self) -> dict[str, list[str]]:
        nodes = self._requires
        edges: dict[str, list[str]] = {}
        required: set[str] = set()
        for node_id, raw in nodes.items():
            children: list[str] = []
            for name in _dep_names((raw,)):
                child = _resolve(node_id, name, nodes)
                if child is not None and child != node_id and child not in children:
                    children.append(child)
                    required.add(child)
            edges[node_id] = children
        top = [n for n in nodes if n.count("node_modules/") == 1]
        roots = [n for n in top if n not in required]
        reached = _reachable(roots, edges)
        for node_id in top:
            if node_id not in reached:
                roots.append(node_id)
                reached |= _reachable([node_id], edges)
        edges[""] = roots
        return edges

    def line_of(self, node_id: str) -> int | None:
        if self._lines is None:
            self._lines = _v1_lines(self._data)
        return self._lines.get(node_id)


def _reachable(starts: Iterable[str], edges: Mapping[str, Sequence[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        todo.extend(edges.get(node, ()))
    return seen


_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}\[\]:]')
_OTHER, _ROOT, _DEPS, _ENTRY = 0, 1, 2, 3


def _v1_lines(data: bytes) -> dict[str, int]:
    """Line of every v1 entry key, found by one pass over the JSON tokens."""
    # Each open container: (kind, node id). Keys are strings followed by ':'.
    stack: list[tuple[int, str]] = []
    positions: list[tuple[int, str]] = []
    last_string: bytes = b""
    last_pos = 0
    key: bytes = b""
    key_pos = 0
    for match in _TOKEN.finditer(data):
        token = match.group()
        first = token[:1]
        if first == b'"':
            last_string, last_pos = token, match.start()
        elif first == b":":
            key, key_pos = last_string, last_pos
        elif first in b"{[":
            kind, node = _OTHER, ""
            if not stack:
                kind = _ROOT
            elif first == b"{":
                parent_kind, parent_node = stack[-1]
                name = _key_text(key)
                if parent_kind in (_ROOT, _ENTRY) and name == "dependencies":
                    kind, node = _DEPS, parent_node
                elif parent_kind == _DEPS and name is not None:
                    kind = _ENTRY
                    node = (
                        f"{parent_node}/node_modules/{name}"
                        if parent_node
                        else (f"node_modules/{name}")
                    )
                    positions.append((key_pos, node))
            stack.append((kind, node))
            key = b""
        elif stack:  # closing bracket
            stack.pop()
            key = b""
    lines: dict[str, int] = {}
    line = 1
    offset = 0
    for pos, node in positions:
        line += data.count(b"\n", offset, pos)
        offset = pos
        lines.setdefault(node, line)
    return lines


def _key_text(token: bytes) -> str | None:
    if not token:
        return None
    if b"\\" not in token:
        try:
            return token[1:-1].decode()
        except UnicodeDecodeError:
            return None
    try:
        decoded = msgspec.json.decode(token)
    except (msgspec.MsgspecError, ValueError):
        return None
    return decoded if isinstance(decoded, str) else None


# ---------------------------------------------------------------------------------------------
# sources


def _split_alias(spec: str) -> tuple[str, str]:
    """``lodash@4.17.20`` / ``@s/pkg@1.0.0`` -> (name, version)."""
    cut = spec.rfind("@")
    if cut <= 0:
        return spec, ""
    return spec[:cut], spec[cut + 1 :]


def _is_git_shorthand(spec: str) -> bool:
    # ``user/repo#sha`` as npm 6 writes a GitHub dependency without a prefix.
    return (
        "/" in spec
        and not spec.startswith(("@", ".", "/"))
        and "://" not in spec
        and ":" not in spec
    )


def _classify(resolved: str, name: str, version: str) -> Source:
    if resolved.startswith("file:"):
        return Source.LOCAL
    if resolved.startswith(_GIT_PREFIXES):
        return Source.GIT
    if resolved.startswith(("https://", "http://")):
        return Source.REGISTRY if _is_registry_tarball(resolved, name, version) else Source.TARBALL
    if "://" in resolved:
        return Source.TARBALL
    return Source.REGISTRY


def _is_registry_tarball(url: str, name: str, version: str) -> bool:
    """``<registry>/<name>/-/<basename>-<version>.tgz`` (scoped names possibly %2f-escaped)."""
    if not version:
        return False
    path = url.partition("?")[0].partition("#")[0]
    head, sep, tail = path.rpartition("/-/")
    if not sep or tail != f"{name.rpartition('/')[2]}-{version}.tgz":
        return False
    lowered = head.lower()
    return lowered.endswith(("/" + name.lower(), "/" + name.lower().replace("/", "%2f")))


def _version_from_tarball(url: str, name: str) -> str:
    """The version in a registry-style tarball URL ``.../<base>-<version>.tgz``, else ``""``."""
    path = url.partition("?")[0].partition("#")[0]
    file_name = path.rpartition("/")[2]
    prefix = f"{name.rpartition('/')[2]}-"
    if file_name.startswith(prefix) and file_name.endswith(".tgz"):
        return file_name[len(prefix) : -4]
    return ""
