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

Decision 0040: the patterns run on the file's bytes (an ASCII file is never decoded whole), a
part of a section (``_SPAN`` bytes, up to the next key line) at a time. A part is read first by
a strict pattern of the layout pnpm writes (fields in pnpm's order, no other kept field), which
keeps only the keys and the dependency lines; a part with an entry in another layout is read by
the general pattern above, as before. A 9.0 ``packages`` entry's integrity is read from the
file when a package is built, and its keys are the snapshots' keys without their peers when
they follow them (no second copy).
"""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from gouvernante.lazy import lazy_pattern
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
_ONE_DEP_LINE = lazy_pattern(_DEP_LINE)
# A reference with no '@', '/' or ':' before its peer suffix (if any): a version, in every
# lockfile version the key ``name@reference`` (``/name@reference`` in 6.x; see ``pnpm.py``).
_PLAIN_REF = r"[^\n '\"@/:(]*(?:\([^\n '\"]*)?"
_PLAIN_REF_LINES = re.compile(
    rf"(?>      {_DEP_NAME}: (?:'{_PLAIN_REF}'|(?={_FIRST}){_PLAIN_REF}(?<!:))\n)*+"
)
_KEPT = r"(?:resolution|name|version|bundledDependencies|dependencies|optionalDependencies):"
# A field the entry pattern reads into a group (``_ENTRY``'s groups 2, 3 and 4) is not read
# again once its group holds something (``(?(2)(?!))``): given twice in an entry, it is not read
# here, and the loaders refuse the entry, as pnpm does.
_PLAIN_RESOLUTION = r"resolution: (?(2)(?!))\{integrity: ([A-Za-z0-9+/=]+-[^\n]*)\}\n(?!      )"
# A dependency map's lines, taken whole (their grammar is checked after, distinct lines only).
# (possessive repeats only where they hold no capture group: CPython 3.11's re raised
# "The span of capturing group is wrong" for one around capture groups)
_DEP_BLOCK = r"(?>      [^\n]*\n)++"
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
# (compiled when first used, as the other patterns only some files need: ``re.compile`` keeps
# them; the bytes form, ``_ENTRY_B``, is the one used)
_ENTRY = (
    # the key line: '  key:' or '  key: {}', the key single-quoted or plain, with no quote
    # inside (what else a key must not hold is checked after, over all keys at once)
    rf"(?<=\n)(?:  ('[^'\n]+'|{_FIRST}[^'\n]*)"
    r":(?: \{\}\n|\n"
    # its fields: a plain resolution, dependency maps, a field load_fast skips (with what is
    # indented below it), or another kept field (the entry is then read by load_fast)
    rf"(?:    (?:{_PLAIN_RESOLUTION}"
    rf"|{_DEP_MAPS}"
    rf"|(?!{_KEPT}){_NOT_SCALAR}[a-zA-Z]+:(?: [^\n]*)?\n(?>      [^\n]*\n)*+"
    rf"|(?!{_PLAIN_OR_DEPS})({_KEPT})[^\n]*\n(?>      [^\n]*\n)*+"
    # then blank lines up to the next entry; anything else: the rest is not read
    r"))+)\n*(?=  [^ \n]|\Z)|([\s\S]+))"
)
# Every pattern above runs on the file's bytes (``_b``): the file is not decoded whole (an ASCII
# file is not decoded at all); the keys, the dependency lines and the entries' text are decoded
# when kept. Every class of these patterns is a set of ASCII characters or the complement of one,
# so a UTF-8 character (bytes >= 0x80 only) matches where it matched in the text, a byte at a
# time, and every piece cut at an ASCII character decodes to the piece of the text.


def _b(pattern: str) -> re.Pattern[bytes]:
    return re.compile(pattern.encode("ascii"))


_ENTRY_B = _ENTRY.encode("ascii")
# The layout pnpm itself writes, read first, at less cost (decision 0040): an entry's fields in
# pnpm's order (a plain ``resolution`` first in ``packages``, fields it skips, at most one
# ``dependencies`` then at most one ``optionalDependencies`` map, fields it skips), with no other
# kept field. Each is an ``_ENTRY`` match with the same key, the same integrity and the same
# dependency lines, whose other groups are empty; its groups: the key, and the lines of the two
# dependency maps. An entry in any other layout: group 1 is empty, and the section is read by
# ``_ENTRY`` (which reads or refuses it as before).
# (a field neither kept nor a word YAML reads as null or a boolean: ``(?!{_KEPT})`` and
# ``_NOT_SCALAR`` as one look-ahead whose alternatives each start with a literal, which the
# ``re`` engine rules out at their first character)
_S_NOT_KEPT = (
    r"(?!(?:resolution|name|version|bundledDependencies|dependencies|optionalDependencies"
    r"|null|Null|NULL|true|True|TRUE|false|False|FALSE|~):)"
)
_S_SKIP = rf"    {_S_NOT_KEPT}[a-zA-Z]++:(?> [^\n]*+)?+\n(?>      [^\n]*+\n)*+"
_S_MAPS = (
    r"(?>    dependencies:\n((?>      [^\n]*+\n)++))?+"
    r"(?>    optionalDependencies:\n((?>      [^\n]*+\n)++))?+"
)
_S_RESOLUTION = r"    resolution: \{integrity: [A-Za-z0-9+/=]++-[A-Za-z0-9+/=\-]*+\}\n(?!      )"
_S_KEY = rf"(?<=\n)(?:  ('[^'\n]+'|{_FIRST}[^'\n]*)"
_S_END = r"\n*+(?=  [^ \n]|\Z)|[\s\S]+)"
# ``packages`` of a file with ``snapshots`` (9.0): a resolution and skipped fields (group 1 only)
_STRICT_PACKAGES = _b(rf"{_S_KEY}:\n{_S_RESOLUTION}(?>{_S_SKIP})*+{_S_END}")
# ``packages`` of a file without ``snapshots`` (5.x, 6.x): a resolution, then the maps
_STRICT_PACKAGES_MAPS = (
    rf"{_S_KEY}:\n{_S_RESOLUTION}(?>{_S_SKIP})*+{_S_MAPS}(?>{_S_SKIP})*+{_S_END}"
).encode("ascii")
# ``snapshots``: no resolution; ``key: {}`` or at least one field
_STRICT_SNAPSHOTS = _b(
    rf"{_S_KEY}:(?: \{{\}}\n|\n(?=    )(?>{_S_SKIP})*+{_S_MAPS}(?>{_S_SKIP})*+){_S_END}"
)
# The integrity of each entry of a section whose every entry starts with a plain resolution.
# (the line end after the resolution is looked at, not taken: with no blank line between two
# entries it is the one the next key line starts with)
_RESOLUTIONS = rb"\n  [^ \n][^\n]*\n    resolution: \{integrity: ([^}\n]*)\}(?=\n)"
# The bytes of a section read by one ``findall`` of a strict pattern (then the next ones, from the
# next key line): the rows of a part are dropped before the next part is read.
_SPAN = 1 << 16
_KEY_LINE = _b(r"\n  (?=[^ \n])")
# The name part of each key but the first (a line end as the literal a search looks for first:
# a quarter fewer instructions than ``^`` tried at each position)
_NAME = re.compile(r"\n(@?[^@\n]*)")
_ASCII_LINE = bytes(range(0x20, 0x7F)) + b"\n"
_SRI_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-\n"
_SRI = r"[A-Za-z0-9+/=]+-[A-Za-z0-9+/=\-]*"
_SCALAR_WORDS = frozenset(_pnpm_yaml._SCALARS)
_DEP_FIELD = r"(?m)^    (dependencies|optionalDependencies):\n((?:      [^\n]*\n)+)"
_DEP = r"(?m)^      (?:'([^'\n]+)'|([^ \n]+)): ([^\n]*)$"
_SECTIONS = ("packages", "snapshots")
_KEY = itemgetter(0)
_S_DEPENDENCIES = itemgetter(1)
_S_OPTIONAL = itemgetter(2)
_INTEGRITY = itemgetter(1)
_DEPENDENCIES = itemgetter(2)
_OPTIONAL = itemgetter(3)
_KEPT_FIELD = itemgetter(4)
_BAD = itemgetter(5)
_CHUNK = 2048
# Key lines searched for one at a time before each part's are found at once: a search costs up to
# a part, so thousands of them (one per finding) cost more than finding every key line once.
_SEARCHES = 256


class Section:
    """One big section as columns, in file order: the entries' keys (``keyset`` the same as a
    set), the integrity of a plain ``resolution`` ('' when the entry has another resolution or
    none; ``integrity_at``, ``integrity_column``), the entries read by ``load_fast`` (those with
    a kept field of another shape), by position, and the distinct lines of the dependency maps
    (``dep_lines``). The entries' text (``_text``: the file's bytes), their name parts, positions
    and, in pnpm's own layout, their integrity are worked out when asked."""

    __slots__ = (
        "_column",
        "_general",
        "_index",
        "_key_lines",
        "_lines",
        "_offsets",
        "_searches",
        "_text",
        "dep_lines",
        "end",
        "follows",
        "keys",
        "keyset",
        "loaded",
        "other_refs",
        "parts",
        "peer_heads",
        "resolutions",
        "start",
        "unquoted",
    )

    def __init__(self, text: bytes, start: int, end: int) -> None:
        self._text = text
        self.start = start  # the section's first entry line (offsets in the bytes)
        self.end = end
        self.keys: list[str] = []
        self.keyset: set[str] = set()
        self.unquoted = ""  # the keys, one a line
        # ``packages`` (9.0): its keys are those of ``snapshots`` without their peers, in order
        # (``keys`` then holds those strings; ``keyset`` is left empty)
        self.follows = False
        # ``snapshots``: its keys with peers -> the keys without (when ``read`` worked them out)
        self.peer_heads: dict[str, str] | None = None
        # every distinct line of the entries' dependency maps, each ending with a line end
        self.dep_lines = ""
        self.other_refs: list[str] = []  # those lines whose reference is no plain version
        # The parts the section was read in: their offsets and their first entries' positions.
        # A part the general pattern read has its integrity column in ``_general`` (by part);
        # in the others (pnpm's layout), every entry's first field is a plain resolution
        # (``resolutions``: ``packages``, read when asked) or none has one (``snapshots``).
        self.parts: tuple[list[int], list[int]] = ([], [])
        self._general: dict[int, list[str]] = {}
        # a part -> where its key lines are, found once when asked; ``None``: the part's keys
        # are quoted when, and only when, they start with '@' (as pnpm writes them), and a key
        # line is found by one search for it
        self._key_lines: dict[int, list[int] | None] = {}
        self._searches = 0  # key lines searched for one by one (``integrity_at``)
        self.resolutions = False
        self._column: list[str] | None = None
        self.loaded: dict[int, dict[str, Any]] = {}
        self._index: dict[str, int] | None = None
        self._offsets: list[int] | None = None
        self._lines: list[tuple[int, int]] = [(0, 1)]  # (offset, its line), sorted

    def position(self, key: str) -> int | None:
        if self._index is None:
            self._index = dict(zip(self.keys, range(len(self.keys)), strict=True))
        return self._index.get(key)

    def _part(self, part: int) -> tuple[int, int, int, int]:
        """A part's first and end offsets, and its first and end positions."""
        offsets, firsts = self.parts
        last = part + 1 == len(offsets)
        return (
            offsets[part],
            self.end if last else offsets[part + 1],
            firsts[part],
            len(self.keys) if last else firsts[part + 1],
        )

    def integrity_at(self, i: int) -> str:
        """The integrity of entry ``i``'s plain resolution ('' if it has none)."""
        if self._column is not None:
            return self._column[i]
        part = bisect_right(self.parts[1], i) - 1
        general = self._general.get(part)
        begin, stop, first, _ = self._part(part)
        if general is not None:
            return general[i - first]
        if not self.resolutions:
            return ""
        text = self._text
        starts = self._key_lines.get(part)
        if part in self._key_lines and starts is None and self._searches < _SEARCHES:
            # the entry's key line, searched for in the part that holds it (one line holds
            # each key; the part holds at most _SPAN bytes before it); past ``_SEARCHES`` of
            # them (a scan with thousands of findings), each part's key lines are found once
            self._searches += 1
            key = self.keys[i].encode("utf-8")
            quote = b"'" if key[:1] == b"@" else b""
            at = text.find(b"\n  %s%s%s:\n" % (quote, key, quote), begin - 1, stop)
        else:
            if starts is None:
                found = _KEY_LINE.finditer(text, begin - 1, stop)
                starts = self._key_lines[part] = [m.start() for m in found]
            at = starts[i - first]
        if at < 0:  # (never: the key is the part's)
            raise AssertionError("pnpm line reader: an entry's key line was not found")
        at = text.index(b"\n", at + 1) + len(b"\n    resolution: {integrity: ")
        return text[at : text.index(b"}\n", at, stop)].decode("utf-8")

    def integrity_column(self) -> list[str]:
        """``integrity_at`` of every entry, in order (kept: ``integrity_at`` then reads it)."""
        if self._column is None:
            column: list[str] = []
            resolutions = re.compile(_RESOLUTIONS)
            for part in range(len(self.parts[0])):
                begin, stop, first, after = self._part(part)
                general = self._general.get(part)
                if general is not None:
                    column.extend(general)
                elif not self.resolutions:
                    column.extend([""] * (after - first))
                else:
                    found = resolutions.findall(self._text, begin - 1, stop)
                    if len(found) != after - first:  # (never: a resolution after each key)
                        raise AssertionError("pnpm line reader: resolutions and keys differ")
                    column.extend(b"\n".join(found).decode("utf-8").split("\n"))
            self._column = column
        return self._column

    def without_resolution(self) -> list[int]:
        """The positions whose entry has no plain resolution."""
        out: list[int] = []
        for part in range(len(self.parts[0])):
            _begin, _stop, first, after = self._part(part)
            general = self._general.get(part)
            if general is not None:
                out.extend(first + j for j, integrity in enumerate(general) if not integrity)
            elif not self.resolutions:
                out.extend(range(first, after))
        return out

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

    def _block_bytes(self, i: int) -> bytes:
        if self._offsets is None:
            found = _KEY_LINE.finditer(self._text, self.start - 1, self.end)
            offsets = [m.start() + 1 for m in found]
            self._offsets = [o for o in offsets if o < self.end]
            self._offsets.append(self.end)
        return self._text[self._offsets[i] : self._offsets[i + 1]]

    def block(self, i: int) -> str:
        """The text of entry ``i``: its key line, its field lines (and blank lines after)."""
        return self._block_bytes(i).decode("utf-8")

    def body(self, i: int) -> str:
        """The field lines of entry ``i``."""
        return self.block(i).partition("\n")[2]

    def line(self, i: int) -> int:
        """The 1-based line of entry ``i``'s key (line ends counted from the nearest offset
        already known, not from the start each time)."""
        self._block_bytes(i)
        assert self._offsets is not None
        offset = self._offsets[i]
        known = self._lines
        base, number = known[bisect_right(known, (offset, 0)) - 1]
        number += self._text.count(b"\n", base, offset)
        insort(known, (offset, number))
        return number


