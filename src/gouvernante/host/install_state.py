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
import time
from dataclasses import dataclass
from urllib.parse import unquote

import msgspec

from gouvernante.fs.read import read_small

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


class _HiddenLockfile(msgspec.Struct, frozen=True, gc=False):
    packages: dict[str, _Entry] = {}


_DECODER = msgspec.json.Decoder(_HiddenLockfile)


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
    for key, entry in doc.packages.items():
        if not key.startswith(_NM_PREFIX) or entry.link:
            continue  # the project itself, a workspace folder, or a symlink (never followed)
        folder = key.rpartition(_NM_PREFIX)[2]
        packages[key] = (entry.name or folder, entry.version or "")
    return _tree(root, mtime_ns, packages)


def _tree(root: str, mtime_ns: int, packages: dict[str, tuple[str, str]]) -> RecordedTree:
    nested: set[str] = set()
    for key in packages:
        parent = key.rpartition("/" + _NM_PREFIX)[0]
        if parent:
            nested.add(parent)
    return RecordedTree(root, mtime_ns, packages, frozenset(nested))


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

_DQ = r'"[^"\\\x00-\x1f]*(?:\\.[^"\\\x00-\x1f]*)*"'
_STATE_KEY = re.compile(rf"({_DQ}):")
_STATE_FIELD = re.compile(r"  (locations|aliases|bin):")
_STATE_ITEM = re.compile(rf"    - ({_DQ})")
_STATE_BIN_FOLDER = re.compile(rf"    ({_DQ}):")
_STATE_BIN = re.compile(rf"      ({_DQ}): ({_DQ})")
_STATE_META = re.compile(r"  ([A-Za-z][A-Za-z0-9]*): ([A-Za-z0-9][A-Za-z0-9._-]*)")
_PACKAGE_NAME = re.compile(r"(?:@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9._~-][a-z0-9._~-]*", re.IGNORECASE)
_VERSION = re.compile(r"[0-9A-Za-z.+-]+")
_YARN_STATE_VERSION = "1"


class _Refused(Exception):
    """The install state is not in the shape yarn writes."""


def read_yarn_state(root: str) -> RecordedTree | None:
    """yarn berry's install state of the ``node_modules`` folder ``root``, or None when there is
    none, it cannot be read, or it is not laid out exactly as yarn writes it (then every
    package.json is read). Folders recorded for two packages are vouched for by neither."""
    path = os.path.join(root, YARN_STATE)
    data = read_small(path, MAX_YARN_STATE_BYTES)
    if not isinstance(data, bytes):
        return None
    try:
        mtime_ns = os.stat(path).st_mtime_ns
        blocks = _state_blocks(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, _Refused):
        return None
    if mtime_ns > time.time_ns() + _FUTURE_SLACK_NS:
        return None
    packages: dict[str, tuple[str, str]] = {}
    shared: set[str] = set()
    for locator, locations in blocks.items():
        release = _registry_release(locator)  # None: named by its package.json
        for location in locations:
            if location in packages or location in shared:
                shared.add(location)
                packages.pop(location, None)
            elif release is not None and location.startswith(_NM_PREFIX):
                packages[location] = release
            else:
                shared.add(location)  # not vouched for, by this or a later block
    return _tree(root, mtime_ns, packages)


def _state_blocks(text: str) -> dict[str, list[str]]:
    """locator -> its locations, or ``_Refused``."""
    lines = text.removeprefix("\ufeff").split("\n")
    at = 0
    while at < len(lines) and (lines[at].startswith("#") or not lines[at]):
        at += 1
    at = _state_metadata(lines, at)
    blocks: dict[str, list[str]] = {}
    while at < len(lines):
        line = lines[at]
        at += 1
        if not line:
            continue
        key = _STATE_KEY.fullmatch(line)
        if key is None:
            raise _Refused
        locator = _dq(key.group(1))
        if locator in blocks:
            raise _Refused
        at, fields = _state_fields(lines, at)
        if "locations" not in fields:
            raise _Refused
        blocks[locator] = fields["locations"]
    return blocks


def _state_metadata(lines: list[str], at: int) -> int:
    if at >= len(lines) or lines[at] != "__metadata:":
        raise _Refused
    at += 1
    meta: dict[str, str] = {}
    while at < len(lines) and lines[at]:
        field = _STATE_META.fullmatch(lines[at])
        if field is None or field.group(1) in meta:
            raise _Refused
        meta[field.group(1)] = field.group(2)
        at += 1
    if meta.get("version") != _YARN_STATE_VERSION:
        raise _Refused
    return at


def _state_fields(lines: list[str], at: int) -> tuple[int, dict[str, list[str]]]:
    """The fields of one block (``locations``, ``aliases``: lists of strings; ``bin``, only
    on the project's own block: folder -> {command: file}, kept as its folders)."""
    fields: dict[str, list[str]] = {}
    field: str | None = None
    while at < len(lines) and lines[at]:
        line = lines[at]
        at += 1
        if field is not None and _field_member(field, line, fields[field]):
            continue
        match = _STATE_FIELD.fullmatch(line)
        if match is None or match.group(1) in fields:
            raise _Refused
        field = match.group(1)
        fields[field] = []
    return at, fields


def _field_member(field: str, line: str, items: list[str]) -> bool:
    """Is ``line`` a member of ``field`` (appended to ``items``)?"""
    if field != "bin":
        item = _STATE_ITEM.fullmatch(line)
        if item is None:
            return False
        items.append(_dq(item.group(1)))
        return True
    command = _STATE_BIN.fullmatch(line)
    if command is not None and items:
        _dq(command.group(1))
        _dq(command.group(2))
        return True
    folder = _STATE_BIN_FOLDER.fullmatch(line)
    if folder is None:
        return False
    items.append(_dq(folder.group(1)))
    return True


def _dq(token: str) -> str:
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


def pnpm_managed(root: str) -> bool:
    """Did pnpm install the ``node_modules`` folder ``root`` (it writes ``.modules.yaml``)?"""
    return os.path.isfile(os.path.join(root, PNPM_STATE))
