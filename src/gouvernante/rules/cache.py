"""Opt-in cache of validated rule files (decisions 0018, 0024), read lazily.

A rule file the strict loader accepted without an error is stored under
``<cache dir>/rules/<key>.msgpack``. The key is a SHA-256 over the tool version, the cache format,
the path the rules are reported under and the file's content hash. An entry is::

    MAGIC (8 bytes) | SHA-256 of the rest (32) | head length (4, little-endian) | head | rules

``head`` (msgpack) holds what a scan needs without the rules themselves: the content hash and path
(compared before use), each rule's id, position in the file, timestamps and what it checks (the
JSON report's ``rules.loaded``), the package names, dropper names and integrity strings it names
with the rule's position (the index), and where each rule starts in ``rules``. ``rules`` is one
msgpack array of the rule model's Structs: a rule is decoded only when something asks for it (a
lockfile holds its package name, a renderer lists it), or all of them in one call. Loading a
100,000-package rule set then builds 100,000 ids and names instead of about a million objects.

The checksum covers everything after it, so a truncated, damaged or foreign entry is a miss before
anything is used (never a partial rule set, never an error); it is no MAC: whoever can write the
cache folder can write a matching checksum (decision 0018: the folder is trusted like the user's
own files).

Nothing is written unless ``GOUVERNANTE_RULE_CACHE`` asks for it (a scan writes nothing outside
its requested outputs): ``1`` (or ``on``) means ``$XDG_CACHE_HOME/gouvernante`` (else
``~/.cache/gouvernante``), any other value that is an absolute path names the folder. A file with
an error is never cached (its errors are worded by the strict loader every time). A problem
writing an entry is ignored.
"""

# No postponed annotations here: msgspec reads this module's Structs' annotations as objects,
# building no typing.ForwardRef (a process's first compile() is ~10 M instructions; decision
# 0137, tests/cli/test_scan_lean.py).

import functools
import gc
import importlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol, overload

import msgspec

from gouvernante import __version__
from gouvernante.errors import RuleError
from gouvernante.fs.read import read_small
from gouvernante.rules.ruleset import LazyRules, add_entry, rule_flags

ENV = "GOUVERNANTE_RULE_CACHE"
# 4: the layout of 3, a new key: exact versions of 16 digits, which 3 could hold, are refused since
# decision 0118; 3: a head read at load, the rules decoded on use; 2: every rule decoded at load
FORMAT = 4
_MAGIC: Final = b"GOUVRC\x00\x04"
_PREFIX: Final = len(_MAGIC) + 32 + 4
# Largest entry read: twice the largest rule file the loader reads (``loader.MAX_FILE_BYTES``,
# 64 MiB); an entry is smaller than its JSON file.
MAX_ENTRY_BYTES: Final = 128 * 1024 * 1024


class _Head(msgspec.Struct, array_like=True):
    content_sha256: str
    source: str  # the path the rules are reported under
    ids: list[str]
    indexes: bytes  # array("I"): each rule's position in the file's ``rules`` array
    offsets: bytes  # array("I"): where each rule starts in the rules region, and where it ends
    published: list[str | None]
    updated: list[str | None]
    flags: bytes  # one byte per rule: rules.ruleset.CHECKS_*
    package_rules: int  # how many (the report's ``rules.sets``)
    # Each package name, dropper name and integrity string, with the position of the rule (in
    # this entry) naming it, or the positions of the rules (in order; a rule naming it twice is
    # there twice): decoded by msgspec as the dictionaries the index looks names up in.
    packages: dict[str, int | list[int]]
    droppers: dict[str, int | list[int]]
    integrity: dict[str, int | list[int]]


# The cache's decoders and encoder, each made on first use (most scans use no cache, and the bundled
# pack, read through ``CachedFile`` too, decodes a rule only when a lockfile names its package:
# building the rule decoder is ~5 M instructions).
@functools.cache
def _head_decoder() -> msgspec.msgpack.Decoder[_Head]:
    return msgspec.msgpack.Decoder(_Head)


@functools.cache
def _rule_decoder() -> "msgspec.msgpack.Decoder[Rule]":
    from gouvernante.rules.model import Rule  # noqa: PLC0415 - a rule decoded: decision 0137

    return msgspec.msgpack.Decoder(Rule)


@functools.cache
def _rules_decoder() -> "msgspec.msgpack.Decoder[list[Rule]]":
    from gouvernante.rules.model import Rule  # noqa: PLC0415 - a rule decoded: decision 0137

    return msgspec.msgpack.Decoder(list[Rule])


@functools.cache
def _encoder(deterministic: bool = False) -> msgspec.msgpack.Encoder:
    return msgspec.msgpack.Encoder(order="deterministic" if deterministic else None)


