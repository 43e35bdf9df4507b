"""yarn classic (v1) ``yarn.lock``: hand-written parsers for yarn's own line format.

Layout (yarn 1 writes nothing else)::

    # yarn lockfile v1

    "@babel/code-frame@7.22.13", "@babel/code-frame@^7.0.0":
      version "7.22.13"
      resolved "https://registry.yarnpkg.com/...tgz#sha1"
      integrity sha512-...
      dependencies:
        "@babel/highlight" "^7.22.13"

The fast path checks every entry against one compiled grammar of those lines (a file without a
backslash: one ``re.split`` of the whole text, every step then done for all entries at once;
else block by block); a file that does not fit (hand edits, blank lines inside entries, errors)
is read again line by line, which also gives exact error messages.

Node id = the entry's descriptors, unquoted, joined by ``", "``. The file records neither the
project's own dependencies nor its workspaces, so the graph gets one synthetic importer
``(root)`` whose children are the entries no other entry depends on (plus one entry per cycle
nothing else reaches): dependency paths start at the top-most entry. They are searched backward
from each finding over every dependency held as entry positions (decision 0027).
"""

from __future__ import annotations

import gc
import operator
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, chain, compress, repeat
from typing import cast, overload

from gouvernante.errors import LockfileError
from gouvernante.lockfiles._common import split_at_version
from gouvernante.lockfiles._yarn_common import (
    YarnDetails,
    alias_target,
    by_name_fallback,
    check_references,
    classify,
    link_children,
    unquote_dq,
)
from gouvernante.model import (
    Importer,
    LockedPackage,
    LockfileFormat,
    LockfileGraph,
    PackageTable,
)

ROOT_ID = "(root)"

# A double-quoted string on one line (the block reader must not let one run over a line end,
# which the line reader never sees).
_DQ = r'"[^"\\\n]*(?:\\[^\n][^"\\\n]*)*"'
_KEY = rf'(?:{_DQ}|[^\s",:#][^\s",:]*)'
_VALUE = rf'(?:{_DQ}|[^\s"]+)'
_HEADER = re.compile(rf"{_KEY}(?:, *{_KEY})*:[ \t]*")
_TOKEN = re.compile(_KEY)
# "  key value" or "  key:" (opens a block); indentation is checked separately.
_FIELD = re.compile(rf" +({_KEY})(?:[ \t]+({_VALUE})|(:))[ \t]*")
# One entry block exactly as yarn writes it, comments and blank lines first.
_L4 = rf"\n    {_KEY}[ \t]+{_VALUE}[ \t]*"
# Only the two dependency maps open a block of four-space lines (all yarn 1 writes): so every
# four-space line of a file the block reader takes is a dependency (``_Links`` counts on it).
_L2 = (
    rf"\n  (?:[A-Za-z_][A-Za-z0-9_]*[ \t]+{_VALUE}[ \t]*"
    rf"|(?:dependencies|optionalDependencies):[ \t]*(?:{_L4})++)"
)
_BLOCK = re.compile(rf"((?:#[^\n]*\n|\n)*)({_KEY}(?:, *{_KEY})*):[ \t]*(?:{_L2})++\n*")
_NO_ENTRY = re.compile(r"(?:#[^\n]*\n|\n)*(?:#[^\n]*)?")
_NEEDLES = ("\n  version ", "\n  resolved ", "\n  integrity ")
_DEP_NEEDLES = ("\n  dependencies:", "\n  optionalDependencies:")
_CONFLICT = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


def _unquote(token: str, path: str, line: int) -> str:
    return unquote_dq(token, path, line) if token[0] == '"' else token


