"""Read the big sections of a pnpm-lock.yaml (``packages:``, ``snapshots:``) by regex, into columns.

pnpm writes these sections in one regular shape: entries at two spaces (``  name@1.2.3:`` or
``  'name@1.2.3': {}``), their fields at four (``    resolution: {integrity: sha512-...}``,
``    dependencies:``), dependency lines at six (``      name: 1.2.3``). One regular expression
a section checks every line against that shape and returns, per entry, its key, the
integrity of the common ``resolution: {integrity: ...}`` and its dependency maps' lines (an
entry's text is found again when a dependency path or a line number needs it); the distinct
dependency lines of the section are then checked against their grammar at once (a line is
repeated across entries, four times on average in the benchmark's file). It is strict: a line of any
other shape (a flow or block construct it does not know, odd quoting, a comment, a tab or
control character, a blank line inside an entry, a key YAML reads as null or a boolean ...) makes
``read`` return ``None`` and the caller reads the file with ``_pnpm_yaml.load_fast`` (and PyYAML)
as before. Whatever ``read`` accepts, ``load_fast`` reads the same way: the regex accepts a
subset of what it accepts, and the fields it skips are the fields ``load_fast`` skips (the rest of
the file, and entries with unusual fields, are read by ``load_fast`` itself).

How a section is known to be whole: every match starts at a line start and ends where the next
entry's key line begins (or at the section's end); where the entry pattern does not match, the
other alternative takes the rest of the section, which sends the file to the full loader.
Control characters are refused by one pass over the file's bytes, before any pattern runs.
"""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

from gouvernante.lockfiles import _pnpm_yaml

_NOT_SCALAR = r"(?!(?:[nN]ull|NULL|[tT]rue|TRUE|[fF]alse|FALSE|~):)"
# First character of a plain key or value: not a YAML indicator, space or quote.
_FIRST = r"[^\n '\"\-?:,\[\]{}#&*!|>%@`]"
# A dependency line, ``name: reference``: the name plain or single-quoted, the reference plain
# (not ending with ':') or single-quoted; neither holds a space or a quote (so that the quotes
# are all quoting and dropping them reads the line as YAML does) nor the name a ':' (so that
# the first ': ' of a line ends its name). Checked once per distinct line (``_read_section``).
_DEP_NAME = rf"(?:'[^\n '\":]+'|{_NOT_SCALAR}{_FIRST}[^\n '\":]*)"
_DEP_LINE = rf"      {_DEP_NAME}: (?:'[^\n '\"]*'|{_FIRST}[^\n '\"]*(?<!:))\n"
_ONE_DEP_LINE = re.compile(_DEP_LINE)
# A reference with no '@', '/' or ':' before its peer suffix (if any): a version, in every
# lockfile version the key ``name@reference`` (``/name@reference`` in 6.x; see ``pnpm.py``).
_PLAIN_REF = r"[^\n '\"@/:(]*(?:\([^\n '\"]*)?"
_PLAIN_REF_LINES = re.compile(
    rf"(?:      {_DEP_NAME}: (?:'{_PLAIN_REF}'|(?={_FIRST}){_PLAIN_REF}(?<!:))\n)*+"
)
_KEPT = r"(?:resolution|name|version|bundledDependencies|dependencies|optionalDependencies):"
# A field the entry pattern reads into a group (``_ENTRY``'s groups 2, 3 and 4) is not read
# again once its group holds something (``(?(2)(?!))``): given twice in an entry, it is not read
# here, and the loaders refuse the entry, as pnpm does.
_PLAIN_RESOLUTION = r"resolution: (?(2)(?!))\{integrity: ([A-Za-z0-9+/=]+-[^\n]*)\}\n(?!      )"
# A dependency map's lines, taken whole (their grammar is checked after, distinct lines only).
# (possessive repeats only where they hold no capture group: CPython 3.11's re raised
# "The span of capturing group is wrong" for one around capture groups)
_DEP_BLOCK = r"(?:      [^\n]*\n)++"
_DEP_MAPS = (
    rf"dependencies:\n(?(3)(?!))({_DEP_BLOCK})"
    rf"|optionalDependencies:\n(?(4)(?!))({_DEP_BLOCK})"
)
_PLAIN_OR_DEPS = (  # no group (and read or not before)
    r"resolution: \{integrity: [A-Za-z0-9+/=]+-[^\n]*\}\n(?!      )"
    rf"|(?:dependencies|optionalDependencies):\n{_DEP_BLOCK}"
)
# One entry. The alternatives for a field exclude each other, so that an entry that does not
# match is given up after work linear in its lines (no backtracking from one reading to another).
_ENTRY = re.compile(
    # the key line: '  key:' or '  key: {}', the key single-quoted or plain, with no quote
    # inside (what else a key must not hold is checked after, over all keys at once)
    rf"(?<=\n)(?:  ('[^'\n]+'|{_FIRST}[^'\n]*)"
    r":(?: \{\}\n|\n"
    # its fields: a plain resolution, dependency maps, a field load_fast skips (with what is
    # indented below it), or another kept field (the entry is then read by load_fast)
    rf"(?:    (?:{_PLAIN_RESOLUTION}"
    rf"|{_DEP_MAPS}"
    rf"|(?!{_KEPT}){_NOT_SCALAR}[a-zA-Z]+:(?: [^\n]*)?\n(?:      [^\n]*\n)*+"
    rf"|(?!{_PLAIN_OR_DEPS})({_KEPT})[^\n]*\n(?:      [^\n]*\n)*+"
    # then blank lines up to the next entry; anything else: the rest is not read
    r"))+)\n*(?=  [^ \n]|\Z)|([\s\S]+))"
)
_KEY_LINE = re.compile(r"\n  (?=[^ \n])")
# The name part of each key but the first (a line end as the literal a search looks for first:
# a quarter fewer instructions than ``^`` tried at each position)
_NAME = re.compile(r"\n(@?[^@\n]*)")
_ASCII_LINE = bytes(range(0x20, 0x7F)) + b"\n"
_SRI_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-\n"
_SRI = re.compile(r"[A-Za-z0-9+/=]+-[A-Za-z0-9+/=\-]*")
_SCALAR_WORDS = frozenset(_pnpm_yaml._SCALARS)
_DEP_FIELD = re.compile(r"^    (dependencies|optionalDependencies):\n((?:      [^\n]*\n)+)", re.M)
_DEP = re.compile(r"^      (?:'([^'\n]+)'|([^ \n]+)): ([^\n]*)$", re.M)
_SECTIONS = ("packages", "snapshots")
_KEY = itemgetter(0)
_INTEGRITY = itemgetter(1)
_DEPENDENCIES = itemgetter(2)
_OPTIONAL = itemgetter(3)
_KEPT_FIELD = itemgetter(4)
_BAD = itemgetter(5)
_CHUNK = 2048