class Document:
    """A pnpm lockfile document read by ``read``: ``doc`` is everything but the big sections
    (read by ``load_fast``), ``sections`` the big sections present, ``data`` the file's bytes
    (after a byte-order mark)."""

    __slots__ = ("data", "doc", "sections")

    def __init__(self, doc: dict[str, Any], sections: dict[str, Section], data: bytes) -> None:
        self.doc = doc
        self.sections = sections
        self.data = data


def _plain_bytes(data: bytes, text: str | None) -> bool:
    """No control character (but the line end), no character YAML reads specially (``text``:
    ``data`` decoded, when it is not ASCII)."""
    if data.isascii():
        return not data.translate(None, _ASCII_LINE)
    if text is None:
        text = data.decode("utf-8")
    return not _pnpm_yaml._has_odd_chars(text)


def read(
    text: str | None,
    keep: Mapping[str, frozenset[str]],
    data: bytes | None = None,
    *,
    strict: bool = True,
    heads: Callable[[list[str]], list[str]] | None = None,
) -> Document | None:
    """The document, or ``None`` when anything is not in the shape this reader knows (the file is
    then read by the full loader, which also words any error). ``data``: the file's bytes
    (perhaps with a byte-order mark), read without decoding them whole; ``text``: the file
    decoded (``None`` when ``data`` is ASCII; one of the two is given, a valid UTF-8 file).
    ``strict=False``: pnpm's own layout is not tried first (tests compare the two); ``heads``:
    the keys of a list of keys without their peer suffixes (``pnpm._strip_all_peers``), to
    find the 9.0 ``packages`` keys in ``snapshots`` instead of making them again."""
    if data is None:
        if text is None:
            raise TypeError("read needs the text or the bytes")
        data = text.encode("utf-8")
    elif data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    if not _plain_bytes(data, text):
        return None
    cuts = _cuts(data)
    if cuts is None:
        return None
    rest: list[bytes] = []
    last = 0
    for begin, end, _name in cuts:
        if begin < last:
            return None
        rest.append(data[last:begin])
        last = end
    rest.append(data[last:])
    small = b"".join(rest).decode("utf-8")
    if small.startswith("---") or "\n---" in small or "\n..." in small:
        return None
    try:
        doc = _pnpm_yaml.load_fast(small, keep)
    except _pnpm_yaml.Unsupported:
        return None
    if any(name in doc for name in _SECTIONS):  # another form, or twice: the full loader
        return None
    sections: dict[str, Section] = {}
    names = [name for _begin, _end, name in cuts]
    for begin, end, name in cuts:
        pattern = _strict_pattern(name, names) if strict else None
        section = _read_section(data, (begin + len(name) + 2, end), name, keep, pattern)
        if section is None:
            return None
        sections[name] = section
    packages = sections.get("packages")
    if packages is not None and not packages.keys and packages.unquoted:  # (left for here)
        follows = heads is not None and _follow(packages, sections.get("snapshots"), heads)
        if not follows and not _own_keys(packages):
            return None
    return Document(doc, sections, data)