def _u32(data: bytes) -> memoryview:
    """``data`` read as unsigned 32-bit integers (TypeError unless its length is a multiple of 4);
    no ``array`` import: every scan with the bundled pack reads two such columns per file."""
    return memoryview(data).cast("I")


def _packed(values: Sequence[int]) -> bytes:
    from array import array  # noqa: PLC0415 - cached rules only

    return array("I", values).tobytes()


class CachedFile:
    """One cached rule file: its head decoded, its rules decoded on first use. ``source`` is the
    path the rules are reported under: the entry's own (a cache entry), or another one (the
    bundled pack's entries name their file, reported under its installed path)."""

    __slots__ = (
        "_all",
        "_base",
        "_data",
        "_offsets",
        "_rules",
        "_stored",
        "droppers",
        "flags",
        "ids",
        "indexes",
        "integrity",
        "package_rules",
        "packages",
        "published",
        "source",
        "updated",
    )

    def __init__(self, head: _Head, data: bytes, base: int, source: str | None = None) -> None:
        self._data = data
        self._base = base
        self._stored = head.source  # each encoded rule's ``source``
        self.source = head.source if source is None else source
        self.ids = head.ids
        self.indexes = _u32(head.indexes)
        self._offsets = _u32(head.offsets)
        self.published = head.published
        self.updated = head.updated
        self.flags = head.flags
        self.package_rules = head.package_rules
        self.packages = head.packages
        self.droppers = head.droppers
        self.integrity = head.integrity
        self._rules: list[Rule | None] | None = None
        self._all: list[Rule] | None = None  # once every rule is decoded

    def _consistent(self) -> bool:
        n = len(self.ids)
        offsets = self._offsets
        return (
            len(self.indexes) == n
            and len(self.published) == n
            and len(self.updated) == n
            and len(self.flags) == n
            and len(offsets) == n + 1
            and offsets[0] == _array_header_size(n)
            and self._base + offsets[-1] == len(self._data)
        )

    def __len__(self) -> int:
        return len(self.ids)

    def rule(self, position: int) -> "Rule":
        rules = self._rules
        if rules is None:
            rules = self._rules = [None] * len(self.ids)
        rule = rules[position]
        if rule is None:
            start = self._base + self._offsets[position]
            end = self._base + self._offsets[position + 1]
            try:
                rule = _rule_decoder().decode(memoryview(self._data)[start:end])
            except (msgspec.DecodeError, ValueError, TypeError) as exc:
                raise self._broken(position) from exc
            self._check(position, rule)
            if self.source != self._stored:
                rule = msgspec.structs.replace(rule, source=self.source)
            rules[position] = rule
        return rule

    def all(self) -> "list[Rule]":
        """Every rule, decoded in one call (rules decoded before are kept, not built twice)."""
        if self._all is not None:
            return self._all
        if not self.ids:
            self._all = []
            return self._all
        paused = gc.isenabled()
        gc.disable()  # the rules are acyclic: collections would only walk the growing heap
        try:
            decoded = _rules_decoder().decode(memoryview(self._data)[self._base :])
        except (msgspec.DecodeError, ValueError, TypeError) as exc:
            raise self._broken(0) from exc
        finally:
            if paused:
                gc.enable()
        if len(decoded) != len(self.ids):
            raise self._broken(0)
        stored = self._stored
        if [r.id for r in decoded] != self.ids or any(r.source != stored for r in decoded):
            raise self._broken(0)
        if self.source != stored:
            replace, source = msgspec.structs.replace, self.source
            decoded = [replace(rule, source=source) for rule in decoded]
        if self._rules is not None:
            decoded = [old or new for old, new in zip(self._rules, decoded, strict=True)]
        self._all = decoded
        self._rules = list(decoded)
        return decoded

    def _check(self, position: int, rule: "Rule") -> None:
        if rule.id != self.ids[position] or rule.source != self._stored:
            raise self._broken(position)

    def _broken(self, position: int) -> RuleError:
        # Not reached unless the tool wrote a wrong entry: the checksum was verified at load.
        return RuleError(
            self.source,
            f"rule cache entry does not match its head (rules[{self.indexes[position]}]);"
            f" remove the folder named by {ENV}",
            json_path=f"rules[{self.indexes[position]}]",
        )


def _array_header_size(n: int) -> int:
    return 1 if n < 16 else 3 if n < 0x10000 else 5


def _array_header(n: int) -> bytes:
    """msgpack's header of an array of ``n`` items (fixarray, array 16, array 32)."""
    if n < 16:
        return bytes((0x90 | n,))
    if n < 0x10000:
        return b"\xdc" + n.to_bytes(2, "big")
    return b"\xdd" + n.to_bytes(4, "big")