class _Entries:
    """The entries of one file, in order, duplicates (same header twice) dropped; a package is
    built when asked for (``package``), from fields read already or from its block's text."""

    __slots__ = (
        "_line_source",
        "_lines",
        "any_four_space_line",
        "block_entry",
        "blocks",
        "descriptors",
        "fields",
        "ids",
        "names",
        "path",
        "ranges",
        "seen",
        "texts",
    )

    def __init__(self, path: str) -> None:
        self.path = path
        self.ids: list[str] = []
        self.names: list[str] = []
        self.ranges: list[str] = []  # the first descriptor's range (the package's source)
        self._lines: list[int] | None = []  # 1-based line of each header (``lines``)
        self._line_source: Callable[[], list[int]] | None = None  # computes them if None
        self.descriptors: list[list[str]] = []
        self.fields: list[tuple[str, str | None, str | None] | None] = []
        self.texts: list[str] = []  # the block of each entry (fast path only)
        # fast path: every entry block in file order (a header written twice too) and the
        # position of its entry (-1: the second of a header written twice, which yarn drops)
        self.blocks: list[str] = []
        self.block_entry: list[int] = []
        self.seen: set[str] = set()
        # read by _ENTRY, whose four-space lines may be any line (_references_resolve's regex
        # reads them, or parse_classic reads the file again)
        self.any_four_space_line = False

    def add(
        self, descs: list[str], line: int, fields: tuple[str, str | None, str | None] | None
    ) -> bool:
        """``fields`` (version, resolved, integrity) None: read from the text when needed."""
        entry_id = ", ".join(descs)
        if entry_id in self.seen:  # yarn merges an entry written twice
            return False
        self.seen.add(entry_id)
        name, range_ = split_at_version(descs[0])
        self.names.append(alias_target(name, range_)[0])
        self.ranges.append(range_)
        self.ids.append(entry_id)
        self.lines.append(line)
        self.descriptors.append(descs)
        self.fields.append(fields)
        return True

    @property
    def lines(self) -> list[int]:
        """The 1-based line of each header; the column reader counts them when first asked
        (a finding's line, an error): a clean scan never asks."""
        lines = self._lines
        if lines is None:
            lines = self._lines = cast("Callable[[], list[int]]", self._line_source)()
            self._line_source = None
        return lines

    def lines_counted_later(self, count: Callable[[], list[int]]) -> None:
        self._lines = None
        self._line_source = count

    def fields_of(self, index: int) -> tuple[str, str | None, str | None]:
        fields = self.fields[index]
        if fields is None:
            block, line = self.texts[index], self.lines[index]
            version = _block_field(block, _NEEDLES[0], self.path, line) or ""
            resolved = _block_field(block, _NEEDLES[1], self.path, line)
            integrity = _block_field(block, _NEEDLES[2], self.path, line)
            fields = (version, resolved, integrity)
        return fields

    def package(self, index: int) -> LockedPackage:
        version, resolved, integrity = self.fields_of(index)
        source = classify(self.ranges[index])
        return LockedPackage(
            self.ids[index], self.names[index], version, source, integrity, resolved
        )

    @property
    def packages(self) -> list[LockedPackage]:
        """Every package, built (tests compare the two readers with it)."""
        return [self.package(i) for i in range(len(self.ids))]

    def table(self) -> PackageTable:
        return PackageTable(
            self.ids,
            self.names,
            self.package,
            lambda: [self.fields_of(i)[2] for i in range(len(self.ids))],
            lambda i: self.fields_of(i)[0],
        )


