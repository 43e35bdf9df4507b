"""What a package manager recorded about the ``node_modules`` tree it installed, used to skip
reading package.json files that cannot matter.

- npm (7 and later) writes ``node_modules/.package-lock.json``, the *hidden lockfile*: one entry
  per installed folder (``node_modules/a/node_modules/b``), with the package's ``name`` when it
  differs from the folder's (aliases, git and tarball dependencies). npm itself trusts it only
  while no package folder is newer than it; so do we, folder by folder.
- yarn berry with ``nodeLinker: node-modules`` writes ``node_modules/.yarn-state.yml``:
  each package's *locator* (``name@npm:1.0.0``; the real package even behind an alias, the
  alias folder being one of its ``locations``) and the folders it is installed in. It is read
  line by line against the one shape yarn writes; anything else and the record is ignored. Only
  registry packages (``npm:``, possibly ``virtual:`` or ``patch:`` of one) are taken from it:
  workspaces, links, git and tarball dependencies are named by their package.json.
- pnpm places every package in its virtual store as ``.pnpm/<id>/node_modules/<name>``, always
  under the package's real name (an alias is a symlink elsewhere), so the folder names it.

A package is identified from these without opening its package.json only when no name it could
carry (its folder's, the recorded one) is a name any rule is about; a package a rule names is
always read from its own package.json, as is any folder these files do not describe, or describe
from before the folder last changed. Records that do not decode exactly are ignored.
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import msgspec

from gouvernante.fs.read import read_small
from gouvernante.fs.walk import YARN_INTEGRITY
from gouvernante.lockfiles._tarball_url import registry_identity
from gouvernante.safetext import shown

# what a record says of the folders it places: folder -> (name, version or where from)
Places = dict[str, tuple[str, str]]

HIDDEN_LOCKFILE = ".package-lock.json"
PNPM_STATE = ".modules.yaml"
YARN_STATE = ".yarn-state.yml"
MAX_HIDDEN_LOCKFILE_BYTES = 128 * 1024 * 1024
MAX_YARN_STATE_BYTES = 64 * 1024 * 1024
# A hidden lockfile dated in the future (clock skew, or a hand-set time) vouches for nothing.
_FUTURE_SLACK_NS = 24 * 3600 * 10**9
_NM_PREFIX = "node_modules/"


class _Entry(msgspec.Struct, frozen=True, gc=False):
    name: str | None = None
    version: str | None = None
    link: bool = False
    resolved: str | None = None


class _HiddenLockfile(msgspec.Struct, frozen=True, gc=False):
    packages: dict[str, _Entry] = {}


_DECODER = msgspec.json.Decoder(_HiddenLockfile)


def _hidden_lockfile(data: bytes) -> _HiddenLockfile | None:
    """npm's hidden lockfile decoded (a leading byte-order mark left out), None when it does
    not decode exactly: the one decoding for -host (``read_hidden_lockfile``) and -image
    (``hidden_lockfile_places``)."""
    try:
        return _DECODER.decode(data.removeprefix(b"\xef\xbb\xbf"))
    except (msgspec.MsgspecError, RecursionError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class RecordedTree:
    """What npm's hidden lockfile or yarn's install state records of the ``node_modules`` folder
    ``root``: folder key (its path from the project folder, ``/``-separated:
    ``node_modules/a/node_modules/b``) -> (name, version), and the record's modification time.
    ``nested``: the keys that have packages in a ``node_modules`` folder of their own."""

    root: str
    mtime_ns: int
    packages: dict[str, tuple[str, str]]
    nested: frozenset[str]
    # folder key -> (name, source) of the packages the record says were NOT installed from the
    # registry: a ``file:`` tarball or folder copied in, a ``link:``/``portal:``, a workspace
    local: dict[str, tuple[str, str]] = field(default_factory=dict)
    record: str = ""  # the record's path

    def key(self, path: str) -> str | None:
        """The record's key for the package folder ``path`` under ``root``."""
        if not path.startswith(self.root) or path[len(self.root) : len(self.root) + 1] != os.sep:
            return None
        rel = path[len(self.root) + 1 :]
        return _NM_PREFIX + (rel.replace(os.sep, "/") if os.sep != "/" else rel)

    def vouches_for(self, key: str, folder_mtime_ns: int) -> tuple[str, str] | None:
        """(name, version) the record has for ``key``, if the folder has not
        changed since it was written."""
        if folder_mtime_ns > self.mtime_ns:
            return None
        return self.packages.get(key)


def read_recorded_tree(root: str) -> RecordedTree | None:
    """The package manager's record of the ``node_modules`` folder ``root``: npm's hidden
    lockfile, else yarn berry's install state; None when neither is there and usable."""
    return read_hidden_lockfile(root) or read_yarn_state(root)