def _cuts(data: bytes) -> list[tuple[int, int, str]] | None:
    """Where each big section begins and ends, and its name, in file order (``None``: perhaps
    a comment in one)."""
    headers = sorted((data.find(b"\n%s:\n" % name.encode()), name) for name in _SECTIONS)
    cuts: list[tuple[int, int, str]] = []
    for n, (at, name) in enumerate(headers):
        if at < 0:
            continue
        body = at + len(name) + 3
        # pnpm writes these sections last: one ends where the next begins (a line of the top
        # level in between, or after, is refused by the section's pattern)
        end = headers[n + 1][0] + 1 if n + 1 < len(headers) else len(data)
        if data.find(b"#", body, end) >= 0 and data.find(b" #", body, end) >= 0:
            return None  # perhaps a comment, which load_fast refuses
        cuts.append((at + 1, end, name))
    return cuts


def _strict_pattern(name: str, names: list[str]) -> re.Pattern[bytes]:
    """The strict pattern of section ``name`` (``names``: the big sections of the file)."""
    if name == "snapshots":
        return _STRICT_SNAPSHOTS
    return _STRICT_PACKAGES if "snapshots" in names else re.compile(_STRICT_PACKAGES_MAPS)


def _read_section(
    data: bytes,
    bounds: tuple[int, int],
    name: str,
    keep: Mapping[str, frozenset[str]],
    strict: re.Pattern[bytes] | None,
) -> Section | None:
    start, end = bounds
    while start < end and data[start] == 0x0A:
        start += 1
    section = Section(data, start, end)
    if start >= end:
        return section
    section.resolutions = name != "snapshots"
    try:
        read = _read_parts(section, strict, name, keep)
    except (SystemError, RecursionError):  # the re module's own limits: the full loader
        return None
    if read is None:
        return None
    unquoted, lines = read
    if " " in unquoted:  # a space in a key: the full loader
        return None
    section.unquoted = unquoted
    # (9.0 ``packages`` in pnpm's layout: its keys are made or found in ``read``)
    if strict is not _STRICT_PACKAGES and not _own_keys(section):
        return None
    lines.discard(b"")
    dep_lines = (b"\n".join(lines) + b"\n").decode("utf-8") if lines else ""
    del lines
    others = _other_ref_lines(dep_lines)
    if others is None:
        return None
    section.dep_lines = dep_lines
    section.other_refs = others
    return section