def parse_classic(text: str, path: str, *, has_marker: bool) -> LockfileGraph:
    """The graph of a classic ``yarn.lock``. The cyclic garbage collector is paused while the
    file is read: its columns are hundreds of thousands of new objects without a cycle among
    them, which would otherwise set off collections that find nothing (as pnpm's line reader,
    decision 0028)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _parse_classic(text, path, has_marker=has_marker)
    finally:
        if collecting:
            gc.enable()


def _parse_classic(text: str, path: str, *, has_marker: bool) -> LockfileGraph:
    try:
        found = _blocks(text, path)
    except LockfileError:
        found = None  # the line parser reports it with the exact line
    if found is None:
        found = _lines(text, path)
    entries, entry_text = found
    if not entries.ids and not has_marker:
        raise LockfileError(path, "not a yarn lockfile: no '# yarn lockfile v1' and no entries")
    keys = entries.ids  # each entry's descriptors joined by ", "
    dep_lines = _references_resolve(text, keys)
    if not dep_lines and entries.any_four_space_line:  # the block grammar says, line by line
        try:
            found = _blocks_one_by_one(text, path)
        except LockfileError:  # pragma: no cover - no backslash: no token fails to read
            found = None
        entries, entry_text = found if found is not None else _lines(text, path)
        keys = entries.ids
    plain = bool(dep_lines)
    if not plain:  # the exact check says which entry
        check_references(
            keys, entries.lines, lambda index: _entry_deps(entry_text(index)), path, berry=False
        )

    def deps_of(index: int) -> list[tuple[str, str]]:
        if plain and entries.texts:  # every dependency line has the plain form, no escapes
            found = _block_deps(entries.texts[index])
            if found is not None:
                return found
        return _entry_deps(entry_text(index))

    return LockfileGraph(
        format=LockfileFormat.YARN_CLASSIC,
        packages=entries.table() if entries.ids else [],
        importers=(Importer(ROOT_ID, ROOT_ID, ""),),
        details=_ClassicDetails(
            entries,
            deps_of,
            dep_lines if isinstance(dep_lines, _DepLines) and entries.blocks else None,
        ),
        roots_known=False,
    )


class _HeaderLines(Sequence[int]):
    """``entries.lines``, counted when first read."""

    __slots__ = ("_entries",)

    def __init__(self, entries: _Entries) -> None:
        self._entries = entries

    def __len__(self) -> int:
        return len(self._entries.ids)

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        return self._entries.lines[index]

    def __iter__(self) -> Iterator[int]:
        return iter(self._entries.lines)


class _ClassicDetails(YarnDetails):
    """yarn.lock records no root: the package.json beside it may give the root's edges.

    In a file the block reader took whose dependency lines the one-pass check read
    (``dep_lines``), a dependency path is searched backward from the package (``parents_of``,
    ``search_backward``) over every dependency as entry positions (``_Links``), the root's
    children being the package.json's entries or, without one, the entries nothing depends on
    (plus one entry per cycle they do not reach). Otherwise the search goes forward and asks
    for the children of the nodes it visits (``children_of``): only those entries' dependency
    lines are read. ``edges()`` reads every entry's."""

    __slots__ = (
        "_dep_lines",
        "_deps_of",
        "_entries",
        "_links",
        "_lookup",
        "_owner",
        "_positions",
        "_root_deps",
        "_root_set",
    )

    def __init__(
        self,
        entries: _Entries,
        deps_of: Callable[[int], list[tuple[str, str]]],
        dep_lines: _DepLines | None = None,
    ) -> None:
        super().__init__(entries.ids, _HeaderLines(entries), self._build_edges)
        self._entries = entries
        self._deps_of = deps_of
        self._dep_lines = dep_lines
        self._root_deps: list[tuple[str, str]] | None = None  # None: not known
        self._lookup: Callable[[str, str], str | None] | None = None
        self._owner: dict[str, int] | None = None
        self._positions: dict[str, int] | None = None
        self._links: _Links | None = None
        self._root_set: set[int] | None = None

    def set_root_dependencies(self, deps: Sequence[tuple[str, str, str]]) -> None:
        """``(key, name, range)`` as the package.json declares them; an alias is looked up as
        yarn writes it (``key@npm:name@range``)."""
        self._root_deps = [
            (key, rng if key == name else f"npm:{name}@{rng}") for key, name, rng in deps
        ]
        self._edges = None
        self._root_set = None

    def unresolved_roots(self) -> list[str]:
        """The root dependency keys no entry resolves."""
        lookup = self._resolver()
        return [key for key, rng in self._root_deps or () if lookup(key, rng) is None]

    def children_of(self, node_id: str) -> list[str]:
        """What ``node_id`` depends on, as ``edges()[node_id]`` says, reading only its entry."""
        if self._edges is not None:
            return list(self._edges.get(node_id, ()))
        lookup = self._resolver()
        if node_id == ROOT_ID:
            if self._root_deps is None:  # the guessed roots need every entry's edges
                return list(self.edges().get(ROOT_ID, ()))
            return link_children(self._root_deps, lookup)
        index = self._position(node_id)
        if index is None:
            return []
        children = link_children(self._deps_of(index), lookup)
        if node_id in children:
            children.remove(node_id)
        return children

    @property
    def search_backward(self) -> bool:
        """Can ``parents_of`` answer (every dependency known as entry positions)?"""
        return self._get_links() is not None

    def parents_of(self, node_id: str) -> list[str]:
        """Who depends on ``node_id``, as ``edges()`` says: the entries with a dependency line
        resolving to it, and the root when it is one of the root's children."""
        links = self._get_links()
        index = self._position(node_id)
        if links is None or index is None:
            return []
        ids = self._entries.ids
        above = links.parents(index)
        parents = [ids[parent] for parent in above]
        if self._root_deps is None:  # guessed: asked of this entry's ancestors, not every entry
            if links.is_guessed_root(index, above):
                parents.append(ROOT_ID)
        elif index in self._get_root_set(links):
            parents.append(ROOT_ID)
        return parents

    def line_of(self, node_id: str) -> int | None:
        index = self._position(node_id) if node_id else None
        return None if index is None else self._entries.lines[index]

    def _position(self, node_id: str) -> int | None:
        if self._positions is None:
            ids = self._entries.ids
            self._positions = dict(zip(ids, range(len(ids)), strict=True))
        return self._positions.get(node_id)

    def _get_links(self) -> _Links | None:
        if self._links is None and self._dep_lines is not None:
            self._links = _links(self._entries, self._dep_lines)
            if self._links is not None and self._owner is None:
                self._owner = self._dep_lines.owner  # the same lookup: pieces = descriptors
            self._dep_lines = None  # built (or not buildable) once
        return self._links

    def _get_root_set(self, links: _Links) -> set[int]:
        if self._root_set is None:
            if self._root_deps is None:
                self._root_set = set(links.guessed_roots())
            else:
                children = link_children(self._root_deps, self._resolver())
                self._root_set = {cast(int, self._position(child)) for child in children}
        return self._root_set

    def _owners(self) -> dict[str, int]:
        """descriptor -> the position of the first entry it heads."""
        lines = self._dep_lines
        if self._owner is None and lines is not None and _same_pieces(self._entries, lines):
            self._owner = lines.owner  # the reference check's lookup, over the same descriptors
        if self._owner is None:  # built from the last entry up: the first one stays
            descriptors = self._entries.descriptors[::-1]
            positions = range(len(descriptors) - 1, -1, -1)
            self._owner = dict(
                zip(
                    chain.from_iterable(descriptors),
                    chain.from_iterable(map(repeat, positions, map(len, descriptors))),
                    strict=True,
                )
            )
        return self._owner

    def _resolver(self) -> Callable[[str, str], str | None]:
        if self._lookup is None:
            self._lookup = _resolver(self._entries.ids, self._owners())
        return self._lookup

    def _build_edges(self) -> dict[str, list[str]]:
        return _classic_edges(self._entries, self._deps_of, self._resolver(), self._root_deps)