def read_hidden_lockfile(root: str) -> RecordedTree | None:
    """npm's hidden lockfile of the ``node_modules`` folder ``root``, or None when there is
    none, it cannot be read, or it does not decode exactly (then every package.json is read)."""
    path = os.path.join(root, HIDDEN_LOCKFILE)
    got = _record(path, MAX_HIDDEN_LOCKFILE_BYTES)
    doc = _hidden_lockfile(got[0]) if got is not None else None
    if got is None or doc is None:
        return None
    mtime_ns = got[1]
    packages: dict[str, tuple[str, str]] = {}
    for key, entry in doc.packages.items():
        if not key.startswith(_NM_PREFIX) or entry.link:
            continue  # the project itself, a workspace folder, or a symlink (never followed)
        folder = key.rpartition(_NM_PREFIX)[2]
        packages[key] = (entry.name or folder, entry.version or "")
    return _tree(root, mtime_ns, packages, _hidden_copies(doc), path)


def _hidden_copies(doc: _HiddenLockfile) -> dict[str, tuple[str, str]]:
    """The folders npm unpacked a ``file:`` tarball in, or copied a ``file:`` folder to
    (``--install-links``): key -> (name, ``resolved``)."""
    local: dict[str, tuple[str, str]] = {}
    for key, entry in doc.packages.items():
        resolved = entry.resolved
        if resolved is None or entry.link or not key.startswith(_NM_PREFIX):
            continue
        if resolved.startswith("file:"):
            local[key] = (entry.name or key.rpartition(_NM_PREFIX)[2], resolved)
    return local


def _tree(
    root: str,
    mtime_ns: int,
    packages: dict[str, tuple[str, str]],
    local: dict[str, tuple[str, str]] | None = None,
    record: str = "",
) -> RecordedTree:
    nested: set[str] = set()
    for key in packages:
        parent = key.rpartition("/" + _NM_PREFIX)[0]
        if parent:
            nested.add(parent)
    return RecordedTree(root, mtime_ns, packages, frozenset(nested), local or {}, record)


# --- yarn berry's install state -------------------------------------------------------------
#
# The one shape yarn writes (a comment header, then blocks separated by blank lines):
#
#     __metadata:
#       version: 1
#       nmMode: classic
#
#     "app@workspace:.":
#       locations:
#         - ""
#       bin:
#         ".":
#           "semver": "semver/bin/semver.js"
#
#     "ms@npm:2.1.2":
#       locations:
#         - "node_modules/tiny-ms"
#       aliases:
#         - "virtual:<hash>#npm:2.1.2"
#
# (yarn 2.4 to 4.x, checked with 2.4.2, 3.8.7 and 4.18.1.) Keys and strings are JSON strings;
# ``aliases`` are other references of the same package. A line of any other form, a repeated
# key, a block without locations or a metadata version other than 1 and the whole record is
# ignored. yarn rewrites the file only when its content changes: a reinstall that changes
# nothing leaves it older than the folders, which are then read.

# A JSON string (yarn writes every key and string with ``JSON.stringify``).
_DQ = r'"[^"\\\x00-\x1f]*+(?>\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4})[^"\\\x00-\x1f]*+)*+"'
_STATE_HEAD = re.compile(
    r"\ufeff?(?>#[^\n]*+\n|\n)*+__metadata:\n"
    r"((?>  [A-Za-z][A-Za-z0-9]*+: [A-Za-z0-9][A-Za-z0-9._-]*+\n)++)"
)
# The blocks, their fields in the order yarn writes them, and nothing else.
_STATE_BODY = re.compile(
    rf"(?>\n{_DQ}:\n  locations:\n(?>    - {_DQ}\n)*+"
    rf"(?:  aliases:\n(?>    - {_DQ}\n)*+)?"
    rf"(?:  bin:\n(?>    {_DQ}:\n(?>      {_DQ}: {_DQ}\n)*+)*+)?)*+\n*+"
)
_NAME = r"(?:@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9._~-][a-z0-9._~-]*"
_PACKAGE_NAME = re.compile(_NAME, re.IGNORECASE)
_VERSION = re.compile(r"[0-9A-Za-z.+-]+")
# Most locators: a registry package or a peer-dependency copy of one (``virtual:<hash>#``).
_NPM_LOCATOR = re.compile(rf"({_NAME})@(?:virtual:[0-9a-f]+#)?npm:([0-9A-Za-z.+-]+)", re.I)
# In a text _STATE_BODY matched: each block's locator (with name and version when it is a plain
# ``_NPM_LOCATOR``) and its locations (the one location of a block with nothing else, or the
# ``    - "..."`` lines).
_STATE_ENTRY = re.compile(
    rf'\n(?=("(?i:({_NAME}))@(?:virtual:[0-9a-f]+#)?npm:([0-9A-Za-z.+-]+)")?)({_DQ}):'
    rf'\n  locations:\n(?:    - "([^"\\\x00-\x1f]++)"\n(?=\n|\Z)|((?>    - {_DQ}\n)*+))'
)
_YARN_STATE_VERSION = "1"
_ITEM_PREFIX = len("    - ")


