"""npm ``package-lock.json`` (lockfileVersion 1, 2, 3) and ``npm-shrinkwrap.json``.

Node ids follow npm's own ``packages`` keys for every version: ``node_modules/a``,
``node_modules/a/node_modules/@s/b``, ``packages/core`` (a workspace folder), ``""`` (the
project). A v1 file (nested ``dependencies``) gets the same ids, built from its nesting, so a
dependency path reads the same whatever npm wrote the file. v2 files carry both layouts:
``packages`` is read (as npm 7+ reads it, also in a v1 file that has one), and a legacy
``dependencies`` entry saying another release than ``packages`` at its place (npm 6 installs
it) adds that release and an error (``_legacy``).

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
- ``resolved`` is what npm downloads: a registry tarball URL of another name or version than the
  entry's (after an alias's ``name``) adds the package it names under the entry's id and is an
  entry error (decision 0030, ``_Urls``).
- Only the fields needed are decoded (``msgspec`` structs) and packages are built on demand
  (``PackageTable``); dependency maps stay raw JSON until a dependency path asks for a node's
  children or parents (or for ``edges()``), and line numbers are located in the text on demand.
- v1 has no root entry: the project's edges go to the top-level entries nothing else requires
  (plus any top-level entry left unreachable, e.g. in a cycle).
"""

# No postponed annotations here: msgspec reads this module's Structs' annotations as objects,
# building no typing.ForwardRef (a process's first compile() is ~10 M instructions; decision
# 0137, tests/cli/test_scan_lean.py).

import posixpath
import re
import sys
from collections import deque
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from itertools import accumulate, chain, filterfalse, islice, repeat
from operator import add, attrgetter, itemgetter, methodcaller
from typing import Literal, cast, overload

import msgspec

from gouvernante.errors import LockfileError
from gouvernante.fs.jsonpath import Document
from gouvernante.lazy import lazy_object, lazy_pattern
from gouvernante.lockfiles._common import (
    LOCKED_VERSION,
    json_errors,
    shape_error,
    version_label,
)
from gouvernante.lockfiles._local_folder import local_folder, local_tarball_path
from gouvernante.lockfiles._tarball_url import (
    injection_error,
    may_name_a_package,
    registry_identity,
)
from gouvernante.model import (
    Importer,
    LockedPackage,
    LockfileFormat,
    LockfileGraph,
    PackageTable,
    Source,
)
from gouvernante.safetext import key_segment

_NO_RAW = msgspec.Raw(b"")


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
    # the names of ``dependencies`` that come inside the package's tarball (npm writes no entry
    # for them in its linked layout, ``--install-strategy=linked``)
    bundleDependencies: msgspec.Raw = _NO_RAW
    bundledDependencies: msgspec.Raw = _NO_RAW
    optionalDependencies: msgspec.Raw = _NO_RAW
    peerDependencies: msgspec.Raw = _NO_RAW
    devDependencies: msgspec.Raw = _NO_RAW
    # (last: its decoding measured 3.2 M instructions more for ``make_lockfile(20000)`` here,
    # 5.8 M after ``inBundle``; decision 0163)
    extraneous: bool = False


class _V1Entry(msgspec.Struct):
    """One value of a v1 ``dependencies`` map (recursive)."""

    version: str | None = None
    # ``false``: npm 6 (6.9, 6.10) wrote it for the dependencies fsevents 1.2.x bundles;
    # arborist reads it as no ``resolved`` (its Node: ``resolved || null``; 2 published
    # netlify-cli shrinkwraps and a serverless package-lock, decision 0142). ``true`` stays a
    # shape error.
    resolved_: str | Literal[False] | None = msgspec.field(default=None, name="resolved")
    integrity: str | None = None
    bundled: bool = False
    requires: msgspec.Raw = _NO_RAW
    dependencies: "dict[str, _V1Entry] | None" = None
    from_: str | None = msgspec.field(default=None, name="from")

    @property
    def resolved(self) -> str | None:
        resolved = self.resolved_
        return None if resolved is False else resolved


class _Lock(msgspec.Struct):
    # UNSET: no ``lockfileVersion`` key at all, as in the npm-shrinkwrap.json of npm 1 to 4
    lockfileVersion: int | msgspec.UnsetType | None = msgspec.UNSET
    name: str | None = None
    packages: dict[str, _Entry] | None = None
    dependencies: msgspec.Raw = _NO_RAW


class _LockRaw(msgspec.Struct):
    """``_Lock`` with each entry kept as its JSON text (the big-file path)."""

    lockfileVersion: int | None = None
    name: str | None = None
    packages: dict[str, msgspec.Raw] | None = None
    dependencies: msgspec.Raw = _NO_RAW


class _LazyEntries(Mapping[str, _Entry]):
    """The ``packages`` map of a big file: where each entry's JSON text lies in the file's bytes;
    an entry is decoded each time it is looked up (a scan looks up a few), so the decoded map
    never sits in memory whole, nor one object per entry beyond its key.

    The index maps a key to its group of ``_GROUP`` consecutive entries (one int object per
    group, not per entry: 200,000 ints are 6 MiB); the key's place in its group is found among
    the group's keys."""

    __slots__ = ("_data", "_ends", "_index", "_keys", "_starts")

    def __init__(self, data: bytes, index: dict[str, int], keys: list[str]) -> None:
        self._data = data
        self._index = index  # key -> its group (filled by ``_checked_entries``)
        self._keys = keys  # the keys in file order, the same string objects as ``index``'s
        from array import array  # noqa: PLC0415 - the big-file path only (decision 0024)

        offsets = "q" if len(data) >= 1 << 31 else "i"
        self._starts = array(offsets)
        self._ends = array(offsets)

    def _position(self, key: str) -> int:
        first = self._index[key] * _GROUP
        return self._keys.index(key, first, first + _GROUP)

    def __getitem__(self, key: str) -> _Entry:
        at = self._position(key)
        return _ENTRY_DECODER.decode(self._data[self._starts[at] : self._ends[at]])

    def entry(self, key: str) -> _Entry | None:
        """``get(key)`` in one call (a path search asks for every node it visits)."""
        group = self._index.get(key)
        if group is None:
            return None
        first = group * _GROUP
        at = self._keys.index(key, first, first + _GROUP)
        return _ENTRY_DECODER.decode(self._data[self._starts[at] : self._ends[at]])

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def without(self, keys: set[str]) -> "_LazyEntries":
        """The map less ``keys``, in place: no second index (the keys dropped are entries no
        package of the table is built from)."""
        for key in keys:
            self._index.pop(key, None)
        return self


_ENTRY_DECODER = lazy_object(lambda: msgspec.json.Decoder(_Entry))
_CHUNK_DECODER = lazy_object(lambda: msgspec.json.Decoder(list[_Entry]))
# Files above this size take the big-file path: entries checked by the typed decoder a chunk at a
# time and then known by where their text lies in the bytes (peak memory about the file and its
# keys, not every entry decoded at once); smaller ones are decoded whole, which is faster.
LEAN_BYTES = 32 * 1024 * 1024
_CHUNK = 1024
_GROUP = 16  # entries per group of the big-file path's index (_CHUNK is a multiple of it)


class _VersionOnly(msgspec.Struct):
    lockfileVersion: object = None


# Patterns off a small file's path (content sniffing, the big-file path, v1 lines) are compiled on
# first use by ``re``'s cache, not at every process start (decision 0024).
_LOCKFILE_VERSION = rb'"lockfileVersion"\s*:\s*-?\d'
_BUN_WORKSPACES = rb'"workspaces"\s*:\s*\{\s*""\s*:'