# How many of an entry's ancestors ``_Links.is_guessed_root`` asks about before it computes
# every entry's reach instead (the bound on the search back: the answer is the same either way).
_ANCESTORS_ASKED = 1_000


class _Links:
    """Every dependency of a file the block reader took, as entry positions: dependency line
    ``k`` of entry ``src[k]`` resolves to entry ``dst[k]`` (``src`` -1: a header written twice,
    which yarn drops), and entry ``i``'s lines are ``start[i]:end[i]``. Built from the one-pass
    reference check's descriptors and each block's count of four-space lines (the block reader
    takes no other kind); who depends on what is indexed on first use."""

    __slots__ = ("_depended", "_guessed", "_reached", "_reverse", "dst", "end", "src", "start")

    def __init__(self, src: list[int], dst: list[int], start: list[int], end: list[int]) -> None:
        self.src = src
        self.dst = dst
        self.start = start
        self.end = end
        self._reverse: list[int] | None = None  # the lines by the entry they resolve to
        self._reached: set[int] = set()  # entries an entry nothing depends on is known to reach
        self._guessed: set[int] | None = None  # guessed_roots(), when an entry needed it
        self._depended: set[int] | None = None  # built by depended()

    def parents(self, index: int) -> list[int]:
        """The entries with a dependency resolving to entry ``index`` (itself left out)."""
        target = self.dst.__getitem__
        if self._reverse is None:  # the lines in the order of the entry they resolve to
            self._reverse = sorted(range(len(self.dst)), key=target)
        order = self._reverse
        low = bisect_left(order, index, key=target)
        high = bisect_right(order, index, low, key=target)
        found = list(map(self.src.__getitem__, order[low:high]))
        if -1 in found or index in found:  # a header written twice, a self-dependency
            return [p for p in dict.fromkeys(found) if p >= 0 and p != index]
        return list(dict.fromkeys(found))

    def is_guessed_root(self, index: int, parents: list[int] | None = None) -> bool:
        """``index in guessed_roots()``, answered from the entry's ancestors: an entry nothing
        depends on (not in ``depended``) is a root; an entry below one (an ancestor with no
        parent: the search back stops at the first one met) is not, as that root reaches it,
        and neither is any entry of the chain between them (kept: the next question is often
        about one of them). Only an entry none of whose ancestors is such a root (a cycle
        nothing reaches, or below one), or one with more than ``_ANCESTORS_ASKED`` ancestors
        asked before one is met, needs every entry's reach (``guessed_roots``), once.
        ``parents``: ``parents(index)``, if known."""
        depended = self.depended()
        if index not in depended:
            return True
        reached = self._reached
        if index in reached:
            return False
        came = {index: index}  # each ancestor met -> the entry below it it was met from
        level = [index]
        while level and len(came) <= _ANCESTORS_ASKED:
            ahead: list[int] = []
            for child in level:
                ups = parents if child == index and parents is not None else self.parents(child)
                for entry in ups:
                    if entry in came:
                        continue
                    came[entry] = child
                    if entry not in depended or entry in reached:  # a root reaches the chain
                        below = entry
                        while below != index:
                            below = came[below]
                            reached.add(below)
                        return False
                    ahead.append(entry)
            level = ahead
        if self._guessed is None:
            self._guessed = set(self.guessed_roots())
        return index in self._guessed

    def depended(self) -> set[int]:
        """The entries another entry depends on (a self-dependency, a header written twice
        left out): every entry else is a guessed root."""
        if self._depended is None:
            src, dst = self.src, self.dst
            if -1 in src or any(map(operator.eq, src, dst)):
                self._depended = {
                    child for parent, child in zip(src, dst, strict=True) if 0 <= parent != child
                }
            else:
                self._depended = set(dst)
        return self._depended

    def guessed_roots(self) -> list[int]:
        """``_roots`` over these edges: the entries nothing else depends on, then one entry of
        each cycle still unreached, in file order."""
        everything = set(range(len(self.start)))
        roots = sorted(everything - self.depended())
        reached = set(roots)
        self._reach(roots, reached)
        for entry in sorted(everything - reached):
            if entry not in reached:  # a cycle nothing reaches: its first entry in the file
                roots.append(entry)
                reached.add(entry)
                self._reach([entry], reached)
        return roots

    def _reach(self, frontier: Iterable[int], reached: set[int]) -> None:
        """Add to ``reached`` every entry below ``frontier``, a level at a time."""
        lines_of = self.dst.__getitem__
        start, end = self.start.__getitem__, self.end.__getitem__
        while True:
            level = list(frontier)
            below = set(
                chain.from_iterable(map(lines_of, map(slice, map(start, level), map(end, level))))
            )
            below -= reached
            if not below:
                return
            reached |= below
            frontier = below


