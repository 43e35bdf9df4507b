"""The bundled rule pack, loaded fast.

``scripts/build_rule_pack.py`` writes the pack's JSON files and, beside them, ``pack.msgpack``
(``PRECOMPILED``): the rules the strict loader reads from those files, one rule cache entry's body
per file (``rules.cache.entry_body``: each rule's id, timestamps and what it checks, the names and
integrity strings the rules list, then the rule model's Structs encoded one by one, each rule's
``source`` the name of its file), with each JSON file's name, size and CRC-32, after the CRC-32 of
the rest (4 bytes, little-endian). A scan reads it instead of the JSON files only when its own
CRC-32 holds and it names exactly the folder's ``*.json`` files, each with that size and checksum;
otherwise (a file edited, added or removed, the precompiled file missing, damaged or of another
format, a big-endian machine: the entries' position arrays are little-endian) the JSON files are
decoded as before (``_pack_json``), so what is scanned is always what the JSON files say. Read
from the precompiled file, the rules are a ``CachedRules`` as cached rule files are: the index is
built from the entries' name tables and a rule is decoded when a lockfile names one of its
packages (or a report lists it), so a scan of a lockfile naming none decodes none (decision
0105). The checksum finds an edit or a stale build, not an attack: whoever can write the package's
folder can write its code (decisions 0018, 0024). A test checks that both ways and the strict
loader build identical rules from the pack.
"""

# No postponed annotations here: msgspec reads this module's Structs' annotations as objects,
# building no typing.ForwardRef (a process's first compile() is ~10 M instructions; decision
# 0137, tests/cli/test_scan_lean.py).

import os
import sys
import zlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import msgspec

from gouvernante.errors import RuleError
from gouvernante.rules.cache import CachedFile, CachedRules, entry_body, from_body
from gouvernante.rules.ruleset import RuleSet

if TYPE_CHECKING:
    from gouvernante.rules.model import Rule

PRECOMPILED = "pack.msgpack"
FORMAT = 2  # 2: one rule cache entry body per JSON file; 1: every rule decoded at load


class _File(msgspec.Struct, array_like=True, frozen=True, gc=False):
    name: str
    size: int
    crc32: int


class _Precompiled(msgspec.Struct, array_like=True, gc=False):
    format: int
    files: list[_File]
    entries: list[bytes]  # per file, a rule cache entry's body (each rule's ``source``: its name)


def pack_files(directory: str) -> list[str]:
    return sorted(
        os.path.join(directory, name) for name in os.listdir(directory) if name.endswith(".json")
    )


def precompiled(files: Mapping[str, bytes], rules: "Sequence[Rule]") -> bytes:
    """``PRECOMPILED`` for the pack files ``files`` (name -> bytes) and their ``rules`` (in the
    files' sorted order, each ``source`` the name of its file). Reproducible bytes."""
    names = sorted(files)
    by_file: dict[str, list[tuple[int, Rule]]] = {name: [] for name in names}
    for rule in rules:
        kept = by_file[rule.source]
        kept.append((len(kept), rule))
    doc = _Precompiled(
        FORMAT,
        [_File(name, len(files[name]), zlib.crc32(files[name])) for name in names],
        [entry_body(name, "", by_file[name], deterministic=True) for name in names],
    )
    body = msgspec.msgpack.Encoder(order="deterministic").encode(doc)
    return zlib.crc32(body).to_bytes(4, "little") + body


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def _from_precompiled(directory: str, files: list[str]) -> CachedRules | None:
    """The rules of ``PRECOMPILED`` if it answers for exactly ``files``; None if not (or if it
    cannot be read or decoded)."""
    if sys.byteorder != "little":  # (the entries' position arrays: ``rules.cache._Head``)
        return None
    try:
        data = _read(os.path.join(directory, PRECOMPILED))
        if int.from_bytes(data[:4], "little") != zlib.crc32(memoryview(data)[4:]):
            return None
        doc = msgspec.msgpack.decode(memoryview(data)[4:], type=_Precompiled)
    except (OSError, msgspec.DecodeError):
        return None
    paths = {os.path.basename(p): p for p in files}
    names = [f.name for f in doc.files]
    if doc.format != FORMAT or names != list(paths) or len(doc.entries) != len(names):
        return None
    for f in doc.files:
        try:
            data = _read(paths[f.name])
        except OSError:
            return None  # (the JSON way says why)
        if len(data) != f.size or zlib.crc32(data) != f.crc32:
            return None
    parts: list[CachedFile] = []
    for name, entry in zip(names, doc.entries, strict=True):
        part = from_body(entry, name, "", source=paths[name])
        if part is None:
            return None
        parts.append(part)
    return CachedRules(parts)


def load_pack(directory: str) -> RuleSet:
    """Load every ``*.json`` of the bundled pack; raises ``RuleError`` if it is damaged."""
    try:
        files = pack_files(directory)
    except OSError as exc:
        raise RuleError(directory, f"cannot read the bundled rule pack: {exc.strerror}") from None
    if not files:
        raise RuleError(directory, "the bundled rule pack is empty")
    cached = _from_precompiled(directory, files)
    if cached is not None:
        return RuleSet(cached, tuple(files), builtin=True)
    from gouvernante.rules._pack_json import json_rules  # noqa: PLC0415 - JSON: fallback

    rules: list[Rule] = []
    for path in files:
        try:
            rules.extend(json_rules(_read(path), path))
        except (OSError, msgspec.DecodeError, KeyError) as exc:
            raise RuleError(path, f"damaged bundled rule pack: {exc}") from None
    return RuleSet(tuple(rules), tuple(files), builtin=True)