def _own_keys(section: Section) -> bool:
    """The section's keys from its text, each once and none a word YAML reads otherwise."""
    keys = section.unquoted.split("\n")
    keyset = set(keys)
    if len(keyset) != len(keys) or not _SCALAR_WORDS.isdisjoint(keyset):
        return False  # a key twice, or one YAML reads as null or a boolean
    section.keys = keys
    section.keyset = keyset
    return True


def _follow(
    packages: Section, snapshots: Section | None, heads: Callable[[list[str]], list[str]]
) -> bool:
    """Whether the ``packages`` keys are those of ``snapshots`` without their peer suffixes,
    in the same order, each once (as pnpm writes them when no package has two snapshots):
    then ``packages.keys`` holds those strings, and ``snapshots.peer_heads`` the heads."""
    if snapshots is None or not snapshots.keys:
        return False
    skeys = snapshots.keys
    peers = [key for key in skeys if key[-1] == ")"]
    if not peers:
        if packages.unquoted != snapshots.unquoted:
            return False
        keys = skeys
    else:
        heads_of = dict(zip(peers, heads(peers), strict=True))
        snapshots.peer_heads = heads_of
        distinct = set(heads_of.values())
        if (
            len(distinct) != len(peers)
            or not distinct.isdisjoint(snapshots.keyset)
            or not _SCALAR_WORDS.isdisjoint(distinct)
        ):
            return False
        get = heads_of.get
        keys = [get(key, key) for key in skeys]
        if "\n".join(keys) != packages.unquoted:
            return False
    packages.keys = keys
    packages.follows = True
    return True