def _same_pieces(entries: _Entries, dep_lines: _DepLines) -> bool:
    """Are the pieces the reference check split the headers into the entries' descriptors (no
    descriptor holds ``", "``, as a quoted token may)?"""
    return dep_lines.pieces == sum(map(len, entries.descriptors))


def _links(entries: _Entries, dep_lines: _DepLines) -> _Links | None:
    """None when the pieces the reference check looked up are not the descriptors: the forward
    search reads those entries exactly."""
    if not _same_pieces(entries, dep_lines):
        return None
    dst = dep_lines.targets
    counts = list(map(str.count, entries.blocks, repeat("\n    ")))
    if sum(counts) != len(dst):  # pragma: no cover - the block reader takes no other line
        return None
    block_entry = entries.block_entry
    src = list(chain.from_iterable(map(repeat, block_entry, counts)))
    offsets = list(accumulate(counts, initial=0))
    if len(block_entry) == len(entries.ids):  # no header written twice: block i is entry i
        return _Links(src, dst, offsets[:-1], offsets[1:])
    start = [0] * len(entries.ids)
    end = [0] * len(entries.ids)
    for block, index in enumerate(block_entry):
        if index >= 0:
            start[index] = offsets[block]
            end[index] = offsets[block + 1]
    return _Links(src, dst, start, end)


def _block_field(block: str, needle: str, path: str, line: int) -> str | None:
    at = block.rfind(needle)
    if at < 0:
        return None
    end = block.find("\n", at + 1)
    raw = block[at + len(needle) : end if end >= 0 else None].strip()
    if raw[0] != '"':
        return raw
    return raw[1:-1] if "\\" not in raw else unquote_dq(raw, path, line)


def _blocks(text: str, path: str) -> tuple[_Entries, Callable[[int], str]] | None:
    """The fast path; None when the file is not in yarn's exact layout (the line reader reads
    it). A file without a backslash or NUL is read a column at a time (``_block_columns``)."""
    if "\\" not in text and "\x00" not in text:
        found = _block_columns(text, path)
        if found is not _ONE_BY_ONE:
            return cast("tuple[_Entries, Callable[[int], str]] | None", found)
    return _blocks_one_by_one(text, path)


_ONE_BY_ONE = object()  # _block_columns: a header written twice, read block by block instead


# One entry: its header, its lines to the blank lines after it (the block grammar, starting and
# ending at a line end: an entry is whole lines). It can start only at a line start, and the
# comments above it are left between entries: a search over hostile text then tries each line
# once (a comment run or a long line tried again from each of its positions is quadratic).
# Its four-space lines are any line: each is then read by ``_DEP_LINE`` (the block grammar's
# form, narrower), or ``parse_classic`` reads the file again with the block grammar.
def _entry_grammar(key: str, value: str) -> re.Pattern[str]:
    lines = (
        rf"\n  (?:(?:dependencies|optionalDependencies):[ \t]*(?:\n    [^\n]*)++"
        rf"|[A-Za-z_][A-Za-z0-9_]*[ \t]+{value}[ \t]*)"
    )
    return re.compile(rf"(?:(?<=\n)|\A)({key}(?:, *{key})*)(:[ \t]*(?:{lines})++(?:\n+|\Z))")


# ``\s`` of a str pattern is a category tested a character at a time; in an ASCII text it is
# exactly these characters (what str.isspace says below 128), which sre tests as one bitmap.
_ASCII_SPACE = r" \t\n\r\f\v\x1c-\x1f"
_ENTRY = _entry_grammar(_KEY, _VALUE)
_ENTRY_ASCII = _entry_grammar(
    rf'(?:{_DQ}|[^{_ASCII_SPACE}",:#][^{_ASCII_SPACE}",:]*)', rf'(?:{_DQ}|[^{_ASCII_SPACE}"]+)'
)
_KEY_OR_NL = re.compile(rf"{_KEY}|\n")
# split_at_version over lines: the name runs to the first "@" after its first character
_NAME_RANGE = re.compile(r"^(.?[^@\n]*)@?(.*)$", re.MULTILINE)