class CachedRules(LazyRules):
    """A loaded rule set whose cached files are decoded on use (a ``Sequence[Rule]``: equal to a
    tuple of the same rules). ``parts`` are cached files and tuples of rules, in load order."""

    __slots__ = ("_len", "_parts", "_starts")

    def __init__(self, parts: "Sequence[CachedFile | tuple[Rule, ...]]") -> None:
        self._parts = [p for p in parts if len(p)]
        self._starts: list[int] = []
        total = 0
        for part in self._parts:
            self._starts.append(total)
            total += len(part)
        self._len = total

    @property
    def parts(self) -> "list[CachedFile | tuple[Rule, ...]]":
        return self._parts

    @property
    def starts(self) -> list[int]:
        """The position of each part's first rule."""
        return self._starts

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> "Rule": ...

    @overload
    def __getitem__(self, index: slice) -> "Sequence[Rule]": ...

    def __getitem__(self, index: int | slice) -> "Rule | Sequence[Rule]":
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(self._len)))
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError("rule index out of range")
        from bisect import bisect_right  # noqa: PLC0415 - cached rules only

        k = bisect_right(self._starts, index) - 1
        part = self._parts[k]
        offset = index - self._starts[k]
        return part[offset] if isinstance(part, tuple) else part.rule(offset)

    def __iter__(self) -> "Iterator[Rule]":
        for part in self._parts:
            yield from (part if isinstance(part, tuple) else part.all())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(other) == self._len and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"CachedRules({self._len} rules)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (tuple(self),))

    def ids(self) -> list[str]:
        out: list[str] = []
        for part in self._parts:
            out.extend(part.ids if isinstance(part, CachedFile) else (r.id for r in part))
        return out

    def summaries(self) -> Iterator[tuple[str, str | None, str | None, int]]:
        """Each rule's id, ``published_at``, ``last_updated_at`` and ``CHECKS_*`` flags."""
        for part in self._parts:
            if isinstance(part, CachedFile):
                yield from zip(part.ids, part.published, part.updated, part.flags, strict=True)
            else:
                for r in part:
                    yield r.id, r.published_at, r.last_updated_at, rule_flags(r)


def concat(first: "Sequence[Rule]", second: "Sequence[Rule]") -> "Sequence[Rule]":
    """``first`` then ``second``, cached rules kept lazy."""
    if not isinstance(first, CachedRules) and not isinstance(second, CachedRules):
        return (*first, *second)
    parts: list[CachedFile | tuple[Rule, ...]] = []
    for rules in (first, second):
        parts.extend(rules.parts if isinstance(rules, CachedRules) else [tuple(rules)])
    return CachedRules(parts)


def cache_dir(env: dict[str, str] | None = None) -> str | None:
    """The cache folder asked for, or None when caching is off."""
    environ = os.environ if env is None else env
    value = environ.get(ENV, "").strip()
    if value.lower() in ("1", "on", "yes", "true"):
        base = environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):
            home = os.path.expanduser("~")
            if not os.path.isabs(home):
                return None
            base = os.path.join(home, ".cache")
        return os.path.join(base, "gouvernante")
    if os.path.isabs(value):
        return value
    return None


# Rule files up to this size are hashed by the interpreter's built-in SHA-256: importing
# ``hashlib`` loads OpenSSL (~3.5 ms of every ``-rules`` scan); bigger ones by OpenSSL's, several
# times faster on megabytes (the 100,000-package feeds). Both are SHA-256: the same digest.
_BUILTIN_SHA256_BYTES = 1024 * 1024


if TYPE_CHECKING:  # (annotations only: a Protocol class costs ~0.13 M instructions)
    from gouvernante.rules.model import Rule

    class _Digest(Protocol):
        def digest(self) -> bytes: ...
        def hexdigest(self) -> str: ...


def _sha256(data: bytes | memoryview) -> "_Digest":
    """OpenSSL's SHA-256 (``hashlib``, imported when first needed: see above)."""
    import hashlib  # noqa: PLC0415 - ~3.5 ms, only for a cache or a big rule file

    return hashlib.sha256(data)


def content_hash(data: bytes) -> str:
    """The SHA-256 (hex) of a rule file's bytes: its identity in the report and the cache."""
    if len(data) <= _BUILTIN_SHA256_BYTES:
        for name in ("_sha256", "_sha2"):  # (Python 3.11; 3.12 and later)
            try:
                builtin = importlib.import_module(name)
            except ImportError:
                continue
            return str(builtin.sha256(data).hexdigest())
    return _sha256(data).hexdigest()