def _lines_of(rows: list[Any], *columns: itemgetter[Any]) -> set[bytes]:
    """The distinct lines of the dependency maps in ``columns`` of ``rows``."""
    lines: set[bytes] = set()
    for at in range(0, len(rows), _CHUNK):  # (a chunk at a time: a lower peak of memory)
        chunk = rows[at : at + _CHUNK]
        for column in columns:
            lines.update(b"".join(map(column, chunk)).split(b"\n"))
    return lines


def _read_parts(
    section: Section,
    strict: re.Pattern[bytes] | None,
    name: str,
    keep: Mapping[str, frozenset[str]],
) -> tuple[str, set[bytes]] | None:
    """The section read ``_SPAN`` bytes at a time, each part ending where a key line begins
    (an entry's match is the same there as in the whole section: it sees ``\\Z`` where it saw
    that key line, and no entry holds a line at two spaces), by ``strict`` (pnpm's own layout)
    and, when an entry of the part is in another layout, by ``_ENTRY``; with no ``strict``,
    the whole section by ``_ENTRY``. ``None`` if ``_ENTRY`` does not read an entry. The keys
    joined (without their quotes) and the distinct dependency lines; ``section.parts``,
    ``_general`` and ``loaded`` are filled in."""
    data, at, end = section._text, section.start, section.end
    keys: list[str] = []
    lines: set[bytes] = set()
    offsets, firsts = section.parts
    count = 0
    span = _SPAN if strict is not None else end
    while at < end:
        stop = end
        if at + span < end:
            found = _KEY_LINE.search(data, at + span, end)
            if found is not None:
                stop = found.start() + 1
        read = None if strict is None else _strict_part(data, (at, stop), strict, keys, lines)
        if read is not None and read < 0:  # (its keys are quoted as pnpm quotes them)
            section._key_lines[len(offsets)] = None
            read = -read
        if read is None:  # an entry in another layout: the part is read by ``_ENTRY``
            rows = re.compile(_ENTRY_B).findall(data, at, stop)
            if any(map(_BAD, rows)):
                return None
            part = b"\n".join(map(_KEY, rows)).replace(b"'", b"").decode("utf-8")
            keys.append(part)
            lines.update(_lines_of(rows, _DEPENDENCIES, _OPTIONAL))
            integrity = _general_integrity(rows)
            section._general[len(offsets)] = integrity
            where = (at, stop, count)
            if not _general_part(section, rows, integrity, where, keys=part, loader=(name, keep)):
                return None
            read = len(rows)
        offsets.append(at)
        firsts.append(count)
        count += read
        at = stop
    return "\n".join(keys), lines