def _block_columns(text: str, path: str) -> tuple[_Entries, Callable[[int], str]] | object | None:
    """``_blocks_one_by_one`` for a file without a backslash or NUL, each step done for every
    entry at once: one ``re.split`` over the text by the entry grammar (``_ENTRY``) gives each
    entry's header and body, with only comments and blank lines left between two entries
    (anything else is left there, and sends the file to the line reader); header lines from
    the newlines before them; the headers' tokens by one regex over them joined, unquoted by
    dropping every ``"`` (no escape can hide one); names and ranges by one regex over the first
    descriptors."""
    pieces = (_ENTRY_ASCII if text.isascii() else _ENTRY).split(text)
    kept = pieces[2::3]  # ":" and the lines below the header, to the blank lines after them
    if not kept:
        return _ONE_BY_ONE  # no entry: nothing to gain
    no_entry = _NO_ENTRY.fullmatch
    for between in filter(None, pieces[::3]):  # comments and blank lines only
        if no_entry(between) is None:
            return None
    if not all(map(operator.contains, kept, repeat(_NEEDLES[0]))):
        return None  # an entry without a version: the line reader reports it
    descriptors, ids = _header_tokens("\n".join(pieces[1::3]))
    if len(descriptors) != len(kept) or len(ids) != len(kept):  # pragma: no cover - guard
        return None
    if len(set(ids)) != len(ids):
        return _ONE_BY_ONE
    firsts = "\n".join(map(operator.itemgetter(0), descriptors))
    split = _NAME_RANGE.findall(firsts)
    if len(split) != len(kept):  # pragma: no cover - guard
        return None
    names = list(map(operator.itemgetter(0), split))
    ranges = list(map(operator.itemgetter(1), split))
    for at in compress(range(len(ranges)), map(str.startswith, ranges, repeat("npm:"))):
        names[at] = alias_target(names[at], ranges[at])[0]
    entries = _Entries(path)
    entries.ids = ids
    entries.names = names
    entries.ranges = ranges
    entries.lines_counted_later(
        lambda: list(accumulate(map(str.count, pieces, repeat("\n")), initial=1))[
            1 : len(pieces) : 3
        ]
    )
    entries.descriptors = descriptors
    entries.fields = [None] * len(ids)
    entries.texts = entries.blocks = kept
    entries.block_entry = list(range(len(ids)))
    entries.any_four_space_line = True
    return entries, kept.__getitem__


def _header_tokens(headers: str) -> tuple[list[list[str]], list[str]]:
    """Each header's tokens (its descriptors) and its id (the tokens joined by ``", "``), from
    the headers (the entry grammar's, no backslash) joined by newlines. Tokens are unquoted by
    dropping every ``"``. When every comma is outside the quotes and written ``", "``, the
    commas are the separators: the ids are the headers without their quotes; else one regex
    reads the tokens (``_header_tokens_read``)."""
    if (
        headers.count(",") == headers.count(", ")
        and ",  " not in headers
        and "," not in "".join(headers.split('"')[1::2])
    ):
        ids = headers.replace('"', "").split("\n")
        return list(map(str.split, ids, repeat(", "))), ids
    return _header_tokens_read(headers)


def _header_tokens_read(headers: str) -> tuple[list[list[str]], list[str]]:
    """``_header_tokens`` by one regex over the headers (any comma, any quoted token)."""
    tokens = "\x00".join(_KEY_OR_NL.findall(headers)).replace('"', "")
    per_header = tokens.split("\x00\n\x00")
    ids = tokens.replace("\x00\n\x00", "\n").replace("\x00", ", ").split("\n")
    return list(map(str.split, per_header, repeat("\x00"))), ids


def _blocks_one_by_one(text: str, path: str) -> tuple[_Entries, Callable[[int], str]] | None:
    """The fast path block by block; None when the file is not in yarn's exact layout. Without
    a backslash in the file no field can fail to read, so a block's version, resolved and
    integrity are read when its package is built (the few a scan looks at), not here."""
    entries = _Entries(path)
    texts = entries.texts
    lazy = "\\" not in text
    line = 1
    block_re = _BLOCK
    for block in text.split("\n\n"):
        match = block_re.fullmatch(block)
        if match is None:
            if _NO_ENTRY.fullmatch(block) is None:
                return None
        else:
            header_line = line + match.group(1).count("\n")
            descs = [_unquote(t, path, header_line) for t in _TOKEN.findall(match.group(2))]
            if lazy:
                if _NEEDLES[0] not in block:
                    return None  # no version: the line parser reports it
                fields = None
            else:
                version = _block_field(block, _NEEDLES[0], path, header_line)
                if version is None:
                    return None  # the line parser reports it
                resolved = _block_field(block, _NEEDLES[1], path, header_line)
                integrity = _block_field(block, _NEEDLES[2], path, header_line)
                fields = (version, resolved, integrity)
            entries.blocks.append(block)
            if entries.add(descs, header_line, fields):
                entries.block_entry.append(len(texts))
                texts.append(block)
            else:
                entries.block_entry.append(-1)
        line += block.count("\n") + 2
    return entries, texts.__getitem__