class Section:
    """One big section as columns, in file order: the entries' keys (``keyset`` the same as a
    set), the integrity of a plain ``resolution`` ('' when the entry has another resolution or
    none), the entries read by ``load_fast`` (those with a kept field of another shape), by
    position, and the distinct lines of the dependency maps (``dep_lines``). The entries' text,
    their name parts and positions are worked out when asked."""

    __slots__ = (
        "_index",
        "_lines",
        "_offsets",
        "_text",
        "dep_lines",
        "end",
        "integrity",
        "keys",
        "keyset",
        "loaded",
        "other_refs",
        "start",
        "unquoted",
    )

    def __init__(self, text: str, start: int, end: int) -> None:
        self._text = text
        self.start = start  # the section's first entry line (offsets in the text)
        self.end = end
        self.keys: list[str] = []
        self.keyset: set[str] = set()
        self.unquoted = ""  # the keys, one a line
        # every distinct line of the entries' dependency maps, each ending with a line end
        self.dep_lines = ""
        self.other_refs: list[str] = []  # those lines whose reference is no plain version
        self.integrity: Sequence[str] = ()
        self.loaded: dict[int, dict[str, Any]] = {}
        self._index: dict[str, int] | None = None
        self._offsets: list[int] | None = None
        self._lines: list[tuple[int, int]] = [(0, 1)]  # (offset, its line), sorted

    def position(self, key: str) -> int | None:
        if self._index is None:
            self._index = dict(zip(self.keys, range(len(self.keys)), strict=True))
        return self._index.get(key)

    def names(self) -> list[str] | None:
        """The name part of each key: up to its first '@' after the first character (what
        ``split_at_version`` takes); ``None`` if one holds a parenthesis."""
        if not self.keys:
            return []
        unquoted = self.unquoted
        end = unquoted.find("\n")
        first = unquoted if end < 0 else unquoted[:end]
        at = first.find("@", 1)
        names: list[str] = [first[:at] if at > 0 else first, *_NAME.findall(unquoted)]
        joined = "\n".join(names)
        if "(" in joined or ")" in joined:
            return None
        return names

    def block(self, i: int) -> str:
        """The text of entry ``i``: its key line, its field lines (and blank lines after)."""
        if self._offsets is None:
            found = _KEY_LINE.finditer(self._text, self.start - 1, self.end)
            offsets = [m.start() + 1 for m in found]
            self._offsets = [o for o in offsets if o < self.end]
            self._offsets.append(self.end)
        return self._text[self._offsets[i] : self._offsets[i + 1]]

    def body(self, i: int) -> str:
        """The field lines of entry ``i``."""
        return self.block(i).partition("\n")[2]

    def line(self, i: int) -> int:
        """The 1-based line of entry ``i``'s key (line ends counted from the nearest offset
        already known, not from the start each time)."""
        self.block(i)
        assert self._offsets is not None
        offset = self._offsets[i]
        known = self._lines
        base, number = known[bisect_right(known, (offset, 0)) - 1]
        number += self._text.count("\n", base, offset)
        insort(known, (offset, number))
        return number