def _strict_part(
    data: bytes,
    bounds: tuple[int, int],
    strict: re.Pattern[bytes],
    keys: list[str],
    lines: set[bytes],
) -> int | None:
    """The entries of a part read by ``strict`` (their number, negative when the keys quoted
    are those that start with '@', as pnpm writes them; ``None`` if an entry is in another
    layout), their keys joined added to ``keys``, their dependency lines to ``lines``."""
    rows = strict.findall(data, *bounds)
    if strict.groups == 1:
        if not rows[-1]:
            return None
        joined = b"\n".join(rows)
    else:
        if not rows[-1][0]:
            return None
        joined = b"\n".join(map(_KEY, rows))
        lines.update(b"".join(map(_S_DEPENDENCIES, rows)).split(b"\n"))
        lines.update(b"".join(map(_S_OPTIONAL, rows)).split(b"\n"))
    keys.append(joined.replace(b"'", b"").decode("utf-8"))
    # (a key holds no quote but its quoting, and a plain key starts with no '@')
    quoted_at = joined.count(b"\n'@") + (joined[:2] == b"'@")
    return -len(rows) if joined.count(b"'") == 2 * quoted_at else len(rows)


def _general_integrity(rows: list[Any]) -> list[str]:
    """The integrity column of ``_ENTRY``'s rows ('' where the value is no SRI hash)."""
    integrity = b"\n".join(map(_INTEGRITY, rows)).decode("utf-8").split("\n")
    if not _all_sri(integrity):
        sri = re.compile(_SRI).fullmatch
        integrity = [v if not v or sri(v) else "" for v in integrity]
    return integrity