def _lines(text: str, path: str) -> tuple[_Entries, Callable[[int], str]]:  # noqa: C901 - listed in pyproject, to shrink
    """The line-by-line reader: any layout yarn accepts, exact errors for the rest."""
    lines = text.split("\n")
    entries = _Entries(path)
    spans: list[tuple[int, int]] = []
    header_index = -1
    header_descs: list[str] = []
    in_block = False
    version: str | None = None
    resolved: str | None = None
    integrity: str | None = None

    def finish(end: int) -> None:
        if version is None:
            raise LockfileError(
                path,
                "entry has no version",
                json_path=f"line {header_index + 1}",
            )
        if entries.add(header_descs, header_index + 1, (version, resolved, integrity)):
            spans.append((header_index, end))

    for index, line in enumerate(lines):
        if not line:
            continue
        first = line[0]
        if first == "#":
            continue
        if first != " ":
            if line.startswith(_CONFLICT):
                raise LockfileError(
                    path, "unresolved merge conflict markers", json_path=f"line {index + 1}"
                )
            if _HEADER.fullmatch(line) is None:
                raise LockfileError(
                    path,
                    "expected an entry header 'name@range:'",
                    json_path=f"line {index + 1}",
                )
            if header_index >= 0:
                finish(index)
            header_index = index
            header_descs = [_unquote(t, path, index + 1) for t in _TOKEN.findall(line[:-1])]
            in_block = False
            version = resolved = integrity = None
            continue
        match = _FIELD.fullmatch(line)
        if match is None:
            stripped = line.strip()
            if not stripped or stripped[0] == "#":
                continue
            raise LockfileError(
                path, "expected a 'key value' field line", json_path=f"line {index + 1}"
            )
        indent = match.start(1)
        if header_index < 0:
            raise LockfileError(path, "field outside any entry", json_path=f"line {index + 1}")
        if indent == 2:
            if match.group(3):
                in_block = True
                continue
            in_block = False
            key = _unquote(match.group(1), path, index + 1)
            value = _unquote(match.group(2), path, index + 1)
            if key == "version":
                version = value
            elif key == "resolved":
                resolved = value
            elif key == "integrity":
                integrity = value
        elif indent == 4 and in_block and not match.group(3):
            continue  # a dependency line: read by edges() when needed
        else:
            raise LockfileError(path, "unexpected indentation", json_path=f"line {index + 1}")
    if header_index >= 0:
        finish(len(lines))

    def entry_text(entry: int) -> str:
        start, end = spans[entry]
        return "\n".join(lines[start:end])

    return entries, entry_text


# A dependency line as yarn writes it: four spaces, the name (quoted or not, no space in it), one
# or more spaces, the range (quoted, or one token). ``_dep_line`` reads such a line the same way.
# Every such line (without a backslash) has the block grammar's form (``_L4``).
_DEP_LINE = re.compile(
    r'\n    (?:"([^"\s]+)"|([^\s",:#][^\s",:]*)) +(?:"([^"\n]*)"|([^"\s]+))[ \t]*(?=\n|$)'
)
_DEP_LINE_ASCII = re.compile(_DEP_LINE.pattern.replace(r"\s", _ASCII_SPACE))


class _DepLines:
    """Every dependency line of a file, in file order, as the position of the entry it resolves
    to (``targets``), and the lookup that said so (``owner``: descriptor -> position of the
    first entry it heads, over the pieces ``check_references`` splits the headers into); what
    ``_references_resolve`` read, kept for ``_Links``."""

    __slots__ = ("owner", "pieces", "targets")

    def __init__(self, targets: list[int], owner: dict[str, int], pieces: int) -> None:
        self.targets = targets
        self.owner = owner
        self.pieces = pieces  # how many descriptors the headers were split into


def _references_resolve(text: str, keys: Sequence[str]) -> _DepLines | None:
    """Does every dependency line of the file name an entry? One pass over the whole text: an
    answer only when it surely does (``check_references`` would pass); None sends the caller to
    the exact check, which names the entry that fails (or passes, when this pass was unsure).

    Every line indented by four spaces is taken as a dependency (a superset of the lines the
    exact check reads: those inside ``dependencies`` and ``optionalDependencies`` blocks), and
    every such line must have the plain form above, without escapes. The descriptors are looked
    up in the headers' pieces, split as ``check_references`` splits them (``, *`` around each
    comma of a stripped key: here only keys whose every comma is ``", "`` exactly, which a
    plain split takes apart the same way)."""
    if "\\" in text or text.startswith("    "):
        return None
    found = (_DEP_LINE_ASCII if text.isascii() else _DEP_LINE).findall(text)
    if len(found) != text.count("\n    "):
        return None
    joined = ", ".join(keys)
    separators = joined.count(", ")
    if (
        joined.count(",") != separators
        or " ," in joined
        or ",  " in joined
        or list(map(str.strip, keys)) != list(keys)
    ):
        return None
    # every key's pieces, from the last key: the first entry a descriptor heads stays; each
    # key has one more piece than its separators (one split of the joined keys, not one a key)
    pieces = joined.split(", ")[::-1] if keys else []
    per_key = map(str.count, reversed(keys), repeat(", "))
    positions = range(len(keys) - 1, -1, -1)
    owner = dict(
        zip(
            pieces,
            chain.from_iterable(map(repeat, positions, map(operator.add, per_key, repeat(1)))),
            strict=True,
        )
    )
    wanted = [f"{qname or name}@{qrange or range_}" for qname, name, qrange, range_ in found]
    targets = _looked_up(owner, wanted)
    return None if targets is None else _DepLines(targets, owner, separators + 1)