class Document:
    """A pnpm lockfile document read by ``read``: ``doc`` is everything but the big sections
    (read by ``load_fast``), ``sections`` the big sections present."""

    __slots__ = ("doc", "sections")

    def __init__(self, doc: dict[str, Any], sections: dict[str, Section]) -> None:
        self.doc = doc
        self.sections = sections


def _plain_text(text: str, data: bytes | None) -> bool:
    """No control character (but the line end), no character YAML reads specially (``data``:
    the bytes ``text`` was decoded from, perhaps with a byte-order mark)."""
    if text.isascii():
        if data is None or len(data) != len(text):
            data = text.encode("ascii")  # (or the mark: the text is what counts)
        return not data.translate(None, _ASCII_LINE)
    return not _pnpm_yaml._has_odd_chars(text)


def read(
    text: str, keep: Mapping[str, frozenset[str]], data: bytes | None = None
) -> Document | None:
    """The document, or ``None`` when anything is not in the shape this reader knows (the file is
    then read by the full loader, which also words any error)."""
    if not _plain_text(text, data):
        return None
    headers = sorted((text.find(f"\n{name}:\n"), name) for name in _SECTIONS)
    cuts: list[tuple[int, int, str]] = []
    for n, (at, name) in enumerate(headers):
        if at < 0:
            continue
        body = at + len(name) + 3
        # pnpm writes these sections last: one ends where the next begins (a line of the top
        # level in between, or after, is refused by the section's pattern)
        end = headers[n + 1][0] + 1 if n + 1 < len(headers) else len(text)
        if text.find("#", body, end) >= 0 and text.find(" #", body, end) >= 0:
            return None  # perhaps a comment, which load_fast refuses
        cuts.append((at + 1, end, name))
    rest: list[str] = []
    last = 0
    for begin, end, _name in cuts:
        if begin < last:
            return None
        rest.append(text[last:begin])
        last = end
    rest.append(text[last:])
    small = "".join(rest)
    if small.startswith("---") or "\n---" in small or "\n..." in small:
        return None
    try:
        doc = _pnpm_yaml.load_fast(small, keep)
    except _pnpm_yaml.Unsupported:
        return None
    if any(name in doc for name in _SECTIONS):  # another form, or twice: the full loader
        return None
    sections: dict[str, Section] = {}
    for begin, end, name in cuts:
        section = _read_section(text, begin + len(name) + 2, end, name, keep)
        if section is None:
            return None
        sections[name] = section
    return Document(doc, sections)