def sniff(head: bytes) -> bool:
    """An npm lockfile: a JSON object with a numeric ``lockfileVersion`` (and not bun.lock)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{"):
        return False
    # (each pattern needs its quoted key: a file without one compiles neither)
    return (
        b'"lockfileVersion"' in text
        and re.search(_LOCKFILE_VERSION, text) is not None
        and not (b'"workspaces"' in text and re.search(_BUN_WORKSPACES, text))
    )


def parse(data: bytes, path: str) -> LockfileGraph:
    fmt = (
        LockfileFormat.SHRINKWRAP
        if path.replace("\\", "/").endswith("npm-shrinkwrap.json")
        else LockfileFormat.PACKAGE_LOCK
    )
    bom = data.startswith(b"\xef\xbb\xbf")
    if len(data) > LEAN_BYTES:
        graph = _parse_lean(data, fmt, path, 3 if bom else 0)  # no copy of a big file
        if graph is not None:
            return graph
    if bom:
        data = b"   " + data[3:]  # keep byte offsets (and so line numbers) unchanged
    lock = _decode(data, path)
    version = lock.lockfileVersion
    if version is msgspec.UNSET:
        if lock.packages is None and bytes(memoryview(lock.dependencies)[:1]) == b"{":
            # npm 1 to 4 wrote npm-shrinkwrap.json without a lockfileVersion: the nested
            # ``dependencies`` tree v1 kept; npm 5+ (arborist too) reads it as v1
            return _parse_v1(lock, data, path, fmt, notes=(_NO_VERSION_NOTE,))
        version = None
    if version not in _SUPPORTED:
        raise LockfileError(
            path,
            f"unsupported npm lockfileVersion {version_label(version)}",
            json_path="lockfileVersion",
        )
    if lock.packages is not None:
        # npm 7+ reads ``packages`` whatever ``lockfileVersion`` says (a v1 file with one too);
        # npm 6 reads ``dependencies``: ``_legacy`` adds what it would install otherwise.
        return _parse_packages(lock, lock.packages, data, fmt, path)
    if version == 3:
        raise LockfileError(path, "lockfileVersion 3 file without a packages map")
    return _parse_v1(lock, data, path, fmt)


def _decode(data: bytes, path: str) -> _Lock:
    try:
        with json_errors(path, data):
            return msgspec.json.decode(data, type=_Lock)
    except msgspec.ValidationError as exc:
        found = _lockfile_version_of(data)
        if found is not None and found not in _SUPPORTED:
            raise LockfileError(
                path,
                f"unsupported npm lockfileVersion {version_label(found)}",
                json_path="lockfileVersion",
            ) from None
        document = Document.of_json(data, lambda text: msgspec.json.decode(text, type=_Lock))
        raise shape_error(path, exc, "lockfile", document) from None


def _lockfile_version_of(data: bytes) -> object:
    try:
        return msgspec.json.decode(data, type=_VersionOnly).lockfileVersion
    except (msgspec.MsgspecError, ValueError, RecursionError):
        return None


# ---------------------------------------------------------------------------------------------
# lockfileVersion 2 and 3: the flat ``packages`` map


def _parse_lean(data: bytes, fmt: LockfileFormat, path: str, skip: int = 0) -> LockfileGraph | None:
    """The big-file path: the same graph as ``_parse_packages`` after a whole-file decode, or
    None when the file needs that path (damaged: it words the error; keys to normalise; v1; an
    entry not found where the walk over the bytes expects it). ``skip``: the length of a
    byte-order mark, decoded past (offsets stay those of ``data``; the mark holds no newline)."""
    try:
        lock = msgspec.json.decode(memoryview(data)[skip:] if skip else data, type=_LockRaw)
    except (msgspec.MsgspecError, ValueError, RecursionError):
        return None
    raws = lock.packages
    opening = re.search(_PACKAGES_OPEN, data)
    if raws is None or lock.lockfileVersion not in (2, 3) or opening is None:
        return None
    header = _Lock(lock.lockfileVersion, lock.name, None, lock.dependencies)
    del lock
    # The decoded map becomes the index (key -> group of _GROUP keys): each entry's JSON text
    # is dropped once its place in the bytes is known, a chunk at a time.
    index = cast("dict[str, int]", raws)
    entries = _LazyEntries(data, index, list(raws))
    named: dict[str, str] = {}
    declared = _Declared()
    pairs = _checked_entries(raws, entries, opening.end(), named, declared)
    del raws
    try:
        return _parse_packages(
            header, entries, data, fmt, path, pairs=pairs, named=named, declared=declared
        )
    except _WholeDecodeNeeded:
        return None


# Where the ``packages`` object opens; the walk over its entries checks that every entry's text
# is found there, so a ``"packages"`` elsewhere (say inside a string) only sends the file to the
# whole-file decode.
_PACKAGES_OPEN = rb'"packages"[ \t\r\n]*:[ \t\r\n]*\{'
_CLOSE = rb"[ \t\r\n]*\}"


class _WholeDecodeNeeded(Exception):
    """An entry the typed decoder refuses, or not where the walk expects it: the whole-file
    decode words the error (or reads the file)."""


def _checked_entries(
    raws: dict[str, msgspec.Raw],
    entries: _LazyEntries,
    pos: int,
    named: dict[str, str],
    declared: "_Declared",
) -> Iterator[tuple[str, _Entry]]:
    """Every entry checked and decoded by the typed decoder as the whole-file decode would, a
    chunk at a time (only one chunk decoded at once); meanwhile each entry's text is located in
    the bytes (``entries`` gets its offsets, ``raws`` the key's group instead of its text) and
    the entries that carry a ``name`` are noted in ``named``.

    Each entry's text must be found byte for byte, where ``_starts_of`` guesses or searches it,
    as the decoder kept it (an entry not found - a ``{`` in a key the search meets, an entry
    that is not an object, a repeated key - sends the file to the whole-file decode); after the
    last one, the map closes."""
    data = entries._data
    all_keys = entries._keys
    index = cast("dict[str, object]", raws)
    at = 0
    gap = _NPM_GAP
    texts = iter(raws.values())
    while chunk := list(islice(texts, _CHUNK)):
        keys = all_keys[at : at + len(chunk)]
        if _odd_keys(keys):
            raise _WholeDecodeNeeded
        starts, gap = _starts_of(data, chunk, keys, pos, gap)
        entries._starts.extend(starts)
        entries._ends.extend(map(add, starts, map(len, chunk)))
        pos = entries._ends[-1]
        try:
            decoded = _CHUNK_DECODER.decode(b"[" + b",".join(chunk) + b"]")
        except (msgspec.MsgspecError, ValueError, RecursionError):
            raise _WholeDecodeNeeded from None
        # Each key's text gives way to its group: one int object for ``_GROUP`` keys (``at`` is
        # a multiple of ``_CHUNK``, itself one of ``_GROUP``; the last group may be short).
        groups = range(at // _GROUP, (at + len(chunk) + _GROUP - 1) // _GROUP)
        grouped = chain.from_iterable(map(repeat, groups, repeat(_GROUP)))
        index.update(zip(keys, grouped, strict=False))
        del chunk
        declared.add(decoded, keys)  # (decoded here: the chunk's bytes are not kept)
        if any(map(_NAME_OF, decoded)):  # the root, workspaces, aliases: a few
            named.update((key, e.name) for key, e in zip(keys, decoded, strict=True) if e.name)
        yield from zip(keys, decoded, strict=True)
        at += len(keys)
    if re.compile(_CLOSE).match(data, pos) is None:
        raise _WholeDecodeNeeded


_NAME_OF = attrgetter("name")
# npm's layout between two entries: ``,\n    "`` + the key + ``": `` (the key's length + 10).
_NPM_GAP = 10


def _starts_of(
    data: bytes, texts: list[msgspec.Raw], keys: list[str], pos: int, gap: int
) -> tuple[list[int], int]:
    """Where each of ``texts`` (consecutive entries' JSON text, keys ``keys``) starts in
    ``data`` from ``pos`` on, each found byte for byte there; and the gap between an entry's end
    and the next one's text, less the key's length, for the next chunk to guess with.

    The places are guessed first (the gap of the layout seen so far, a key written as itself
    in quotes) and checked all at once; else each text is looked for after the previous one:
    at the first ``{``. Not found: ``_WholeDecodeNeeded``."""
    find = data.find
    found = data.startswith
    first = find(b"{", pos)
    if first < 0:
        raise _WholeDecodeNeeded
    lengths = list(map(len, texts))
    steps = map(add, lengths[:-1], map(add, map(len, keys[1:]), repeat(gap)))
    guess = list(accumulate(steps, initial=first))
    if all(map(found, texts, guess)):
        return guess, gap
    starts: list[int] = []
    for text, length in zip(texts, lengths, strict=True):
        start = find(b"{", pos)
        if start < 0 or not found(text, start):
            raise _WholeDecodeNeeded
        starts.append(start)
        pos = start + length
    if len(starts) > 1:
        gap = starts[1] - starts[0] - lengths[0] - len(keys[1])
    return starts, gap


def _parse_packages(
    lock: _Lock,
    entries: Mapping[str, _Entry],
    data: bytes,
    fmt: LockfileFormat,
    path: str,
    *,
    pairs: Iterable[tuple[str, _Entry]] | None = None,
    named: dict[str, str] | None = None,
    declared: "_Declared | None" = None,
) -> LockfileGraph:
    """``pairs``: the entries in file order, when ``entries`` decodes them on lookup; ``named``:
    then filled (as ``pairs`` is read) with the entries that carry a ``name``, and the names
    column is derived from the keys instead of holding a string per entry."""
    if isinstance(entries, dict):
        entries = _normalised_keys(entries, path)
    ids: list[str] = []
    names: list[str] = []
    others = _Others(entries)
    extra = others.extra  # links, folders, version-less git/tarball entries
    links = others.links  # link id -> target folder id
    folders = others.folders
    urls = others.urls
    bad_versions: list[str] = []
    add_id = ids.append
    add_name = names.append if named is None else _DISCARD
    semver = LOCKED_VERSION.fullmatch
    valid: set[str] = set()  # versions found semver: many entries share one
    add_valid = valid.add
    base = _NPMJS
    flagged: list[str] = []
    # The hot loop (tens of thousands of entries): a plain entry only gets its name here; the
    # package itself is built if the matcher asks for it.
    for key, entry in pairs if pairs is not None else entries.items():
        # (the folder's name: one call taking one argument, where ``rfind`` and a slice cost
        # ~400 more instructions an entry, decision 0141)
        above, inside, tail = key.rpartition(_NODE_MODULES)
        version = entry.version
        if not inside or version is None or entry.link:
            if key:  # (the root is the first importer)
                others.add(key, len(above) if inside else -1, entry)
            continue
        if version not in valid:
            if semver(version) is None:  # "latest", "1.3.0.0", "=1.3.0", "": never skipped
                if not urls.guessed(key, entry, entry.name or tail, extra):
                    bad_versions.append(key)
                continue
            add_valid(version)
        add_id(key)
        if entry.extraneous:  # (npm writes it for what nothing depends on: ``_pruned``)
            flagged.append(key)
        name = entry.name or tail
        add_name(name)
        # What npm downloads is ``resolved``: this name's and version's tarball URL at the
        # registry, one string built and compared; anything else (a scoped name among them) is
        # looked at by ``_Urls.check``.
        resolved = entry.resolved
        # (a scoped name's file name has no scope: one more comparison before the slow check)
        if (
            resolved != f"{base}{name}/-/{name}-{version}.tgz"
            and resolved is not None
            and (
                name[:1] != "@"
                or resolved != f"{base}{name}/-/{name.rpartition('/')[2]}-{version}.tgz"
            )
        ):
            base = urls.check(key, entry, name, version, base) or base

    link_names = {target: key.rpartition("node_modules/")[2] for key, target in links.items()}
    for key in folders:
        entry = entries[key]
        name = entry.name or link_names.get(key) or key.rpartition("/")[2]
        extra.append(
            LockedPackage(key, name, entry.version or "", Source.LOCAL, None, entry.resolved)
        )
    extra.extend(urls.packages)
    legacy_errors = _legacy(lock, entries, path, extra) if lock.dependencies else []
    pruned = _pruned(entries, links, data, flagged) if flagged else []
    table = _table(entries, ids, names if named is None else _KeyNames(ids, named), extra)

    root = entries.get("")
    root_name = lock.name or (root.name if root is not None else None)
    importers = [Importer("", root_name or _ROOT_LABEL, "")]
    seen = {""}
    for target in links.values():
        if target in seen:
            continue
        seen.add(target)
        folder = entries[target]
        importers.append(Importer(target, folder.name or link_names.get(target) or target, target))
    skipped = others.skipped
    notes = _skip_note(len(skipped))
    errors = [
        f"packages{key_segment(key)}: version is not a semver version and no registry tarball"
        " URL gives one: this entry cannot be checked"
        for key in bad_versions
    ]
    errors.extend(urls.errors)
    errors.extend(legacy_errors)
    # (before the husks and unread entries go: an entry answers its dependents, read or not)
    unanswered, bundled = _unanswered(entries, links, folders, declared or _Declared())
    errors.extend(unanswered)
    if skipped:
        errors.extend(_husks_answering(entries, links, frozenset(skipped)))
    if skipped or bad_versions:  # husks and entries not read are no nodes: nothing resolves to them
        entries = _without(entries, set(skipped) | set(bad_versions))
    details = _PackagesDetails(entries, links, data)
    return LockfileGraph(
        fmt,
        table,
        importers,
        (),
        details,
        notes,
        entry_errors=tuple(errors),
        bundled=bundled,
        local_folders=tuple(dict.fromkeys(urls.folders)),
        root_claims=_root_claims(root, errors),
        member_claims=_member_claims(entries, folders, errors) if errors else (),
        versions_written=True,
        uninstalled=tuple(pruned),
    )


def _pruned(
    entries: Mapping[str, _Entry], links: dict[str, str], data: bytes, flagged: Sequence[str]
) -> list[str]:
    """The entries npm writes ``"extraneous": true`` (``npm shrinkwrap`` of a tree holding a
    package nothing depends on any more) that no dependency reaches: ``npm ci`` and ``npm
    install`` (11.19.1) install none of them (npm prunes what nothing reaches, flag or not: an
    entry flagged but depended on is installed). Reached from every folder (the root, the
    workspaces, ``file:`` folders) and link, through every dependency map of every entry, as
    require() resolves it: more than npm installs, never less. A bundled entry comes with its
    package's tarball: never pruned. Still findings, which say so (``LockfileGraph.uninstalled``):
    npm wrote the entry from a ``node_modules`` that held the package (decision 0163)."""
    flagged = [key for key in flagged if not entries[key].inBundle]
    if not flagged:
        return []
    details = _PackagesDetails(entries, links, data)
    todo = [
        key for key in entries if not key.startswith(_NODE_MODULES) and "/node_modules/" not in key
    ]
    todo.extend(links)
    reached = set(todo)
    while todo:
        for child in details.children_of(todo.pop()):
            if child not in reached:
                reached.add(child)
                todo.append(child)
    return [key for key in flagged if key not in reached]


def _root_claims(root: _Entry | None, errors: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """(name, error) of each error about a dependency the root's record declares
    (``packages[""]``'s ``dependencies``, ``devDependencies``, ``optionalDependencies``: no entry
    answers it, a husk does, another package's entry answers its alias): npm reads the root's
    dependencies from the package.json beside, so only it can confirm such an error
    (``LockfileGraph.root_claims``, decision 0148). Each error starts with its JSON path."""
    return _record_claims("", root, errors)


def _member_claims(
    entries: Mapping[str, _Entry], folders: Sequence[str], errors: Sequence[str]
) -> tuple[tuple[str, str, str], ...]:
    """(folder, name, error) of each error about a dependency a folder's record declares
    (``packages["packages/a"]``, a workspace's or a ``file:`` folder's), as ``_root_claims``:
    npm 11.19.1 reads a workspace's dependencies from its package.json, not from the record
    (``npm ci`` installs a file whose member record keeps a name its package.json no longer
    declares and no entry answers; decision 0155)."""
    return tuple(
        (folder, name, error)
        for folder in folders
        for name, error in _record_claims(folder, entries.get(folder), errors)
    )


def _record_claims(
    key: str, root: _Entry | None, errors: Sequence[str]
) -> tuple[tuple[str, str], ...]:
    start = f"packages{key_segment(key)}."
    if root is None or not any(e.startswith(start) for e in errors):
        return ()
    claims: list[tuple[str, str]] = []
    maps = (
        ("dependencies", root.dependencies),
        ("devDependencies", root.devDependencies),
        ("optionalDependencies", root.optionalDependencies),
    )
    for field, raw in maps:
        if not raw:
            continue
        try:
            names = _NAMES_DECODER.decode(raw)
        except (msgspec.MsgspecError, ValueError, RecursionError):
            continue  # (worded by ``_Declared.unanswered``, and kept)
        for name in names:
            path = f"{start}{field}{key_segment(name)}:"
            claims.extend((name, e) for e in errors if e.startswith(path))
    return tuple(claims)


_NPMJS = "https://registry.npmjs.org/"


class _Others:
    """The entries of ``packages`` that are no plain registry package, sorted as the parse
    meets them: links, folders (the root's and workspaces'), husks, version-less entries."""

    __slots__ = ("_entries", "extra", "folders", "links", "skipped", "urls")

    def __init__(self, entries: Mapping[str, _Entry]) -> None:
        self._entries = entries
        self.extra: list[LockedPackage] = []  # links, folders, version-less git/tarball entries
        self.links: dict[str, str] = {}  # link id -> target folder id
        self.folders: list[str] = []
        self.skipped: list[str] = []
        self.urls = _Urls()

    def add(self, key: str, cut: int, entry: _Entry) -> None:
        """An entry outside ``node_modules`` (``cut`` < 0), or a link, or one with no version."""
        if entry.link:
            target = _link_target(entry.resolved, self._entries)
            if target is not None:
                self.links[key] = target
            name = entry.name or (key[cut + 13 :] if cut >= 0 else key.rpartition("/")[2])
            version = entry.version or ""
            self.extra.append(LockedPackage(key, name, version, Source.LOCAL, None, entry.resolved))
        elif cut < 0:
            self.folders.append(key)  # named below, once links are known
        elif entry.resolved is None:
            self.skipped.append(key)
        else:  # no version but a git/tarball source: kept, version from the URL if any
            self.urls.guessed(key, entry, entry.name or key[cut + 13 :], self.extra)


class _Urls:
    """The entries whose ``resolved`` is a registry tarball URL of another package or version
    than the entry's (decision 0030): npm installs what the URL names under the entry's folder
    (``npm ci`` checks the tarball against the lockfile's own integrity, nothing else). Each
    is an entry error, and the URL's package is a package of the graph too, under the entry's
    node id, so a rule that names it finds it. An alias names its real package (``name``), so
    its URL agrees."""

    __slots__ = ("errors", "folders", "packages")

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.packages: list[LockedPackage] = []
        # the folders of copied ``file:`` directories (``install-links``: npm 9.9.4 writes
        # ``"resolved": "file:local/thing"`` and no link): their package.json is judged here
        self.folders: list[str] = []

    def guessed(self, key: str, entry: _Entry, name: str, extra: list[LockedPackage]) -> bool:
        """An entry with no version, or not a semver one, but a ``resolved``: its version from
        a registry-style tarball URL, its source from the URL (appended to ``extra``). False
        when its version is not semver and the URL gives none: the entry cannot be checked."""
        resolved = entry.resolved or ""
        guessed = _version_from_tarball(resolved, name)
        self.check(key, entry, name, guessed)
        if entry.version is not None and LOCKED_VERSION.fullmatch(guessed) is None:
            return False
        source = _classify(resolved, name, guessed)
        extra.append(LockedPackage(key, name, guessed, source, entry.integrity, entry.resolved))
        return True

    def check(self, key: str, entry: _Entry, name: str, version: str, base: str = "") -> str | None:
        """Look at one entry's URL; returns the registry base it agrees with (the part before
        the name), for the next entries' one-string comparison, else None. ``base``: the one
        the caller compared with, for a scoped name (its file name has no scope)."""
        resolved = entry.resolved
        if resolved is None:  # (``inBundle`` too: npm 7+ fetches a URL whatever the flag says)
            return None
        if base and resolved == f"{base}{name}/-/{name.rpartition('/')[2]}-{version}.tgz":
            return None
        if resolved[:5] == "file:":
            folder = local_folder(resolved[5:])
            if folder is not None:
                self.folders.append(folder)
        where = f"packages{key_segment(key)}.resolved"
        spec = registry_spec(resolved)
        if spec is not None:
            folder = key[key.rfind("node_modules/") + 13 :]
            self.spec(key, folder, spec, entry.integrity, (name, version), where=where)
            return None
        if not self.url(key, resolved, entry.integrity, name, version, where=where):
            return None
        tail = f"{name}/-/{name.rpartition('/')[2]}-{version}.tgz"
        base = resolved[: -len(tail)]
        # A base whose last segment could be a scope would name a scoped package with an
        # unscoped name after it, and one with a dot segment may climb to a scope: never
        # learned (those URLs stay with this slow check).
        last = base[:-1].rpartition("/")[2]
        if (
            resolved.endswith(tail)
            and base.endswith("/")
            and "@" not in last
            and "%" not in last
            and "/." not in base
        ):
            return base
        return None

    def spec(
        self,
        key: str,
        folder: str,
        spec: str,
        integrity: str | None,
        entry: tuple[str, str],
        *,
        where: str,
    ) -> None:
        """A ``resolved`` that is a registry spec (``registry_spec``): npm installs
        ``<folder>@<spec>`` from the registry, whatever the entry's ``version`` says (npm
        11.19.1 installed ms 2.1.3 for ``"version": "2.1.2", "resolved": "2.1.3"``, also for
        ``npm:ms@2.1.3``, ``~2.1.3`` and ``latest``). The package it names, when the spec is
        one version, joins the graph; the entry is an error unless it is the entry's own."""
        found = spec_package(folder, spec)
        if found == entry:  # (name, version) the entry says
            return
        self.errors.append(
            f"{where}: not a URL but a registry version, range, tag or alias: npm installs what"
            " the registry serves for it in this folder, whatever version says"
            + ("" if found[1] else " (which version cannot be told offline)")
            + " (a hand edit?)"
        )
        if found[1]:
            self.packages.append(
                LockedPackage(key, found[0], found[1], Source.REGISTRY, integrity, None)
            )

    def url(
        self,
        key: str,
        url: str,
        integrity: str | None,
        name: str,
        version: str,
        *,
        where: str | None,
    ) -> bool:
        """Does ``url`` name ``name``@``version`` (True), or no package at all? Else the
        package it names joins the graph and, when ``where`` (the JSON path) is given, the
        entry is an error: None for a URL that is the entry's own spec (v1's URL
        dependencies, whose folder may have any name)."""
        found = registry_identity(url)
        if found is None:  # git, a file server, file: ... nothing named
            return False
        if found == (name, version):
            return True
        if where is not None:
            self.errors.append(injection_error(where, "npm"))
        self.packages.append(LockedPackage(key, found[0], found[1], Source.TARBALL, integrity, url))
        return False


_NAMES_DECODER = lazy_object(lambda: msgspec.json.Decoder(dict[str, msgspec.Raw]))
_SPECS_DECODER = lazy_object(lambda: msgspec.json.Decoder(dict[str, object]))
# a map that may hold an ``npm:`` alias spec, as written: ``npm:`` in any case (npm-package-arg
# lowercases a spec before looking for the prefix: ``NPM:is-number@7.0.0`` is an alias, decision
# 0147) or, in a map holding a backslash, an escape (``\u006epm:``; n, p, m and : have no short
# escape), searched in a msgspec.Raw without a copy
_ALIAS_SPEC = lazy_pattern(rb"(?i)npm:")
_ALIAS_OR_ESCAPE = lazy_pattern(rb"(?i)npm:|\\u")
# the maps of an entry whose ``npm:`` alias specs npm installs (an optional or a peer dependency
# too: npm 11.19.1 ``npm install`` put is-number 7.0.0 under ``node_modules/foo`` for
# ``foo: npm:is-number@7.0.0`` in either, whatever entry the file had there, decision 0147)
_ALIAS_FIELDS = ("dependencies", "optionalDependencies", "peerDependencies")


def _declared_maps(key: str, entry: _Entry) -> tuple[tuple[str, msgspec.Raw], ...]:
    """The dependency maps of an entry that npm installs whole: a package's ``dependencies``,
    and a folder's (the root, a workspace) ``devDependencies`` too. Optional and peer
    dependencies may be left unanswered (a platform's package, a peer the parent provides)."""
    if key.startswith("node_modules/") or "/node_modules/" in key:
        return (("dependencies", entry.dependencies),)
    return (("dependencies", entry.dependencies), ("devDependencies", entry.devDependencies))


def _husks_answering(
    entries: Mapping[str, _Entry], links: Mapping[str, str], husks: frozenset[str]
) -> list[str]:
    """Each dependency require() answers with a husk (an entry with no version, no ``resolved``
    and no link, which the parse skips): npm 11.19.1 ``npm ci`` refuses such a file and ``npm
    install`` fetches there whatever the dependency's spec gives (decision 0139 measured
    is-number 7.0.0 under an alias husk), so the file does not say which release is installed:
    an error, as an entry cut out is (decision 0145). A husk nothing resolves to (a leftover of
    an extraneous or broken install) stays a note. Only files holding a husk pay for the pass."""
    errors: list[str] = []
    keys = entries._index if isinstance(entries, _LazyEntries) else entries
    decode = _NAMES_DECODER.decode
    for key, entry in entries.items():
        if entry.link or key in links or key in husks:
            continue
        maps = (
            *_declared_maps(key, entry),
            ("optionalDependencies", entry.optionalDependencies),
            # (npm 11.19.1 ``npm install`` fetched is-number 7.0.0 for a root's peer dependency
            # ``is-number: 7.0.0`` answered by a husk, the file read CLEAN: decision 0147)
            ("peerDependencies", entry.peerDependencies),
        )
        for field, raw in maps:
            if not raw:
                continue
            try:
                names = decode(raw)
            except (msgspec.MsgspecError, ValueError, RecursionError):
                continue  # (worded by ``_Declared.unanswered``)
            for name in names:
                node = _resolve(key, name, keys)
                if node is not None and node in husks:
                    errors.append(
                        f"packages{key_segment(key)}.{field}{key_segment(name)}: answered by"
                        f" packages{key_segment(node)}, an entry with no version, no resolved"
                        " and no link (npm ci refuses the file; npm install fetches whatever"
                        " the spec gives: the file does not say which release is installed)"
                    )
    return errors


def _unanswered(
    entries: Mapping[str, _Entry],
    links: Mapping[str, str],
    folders: Sequence[str],
    declared: "_Declared",
) -> tuple[list[str], list[tuple[str, str]]]:
    """Every dependency no entry answers (``_Declared``), and the bundled ones among them (name,
    key of the package whose tarball holds it); ``declared``: the names the big-file
    path collected as it checked the entries, else they are collected here (a second pass
    over the entries: collected in the parse loop instead, the CLI took ~26 ms more CPU on
    the 55,000-entry bench file for 28 M fewer instructions, decision 0046)."""
    if not declared.collected:
        declared.add(entries.values(), entries.keys())
    for key in ("", *folders):  # the root's and workspaces' devDependencies are installed too
        folder = entries.get(key)
        if folder is not None and folder.devDependencies:
            declared.add_map(folder.devDependencies, key)
    outside = any(_outside(key) for key in folders)
    errors, bundled = declared.unanswered(entries, links, outside=outside)
    errors.extend(declared.other_packages(entries, links))
    return errors, bundled


class _Declared:
    """The names the entries depend on (``_declared_maps``), collected as the parse reads
    them, then checked: each must be answered by an entry, as require() looks up (npm ls calls
    one that is not "missing", and npm install fetches whatever the registry serves for it). A
    file cut, edited or badly merged may have lost the entry of the very package a rule names.
    Cost: the names of every ``dependencies`` map decoded (~0.8 us an entry)."""

    __slots__ = ("_aliasing", "_bad", "_names", "collected")

    def __init__(self) -> None:
        self._names: set[str] = set()
        self._bad: bool = False  # a map that is no object of names: worded by ``unanswered``
        # (key, field, map) of each map that may hold an ``npm:`` alias spec (``other_packages``
        # decodes them again and checks each alias spec)
        self._aliasing: list[tuple[str, str, msgspec.Raw]] = []
        self.collected = False  # (``add`` called: by the big-file path as it reads the file)

    def add(self, entries: Iterable[_Entry], keys: Iterable[str]) -> None:
        """The names of each entry's ``dependencies``, ``_CHUNK`` entries at a time: each map's
        names decoded and added in turn (the dict then freed while it is in cache), then the
        chunk's maps joined and searched once for what an ``npm:`` alias spec is written with
        (a backslash: an escape, by one memchr; else ``npm:``); only the maps of a chunk
        holding that are searched one by one for the alias check (decision 0141: a regex
        search of each map cost ~48 M instructions on issue 17's 55,000-entry file)."""
        self.collected = True
        entries_left = iter(entries)
        keys_left = iter(keys)
        update = self._names.update
        decode = _NAMES_DECODER.decode
        while chunk := list(islice(entries_left, _CHUNK)):
            chunk_keys = list(islice(keys_left, len(chunk)))
            maps = [e.dependencies for e in chunk if e.dependencies and not e.link]
            try:
                _DRAIN(map(update, map(decode, maps)))
            except (msgspec.MsgspecError, ValueError, RecursionError):
                self._add_each(chunk, chunk_keys)  # (stops at the map that is no object of names)
                if self._bad:
                    return
                continue
            # the optional and peer maps too (alias specs npm installs; few entries have one.
            # Testing each entry for them costs ~17 M instructions on issue 17's 55,000-entry
            # file, 1.3%; ``filter(None, map(attrgetter(...), chunk))`` cost ~39 M, a test of
            # identity with the absent map's default ~21 M: decision 0147)
            maps.extend(
                raw
                for e in chunk
                if (e.optionalDependencies or e.peerDependencies) and not e.link
                for raw in (e.optionalDependencies, e.peerDependencies)
                if raw
            )
            # (no ``npm:`` and no backslash spans two maps: each ends with "}")
            text = b"".join(maps)
            if b"\\" in text:  # an escape: any map holding one is searched
                search = _ALIAS_OR_ESCAPE.search
            elif b"npm:" in text or (
                # the prefix in another case holds an upper-case N, P or M: three memchr, and
                # only then a lower-case copy of the chunk's maps (``lower`` for every chunk
                # cost ~20 M instructions on issue 17's 55,000-entry file, decision 0147)
                (b"M" in text or b"P" in text or b"N" in text) and b"npm:" in text.lower()
            ):
                search = _ALIAS_SPEC.search
            else:
                continue
            self._aliasing.extend(
                (key, field, raw)
                for entry, key in zip(chunk, chunk_keys, strict=True)
                if not entry.link
                for field, raw in zip(
                    _ALIAS_FIELDS,
                    (entry.dependencies, entry.optionalDependencies, entry.peerDependencies),
                    strict=True,
                )
                if raw and search(raw)
            )

    def _add_each(self, entries: Iterable[_Entry], keys: Iterable[str]) -> None:
        """``add``, a map at a time, up to a map that is no object of names (``_bad``)."""
        update = self._names.update
        decode = _NAMES_DECODER.decode
        aliasing = self._aliasing.append
        search = _ALIAS_OR_ESCAPE.search
        try:
            for entry, key in zip(entries, keys, strict=True):
                if entry.link:
                    continue
                if entry.dependencies:
                    update(decode(entry.dependencies))
                for field, raw in zip(
                    _ALIAS_FIELDS,
                    (entry.dependencies, entry.optionalDependencies, entry.peerDependencies),
                    strict=True,
                ):
                    if raw and search(raw) is not None:
                        aliasing((key, field, raw))
        except (msgspec.MsgspecError, ValueError, RecursionError):
            self._bad = True

    def add_map(self, raw: msgspec.Raw, key: str) -> None:
        try:
            self._names.update(_NAMES_DECODER.decode(raw))
        except (msgspec.MsgspecError, ValueError, RecursionError):
            self._bad = True
            return
        if _ALIAS_OR_ESCAPE.search(raw) is not None:  # (a few maps: the folders')
            self._aliasing.append((key, "devDependencies", raw))

    def other_packages(self, entries: Mapping[str, _Entry], links: Mapping[str, str]) -> list[str]:
        """An ``npm:`` alias dependency answered by the entry of another package (its ``name``,
        else its folder's): npm never writes one. npm 11.19.1 calls it invalid (``npm ls``),
        ``npm ci`` refuses the file and ``npm install`` installs the alias's package, which the
        file does not lock (decision 0139). An error, the names not echoed."""
        errors: list[str] = []
        keys = entries._index if isinstance(entries, _LazyEntries) else entries
        for key, field, raw in self._aliasing:
            try:
                specs = _SPECS_DECODER.decode(raw)
            except (msgspec.MsgspecError, ValueError, RecursionError):
                continue  # (a map of other values: no alias spec npm reads)
            for name, spec in specs.items():
                if not isinstance(spec, str) or spec[:4].lower() != "npm:":
                    continue
                node = _resolve(key, name, keys)
                if node is None or node in links:
                    continue  # (no entry: ``unanswered`` says so)
                if not node.startswith(f"{key}/node_modules/") and name in _bundle_names(
                    entries[key]
                ):
                    continue  # (its tarball's copy, with no entry: a linked layout's bundle)
                answer = entries[node]
                if answer.link:
                    continue
                real = answer.name or node[node.rfind(_NODE_MODULES) + len(_NODE_MODULES) :]
                if real != _split_alias(spec[4:])[0]:
                    errors.append(
                        f"packages{key_segment(key)}.{field}{key_segment(name)}: an npm: alias"
                        f" answered by packages{key_segment(node)}, an entry of another package"
                        " (npm ls: invalid; npm ci refuses the file, npm install installs the"
                        " alias's package, which this file does not lock: an edited or badly"
                        " merged lockfile?)"
                    )
        return errors

    def unanswered(
        self, entries: Mapping[str, _Entry], links: Mapping[str, str], *, outside: bool = False
    ) -> tuple[list[str], list[tuple[str, str]]]:
        """The errors, and the (name, key) of each dependency the package bundles in its tarball
        (``bundleDependencies``) that no entry answers: npm's linked layout writes no entry for
        them (npm 11.19.1; ``npm ci`` installs the file and ``npm ls`` misses nothing), so the
        file holds no version of them (a note when a rule names one, as pnpm's, decision
        0039)."""
        # A top-level entry answers any dependency of its name (require() ends there): only the
        # others are resolved, dependent by dependent (rare but for monorepos), and a map that
        # did not decode is worded there. ``outside``: a folder outside the project has an entry
        # (a ``file:..`` link's target), from which require() never reaches the top level:
        # every dependency of an entry out there is resolved (decision 0142).
        keys = entries._index if isinstance(entries, _LazyEntries) else entries  # (no call a test)
        # (each name's key built and looked up by C iterators: ~8 against ~12 ms for 27,500)
        top_keys = map(_NODE_MODULES.__add__, self._names)
        missing = {key[13:] for key in filterfalse(keys.__contains__, top_keys)}
        if not missing and not self._bad and not outside:
            return [], []
        # a map that did not decode stopped the collection: every name is looked at then
        everything = self._bad
        errors: list[str] = []
        bundled: list[tuple[str, str]] = []
        decode = _NAMES_DECODER.decode
        for key, entry in entries.items():
            if entry.link or key in links:
                continue
            bundles: Container[str] | None = None
            for field, raw in _declared_maps(key, entry):
                if not raw:
                    continue
                try:
                    names = decode(raw)
                except (msgspec.MsgspecError, ValueError, RecursionError):
                    where = f"packages{key_segment(key)}.{field}"
                    errors.append(f"{where}: not an object of dependency names")
                    continue
                # (in the map's order: a set's would change with the process's hash seed)
                every = everything or (outside and _outside(key))
                for name in names if every else filter(missing.__contains__, names):
                    if _resolve(key, name, entries) is None:
                        if bundles is None:
                            bundles = _bundle_names(entry)
                        if field == "dependencies" and name in bundles:
                            bundled.append((name, key))
                            continue
                        errors.append(
                            f"packages{key_segment(key)}.{field}{key_segment(name)}: no entry"
                            " answers this dependency (npm ls: missing; a cut, edited or badly"
                            " merged lockfile?)"
                        )
        return errors, bundled


_BUNDLE_DECODER = lazy_object(lambda: msgspec.json.Decoder(list[str] | bool))


class _Everything:
    """``bundleDependencies: true``: every dependency is bundled."""

    def __contains__(self, name: object) -> bool:
        return True


def _bundle_names(entry: _Entry) -> Container[str]:
    """The names an entry bundles (``bundleDependencies``, or npm's older spelling); none when the
    field is absent or not a list of names or ``true`` (then a dependency no entry answers stays an
    error)."""
    raw = entry.bundleDependencies or entry.bundledDependencies
    if not raw:
        return ()
    try:
        names = _BUNDLE_DECODER.decode(raw)
    except (msgspec.MsgspecError, ValueError, RecursionError):
        return ()
    if names is True:
        return _Everything()
    return frozenset(names) if isinstance(names, list) else ()


_NODE_MODULES = "node_modules/"
_DISCARD = deque[str](maxlen=0).append  # the big-file path keeps no name per entry
_DRAIN = deque[None](maxlen=0).extend  # (runs an iterator of calls to its end)


class _KeyNames(Sequence[str]):
    """The names column of the big-file path: a plain entry's name is the last part of its key
    (``node_modules/a/node_modules/b`` -> ``b``) unless the entry has a ``name`` (an alias), as
    the parse loop reads it, computed when asked instead of held (one string per entry); then
    the names of the other packages (``extend``)."""

    __slots__ = ("_ids", "_named", "_others", "_plain")

    def __init__(self, ids: list[str], named: dict[str, str]) -> None:
        self._ids = ids
        self._plain = len(ids)
        # Only entries inside node_modules can be plain ones (not the root, not a workspace):
        # without an alias among them, a pass over the names is a pass over the keys.
        self._named = {k: v for k, v in named.items() if "node_modules/" in k}
        self._others: list[str] = []

    def extend(self, names: Iterable[str]) -> None:
        self._others.extend(names)

    def __len__(self) -> int:
        return self._plain + len(self._others)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("names index out of range")
        if index >= self._plain:
            return self._others[index - self._plain]
        key = self._ids[index]
        return self._named.get(key) or key[key.rfind("node_modules/") + 13 :]

    def __iter__(self) -> Iterator[str]:
        ids = self._ids
        tails = map(_LAST, map(_AFTER_NODE_MODULES, islice(ids, self._plain)))
        if self._named:  # it holds no empty name: get(key, tail) is "name or tail"
            tails = map(self._named.get, islice(ids, self._plain), tails)
        return chain(tails, self._others)


_AFTER_NODE_MODULES = methodcaller("rpartition", "node_modules/")
_LAST = itemgetter(2)


def _without(entries: Mapping[str, _Entry], keys: set[str]) -> Mapping[str, _Entry]:
    if isinstance(entries, _LazyEntries):
        return entries.without(keys)
    return {k: v for k, v in entries.items() if k not in keys}


def _normalised_keys(entries: dict[str, _Entry], path: str) -> dict[str, _Entry]:
    """Keys as npm installs them: ``node_modules/x/../pkg``, ``node_modules//pkg``,
    ``node_modules/./pkg``, a trailing ``/`` and ``node_modules\\pkg`` (a Windows separator, as
    npm on Windows reads it) name the folder ``node_modules/pkg``. The map is returned as it is
    when no key needs it (the common case)."""
    if not _odd_keys(entries):
        return entries
    out: dict[str, _Entry] = {}
    for key, entry in entries.items():
        norm = posixpath.normpath(key.replace("\\", "/")) if key else key
        if norm in (".", "..") or norm.startswith("../") or norm.startswith("/"):
            raise LockfileError(
                path, "package key outside the project", json_path=f"packages{key_segment(key)}"
            )
        if norm in out and out[norm] != entry:
            raise LockfileError(
                path,
                f"two entries install to the same folder {key_segment(norm)[1:-1]}",
                json_path=f"packages{key_segment(key)}",
            )
        out[norm] = entry
    return out


def _odd_keys(keys: Iterable[str]) -> bool:
    """Does a key need normalising? Searches over the keys joined by newlines, a slice of keys
    at a time, rather than four per key. A ``/`` followed by ``.``, ``/`` or a line end is one
    regex search: ``"/." in joined`` and the like cost ~2 ms each over 55,000 keys, as ``/`` is
    in every key. Joined a slice at a time, the text's memory is reused from one slice to the
    next: the 55,000 keys joined at once were 2.8 MB of new pages (~700 page faults, ~2 ms).

    The joined text finds every odd key (a newline inside a key hides none), and more when a key
    holds a newline: only then is the slice looked at key by key. (Counting the newlines of
    every slice first cost 18.5 M instructions on issue 17's 55,000 keys, decision 0141.)"""
    left = iter(keys)
    while chunk := list(islice(left, _KEYS_AT_ONCE)):
        joined = "\n".join(chunk)
        if (
            "\\" in joined
            or joined.endswith("/")
            or joined.startswith("./")
            or re.search(_ODD_SLASH, joined)
            or "\n./" in joined  # a key starting with "./" (but the first)
        ) and (joined.count("\n") == len(chunk) - 1 or _odd_keys_one_by_one(chunk)):
            return True
    return False


_KEYS_AT_ONCE = 4096
_ODD_SLASH = r"/[./\n]"  # "/.", "//", a key ending with "/" (but the last)


def _odd_keys_one_by_one(keys: Iterable[str]) -> bool:
    return any(
        "/." in k or "//" in k or "\\" in k or k.endswith("/") or k.startswith("./") for k in keys
    )


def _table(
    entries: Mapping[str, _Entry],
    ids: list[str],
    names: list[str] | _KeyNames,
    extra: list[LockedPackage],
) -> PackageTable:
    """Plain registry entries first (built on demand), then the others (built already)."""
    plain = len(ids)

    def build(i: int) -> LockedPackage:
        if i >= plain:
            return extra[i - plain]
        key = ids[i]
        entry = entries[key]
        name = names[i]
        version = entry.version or ""
        resolved = entry.resolved
        if (
            resolved is None
            or entry.inBundle
            or (  # the registry's own tarball URL, by far the most common case
                resolved.startswith("https://")
                and resolved.endswith(f"/{name}/-/{name.rpartition('/')[2]}-{version}.tgz")
            )
        ):
            source = Source.REGISTRY
        else:
            source = _classify(resolved, name, version)
        return LockedPackage(key, name, version, source, entry.integrity, resolved)

    def integrity() -> Sequence[str | None]:
        others = [p.integrity for p in extra]
        if isinstance(entries, _LazyEntries):
            return _IntegrityColumn(entries, ids, plain, others)
        return [entries[key].integrity for key in ids[:plain]] + others

    def version(i: int) -> str:
        return (entries[ids[i]].version or "") if i < plain else extra[i - plain].version

    ids.extend(p.id for p in extra)
    names.extend(p.name for p in extra)
    return PackageTable(ids, names, build, integrity, version)


class _Integrity(msgspec.Struct, gc=False):
    integrity: str | None = None


_INTEGRITY_DECODER = lazy_object(lambda: msgspec.json.Decoder(list[_Integrity]))


class _IntegrityColumn(Sequence[str | None]):
    """The integrity column of the big-file path (asked for when a rule lists integrity hashes):
    read from the entries' text a chunk at a time as it is iterated, not held (one string per
    entry); then the other packages' (``others``)."""

    __slots__ = ("_entries", "_ids", "_others", "_plain")

    def __init__(
        self, entries: _LazyEntries, ids: list[str], plain: int, others: list[str | None]
    ) -> None:
        self._entries = entries
        self._ids = ids
        self._plain = plain
        self._others = others

    def __len__(self) -> int:
        return self._plain + len(self._others)

    @overload
    def __getitem__(self, index: int) -> str | None: ...

    @overload
    def __getitem__(self, index: slice) -> list[str | None]: ...

    def __getitem__(self, index: int | slice) -> str | list[str | None] | None:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("integrity index out of range")
        if index >= self._plain:
            return self._others[index - self._plain]
        return self._entries[self._ids[index]].integrity

    def __iter__(self) -> Iterator[str | None]:
        entries = self._entries
        data = entries._data
        starts = entries._starts
        ends = entries._ends
        keys = iter(map(entries._position, islice(self._ids, self._plain)))
        while chunk := list(islice(keys, _CHUNK)):
            text = b",".join([data[starts[at] : ends[at]] for at in chunk])
            for found in _INTEGRITY_DECODER.decode(b"[" + text + b"]"):
                yield found.integrity
        yield from self._others


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

    def __init__(self, entries: Mapping[str, _Entry], links: dict[str, str], data: bytes) -> None:
        self._entries = entries
        self._links = links
        self._data = data
        self._edges: dict[str, list[str]] | None = None
        self._lines: dict[str, int | None] = {}
        self._marks: list[tuple[int, int]] = [(0, 1)]  # (byte offset, line) pairs seen
        self._by_dep_name: dict[str, list[str]] | None = None
        self._link_sources: dict[str, list[str]] = {}
        # Membership tests go to the big-file path's index itself (a dict: no Python call).
        self._groups: dict[str, int] = {}
        self._keys: list[str] | None = None
        self._entry_of: Callable[[str], _Entry | None] = entries.get
        if isinstance(entries, _LazyEntries):
            self._groups = entries._index
            self._keys = entries._keys
            self._entry_of = entries.entry

    def edges(self) -> Mapping[str, Sequence[str]]:
        if self._edges is None:
            self._edges = self._build_edges()
        return self._edges

    def _build_edges(self) -> dict[str, list[str]]:
        return {key: self.children_of(key) for key in self._entries}

    def children_of(self, node_id: str) -> list[str]:
        """What ``node_id`` depends on, each name resolved as require() would: only this
        node's dependency maps are decoded."""
        entries = self._entries
        entry = self._entry_of(node_id)
        if entry is None or entry.link or node_id in self._links:
            target = self._links.get(node_id)
            return [target] if target is not None else []
        if entry.optionalDependencies or entry.peerDependencies or entry.devDependencies:
            names = _dep_names(_maps_of(entry))
        elif entry.dependencies:  # the common case: one map
            try:
                names = list(_MAP_DECODER.decode(entry.dependencies))
            except (msgspec.MsgspecError, ValueError, RecursionError):
                return []
        else:
            return []
        if self._keys is not None:
            return self._children_named(node_id, names, self._keys)
        children: list[str] = []
        folders = _lookup_folders(node_id)
        for name in names:
            for folder in folders:
                child = folder + name
                if child in entries:
                    if child != node_id and child not in children:
                        children.append(child)
                    break
        return children

    def _children_named(self, node_id: str, names: list[str], keys: list[str]) -> list[str]:
        """``children_of`` on the big-file path: the index looked up directly, and each child
        given as the map's own string (a path search keeps the nodes it visits: one copy of
        each id, not one more per visit)."""
        group_of = self._groups.get
        find = keys.index
        children: list[str] = []
        folders = _lookup_folders(node_id)
        for name in names:
            for folder in folders:
                child = folder + name
                group = group_of(child)
                if group is not None:
                    first = group * _GROUP
                    child = keys[find(child, first, first + _GROUP)]
                    if child != node_id and child not in children:
                        children.append(child)
                    break
        return children

    def parents_of(self, node_id: str) -> list[str]:
        """Nodes that depend on ``node_id``, resolving only the dependencies named like it.

        A big lockfile with one finding needs a few dozen resolutions, not every edge."""
        if self._edges is not None:
            return [p for p, children in self._edges.items() if node_id in children]
        if self._by_dep_name is None:
            self._by_dep_name = self._dependents_by_name()
            self._link_sources = {}
            for source, target in self._links.items():
                self._link_sources.setdefault(target, []).append(source)
        cut = node_id.rfind("node_modules/")
        install_name = node_id[cut + len("node_modules/") :] if cut >= 0 else None
        parents = list(self._link_sources.get(node_id, ()))
        if install_name is not None:
            entries = self._entries
            for key in self._by_dep_name.get(install_name, ()):
                if (
                    key != node_id
                    and _resolve(key, install_name, entries) == node_id
                    and key not in parents
                ):
                    parents.append(key)
        return parents

    def _dependents_by_name(self) -> dict[str, list[str]]:
        """Dependency name -> the entries that declare it (in any of the four maps).

        All the maps are decoded by one call (they are kept as raw JSON by the parse); a map
        that is not an object of strings sends the decode to the forgiving per-map path."""
        owners: list[str] = []
        maps: list[msgspec.Raw] = []
        links = self._links
        for key, entry in self._entries.items():
            if entry.link or key in links:
                continue
            for raw in _maps_of(entry):
                if len(raw):
                    owners.append(key)
                    maps.append(raw)
        try:
            decoded: list[dict[str, str]] = msgspec.json.decode(
                b"[" + b",".join(maps) + b"]", type=list[dict[str, str]]
            )
        except (msgspec.MsgspecError, ValueError, RecursionError):
            decoded = [dict.fromkeys(_dep_names((raw,)), "") for raw in maps]
        index: dict[str, list[str]] = {}
        get = index.get
        for key, names in zip(owners, decoded, strict=True):
            for name in names:
                keys = get(name)
                if keys is None:
                    index[name] = [key]
                elif keys[-1] != key:
                    keys.append(key)
        return index

    def line_of(self, node_id: str) -> int | None:
        if node_id not in self._lines:
            pos = (
                _find_entry_key(self._data, node_id, _section_start(self._data, b'"packages"'))
                if node_id in self._entries
                else None
            )
            self._lines[node_id] = None if pos is None else self._line_at(pos)
        return self._lines[node_id]

    def _line_at(self, pos: int) -> int:
        """1-based line of a byte offset, counting on from the nearest offset already known."""
        import bisect  # noqa: PLC0415 - only when a finding is placed (decision 0024)

        marks = self._marks
        at = bisect.bisect_right(marks, (pos, sys.maxsize)) - 1
        start, line = marks[at]
        line += self._data.count(b"\n", start, pos)
        bisect.insort(marks, (pos, line))
        return line


_MAP_DECODER = lazy_object(lambda: msgspec.json.Decoder(dict[str, object]))


def _maps_of(entry: _Entry) -> tuple[msgspec.Raw, msgspec.Raw, msgspec.Raw, msgspec.Raw]:
    return (
        entry.dependencies,
        entry.optionalDependencies,
        entry.peerDependencies,
        entry.devDependencies,
    )


def _dep_names(maps: Iterable[msgspec.Raw]) -> list[str]:
    """The names in dependency maps kept raw by the parse; a value that is not an object names
    nothing."""
    names: list[str] = []
    decode = _MAP_DECODER.decode
    for raw in maps:
        if raw:
            try:
                names.extend(decode(raw))
            except (msgspec.MsgspecError, ValueError, RecursionError):
                continue
    return names


def _resolve(location: str, name: str, nodes: Container[str]) -> str | None:
    """The node npm's require() would find for ``name`` from the folder ``location``."""
    for folder in _lookup_folders(location):
        candidate = folder + name
        if candidate in nodes:
            return candidate
    return None


def _outside(key: str) -> bool:
    """A key of a folder outside the project (``..``, ``../lib``, ``../node_modules/x``)."""
    return key[:2] == ".." and (len(key) == 2 or key[2] == "/")


def _lookup_folders(location: str) -> list[str]:
    """The ``node_modules/`` folders require() searches from ``location``, nearest first."""
    if location.startswith("node_modules/") and "/node_modules/" not in location:
        return [f"{location}/node_modules/", "node_modules/"]  # a hoisted package: most of them
    folders: list[str] = []
    folder = location
    while True:
        folders.append(f"{folder}/node_modules/" if folder else "node_modules/")
        if not folder:
            return folders
        cut = folder.rfind("/node_modules/")
        if cut >= 0:  # from a package to the package whose node_modules holds it
            folder = folder[:cut]
        elif folder.startswith("node_modules/"):
            folder = ""
        elif _outside(folder):
            # a folder outside the project (a ``file:..`` link's target): up one directory
            # while still outside, never to the project's own node_modules/, which npm's tree
            # never searches from there (npm 11.19.1: ``npm ls`` calls such a dependency
            # missing even when the root has a package of that name; ``npm ci`` installs
            # nothing for it: the target's own project locks it, not this file)
            cut = folder.rfind("/")
            if folder.endswith("..") or cut < 0:
                return folders
            folder = folder[:cut]
        else:  # a folder outside node_modules (a workspace): up one directory
            cut = folder.rfind("/")
            folder = folder[:cut] if cut >= 0 else ""


def _section_start(data: bytes, marker: bytes) -> int:
    found = data.find(marker)
    return found if found >= 0 else 0


def _find_entry_key(data: bytes, key: str, start: int) -> int | None:
    """Byte offset of ``key`` used as an entry key (its value an object) from ``start`` on."""
    needle = msgspec.json.encode(key)
    pos = data.find(needle, start)
    while pos >= 0:
        after = pos + len(needle)
        rest = data[after : after + 64].lstrip()
        # An entry is a key whose value is an object; a dependency map's value is a string.
        if rest.startswith(b":") and rest[1:].lstrip().startswith(b"{"):
            return pos
        pos = data.find(needle, after)
    return None


# ---------------------------------------------------------------------------------------------
# lockfileVersion 1: nested ``dependencies``


_NO_VERSION_NOTE = "no lockfileVersion (npm 4 or older): read as lockfileVersion 1"


def _parse_v1(
    lock: _Lock, data: bytes, path: str, fmt: LockfileFormat, notes: tuple[str, ...] = ()
) -> LockfileGraph:
    deps: dict[str, _V1Entry] = {}
    if len(lock.dependencies):
        try:
            with json_errors(path, memoryview(lock.dependencies), json_path="dependencies"):
                decoded = msgspec.json.decode(lock.dependencies, type=dict[str, _V1Entry] | None)
        except msgspec.ValidationError as exc:
            kind = dict[str, _V1Entry] | None
            document = Document.of_json(
                lock.dependencies, lambda text: msgspec.json.decode(text, type=kind), True
            )
            err = shape_error(path, exc, "lockfile", document)
            raise LockfileError(
                path, err.detail, json_path=f"dependencies{_suffix(err.json_path)}"
            ) from None
        deps = decoded or {}
    packages: list[LockedPackage] = []
    requires: dict[str, msgspec.Raw] = {}
    urls = _Urls()
    skipped = 0
    local_nodes: list[tuple[str, str]] = []  # (node id, ``file:`` version) of each local entry
    local_source = Source.LOCAL  # (looked up once, not per entry: decision 0155)
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
            package = _v1_package(node_id, key, entry)
            packages.append(package)
            if package.source is local_source:
                local_nodes.append((node_id, entry.version))
            _v1_url(urls, package, entry)
    packages.extend(urls.packages)
    importers = [Importer("", lock.name or _ROOT_LABEL, "")]
    details = _V1Details(requires, data)
    notes = (*notes, *_skip_note_v1(skipped))
    errors = [*urls.errors, *_v1_unanswered(deps)]
    # a top-level file: directory (npm 6 installs its dependencies into this tree, as npm 7+
    # records such a folder as an importer): its package.json is judged by this lockfile
    local = [(key, v) for key, entry in deps.items() if (v := entry.version) and v[:5] == "file:"]
    folders = [f for _, spec in local if (f := local_folder(spec[5:]))]
    return LockfileGraph(
        fmt,
        packages,
        importers,
        (),
        details,
        notes,
        roots_known=False,
        entry_errors=errors,
        local_folders=tuple(dict.fromkeys(folders)),
        unnamed_tarballs=_v1_tarballs(local_nodes) if local_nodes else (),
    )


def _v1_tarballs(local: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """(node id, path from the lockfile's folder) of each ``file:`` tarball entry of a v1 file
    (``local``: the (node id, ``file:`` version) of its local entries, at any depth), for
    ``LockfileGraph.unnamed_tarballs``: npm 6 writes ``"version": "file:vendor/x.tgz"`` under
    the dependency's name, with neither the package's name nor its version, which every mode
    reads from the tarball where it has the project's files (decision 0146). npm 6.14.18 writes
    a nested one's path from the project's folder too (``sub``'s ``file:vendor/x.tgz`` is
    ``file:sub/vendor/x.tgz`` under ``dependencies.sub.dependencies``: decision 0155)."""
    from gouvernante.lockfiles._tarball_url import local_tarball  # noqa: PLC0415

    return tuple(
        (node_id, local_tarball_path(spec[5:])) for node_id, spec in local if local_tarball(spec)
    )


_MAX_LISTED = 50  # the unanswered v1 requires listed one by one (a cut file may have thousands)


def _v1_unanswered(deps: dict[str, _V1Entry]) -> list[str]:
    """Every name a v1 entry ``requires`` that no entry answers as require() looks up: the
    entry's own nested entries, then each enclosing entry's, then the top level (npm 6 fetches
    whatever the registry serves for it, npm 7+ calls it missing): a file cut, edited or badly
    merged may have lost the entry of the very package a rule names (as ``_unanswered`` for
    v2/v3). A link's (``file:``) requires are its folder's, not read here. A require() that
    lands on an entry with no ``version`` is an error too: npm 6.14.18 ``npm ci`` installs there
    the entry's ``resolved`` tarball, or without one the registry's latest (is-number 7.0.0
    where is-odd 3.0.1 requires ``^6.0.0``): the file does not say which release is installed
    (decision 0149; 0145 for v2/v3 husks).

    One walk down the tree keeps, per name visible from where it is, whether each entry of that
    name on the way is a husk (each entry's nested names added on the way down, taken off on the
    way up; the last one is the one require() finds): each name is looked up once, whatever
    the depth; the first ``_MAX_LISTED`` are listed, the rest counted."""
    # name -> (is it a husk, how many keys down its parent is) of each entry of it on the way
    visible: dict[str, list[tuple[bool, int]]] = {}
    for name, entry in deps.items():
        visible.setdefault(name, []).append((not entry.version, 0))
    errors: list[str] = []
    unlisted = [0, 0]  # (not answered, answered by a husk)
    decode = _NAMES_DECODER.decode
    # each frame: the entries left to visit at one level, the keys down to it, its names
    stack: list[tuple[Iterator[tuple[str, _V1Entry]], list[str], Iterable[str]]]
    stack = [(iter(deps.items()), [], ())]
    while stack:
        left, keys, names = stack[-1]
        item = next(left, None)
        if item is None:
            stack.pop()
            for name in names:
                visible[name].pop()
            continue
        key, entry = item
        children = entry.dependencies or {}
        names_below = list(children)
        for name, child in children.items():
            visible.setdefault(name, []).append((not child.version, len(keys) + 1))
        if entry.version and entry.requires and not entry.version.startswith("file:"):
            try:
                required: Iterable[str] = decode(entry.requires)
            except (msgspec.MsgspecError, ValueError, RecursionError):
                errors.append(f"{_v1_path([*keys, key])}.requires: not an object of names")
                required = ()
            for name in required:
                found = visible.get(name)
                if found and not found[-1][0]:
                    continue
                if len(errors) >= _MAX_LISTED:
                    unlisted[bool(found)] += 1
                    continue
                at = f"{_v1_path([*keys, key])}.requires{key_segment(name)}"
                if not found:
                    errors.append(
                        f"{at}: no entry answers this dependency (npm ls: missing; a cut, edited"
                        " or badly merged lockfile?)"
                    )
                    continue
                husk = _v1_path([*[*keys, key][: found[-1][1]], name])
                errors.append(
                    f"{at}: answered by {husk}, an entry with no version (npm 6 ci installs its"
                    " resolved tarball, or without one the registry's latest: the file does not"
                    " say which release is installed)"
                )
        stack.append((iter(children.items()), [*keys, key], names_below))
    if unlisted[False]:
        errors.append(f"dependencies: {unlisted[False]} more requires no entry answers")
    if unlisted[True]:
        errors.append(
            f"dependencies: {unlisted[True]} more requires an entry with no version answers"
        )
    return errors


def _v1_path(keys: Sequence[str]) -> str:
    """The JSON path of a v1 entry from its keys, top down."""
    return f"dependencies{'.dependencies'.join(map(key_segment, keys))}"


def _v1_where(node_id: str) -> str:
    """The JSON path of a v1 entry from its node id."""
    return _v1_path(node_id.removeprefix("node_modules/").split("/node_modules/"))


_LEGACY_DECODER = lazy_object(lambda: msgspec.json.Decoder(dict[str, _V1Entry] | None))


def _agrees(legacy: _V1Entry, entry: _Entry | None) -> bool:
    """Does a legacy entry say what the ``packages`` entry at its place says (as npm 7+ writes
    both: the same integrity, and as version the version, an alias's ``npm:name@version``, a git
    or tarball URL or a ``file:`` folder in ``resolved``)?"""
    if entry is None:
        return False
    if legacy.integrity is not None and legacy.integrity != entry.integrity:
        return False  # (npm 6 checks what it downloads against the legacy entry's hash)
    version = legacy.version or ""
    if version in (entry.version, entry.resolved):
        return True
    if version.startswith("npm:"):
        return version == f"npm:{entry.name}@{entry.version}"
    if version.startswith("file:"):
        return entry.link or entry.version is None
    # a git spec npm 6 wrote otherwise (github:u/r#sha, u/r#sha) than npm 7+'s resolved URL
    git = version.startswith(_GIT_PREFIXES) or _is_git_shorthand(version)
    return git and (entry.resolved or "").startswith(_GIT_PREFIXES)


def _legacy(
    lock: _Lock,
    entries: Mapping[str, _Entry],
    path: str,
    extra: list[LockedPackage],
) -> list[str]:
    """A file with both layouts (v2, or a v1 file with ``packages``): npm 7+ installs the
    ``packages`` map, npm 6 the legacy ``dependencies`` tree. A legacy entry that does not say
    what ``packages`` says at the same place is what npm 6 installs there: its package joins
    ``extra`` (under that place's id, so a rule naming it finds it) and the entry is an error.
    Compared string to string: npm 7+ writes both agreeing (~1/3 of the parse's time on a
    v2 file)."""
    try:
        with json_errors(path, memoryview(lock.dependencies), json_path="dependencies"):
            tree = _LEGACY_DECODER.decode(lock.dependencies)
    except (msgspec.ValidationError, LockfileError):
        return ["dependencies: not the legacy tree npm 6 reads (an object of entries)"]
    get = entries.entry if isinstance(entries, _LazyEntries) else entries.get
    errors: list[str] = []
    unlisted = 0
    stack: list[tuple[str, str, dict[str, _V1Entry]]] = [("", "dependencies", tree or {})]
    while stack:
        parent, where, children = stack.pop()
        for key, entry in children.items():
            node_id = f"{parent}/node_modules/{key}" if parent else f"node_modules/{key}"
            here = f"{where}{key_segment(key)}"
            version = entry.version
            found = get(node_id)
            if entry.dependencies:
                # (what is nested under a link is under its target, as npm reads it)
                folder = _legacy_folder(version, found) or node_id
                stack.append((folder, f"{here}.dependencies", entry.dependencies))
            if version and not _agrees(entry, found):
                extra.append(_v1_package(node_id, key, entry))
                if len(errors) < _MAX_LISTED:
                    errors.append(
                        f"{here}: npm 6 installs this legacy entry, which says another package"
                        " or version than the packages map at the same place (a hand edit or a"
                        " bad merge?)"
                    )
                else:
                    unlisted += 1
    if unlisted:
        errors.append(f"dependencies: {unlisted} more legacy entries saying otherwise")
    return errors


def _legacy_folder(version: str | None, entry: _Entry | None) -> str | None:
    """The folder a legacy ``file:`` entry links to (its packages entry's target)."""
    if version is None or not version.startswith("file:"):
        return None
    if entry is not None and entry.link and entry.resolved:
        return entry.resolved
    return local_folder(version[5:])


def _v1_url(urls: _Urls, package: LockedPackage, entry: _V1Entry) -> None:
    """A v1 entry's URL against its package (decision 0030): ``resolved`` is what npm 6
    downloads; a ``version`` that is a URL (a URL dependency) is the entry's own spec, so its
    folder may bear another name than the package it names (no error then). A ``resolved``
    that is a registry spec is what npm 7+ installs for a registry entry (``registry_spec``)."""
    if entry.resolved and package.source is Source.REGISTRY:
        spec = registry_spec(entry.resolved)
        if spec is not None:
            folder = package.id[package.id.rfind("node_modules/") + 13 :]
            at = f"{_v1_where(package.id)}.resolved"
            found = (package.name, package.version)
            urls.spec(package.id, folder, spec, entry.integrity, found, where=at)
            return
    url = entry.resolved or entry.version or ""
    # (``bundled`` too: npm downloads the URL unless the parent really bundles the package)
    if package.source in (Source.LOCAL, Source.GIT) or not may_name_a_package(url):
        return
    where = None
    if entry.resolved is not None and "://" not in (entry.version or ""):
        where = f"{_v1_where(package.id)}.resolved"
    urls.url(package.id, url, entry.integrity, package.name, package.version, where=where)


def _suffix(json_path: str | None) -> str:
    if not json_path:
        return ""
    return json_path if json_path.startswith("[") else f".{json_path}"


def _v1_package(node_id: str, key: str, entry: _V1Entry) -> LockedPackage:
    raw = entry.version or ""
    resolved = entry.resolved
    if _from_installs(entry):
        raw = entry.from_ or ""  # what npm installs: the git or URL spec, not the version
    name = key
    version = raw
    if raw.startswith("npm:"):
        name, version = _split_alias(raw[4:])
    elif raw.startswith("file:"):
        return LockedPackage(node_id, name, "", Source.LOCAL, None, resolved or raw)
    elif raw.startswith(_GIT_PREFIXES) or _is_git_shorthand(raw):
        return LockedPackage(node_id, name, "", Source.GIT, entry.integrity, resolved or raw)
    elif "://" in raw:
        # a URL dependency: a registry tarball's URL names the package, whatever the key
        # ("foo": ms 2.1.2's URL installs ms 2.1.2 in node_modules/foo)
        named = registry_identity(raw) if may_name_a_package(raw) else None
        if named is not None and named[1]:
            name, guessed = named
        else:
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
        self._root_keys: list[str] | None = None

    def set_root_dependencies(self, deps: Sequence[tuple[str, str, str]]) -> None:
        """The project's own dependencies, ``(key, name, range)`` as its package.json declares
        them: the root's edges go to the top-level entries of those keys, and only to them."""
        self._root_keys = [key for key, _, _ in deps]
        self._edges = None

    def unresolved_roots(self) -> list[str]:
        """The root dependency keys with no top-level entry (read, with a version)."""
        return [k for k in self._root_keys or () if f"node_modules/{k}" not in self._requires]

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
        if self._root_keys is not None:
            declared = (f"node_modules/{key}" for key in self._root_keys)
            edges[""] = list(dict.fromkeys(n for n in declared if n in nodes))
            return edges
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


_TOKEN = rb'"(?:[^"\\]|\\.)*"|[{}\[\]:]'
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
    for match in re.finditer(_TOKEN, data):
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


# npm-package-arg's tests (npa.js): a spec with a scheme (``npm:`` too), a git one, a path
# (compiled on first use, by ``re``'s cache: decision 0024)
_NPA_URL = r"(?i:(?:git[+])?[a-z]+:)"
_NPA_GIT = r"(?is:[^@]+@[^:.]+\.[^:]+:.+)"
_NPA_FILE_TYPE = r"(?is:.*[.](?:tgz|tar\.gz|tar))"
_NPA_FILE = r"(?:[.]|~[/]|[/]|[a-zA-Z]:)"


def _npa_registry(spec: str) -> bool:
    """Does npm-package-arg's ``resolve`` read ``spec`` as a registry spec (a version, a range,
    a tag) or an alias, not as a file, git or URL one?"""
    if spec.lower().startswith("npm:"):
        return True
    if spec.lower().startswith("file:") or re.match(_NPA_FILE, spec) or re.match(_NPA_URL, spec):
        return False
    # (hosted git shorthands hold a "/" too)
    return not (re.fullmatch(_NPA_GIT, spec) or "/" in spec or re.fullmatch(_NPA_FILE_TYPE, spec))


def registry_spec(resolved: str) -> str | None:
    """The spec npm fetches from the registry for an entry's ``resolved`` that is no URL, git
    or file spec, else None. npm 7+ reads ``resolved`` with npm-package-arg (arborist's
    ``consistentResolve``: ``name@spec`` keeps its spec) and installs
    ``<folder name>@<resolved>``: a version, range or tag of the folder's name, or an alias
    (``npm:other@1.0.0``). npm itself writes a URL, a git URL or ``file:`` there."""
    if not resolved:
        return None  # (npm reads an empty resolved as none)
    arg = resolved
    if arg.lower().startswith("npm:"):
        return arg
    if re.match(_NPA_URL, arg) or re.fullmatch(_NPA_GIT, arg):
        return None
    at = arg.find("@", 1)
    name_part = arg[:at] if at > 0 else arg
    path_like = "/" in name_part or re.fullmatch(_NPA_FILE_TYPE, name_part)
    if path_like and not name_part.startswith("@"):
        return None  # a path or a hosted git shorthand
    spec = (arg[at + 1 :] or "*") if at > 0 else arg
    return spec if _npa_registry(spec) else None


_LOOSE_VERSION = r"[v=\s]*(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\s*"


def spec_package(folder: str, spec: str) -> tuple[str, str]:
    """(name, version) npm installs for ``<folder>@<spec>`` (``registry_spec``): an alias
    names its own package; the version is ``""`` unless the spec is one version (semver's
    loose reading: ``v2.1.3``, ``=2.1.3``, spaces around)."""
    name = folder
    if spec.lower().startswith("npm:"):
        sub = spec[4:]
        at = sub.find("@", 1)
        name, spec = (sub[:at], sub[at + 1 :]) if at > 0 else (sub, "")
    match = re.fullmatch(_LOOSE_VERSION, spec)
    return name, match.group(1) if match else ""


def _split_alias(spec: str) -> tuple[str, str]:
    """``lodash@4.17.20`` / ``@s/pkg@1.0.0`` -> (name, version)."""
    cut = spec.rfind("@")
    if cut <= 0:
        return spec, ""
    return spec[:cut], spec[cut + 1 :]


def _from_installs(entry: _V1Entry) -> bool:
    """A v1 entry whose ``from`` is what npm installs: npm 1 wrote a git or URL dependency as
    its package's ``version`` and the spec in ``from``, with no ``resolved`` (and no
    ``integrity``); npm 6 and npm 7+ then take ``from`` (arborist's ``specFromLock``, from npm
    6's realize-shrinkwrap-specifier). A registry ``from`` (``name@range``) is left to the
    version, as npm does."""
    spec = entry.from_
    if spec is None or entry.resolved is not None or entry.integrity is not None:
        return False
    version = entry.version or ""
    if entry.bundled or not _is_release(version):
        return False  # a version that is itself a spec (git, URL, file:, npm:) is installed
    return (
        spec.startswith((*_GIT_PREFIXES, "file:"))
        or _is_git_shorthand(spec)
        or re.match(r"[a-z][a-z0-9+.-]*://", spec) is not None
    )


def _is_release(version: str) -> bool:
    """A v1 ``version`` that names a release, not a spec (git, URL, ``file:``, ``npm:``)."""
    return not (
        version.startswith((*_GIT_PREFIXES, "file:", "npm:"))
        or _is_git_shorthand(version)
        or ":" in version
    )


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