def _looked_up(owner: dict[str, int], wanted: list[str]) -> list[int] | None:
    """``[owner[w] for w in wanted]`` (one ``itemgetter`` call: no Python call per item), None
    when one is missing."""
    if len(wanted) < 2:
        found = [owner.get(w) for w in wanted]
        return None if None in found else cast(list[int], found)
    try:
        return list(operator.itemgetter(*wanted)(owner))
    except KeyError:
        return None


_DESCRIPTOR_SPLIT = re.compile(r" *, *")


def _dep_line(line: str) -> tuple[str, str] | None:
    """``    name "range"`` -> (name, range); None for anything else."""
    if "\\" not in line:
        name, _, range_ = line[4:].partition(" ")
        range_ = range_.strip()
        if not name or not range_:
            return None
        if name[0] == '"':
            name = name[1:-1]
        if range_[0] == '"':
            range_ = range_[1:-1]
        return name, range_
    match = _FIELD.fullmatch(line)
    if match is None or match.group(2) is None:
        return None
    try:
        return _unquote(match.group(1), "", 0), _unquote(match.group(2), "", 0)
    except LockfileError:
        return None


# The dependencies block of an entry in yarn's layout: its key, then its lines of four spaces.
_DEPS_SECTION = re.compile(r"\n  dependencies:[ \t]*((?:\n    [^\n]*)+)")


def _block_deps(block: str) -> list[tuple[str, str]] | None:
    """``_entry_deps`` of a block of yarn's layout in a file whose every four-space line has the
    plain dependency form (``_references_resolve`` said so), by one regex; None when the block
    has optional dependencies or several dependency blocks (``_entry_deps`` reads those)."""
    if "\n  optionalDependencies:" in block:
        return None
    count = block.count("\n  dependencies:")
    if count == 0:
        return []
    match = _DEPS_SECTION.search(block)
    if count > 1 or match is None:
        return None
    return [
        (qname or name, qrange or range_)
        for qname, name, qrange, range_ in _DEP_LINE.findall(match.group(1))
    ]


def _entry_deps(text: str) -> list[tuple[str, str]]:
    deps: list[tuple[str, str]] = []
    for needle in _DEP_NEEDLES:
        at = text.find(needle)
        while at >= 0:
            for line in text[at + len(needle) :].split("\n")[1:]:
                if not line.startswith("    "):
                    if line.strip() and not line.startswith("#"):
                        break
                    continue
                dep = _dep_line(line)
                if dep is not None:
                    deps.append(dep)
            at = text.find(needle, at + 1)
    return deps


def _resolver(ids: Sequence[str], owner: dict[str, int]) -> Callable[[str, str], str | None]:
    """``(name, range)`` -> the entry yarn resolves it to: the entry keyed by that descriptor
    (``owner``: descriptor -> position of the first entry it heads), else the one entry of that
    name (``resolutions`` rewrite keys, not dependents' ranges)."""
    by_name: dict[str, str | None] | None = None

    def lookup(name: str, range_: str) -> str | None:
        nonlocal by_name
        hit = owner.get(f"{name}@{range_}")
        if hit is not None:
            return ids[hit]
        if by_name is None:
            by_name = by_name_fallback({d: ids[i] for d, i in owner.items()})
        return by_name.get(name)

    return lookup


def _classic_edges(
    entries: _Entries,
    deps_of: Callable[[int], list[tuple[str, str]]],
    lookup: Callable[[str, str], str | None],
    root_deps: Sequence[tuple[str, str]] | None = None,
) -> dict[str, list[str]]:
    """Every entry's children; the root's are the entries ``root_deps`` name when given, else
    the entries nothing depends on (a guess)."""
    edges: dict[str, list[str]] = {}
    depended: set[str] = set()
    for index, entry_id in enumerate(entries.ids):
        children = link_children(deps_of(index), lookup)
        if entry_id in children:
            children.remove(entry_id)
        edges[entry_id] = children
        depended.update(children)
    if root_deps is not None:
        edges[ROOT_ID] = link_children(root_deps, lookup)
    else:
        edges[ROOT_ID] = _roots(entries.ids, edges, depended)
    return edges


def _roots(ids: list[str], edges: dict[str, list[str]], depended: set[str]) -> list[str]:
    """Entries nothing depends on, then one entry of each cycle still unreached."""
    roots = [entry_id for entry_id in ids if entry_id not in depended]
    reached: set[str] = set()

    def reach(start: str) -> None:
        stack = [start]
        while stack:
            node = stack.pop()
            if node in reached:
                continue
            reached.add(node)
            stack.extend(edges.get(node, ()))

    for root in roots:
        reach(root)
    for entry_id in ids:
        if entry_id not in reached:
            roots.append(entry_id)
            reach(entry_id)
    return roots