def _general_part(
    section: Section,
    rows: list[Any],
    integrity: list[str],
    where: tuple[int, int, int],
    *,
    keys: str,
    loader: tuple[str, Mapping[str, frozenset[str]]],
) -> bool:
    """The entries of a part ``_ENTRY`` read (``where``: its offsets and its first entry's
    position; ``keys``: theirs, joined) with another kept field or resolution: read by
    ``load_fast`` into ``section.loaded`` (``False`` if it does not read one)."""
    begin, stop, first = where
    odd = [j for j, row in enumerate(rows) if row[4] or (row[1] and not integrity[j])]
    if not odd:
        return True
    data = section._text
    starts = [m.start() + 1 for m in _KEY_LINE.finditer(data, begin - 1, stop)]
    starts = [o for o in starts if o < stop]
    starts.append(stop)
    names = keys.split("\n")
    for j in odd:
        block = data[starts[j] : starts[j + 1]].decode("utf-8")
        entry = _load_entry(loader[0], names[j], block, loader[1])
        if entry is None:
            return False
        section.loaded[first + j] = entry
    return True


def _other_ref_lines(lines: str) -> list[str] | None:
    """The lines of ``lines`` (dependency lines, each ending with a line end) whose reference
    is not a plain version (``_PLAIN_REF``), without their line end; ``None`` if a line is not
    in the dependency line grammar. (One pass of the plain lines' pattern between them.)"""
    others: list[str] = []
    at = 0
    end = len(lines)
    plain = _PLAIN_REF_LINES.match
    while True:
        at = plain(lines, at).end()  # type: ignore[union-attr]  # (``*+``: always a match)
        if at == end:
            return others
        found = _ONE_DEP_LINE.match(lines, at)  # (compiled when a line is not plain)
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
    for field, lines in re.findall(_DEP_FIELD, body):
        deps: dict[str, Any] = {}
        for quoted, plain, value in re.findall(_DEP, lines):
            if value[:1] == "'":
                deps[quoted or plain] = value[1:-1]
            else:
                deps[quoted or plain] = scalars.get(value, value)
        out[field] = deps
    return out