class _Refused(Exception):
    """The install state is not in the shape yarn writes."""


def read_yarn_state(root: str) -> RecordedTree | None:
    """yarn berry's install state of the ``node_modules`` folder ``root``, or None when there is
    none, it cannot be read, or it is not laid out exactly as yarn writes it (then every
    package.json is read)."""
    path = os.path.join(root, YARN_STATE)
    got = _record(path, MAX_YARN_STATE_BYTES)
    found = yarn_state_places(got[0]) if got is not None else None
    if got is None or found is None:
        return None
    local, packages = found
    return _tree(root, got[1], packages, local, path)


def _state_entries(text: str) -> list[tuple[str, str, str, str, str, str]]:
    """One ``_STATE_ENTRY`` match per block (locator token, as written, with its name and
    version when plain; its one location or its location lines), or ``_Refused``: the text
    must be the header, then blocks, nothing else."""
    head = _STATE_HEAD.match(text)
    if head is None:
        raise _Refused
    meta: dict[str, str] = {}
    for line in head.group(1).splitlines():
        key, _, value = line.strip().partition(": ")
        if key in meta:
            raise _Refused
        meta[key] = value
    if meta.get("version") != _YARN_STATE_VERSION:
        raise _Refused
    at = head.end()
    if _STATE_BODY.fullmatch(text, at) is None:
        raise _Refused
    entries: list[tuple[str, str, str, str, str, str]] = _STATE_ENTRY.findall(text, at)
    if len(entries) != text.count('\n"', at):
        raise _Refused
    return entries


def _state_packages(
    entries: list[tuple[str, str, str, str, str, str]],
    local: dict[str, tuple[str, str]] | None = None,
) -> dict[str, tuple[str, str]]:
    """Folder key -> (name, version) of the registry packages; a folder recorded for two
    packages, or for a package that is not from the registry, is vouched for by none.
    ``local`` receives folder key -> (name, locator) of the folders recorded for one package
    only, a ``file:``/``portal:``/``link:`` or workspace one."""
    packages: dict[str, tuple[str, str]] = {}
    shared: set[str] = set()
    seen: set[str] = set()
    copies: dict[str, tuple[str, str]] = {}
    for fast, name, version, key, single, listed in entries:
        locator = key[1:-1] if "\\" not in key else _dq(key)
        if locator in seen:
            raise _Refused
        seen.add(locator)
        # None: not a registry package, named by its package.json
        release = (name, version) if fast else _registry_release(locator)
        if single:
            locations = [single]
        else:
            locations = [_dq(item[_ITEM_PREFIX:]) for item in listed.split("\n")[:-1]]
        copy = _local_locator(locator) if release is None else None
        for location in locations:
            if location in packages or location in shared:
                shared.add(location)
                packages.pop(location, None)
                copies.pop(location, None)
            elif release is not None and location.startswith(_NM_PREFIX):
                packages[location] = release
            else:
                shared.add(location)  # not vouched for, by this or a later block
                if copy is not None and location.startswith(_NM_PREFIX):
                    copies[location] = (copy, locator)
    if local is not None:
        local.update(copies)
    return packages


_LOCAL_REFERENCES = ("file:", "portal:", "link:", "workspace:")


def _local_locator(locator: str) -> str | None:
    """The name of a locator that is no registry package: a ``file:`` tarball or folder, a
    ``portal:``/``link:`` or a workspace (``name@file:vendor/x.tgz#vendor/x.tgz::hash=…``);
    None for anything else (registry, git, URL, patches)."""
    split = _split_locator(locator)
    if split is None:
        return None
    reference = split[1]
    if reference.startswith("virtual:"):  # a peer-dependency copy of the locator after ``#``
        reference = reference.partition("#")[2]
    return split[0] if reference.startswith(_LOCAL_REFERENCES) else None


def _dq(token: str) -> str:
    """The value of a ``_DQ`` token."""
    if "\\" not in token:
        return token[1:-1]
    value = json.loads(token)
    if not isinstance(value, str):
        raise _Refused
    return value


def _split_locator(locator: str) -> tuple[str, str] | None:
    """(name, reference) of ``name@reference`` (the name may be ``@scope/name``)."""
    at = locator.find("@", 1)
    if at < 0 or not _PACKAGE_NAME.fullmatch(locator[:at]):
        return None
    return locator[:at], locator[at + 1 :]