def _entry_path(directory: str, display: str, digest: str) -> str:
    key = _sha256(
        # (the byte order: the head's position arrays are in the machine's own)
        f"{__version__}\0{FORMAT}\0{sys.byteorder}\0{display}\0{digest}".encode(
            "utf-8", "surrogateescape"
        )
    ).hexdigest()
    return os.path.join(directory, "rules", key + ".msgpack")


def load(directory: str, display: str, digest: str) -> CachedFile | None:
    """The cached rules of the file ``display`` whose content hash is ``digest``; None on a miss
    (missing, truncated, damaged, foreign, of another file or format)."""
    path = _entry_path(directory, display, digest)
    # Non-blocking, regular files only, bounded: a FIFO, a device or a link to one planted in
    # the folder, or a file that grows while read, is a miss, never a hang or a full memory.
    data = read_small(path, MAX_ENTRY_BYTES)
    if not isinstance(data, bytes):
        return None
    if len(data) < _PREFIX or data[: len(_MAGIC)] != _MAGIC:
        return None
    view = memoryview(data)
    if _sha256(view[len(_MAGIC) + 32 :]).digest() != data[len(_MAGIC) : len(_MAGIC) + 32]:
        return None
    return from_body(data, display, digest, at=_PREFIX - 4)


def from_body(
    data: bytes, display: str, digest: str, *, at: int = 0, source: str | None = None
) -> CachedFile | None:
    """The rules of an entry's body (head length, head, rules) starting at ``at`` of ``data``,
    whose integrity the caller checked (the entry's SHA-256; the bundled pack's CRC-32), if its
    head names ``display`` and ``digest`` and agrees with itself; None if not. ``source``: the
    path the rules are reported under, when not ``display``."""
    size = int.from_bytes(data[at : at + 4], "little")
    start = at + 4
    try:
        head = _head_decoder().decode(memoryview(data)[start : start + size])
    except (msgspec.DecodeError, ValueError, TypeError, RecursionError):
        return None
    if head.content_sha256 != digest or head.source != display:
        return None
    try:
        cached = CachedFile(head, data, start + size, source)
    except TypeError:  # a position array cut
        return None
    return cached if cached._consistent() else None


def store(directory: str, display: str, digest: str, rules: "list[tuple[int, Rule]]") -> None:
    """Write one entry (whole, through a temporary file in the same folder); errors ignored."""
    path = _entry_path(directory, display, digest)
    folder = os.path.dirname(path)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        data = _encode(display, digest, rules)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)
    except (OSError, TypeError, ValueError, OverflowError):
        return


def _encode(display: str, digest: str, rules: "list[tuple[int, Rule]]") -> bytes:
    body = entry_body(display, digest, rules)
    return _MAGIC + _sha256(body).digest() + body


def entry_body(
    display: str, digest: str, rules: "list[tuple[int, Rule]]", *, deterministic: bool = False
) -> bytes:
    """An entry's body (head length, head, rules; ``from_body`` reads it) for ``rules`` (each with
    its position in the file) of the file ``display`` whose content hash is ``digest``.
    ``deterministic``: the same bytes whatever the hash seed (sets and maps sorted; the bundled
    pack's build)."""
    encoder = _encoder(deterministic)
    region = bytearray(_array_header(len(rules)))
    offsets: list[int] = []
    encode_into = encoder.encode_into
    for _, rule in rules:
        offsets.append(len(region))
        encode_into(rule, region, -1)  # appended
    offsets.append(len(region))
    packages: dict[str, int | list[int]] = {}
    droppers: dict[str, int | list[int]] = {}
    integrity: dict[str, int | list[int]] = {}
    for position, (_, rule) in enumerate(rules):
        for prule in rule.package_rules:
            add_entry(packages, prule.package_name, position)
        for dropper in rule.dropper_packages:
            add_entry(droppers, dropper.package_name, position)
        for sri in rule.bad_integrity:
            add_entry(integrity, sri, position)
    head = encoder.encode(
        _Head(
            content_sha256=digest,
            source=display,
            ids=[r.id for _, r in rules],
            indexes=_packed([i for i, _ in rules]),
            offsets=_packed(offsets),
            published=[r.published_at for _, r in rules],
            updated=[r.last_updated_at for _, r in rules],
            flags=bytes(rule_flags(r) for _, r in rules),
            package_rules=sum(len(r.package_rules) for _, r in rules),
            packages=packages,
            droppers=droppers,
            integrity=integrity,
        )
    )
    return len(head).to_bytes(4, "little") + head + region


__all__ = [
    "ENV",
    "FORMAT",
    "CachedFile",
    "CachedRules",
    "cache_dir",
    "concat",
    "content_hash",
    "entry_body",
    "from_body",
    "load",
    "store",
]