def _read_section(
    text: str, start: int, end: int, name: str, keep: Mapping[str, frozenset[str]]
) -> Section | None:
    while start < end and text[start] == "\n":
        start += 1
    section = Section(text, start, end)
    if start >= end:
        return section
    try:
        rows = _ENTRY.findall(text, start, end)
    except (SystemError, RecursionError):  # the re module's own limits: the full loader
        return None
    if any(map(_BAD, rows)):
        return None
    joined = "\n".join(map(_KEY, rows))
    unquoted = joined.replace("'", "")
    if " " in unquoted:  # a space in a key: the full loader
        return None
    keys = unquoted.split("\n")
    keyset = set(keys)
    if len(keyset) != len(keys) or not _SCALAR_WORDS.isdisjoint(keyset):
        return None  # a key twice, or one YAML reads as null or a boolean
    lines: set[str] = set()
    for at in range(0, len(rows), _CHUNK):  # (a chunk at a time: a lower peak of memory)
        chunk = rows[at : at + _CHUNK]
        lines.update("".join(map(_DEPENDENCIES, chunk)).split("\n"))
        lines.update("".join(map(_OPTIONAL, chunk)).split("\n"))
    lines.discard("")
    dep_lines = "\n".join(lines) + "\n" if lines else ""
    others = _other_ref_lines(dep_lines)
    if others is None:
        return None
    section.keys = keys
    section.keyset = keyset
    section.unquoted = unquoted
    section.dep_lines = dep_lines
    section.other_refs = others
    integrity = list(map(_INTEGRITY, rows))
    unusual = any(map(_KEPT_FIELD, rows))
    if not _all_sri(integrity):
        integrity = [v if not v or _SRI.fullmatch(v) else "" for v in integrity]
        unusual = True
    section.integrity = integrity
    if unusual:  # entries with another resolution (or another kept field): read by load_fast
        for i, row in enumerate(rows):
            if row[4] or (row[1] and not integrity[i]):
                entry = _load_entry(name, keys[i], section.block(i), keep)
                if entry is None:
                    return None
                section.loaded[i] = entry
    return section


def _other_ref_lines(lines: str) -> list[str] | None:
    """The lines of ``lines`` (dependency lines, each ending with a line end) whose reference
    is not a plain version (``_PLAIN_REF``), without their line end; ``None`` if a line is not
    in the dependency line grammar. (One pass of the plain lines' pattern between them.)"""
    others: list[str] = []
    at = 0
    end = len(lines)
    plain = _PLAIN_REF_LINES.match
    other = _ONE_DEP_LINE.match
    while True:
        at = plain(lines, at).end()  # type: ignore[union-attr]  # (``*+``: always a match)
        if at == end:
            return others
        found = other(lines, at)
        if found is None:
            return None
        others.append(lines[at : found.end() - 1])
        at = found.end()


def _all_sri(values: Sequence[str]) -> bool:
    """Whether every (non-empty) integrity holds only the characters of an SRI hash."""
    joined = "\n".join(values)
    if not joined.isascii():
        return False
    return not joined.encode("ascii").translate(None, _SRI_CHARS)


def _load_entry(
    section: str, key: str, block: str, keep: Mapping[str, frozenset[str]]
) -> dict[str, Any] | None:
    """One entry read by ``load_fast``, exactly as it reads it inside the whole file."""
    try:
        doc = _pnpm_yaml.load_fast(f"{section}:\n{block}", keep)
    except _pnpm_yaml.Unsupported:
        return None
    entry = doc.get(section, {}).get(key)
    return entry if entry.__class__ is dict else None


def dep_line(line: str) -> tuple[str, Any]:
    """The name and reference of one dependency line (``_DEP_LINE`` without its line end), as
    ``load_fast`` reads them."""
    name, _sep, value = line[6:].partition(": ")
    if name[:1] == "'":
        name = name[1:-1]
    if value[:1] == "'":
        return name, value[1:-1]
    return name, _pnpm_yaml._SCALARS.get(value, value)


def entry_deps(body: str) -> dict[str, dict[str, Any]]:
    """The ``dependencies`` and ``optionalDependencies`` maps of an entry's field lines (checked
    by ``_ENTRY``), as ``load_fast`` reads them: a field or name given twice keeps its first
    place and its last value; ``null``/``true``... are not strings."""
    out: dict[str, dict[str, Any]] = {}
    if "ependencies:\n" not in body:
        return out
    scalars = _pnpm_yaml._SCALARS
    for field, lines in _DEP_FIELD.findall(body):
        deps: dict[str, Any] = {}
        for quoted, plain, value in _DEP.findall(lines):
            if value[:1] == "'":
                deps[quoted or plain] = value[1:-1]
            else:
                deps[quoted or plain] = scalars.get(value, value)
        out[field] = deps
    return out