def _registry_release(locator: str) -> tuple[str, str] | None:
    """(name, version) of a registry package's locator: ``name@npm:1.0.0``, its peer-dependency
    copies ``name@virtual:<hash>#npm:1.0.0`` and patched copies
    ``name@patch:name@npm%3A1.0.0#<patch>``; None for anything else."""
    plain = _NPM_LOCATOR.fullmatch(locator)
    if plain is not None:
        name, version = plain.groups()
        return name, version
    split = _split_locator(locator)
    if split is None:
        return None
    name, reference = split
    if reference.startswith("virtual:"):
        reference = reference.partition("#")[2]
    if reference.startswith("patch:"):
        inner = _split_locator(unquote(reference[len("patch:") :].partition("#")[0]))
        if inner is None or inner[0] != name:
            return None
        reference = inner[1]
    if not reference.startswith("npm:") or not _VERSION.fullmatch(reference[len("npm:") :]):
        return None
    return name, reference[len("npm:") :]


# --- packages installed from the project itself ------------------------------------------
#
# A folder ``node_modules/<name>`` may hold a package that is not the registry release of that
# name and version: a ``file:`` tarball unpacked, a ``file:`` folder copied, a workspace member
# injected as a copy (pnpm's ``dependenciesMeta.injected`` / ``inject-workspace-packages``).
# Its package.json says ``name`` and ``version`` as the registry's would; only the package
# manager's record of the install tells the two apart:
#
# - npm: the hidden lockfile's entry for the folder has ``resolved: "file:..."``;
# - yarn berry: the install state lists the folder under a ``file:``/``portal:``/``link:`` or
#   workspace locator;
# - pnpm (hoisted linker; the isolated one names such copies ``.pnpm/<name>@file+...``):
#   ``node_modules/.modules.yaml`` of the workspace root, ``hoistedLocations``: each
#   ``<name>@<reference>`` with the folders it is placed in (``is-number@file:packages/is-number``:
#   ``[packages/app1/node_modules/is-number]``); JSON since pnpm 10, YAML before;
# - yarn 1: ``node_modules/.yarn-integrity``'s ``lockfileEntries``, pattern -> resolution; a
#   folder is installed from the patterns of its own name (yarn 1 places a pattern under the
#   name before its ``@``), so a folder whose name's patterns are all ``file:``/``link:`` holds
#   one of them.
#
# bun keeps no such record: its copies are matched by name and version as before.
# A record is believed only where it cannot mislead: written no earlier than the folder last
# changed, naming the package the package.json names, and listing the folder once (a folder
# listed for a registry release too is the registry's); anything else keeps the finding.

PNPM_MODULES_MAX_BYTES = 64 * 1024 * 1024
_PNPM_LOCAL = ("file:", "link:")
# a registry release's version as pnpm writes it in an id (semver, no range, no URL)
_PNPM_VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")
_ANCESTORS = 64  # how far up a member's node_modules looks for the workspace root's record


@dataclass(frozen=True, slots=True)
class LocalCopies:
    """Package folders the record ``record`` says were installed from the project itself:
    ``folders`` path (as the tree scan builds it) -> (name, where from); yarn 1, which records
    no folder, gives ``names`` instead: name -> where from, for every folder so named under
    ``root``."""

    record: str
    mtime_ns: int
    folders: dict[str, tuple[str, str]]
    root: str = ""
    names: dict[str, str] = field(default_factory=dict)
    # path -> (name, version) of the registry releases the record places (pnpm's hoisted linker)
    releases: dict[str, tuple[str, str]] = field(default_factory=dict)

    # yarn 1: folder name -> (name, version), for the top folders of ``root`` (``top``)
    top: dict[str, tuple[str, str]] = field(default_factory=dict)

    def release_at(self, path: str, folder_mtime_ns: int) -> tuple[str, str] | None:
        """The registry release the record places at ``path``, if the folder has not changed
        since it was written."""
        if folder_mtime_ns > self.mtime_ns:
            return None
        if self.top and path.startswith(self.root + os.sep):
            parts = path[len(self.root) + 1 :].split(os.sep)
            if len(parts) == 1 or (len(parts) == 2 and parts[0][:1] == "@"):
                return self.top.get("/".join(parts))
        return self.releases.get(path)

    def copy_at(self, path: str, name: str, folder_mtime_ns: int) -> str | None:
        """Where the package ``name`` at ``path`` came from, when the record says it is a
        local copy of that very package and the folder has not changed since it was written."""
        if folder_mtime_ns > self.mtime_ns:
            return None
        found = self.folders.get(path)
        if found is None and self.names and _folder_name(path, self.root) == name:
            source = self.names.get(name)
            found = None if source is None else (name, source)
        if found is None or found[0] != name:
            return None
        return found[1]


def _folder_name(path: str, root: str) -> str | None:
    """``<name>`` or ``@scope/<name>`` of a package folder ``<root>/…/node_modules/<name>``."""
    if not path.startswith(root + os.sep):
        return None
    parts = path[len(root) + 1 :].split(os.sep)
    if len(parts) >= 2 and parts[-2][:1] == "@":
        scoped = parts[-2] + "/" + parts[-1]
        return scoped if len(parts) == 2 or parts[-3] == "node_modules" else None
    return parts[-1] if len(parts) == 1 or parts[-2] == "node_modules" else None


def local_copies(root: str, recorded: RecordedTree | None) -> list[LocalCopies]:
    """The records of the ``node_modules`` tree ``root`` naming folders installed from the
    project itself (``recorded``: npm's or yarn berry's record of it, when read)."""
    found: list[LocalCopies] = []
    project = os.path.dirname(root)
    if recorded is not None and recorded.local:
        found.append(
            LocalCopies(
                recorded.record,
                recorded.mtime_ns,
                {_joined(project, key): copy for key, copy in recorded.local.items()},
            )
        )
    for reader in (_pnpm_copies, _yarn_classic_copies):
        copies = reader(root)
        if copies is not None:
            found.append(copies)
    return found


def _joined(base: str, rel: str) -> str:
    return base + os.sep + (rel.replace("/", os.sep) if os.sep != "/" else rel)


def _record(path: str, cap: int) -> tuple[bytes, int] | None:
    """The record's bytes and when it was written (``written_ns``)."""
    data = read_small(path, cap)
    if not isinstance(data, bytes):
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    if st.st_mtime_ns > time.time_ns() + _FUTURE_SLACK_NS:
        return None
    return data, written_ns(st)


def written_ns(st: os.stat_result) -> int:
    """When the record ``st`` describes was written, for the freshness rule: its modification
    time, or its status change time when that is earlier. A record dated forward (``touch -d``,
    ``os.utime``: its modification time in the future) would otherwise vouch for every folder
    changed before that date; its status change time is when it was dated so (the kernel's).
    A record copied with its times kept keeps its modification time."""
    return min(st.st_mtime_ns, st.st_ctime_ns)


def _pnpm_copies(root: str) -> LocalCopies | None:
    """pnpm's ``hoistedLocations`` of ``file:``/``link:`` references, from the tree's own
    ``.modules.yaml`` or, for a workspace member's ``node_modules``, the nearest one above."""
    base = os.path.dirname(root)
    path = os.path.join(root, PNPM_STATE)
    for _ in range(_ANCESTORS):
        if os.path.isfile(path):
            break
        parent = os.path.dirname(base)
        if parent == base:
            return None
        base = parent
        path = os.path.join(base, "node_modules", PNPM_STATE)
    else:
        return None
    got = _record(path, PNPM_MODULES_MAX_BYTES)
    if got is None:
        return None
    data, mtime_ns = got
    found = pnpm_modules_places(read_pnpm_modules(data, path))
    if found is None or not (found[0] or found[1]):
        return None
    folders = {_joined(base, place): copy for place, copy in found[0].items()}
    releases = {_joined(base, place): release for place, release in found[1].items()}
    return LocalCopies(path, mtime_ns, folders, releases=releases)


@dataclass(frozen=True, slots=True)
class PnpmModules:
    """pnpm's ``node_modules/.modules.yaml`` decoded once, for every reader of it (the copies
    and releases of ``hoistedLocations``: ``pnpm_modules_places``; the store it was installed
    from: ``configs.pnpm_modules_folders``). ``json``: written as JSON (pnpm 10) rather than
    YAML (pnpm 9); ``document``: its top-level mapping, None when it does not decode to one
    (a record not read is not believed; a reader needing a value from it says so, naming the
    file and the key or line, never the bytes)."""

    json: bool
    document: dict[Any, Any] | None


# The record ``read_pnpm_modules`` decoded last: -host reads a project's record for its places
# (``local_copies``) and then for its store (``configs.pnpm_modules_folders``), the same bytes
# at the same path; one entry, replaced by the next record (the answer depends on both alone).
_LAST_PNPM_MODULES: list[tuple[str, bytes, PnpmModules]] = []


def read_pnpm_modules(data: bytes, path: str) -> PnpmModules:
    """The one decoding of pnpm's ``.modules.yaml`` (``path``: where it is, as errors would
    name it): JSON when it starts with ``{`` (msgspec), YAML otherwise, read as pnpm's other
    YAML settings files are (``pnpm_workspace.settings_document``: anchors, repeated keys and
    characters YAML readers disagree on refused), within ``PNPM_MODULES_MAX_BYTES``. The same
    bytes at the same path as the call before are not decoded again."""
    if _LAST_PNPM_MODULES:
        last_path, last_data, last = _LAST_PNPM_MODULES[0]
        if last_path == path and last_data == data:
            return last
        _LAST_PNPM_MODULES.clear()  # (not kept while the next one is decoded)
    modules = _decode_pnpm_modules(data, path)
    _LAST_PNPM_MODULES.append((path, data, modules))
    return modules


def _decode_pnpm_modules(data: bytes, path: str) -> PnpmModules:
    if data.lstrip()[:1] == b"{":
        try:
            doc = msgspec.json.decode(data)
        except (msgspec.MsgspecError, RecursionError, ValueError):
            doc = None
        return PnpmModules(True, doc if isinstance(doc, dict) else None)
    from gouvernante.lockfiles.pnpm_workspace import settings_document  # noqa: PLC0415 - pnpm 9

    try:
        doc = settings_document(data, path, PNPM_STATE, PNPM_MODULES_MAX_BYTES)
    except Exception:  # (LockfileError; hostile YAML may raise anything): a record not read
        doc = None
    return PnpmModules(False, doc)


def pnpm_modules_places(data: bytes | PnpmModules) -> tuple[Places, Places] | None:
    """pnpm's ``.modules.yaml`` (its bytes, or as ``read_pnpm_modules`` decoded it): (copies,
    releases), folder (relative to the workspace root, ``/``-separated) -> (name, reference) of
    each ``file:``/``link:`` package of ``hoistedLocations``, and -> (name, version) of each
    registry release there (hoisted linker: ``ms@2.1.3``, ``react-dom@18.2.0(react@18.2.0)``),
    each placed there and nowhere listed for another package; None when the record does not
    read."""
    modules = read_pnpm_modules(data, PNPM_STATE) if isinstance(data, bytes) else data
    doc = modules.document
    located = doc.get("hoistedLocations") if doc is not None else None
    if not isinstance(located, dict):
        return None
    places: dict[str, tuple[str, str]] = {}
    releases: dict[str, tuple[str, str]] = {}
    shared: set[str] = set()
    for key, listed in located.items():
        split = _split_locator(key) if isinstance(key, str) else None
        if split is None or not isinstance(listed, list):
            return None
        local = split[1].startswith(_PNPM_LOCAL)
        version = _PNPM_VERSION.fullmatch(split[1].partition("(")[0])
        for place in listed:
            if not isinstance(place, str):
                return None
            if place in places or place in releases or place in shared:
                shared.add(place)
                places.pop(place, None)
                releases.pop(place, None)
            elif local:
                places[place] = (split[0], split[1])
            elif version is not None:
                releases[place] = (split[0], version.group(0))
            else:
                shared.add(place)
    return places, releases


class _YarnIntegrity(msgspec.Struct, frozen=True, gc=False):
    lockfileEntries: dict[str, str] = {}  # yarn's own key


def _yarn_classic_copies(root: str) -> LocalCopies | None:
    """yarn 1's ``.yarn-integrity``: the folders of the tree named by a dependency whose every
    pattern is a ``file:``/``link:`` one (yarn writes the resolution ``file:…#<sha1>`` for a
    tarball, ``""`` for a folder)."""
    path = os.path.join(root, YARN_INTEGRITY)
    got = _record(path, MAX_HIDDEN_LOCKFILE_BYTES)
    if got is None:
        return None
    data, mtime_ns = got
    found = yarn_integrity_places(data)
    if found is None or not (found[0] or found[1]):
        return None
    return LocalCopies(path, mtime_ns, {}, root, found[0], top=found[1])


def yarn_integrity_places(data: bytes) -> tuple[dict[str, str], Places] | None:
    """yarn 1's ``.yarn-integrity``, decoded once: (names, releases). ``names``: name ->
    pattern range of the names every pattern of which is ``file:``/``link:`` (yarn writes the
    resolution ``file:…#<sha1>`` for a tarball, ``""`` for a folder). ``releases``: folder name
    -> (name, version) of the names all of whose patterns resolve to one registry tarball
    (``https://registry.yarnpkg.com/ms/-/ms-2.1.3.tgz``; an alias's folder holds the URL's
    package). yarn 1 records patterns, not folders: such a name's folder at the top of the tree
    holds that release (a nested one may be a package's bundled copy, which no record lists); a
    name with two releases, or one not from a registry tarball, says nothing. None when the
    record does not read."""
    try:
        entries = msgspec.json.decode(data, type=_YarnIntegrity).lockfileEntries
    except (msgspec.MsgspecError, RecursionError, ValueError):
        return None
    local: dict[str, str] = {}
    registry: set[str] = set()
    found: dict[str, tuple[str, str] | None] = {}
    for pattern, resolution in entries.items():
        split = _split_locator(pattern)
        if split is None:
            return None
        name, range_ = split
        if range_.startswith(_PNPM_LOCAL) and (resolution == "" or resolution.startswith("file:")):
            local.setdefault(name, range_)
        else:
            registry.add(name)
        release = registry_identity(resolution) if resolution.startswith("http") else None
        if release is None or not release[1] or found.get(name, release) != release:
            found[name] = None
        else:
            found[name] = release
    names = {name: source for name, source in local.items() if name not in registry}
    return names, {name: release for name, release in found.items() if release is not None}


def hidden_lockfile_places(data: bytes) -> tuple[Places, Places] | None:
    """npm's hidden lockfile, decoded once: (copies, releases), folder key (``node_modules/…``)
    -> (name, ``resolved``) of the ``file:`` packages, and -> (name, version) of the packages
    it lists otherwise (not the links, not an entry without a version); None when it does not
    decode."""
    doc = _hidden_lockfile(data)
    if doc is None:
        return None
    local = _hidden_copies(doc)
    return local, {
        key: (entry.name or key.rpartition(_NM_PREFIX)[2], entry.version)
        for key, entry in doc.packages.items()
        if key.startswith(_NM_PREFIX) and not entry.link and entry.version and key not in local
    }


def yarn_state_places(data: bytes) -> tuple[Places, Places] | None:
    """yarn berry's install state, read once: (copies, releases), folder key -> (name,
    locator) of its local packages, and -> (name, version) of its registry packages; None when
    it is not laid out exactly as yarn writes it."""
    local: Places = {}
    try:
        releases = _state_packages(_state_entries(data.decode("utf-8")), local)
    except (UnicodeDecodeError, ValueError, _Refused):
        return None
    return local, releases


def pnpm_managed(root: str) -> int | None:
    """When pnpm last installed the ``node_modules`` folder ``root``: when it wrote the
    ``.modules.yaml`` it writes once every package is in place (pnpm 9.15.9 and 10;
    ``written_ns``), or ``.pnpm/lock.yaml`` when later; None when there is no
    ``.modules.yaml``, or it is dated more than a day in the future (as any record)."""
    try:
        st = os.stat(os.path.join(root, PNPM_STATE))
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_mtime_ns > time.time_ns() + _FUTURE_SLACK_NS:
        return None
    written = written_ns(st)
    # pnpm 10 writes ``.pnpm/lock.yaml`` after it (10.34.9: 12 ms later), which changes the
    # store folder ``.pnpm``, counted in its packages' freshness (decision 0147): the record is
    # as recent as the later of the two
    try:
        lock = os.stat(os.path.join(root, ".pnpm", "lock.yaml"))
    except OSError:
        return written
    if stat.S_ISREG(lock.st_mode) and lock.st_mtime_ns <= time.time_ns() + _FUTURE_SLACK_NS:
        written = max(written, written_ns(lock))
    return written


def changed_ns(st: os.stat_result) -> int:
    """When the folder ``st`` describes last changed, for the records' freshness rule: its
    modification time, or its status change time when that is later. A folder renamed or moved
    into place (``mv``), copied with its times kept (``cp -a``, ``rsync -a``, ``tar``), or dated
    back (``touch -d``, ``os.utime``) keeps a modification time older than the record, which
    then names what it held before; the status change time is set by the kernel (rename,
    ``utime``, creation) and no program can set it back (on Windows it is the creation time:
    a folder renamed keeps it)."""
    return max(st.st_mtime_ns, st.st_ctime_ns)


# --- what the records say a package folder holds -----------------------------------------
#
# The registry does not check that the package.json inside a published tarball is the version
# document it serves ("manifest confusion"): a release locked and installed as ms 2.1.3 may carry
# a package.json saying 2.1.0, or another name. The package managers name what they installed
# from the registry's document: the folder of a virtual store, npm's hidden lockfile, yarn's
# install state, pnpm's hoistedLocations. A package folder is therefore matched as what its
# package.json says AND as what such a record says, and a disagreement is a note.


@dataclass(frozen=True, slots=True)
class RecordedRelease:
    """The release a package manager's record names for one package folder: ``record`` is the
    record (a file, or the store folder whose name says it) and ``field`` where in it."""

    name: str
    version: str
    record: str
    field: str


_STORES = frozenset({".pnpm", ".bun", ".store"})
_PLAIN_VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")
_NPM_STORE_HASH = re.compile(r"-[A-Za-z0-9_-]{22}\Z")


def store_release(path: str, sep: str = os.sep) -> RecordedRelease | None:
    """The release a virtual store's folder names for the package folder ``path``:
    pnpm's ``node_modules/.pnpm/<name, / as +>@<version>[_<peers>]/node_modules/<name>``, bun's
    ``node_modules/.bun/<name, / as +>@<version>[+<hash>]/node_modules/<name>`` (a version with a
    prerelease or build tag is a hash there: not read), npm's linked layout's
    ``node_modules/.store/[@scope/]<name>@<version>-<hash>/node_modules/<name>`` (the hash: 22
    characters of base64url). None for any
    other place, and for ids naming no registry version (a URL, a path, a git repository)."""
    parts = path.split(sep)
    scoped = len(parts) >= 2 and parts[-2][:1] == "@"
    i = len(parts) - (2 if scoped else 1)  # where the package's name starts
    if i < 5 or parts[i - 1] != "node_modules":
        return None
    name = f"{parts[i]}/{parts[i + 1]}" if scoped else parts[i]
    store = parts[i - 3]
    if store in (".pnpm", ".bun"):
        id_name, top = name.replace("/", "+"), i - 4
    elif store == ".store" and not scoped:
        id_name, top = name, i - 4
    elif scoped and store == parts[i] and parts[i - 4] == ".store":
        id_name, top = parts[i + 1], i - 5
    else:
        return None
    package_id = parts[i - 2]
    if top < 0 or parts[top] != "node_modules" or not package_id.startswith(id_name + "@"):
        return None
    rest = package_id[len(id_name) + 1 :]
    kind = parts[top + 1]
    if kind == ".pnpm":
        m = _PNPM_VERSION.match(rest)
        ok = m is not None and rest[m.end() : m.end() + 1] in ("", "_")
    elif kind == ".bun":
        m = _PLAIN_VERSION.match(rest)
        ok = m is not None and rest[m.end() : m.end() + 1] in ("", "+")
    else:  # (npm 11.19.1: 22 characters of base64url, which may hold a "-")
        digest = _NPM_STORE_HASH.search(rest)
        m = _PNPM_VERSION.fullmatch(rest, 0, digest.start()) if digest is not None else None
        ok = m is not None
    if m is None or not ok:
        return None
    folder = sep.join(parts[: i - 1])
    return RecordedRelease(name, m.group(0), folder, "the folder's name")


def tree_releases(
    path: str, mtime_ns: int, recorded: RecordedTree | None, local: list[LocalCopies]
) -> list[RecordedRelease]:
    """What the records of the tree name for the package folder ``path`` (last changed at
    ``mtime_ns``): the virtual store's folder, npm's hidden lockfile or yarn's install state
    (``recorded``), pnpm's hoistedLocations (``local``). A record older than the folder names
    nothing (decision 0025), nor an entry for a package installed from the project itself."""
    out: list[RecordedRelease] = []
    found = store_release(path)
    if found is not None:
        out.append(found)
    if recorded is not None:
        key = recorded.key(path)
        if key is not None and key not in recorded.local:
            release = recorded.vouches_for(key, mtime_ns)
            if release is not None and release[1]:
                out.append(
                    RecordedRelease(
                        *release, recorded.record, record_field(recorded.record, key, release)
                    )
                )
    for copies in local:
        release = copies.release_at(path, mtime_ns)
        if release is not None:
            where = (
                "lockfileEntries (every pattern of the folder's name)"
                if copies.top
                else f'hoistedLocations["{release[0]}@{release[1]}"]'
            )
            out.append(RecordedRelease(*release, copies.record, where))
    return out


def record_field(record: str, key: str, release: tuple[str, str]) -> str:
    """Where in the record ``record`` (npm's hidden lockfile or yarn's install state) the entry
    for the folder ``key`` is."""
    if os.path.basename(record) == YARN_STATE:
        return f'"{release[0]}@npm:{release[1]}".locations'
    return f'packages["{key}"]'


def _same_version(version: str, other: RecordedRelease) -> bool:
    # (a version written ``v1.0.0`` or ``=1.0.0``, which npm's publish cleans, is the same)
    return version == other.version or version.strip().lstrip("=v").strip() == other.version


def same_release(name: str, version: str, other: RecordedRelease) -> bool:
    """Does the package.json's (``name``, ``version``) name the recorded release?"""
    return name == other.name and _same_version(version, other)


def disagreement_note(
    name: str, version: str, other: RecordedRelease, manifest: str = "the package.json"
) -> str:
    """The words for a package folder whose package.json names another release than its
    package manager's record (what the package.json says is not echoed); ``manifest``: where
    the package.json's name and version were read (a cache's copy of them)."""
    what = " and ".join(
        w
        for w, differs in (
            ("name", name != other.name),
            ("version", not _same_version(version, other)),
        )
        if differs
    )
    return (
        f"{other.record} records {shown(other.name)}@{shown(other.version)} here"
        f" ({other.field}) and {manifest}'s {what} says otherwise: the registry does not"
        " check a published tarball's package.json against the release it serves (manifest"
        " confusion), so it is matched as both"
    )
