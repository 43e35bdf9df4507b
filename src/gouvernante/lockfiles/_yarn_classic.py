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

import functools
import operator
import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from itertools import accumulate, chain, compress, count, repeat
from typing import Any, cast, overload

from gouvernante.errors import LockfileError
from gouvernante.lazy import lazy_pattern
from gouvernante.lockfiles._common import gc_paused, split_at_version
from gouvernante.lockfiles._local_folder import local_folder, local_tarball_path
from gouvernante.lockfiles._yarn_common import (
    YarnDetails,
    alias_target,
    by_name_fallback,
    check_references,
    classify,
    key_descriptors,
    link_children,
    unkeyed_error,
    unquote_dq,
)
from gouvernante.model import (
    Importer,
    LockedPackage,
    LockfileFormat,
    LockfileGraph,
    PackageTable,
    Source,
)

ROOT_ID = "(root)"


# A double-quoted string on one line (the block reader must not let one run over a line end,
# which the line reader never sees).
_DQ = r'"[^"\\\n]*(?:\\[^\n][^"\\\n]*)*"'
_KEY = rf'(?:{_DQ}|[^\s",:#][^\s",:]*)'
_VALUE = rf'(?:{_DQ}|[^\s"]+)'
_HEADER = lazy_pattern(rf"{_KEY}(?:, *{_KEY})*:[ \t]*")
_TOKEN = lazy_pattern(_KEY)
# "  key value" or "  key:" (opens a block); indentation is checked separately.
# (`` ++``: a key starts with no space; a line of spaces was tried from each of them, 0161)
_FIELD = lazy_pattern(rf" ++({_KEY})(?:[ \t]+({_VALUE})|(:))[ \t]*")
# One entry block exactly as yarn writes it, comments and blank lines first.
_L4 = rf"\n    {_KEY}[ \t]+{_VALUE}[ \t]*"
# Only the two dependency maps open a block of four-space lines (all yarn 1 writes): so every
# four-space line of a file the block reader takes is a dependency (``_Links`` counts on it).
_L2 = (
    rf"\n  (?:[A-Za-z_][A-Za-z0-9_]*[ \t]+{_VALUE}[ \t]*"
    rf"|(?:dependencies|optionalDependencies):[ \t]*(?>{_L4})++)"
)
_BLOCK = rf"((?:#[^\n]*\n|\n)*)({_KEY}(?:, *{_KEY})*):[ \t]*(?>{_L2})++\n*"  # see _block_grammar
_NO_ENTRY = lazy_pattern(r"\n*+(?>#[^\n]*+\n\n*+)*+(?:#[^\n]*+)?")  # (see _PREAMBLE)
_NEEDLES = ("\n  version ", "\n  resolved ", "\n  integrity ")
_DEP_NEEDLES = ("\n  dependencies:", "\n  optionalDependencies:")
_CONFLICT = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


def _unquote(token: str, path: str, line: int) -> str:
    return unquote_dq(token, path, line) if token[0] == '"' else token


def _false_or_zero(raw: str) -> bool:
    """Is ``raw``, a field's value as written, one yarn 1's parser reads as ``false`` or the
    number 0 (unquoted ``false``, ``0``, ``00``)? As a ``resolved``, that is none: yarn 1.22.22
    downloads the entry's range then (``resolved false`` or ``resolved 0`` under
    ``"baz@<is-number 7.0.0's URL>"`` installed is-number 7.0.0, decision 0147), as for
    ``resolved ""``."""
    return raw == "false" or (raw[:1] == "0" and not raw.strip("0"))


class _Entries:
    """The entries of one file, in order; a header written twice is one entry, the last one's
    fields at the first one's place (yarn 1.22.22 keeps the last: its parser assigns each
    header's patterns in file order); a package is built when asked for (``package``), from
    fields read already or from its block's text."""

    __slots__ = (
        "_descriptors",
        "_line_at",
        "_line_source",
        "_lines",
        "_ranges",
        "_versions",
        "any_four_space_line",
        "block_entry",
        "blocks",
        "dependency_blocks",
        "dependency_counts",
        "dependency_lines",
        "fields",
        "header_keys",
        "ids",
        "known_positions",
        "local_resolved",
        "names",
        "no_file_ids",
        "path",
        "seen",
        "sources",
        "texts",
        "unresolved",
        "url_suspects",
        "versions_read",
    )

    def __init__(self, path: str) -> None:
        self.path = path
        self.ids: list[str] = []
        self.names: list[str] = []
        # the first descriptor's range (the package's source); None: read when asked
        self._ranges: list[str] | None = []
        self._lines: list[int] | None = []  # 1-based line of each header (``lines``)
        self._line_source: Callable[[], list[int]] | None = None  # computes them if None
        self._line_at: Callable[[int], int] | None = None  # computes one (lines_counted_later)
        # each entry's descriptors; None: its id split at ", " (computed when first asked)
        self._descriptors: list[list[str]] | None = []
        self.fields: list[tuple[str, str | None, str | None] | None] = []
        self.texts: Sequence[str] = []  # the block of each entry (fast path only)
        # fast path: every entry block in file order (a header written twice too) and the
        # position of its entry (-1: an earlier block of a header written again, which yarn
        # drops)
        self.blocks: Sequence[str] = []
        self.block_entry: Sequence[int] = []
        self.seen: dict[str, int] = {}  # id -> its entry's position
        # read by _ENTRY, whose four-space lines may be any line (_references_resolve's regex
        # reads them, or parse_classic reads the file again)
        self.any_four_space_line = False
        # _canonical_columns: every four-space line of the file, in order (each with the
        # newline before it; the file's bytes when it read bytes), and how many each block holds
        self.dependency_lines: str | bytes | None = None
        self.dependency_counts: Callable[[], list[int]] | None = None
        # _canonical_columns: an entry's dependency lines (its two blocks' four-space lines)
        self.dependency_blocks: Callable[[int], str] | None = None
        # _canonical_columns: the entries whose URL its layout check did not vouch for
        self.url_suspects: Sequence[int] | None = None
        # _canonical_columns: no id holds "@file:" or "@link:" (its headers do not:
        # _file_folders)
        self.no_file_ids = False
        # _canonical_columns: the entries written with no ``resolved`` or ``resolved ""``, as
        # its grammar read them (None: not known, any entry may be one)
        self.unresolved: frozenset[int] | None = None
        # _canonical_columns: every entry's version as its grammar read it between quotes,
        # joined by newlines (None: one written otherwise; each is then read from its block)
        self.versions_read: str | bytes | None = None
        self._versions: list[str] | None = None  # versions_read split, when first asked
        # _canonical_columns: the ids joined and split into pieces for the reference check
        # (``_HeaderKeys``), handed to it once, then dropped
        self.header_keys: _HeaderKeys | None = None
        # id -> position of the entries handed out so far (built packages, parents): the table
        # answers their positions without indexing every id (ids are unique; the packages
        # the URLs name come after the entries)
        self.known_positions: dict[str, int] = {}
        # url_packages: the entries whose header asks the registry (a range first) but whose
        # ``resolved`` is a git or tarball URL of no registry package: their source is that
        # URL's (yarn 1 installs what ``resolved`` names, decision 0156)
        self.sources: dict[int, Source] = {}
        # url_packages: the entries whose header asks the registry but whose ``resolved`` is a
        # local tarball (``file:vendor/x.tgz``, ``./vendor/x.tgz``): yarn 1 installs the file,
        # whatever the version line says (decision 0159), so it is read as yarn's ``file:``
        # tarball entries are (``_file_tarballs``)
        self.local_resolved: list[int] = []

    def add(
        self,
        descs: list[str],
        line: int,
        fields: tuple[str, str | None, str | None] | None,
    ) -> int | None:
        """``fields`` (version, resolved, integrity) None: read from the text when needed.
        None for a new entry; for a header written again, the position of the entry it
        replaces (its line and fields are the new block's: the caller moves the text)."""
        entry_id = ", ".join(descs)
        earlier = self.seen.get(entry_id)
        if earlier is not None:  # yarn keeps the last of a header written twice
            self.lines[earlier] = line
            self.fields[earlier] = fields
            return earlier
        self.seen[entry_id] = len(self.ids)
        name, range_ = split_at_version(descs[0])
        self.names.append(entry_name(descs) if "npm:" in entry_id else name)
        self.ranges.append(range_)
        self.ids.append(entry_id)
        self.lines.append(line)
        self.descriptors.append(descs)
        self.fields.append(fields)
        return None

    @property
    def lines(self) -> list[int]:
        """The 1-based line of each header; the column reader counts them when first asked
        (a finding's line, an error): a clean scan never asks."""
        lines = self._lines
        if lines is None:
            lines = self._lines = cast("Callable[[], list[int]]", self._line_source)()
            self._line_source = None
        return lines

    def lines_counted_later(
        self, count: Callable[[], list[int]], one: Callable[[int], int] | None = None
    ) -> None:
        """``count()`` gives every header's line, ``one(index)`` one header's (a finding's)."""
        self._lines = None
        self._line_source = count
        self._line_at = one

    def line_at(self, index: int) -> int:
        """``lines[index]``, without counting every header's line when the reader can tell."""
        if self._lines is None and self._line_at is not None:
            return self._line_at(index)
        return self.lines[index]

    @property
    def descriptors(self) -> list[list[str]]:
        """Each entry's descriptors (unquoted header tokens), in header order."""
        descriptors = self._descriptors
        if descriptors is None:
            descriptors = self._descriptors = list(map(str.split, self.ids, repeat(", ")))
        return descriptors

    @descriptors.setter
    def descriptors(self, value: list[list[str]] | None) -> None:
        """None: every entry's descriptors are its id split at ``", "`` (no token holds one)."""
        self._descriptors = value

    @property
    def ranges(self) -> list[str]:
        """Each entry's first descriptor's range."""
        ranges = self._ranges
        if ranges is None:
            ranges = self._ranges = list(map(self.range_of, range(len(self.ids))))
        return ranges

    @ranges.setter
    def ranges(self, value: list[str] | None) -> None:
        """None: each read from the entry's first descriptor when asked (``range_of``)."""
        self._ranges = value

    def range_of(self, index: int) -> str:
        if self._ranges is None:
            return split_at_version(self.descriptors_of(index)[0])[1]
        return self._ranges[index]

    def descriptors_of(self, index: int) -> list[str]:
        """``self.descriptors[index]``, without building every entry's."""
        if self._descriptors is None:
            return self.ids[index].split(", ")
        return self._descriptors[index]

    def split_ids(self) -> bool:
        """Are the descriptors the ids split at ``", "`` (not built yet)?"""
        return self._descriptors is None

    def piece_count(self) -> int:
        """``sum(map(len, self.descriptors))``, without building them when they are the ids
        split at ``", "``."""
        if self._descriptors is None:
            return ", ".join(self.ids).count(", ") + 1 if self.ids else 0
        return sum(map(len, self._descriptors))

    def fields_of(self, index: int) -> tuple[str, str | None, str | None]:
        fields = self.fields[index]
        if fields is None:
            block = self.texts[index]
            version = self._field(index, block, _NEEDLES[0]) or ""
            resolved = self._field(index, block, _NEEDLES[1])
            integrity = self._field(index, block, _NEEDLES[2])
            # (kept: a scan asks a named entry's version, its package, then its version again)
            fields = self.fields[index] = (version, resolved, integrity)
        return fields

    def version_of(self, index: int) -> str:
        """``fields_of(index)[0]``, from the version the grammar read when it did (a scan asks
        the version of every entry a rule names: their blocks are not looked for)."""
        versions = self._versions
        if versions is None and self.versions_read is not None:
            versions = self._versions = _ascii(self.versions_read).split("\n")
            self.versions_read = None
        if versions is not None and self.fields[index] is None:
            return versions[index]
        return self.fields_of(index)[0]

    def _field(self, index: int, block: str, needle: str) -> str | None:
        """A field of a block; its header line is counted only for an escape's error."""
        raw = _block_raw_field(block, needle)
        if raw is None or raw[0] != '"':
            return None if needle == _NEEDLES[1] and raw and _false_or_zero(raw) else raw
        return raw[1:-1] if "\\" not in raw else unquote_dq(raw, self.path, self.line_at(index))

    def source_of(self, index: int) -> Source:
        """``package(index).source``, without reading the entry's block (the first range's,
        or the ``resolved`` URL's that ``url_packages`` found; it runs before any is asked)."""
        sources = self.sources
        if sources and index in sources:
            return sources[index]
        return classify(self.range_of(index))

    def package(self, index: int) -> LockedPackage:
        version, resolved, integrity = self.fields_of(index)
        source = self.source_of(index)
        entry_id = self.ids[index]
        self.known_positions[entry_id] = index
        return LockedPackage(entry_id, self.names[index], version, source, integrity, resolved)

    @property
    def packages(self) -> list[LockedPackage]:
        """Every package, built (tests compare the two readers with it)."""
        return [self.package(i) for i in range(len(self.ids))]

    def table(self, extra: Sequence[LockedPackage] = ()) -> PackageTable:
        """The entries as a table, then ``extra`` (the packages their URLs name)."""
        size = len(self.ids)
        if not extra:
            return PackageTable(
                self.ids,
                self.names,
                self.package,
                lambda: [self.fields_of(i)[2] for i in range(size)],
                self.version_of,
                source=self.source_of,
                known=self.known_positions,
            )
        return PackageTable(
            [*self.ids, *(p.id for p in extra)],
            [*self.names, *(p.name for p in extra)],
            lambda i: self.package(i) if i < size else extra[i - size],
            lambda: [
                *(self.fields_of(i)[2] for i in range(size)),
                *(p.integrity for p in extra),
            ],
            lambda i: self.version_of(i) if i < size else extra[i - size].version,
            source=lambda i: self.source_of(i) if i < size else extra[i - size].source,
            known=self.known_positions,
        )

    def url_packages(self) -> tuple[list[LockedPackage], list[str]]:
        """The packages the entries' ``resolved`` URLs name when a URL is the registry tarball
        of another package or version than the entry's (yarn downloads the URL and checks it
        against the lockfile's own integrity, nothing else: lockfile injection), each under
        its entry's node id so that a rule naming it finds it, and one entry error each
        (unless the URL is the entry's own range: a tarball URL dependency may bear any
        name). An alias names its target package, so its URL agrees (decision 0031)."""
        suspects = range(len(self.ids)) if self.url_suspects is None else self.url_suspects
        extra, errors = self._built_url_packages()
        # a URL dependency's entry written with no ``resolved`` (or ``resolved ""``): yarn 1
        # downloads its range, the URL (1.22.22 installed is-number 7.0.0 in node_modules/baz
        # for "baz@<is-number 7.0.0's tarball URL>", ``version "7.0.0"``, no resolved;
        # decision 0143): the range is read as its resolved URL. (Without the grammar's
        # columns every entry is a suspect and ``unresolved`` is None.)
        if self.unresolved:
            suspects = sorted({*suspects, *self.unresolved})
        if not suspects:
            return extra, errors
        from gouvernante.lockfiles._tarball_url import (  # noqa: PLC0415
            injection_error,
            may_name_a_package,
            registry_identity,
        )
        from gouvernante.semver import try_parse_version  # noqa: PLC0415

        names = self.names
        for index in suspects:
            version, written = self._version_resolved(index)
            # with no resolved, each URL range of the header is downloaded for the dependencies
            # asking for it (yarn 1.22.22: ``"baz@<is-odd's URL>", "baz@<is-number's URL>"``
            # or ``baz@^3.0.1, "baz@<is-number's URL>"``, ``version "3.0.1"``: is-number 7.0.0
            # installed for ``baz: <is-number's URL>``; the first range alone was read, decision
            # 0147)
            # (what the entry is: it may be renamed)
            own = self._fetched_url(index, written) if written else self.range_of(index)
            for resolved in [own] if written else self._url_ranges(index):
                if not may_name_a_package(resolved):
                    if written:
                        refused = self._source_from_resolved(index, written)
                        if refused is not None:
                            errors.append(refused)
                    continue
                if _names_entry(resolved, names[index], version):
                    continue
                found = registry_identity(resolved)
                if found is None and written:
                    refused = self._source_from_resolved(index, written)
                    if refused is not None:
                        errors.append(refused)
                if found is None or found == (names[index], version):
                    continue
                integrity = self.fields_of(index)[2]
                name, named = found  # a version no rule can be checked against: the name only
                named = named if try_parse_version(named) is not None else ""
                url = resolved.partition("#")[0]
                asked = any(
                    split_at_version(d)[1].partition("#")[0] == url
                    for d in self.descriptors_of(index)
                )
                if resolved == own and asked and named:
                    # a URL dependency under another name ("foo@<ms's tarball URL>", a
                    # resolution to that URL) installs the URL's package in node_modules/foo:
                    # the entry is it (its first range's, when a header has several URLs),
                    # at the URL's version whatever its ``version`` line says (yarn 1.22.22
                    # installed is-number 7.0.0 for "baz@<is-number 7.0.0's URL>" or
                    # "is-number@<that URL>" with ``version "3.0.0"``, no resolved or that
                    # URL's: is-number 3.0.0 read from the entry was a bogus finding;
                    # decision 0151)
                    names[index] = name
                    if named != version:
                        fields = self.fields_of(index)
                        self.fields[index] = (named, fields[1], fields[2])
                        version = named
                    continue
                extra.append(
                    LockedPackage(self.ids[index], name, named, Source.TARBALL, integrity, resolved)
                )
                if not asked:
                    errors.append(injection_error(f"line {self.line_at(index)}: resolved", "yarn"))
        return extra, errors

    def _source_from_resolved(self, index: int, resolved: str) -> str | None:
        """An entry whose first range asks the registry (``cli-table@^0.3.1,
        "cli-table@<a GitHub tarball URL>"``: yarn 1 merges the requests that one resolution
        answers) but whose ``resolved`` is a git or http(s) URL naming no registry package: yarn
        1 installs what ``resolved`` names (its fetcher is chosen by that URL), so the entry's
        source is the URL's, as with that URL alone in the header (nativescript 5.3.4's
        published yarn.lock; decision 0156). Still matched by name and version, with a note.

        A local ``resolved`` (decision 0159): yarn 1.22.22 installs a ``file:`` or ``./`` path
        as a tarball, whatever the version line says (is-number 6.0.0 for ``is-number@^7.0.0``,
        ``version "7.0.0"``, ``resolved "file:vendor/is-number-6.0.0.tgz"``), so a packed
        tarball is read as yarn's ``file:`` tarball entries are (``local_resolved``); it stops
        on a folder (EISDIR) and asks the registry for any other local form (``link:…``,
        ``vendor/x.tgz``): the entry's error (returned), the file refused as yarn refuses it."""
        if not self._asks_registry(index):
            return None
        kind, fetched = yarn1_fetched(resolved)
        if kind == "local":
            key = self.ids[index]
            if "@file:" in key or "@link:" in key:
                return None  # (a local request of the header's: ``_file_tarballs``)
            # (whatever its name: yarn 1.22.22 installed is-number 6.0.0 from
            # ``file:vendor/is-number-6.0.0.gz``, ``./vendor/x.bin`` and an ungzipped
            # ``./vendor/plain.dat``; on a folder it stops, EISDIR: each mode's reading says
            # "not a regular file", decisions 0091, 0163)
            self.local_resolved.append(index)
            return None
        if kind == "url" and fetched != resolved:
            return (
                f"line {self.line_at(index)}: resolved: the entry asks the registry but"
                " resolves to a path that is no URL and no local path, which yarn 1 asks the"
                f" registry for ({fetched.partition('#')[0]}) and which names no package"
                " release: nothing this file can tell is installed"
            )
        source = Source.GIT if kind == "git" else classify(resolved)
        if source is Source.GIT or source is Source.TARBALL:
            self.sources[index] = source
        return None

    def _fetched_url(self, index: int, resolved: str) -> str:
        """The URL yarn 1 downloads for a ``resolved`` that is a path on the registry
        (``is-number/-/is-number-6.0.0.tgz``) when the entry's header asks the registry
        (decision 0163), else ``resolved``."""
        if not self._asks_registry(index):
            return resolved
        kind, fetched = yarn1_fetched(resolved)
        return fetched if kind == "url" else resolved

    def _asks_registry(self, index: int) -> bool:
        return classify(self.range_of(index)) is Source.REGISTRY

    def _url_ranges(self, index: int) -> list[str]:
        """The distinct URL ranges (``Source.TARBALL``) of an entry's header, in its order."""
        if len(self.descriptors_of(index)) == 1:  # (the usual header)
            return [self.range_of(index)] if self.source_of(index) is Source.TARBALL else []
        # (a URL range holds a ":", and so does its descriptor: a header of 800,000 "a@1"
        # classified each of them, 6 us apiece, decision 0161)
        with_colon = [d for d in self.descriptors_of(index) if ":" in d]
        ranges = (split_at_version(d)[1] for d in with_colon)
        return list(dict.fromkeys(r for r in ranges if classify(r) is Source.TARBALL))

    def _built_url_packages(self) -> tuple[list[LockedPackage], list[str]]:
        """Registry entries with no ``resolved`` whose name is no plain npm name (decision
        0080): yarn 1 resolves such an entry's range from the registry by its name, and the
        registry reads ``%6ds`` as ms (yarn 1.22.22 installed ms 2.1.3 for ``%6ds@^2.1.0``,
        ``version "2.1.3"``, no ``resolved``). The package the registry names joins the graph
        at the version written (what yarn installs is the range's newest: the entry is an error
        whatever a rule says)."""
        from gouvernante.lockfiles._tarball_url import (  # noqa: PLC0415
            PLAIN_NAME,
            built_url,
            names_not_plain,
            registry_identity,
        )

        extra: list[LockedPackage] = []
        errors: list[str] = []
        names = self.names
        if self.unresolved is not None:  # (the grammar's reading knows them: usually none)
            plain = PLAIN_NAME.fullmatch
            positions = [i for i in sorted(self.unresolved) if not plain(names[i])]
        else:
            odd = set(names_not_plain(names))
            positions = [i for i, name in enumerate(names) if name in odd] if odd else []
        for index in positions:
            name = names[index]
            if self.source_of(index) is not Source.REGISTRY:
                continue
            version, resolved = self._version_resolved(index)
            url = None if resolved else built_url(name, version)
            found = None if url is None else registry_identity(url)
            if found is None or found[0] == name:
                continue
            integrity = self.fields_of(index)[2]
            extra.append(
                LockedPackage(self.ids[index], found[0], version, Source.REGISTRY, integrity, None)
            )
            errors.append(
                f"line {self.line_at(index)}: a registry entry with no resolved URL whose name"
                " the registry reads as another package's; yarn 1 resolves and installs that"
                " package (lockfile injection or a bad merge?)"
            )
        return extra, errors

    def _version_resolved(self, index: int) -> tuple[str, str | None]:
        """``fields_of(index)[:2]``, without reading the integrity of a block."""
        fields = self.fields[index]
        if fields is not None:
            return fields[0], fields[1]
        block = self.texts[index]
        return self._field(index, block, _NEEDLES[0]) or "", self._field(index, block, _NEEDLES[1])


def _names_entry(url: str, name: str, version: str) -> bool:
    """Is ``url`` surely ``<http(s)://host>[/<path>]/<name>/-/<unscoped name>-<version>.tgz``
    (a fragment allowed), which ``registry_identity`` reads as ``(name, version)``? False
    when unsure (a query, an escape, a dot segment, a "/" in the version, a segment starting
    with "@" before an unscoped name, ...): ``registry_identity`` reads it then."""
    path = url.partition("#")[0]
    tail = f"/{name}/-/{name.rpartition('/')[2]}-{version}.tgz"
    if "?" in path or "%" in path or "/." in path or "/" in version or not path.endswith(tail):
        return False
    head = path[: -len(tail)]
    scheme, sep, rest = head.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or not rest or rest[0] == "/":
        return False
    return "/" in name or not rest.rpartition("/")[2].startswith("@") or "/" not in rest


def parse_classic(
    text: str | bytes,
    path: str,
    *,
    has_marker: bool,
    written: str | None = None,
    lone_cr: bool = False,
) -> LockfileGraph:
    """The graph of a classic ``yarn.lock`` (read with the cyclic garbage collector paused).
    ``text`` may be the file's bytes when they are ASCII: the yarn-layout reader reads them as
    they are, and they are decoded only for another reader (the file is not held twice).
    ``written``: the text with its line ends as written, when ``text``'s were normalised;
    ``lone_cr``: it holds a ``\\r`` not before a ``\\n``."""
    return gc_paused(
        lambda: _parse_classic(text, path, has_marker=has_marker, written=written, lone_cr=lone_cr)
    )


def _parse_classic(
    source: str | bytes, path: str, *, has_marker: bool, written: str | None, lone_cr: bool
) -> LockfileGraph:
    decoded: list[str] = []

    def text() -> str:
        if not decoded:
            decoded.append(source if isinstance(source, str) else source.decode("ascii"))
        return decoded[0]

    try:
        found = _blocks(source, path)
    except LockfileError:
        found = None  # the line parser reports it with the exact line
    if found is None:
        found = _lines(text(), path)
    entries, entry_text = found
    if not entries.ids and not has_marker:
        raise LockfileError(path, "not a yarn lockfile: no '# yarn lockfile v1' and no entries")
    cut_end = _cut_end(source)  # (a cut file's own line error, if any, was raised first)
    keys = entries.ids  # each entry's descriptors joined by ", "
    lines = entries.dependency_lines  # every four-space line, when the reader kept them
    header_keys, entries.header_keys = entries.header_keys, None  # (held by the check only)
    dep_lines = _references_resolve(text() if lines is None else lines, header_keys or keys)
    # (the bytes reader left its check for a header written twice to the ids' pieces: one
    # set of them says no piece is in two places, so no id; else the ids' own set says)
    if header_keys is not None and not header_keys.unique() and len(set(keys)) != len(keys):
        try:  # as _blocks reads such a file
            found = _blocks_one_by_one(text(), path)
        except LockfileError:  # pragma: no cover - the block reader refused no line of it
            found = None
        entries, entry_text = found if found is not None else _lines(text(), path)
        keys = entries.ids
        lines = entries.dependency_lines
        dep_lines = _references_resolve(text() if lines is None else lines, keys)
    del header_keys
    if not dep_lines and entries.any_four_space_line:  # the block grammar says, line by line
        try:
            found = _blocks_one_by_one(text(), path)
        except LockfileError:  # pragma: no cover - no backslash: no token fails to read
            found = None
        entries, entry_text = found if found is not None else _lines(text(), path)
        keys = entries.ids
    plain = bool(dep_lines)
    absent: list[tuple[str, int, str]] = []
    if not plain:  # the exact check says which entry
        check_references(
            keys,
            entries.lines,
            lambda index: _entry_deps(entry_text(index)),
            path,
            berry=False,
            absent=absent,
        )

    def deps_of(index: int) -> list[tuple[str, str]]:
        if plain and entries.dependency_blocks is not None:  # (the plain form, see below)
            return _plain_deps(entries.dependency_blocks(index))
        if plain and entries.texts:  # every dependency line has the plain form, no escapes
            found = _block_deps(entries.texts[index])
            if found is not None:
                return found
        return _entry_deps(entry_text(index))

    extra, url_errors = entries.url_packages()
    table = entries.table(extra) if entries.ids else None
    unkeyed = tuple(dict.fromkeys(absent))
    layout = plain and entries.dependency_blocks is not None
    stopped = _read_otherwise(written, lone_cr=lone_cr, layout=layout, text=text)
    stopped += () if layout else _keyed_otherwise(entries, deps_of)
    return LockfileGraph(
        format=LockfileFormat.YARN_CLASSIC,
        packages=table if table is not None else [],
        importers=(Importer(ROOT_ID, ROOT_ID, ""),),
        details=_ClassicDetails(
            entries,
            deps_of,
            dep_lines if isinstance(dep_lines, _DepLines) and entries.blocks else None,
            # the table's index (an id's first position: the entry, before the packages its
            # URL names) is the entries' own
            table.position_of if table is not None else _nowhere,
        ),
        roots_known=False,
        # (a dependency no entry answers: an error unless a workspace of the package.json
        # beside is named so, ``lockfiles.with_manifest_beside``)
        entry_errors=(
            *stopped,
            *url_errors,
            *cut_end,
            *dict.fromkeys(unkeyed_error(n, line) for n, line, _range in unkeyed),
        ),
        local_folders=_file_folders(entries),
        unnamed_tarballs=_file_tarballs(entries, table),
        unkeyed=unkeyed,
        entry_keys=entries.ids,
    )


def _keyed_otherwise(
    entries: _Entries, deps_of: Callable[[int], list[tuple[str, str]]]
) -> tuple[str, ...]:
    """The errors of header tokens yarn 1 keys otherwise than the descriptors the references
    are checked against (decision 0099): yarn keys an entry by each token as it is, so a
    quoted token holding a comma (``"ms@^2.1.1, ms@^2.0.0":``) or white space at either end
    (``"ms@^2.1.1 ":``) does not answer ``ms@^2.1.1``, which yarn resolves again from the
    registry; split and stripped (``key_descriptors``), it read as answering it. An error
    where an entry depends on such a piece that no token is as written. (yarn's own layout
    holds none: its grammar refuses a quoted comma, its one-pass check a space at an end.)"""
    descriptors = entries.descriptors
    joined = "\n".join(chain.from_iterable(descriptors))
    # (a scan of one character class first: a comma or a space anywhere is rare)
    if _SPACE_OR_COMMA.search(joined) is None or _ODD_TOKEN.search(joined) is None:
        return ()
    keys = set(chain.from_iterable(descriptors))
    pieces: dict[str, int] = {}  # a piece no token is -> the entry whose token it is cut from
    for index, tokens in enumerate(descriptors):
        for token in tokens:
            if _ODD_TOKEN.search(token):
                for piece in key_descriptors(token):
                    if piece not in keys:
                        pieces.setdefault(piece, index)
    if not pieces:
        return ()
    wanted = {
        f"{name}@{range_}" for index in range(len(entries.ids)) for name, range_ in deps_of(index)
    }
    return tuple(
        f"line {entries.line_at(index)}: a quoted header token holding a comma, or white space"
        " at an end, which yarn 1 keys as written: a dependency it seems to answer is resolved"
        " again from the registry; not read exactly"
        for index in sorted({pieces[piece] for piece in wanted.intersection(pieces)})
    )


# A token ``key_descriptors`` would split or strip (one token a line, joined).
_ODD_TOKEN = lazy_pattern(r"(?m),|^[^\S\n]|[^\S\n]$")
_SPACE_OR_COMMA = lazy_pattern(r"[^\S\n]|,")


def _read_otherwise(
    written: str | None, *, lone_cr: bool, layout: bool, text: Callable[[], str]
) -> tuple[str, ...]:
    """The error of a file yarn's own parser reads otherwise than the readers (decision 0099):
    it stops at an indented line it meets outside any entry, and resolves the entries after it
    again; it reads a lone ``\\r`` as a line break after which spaces are no indentation (a
    field after one moves out of its entry) and as part of a comment (which then hides the
    lines the ``\\r``s end, read as fields once normalised to ``\\n``). yarn reads the file
    with each ``\\r\\n`` made ``\\n`` (``normalizeOS``), as ``text`` (the text the readers
    read) has it. ``written``: the text as written when its line ends were normalised (for the
    line of a lone ``\\r``); ``layout``: the file is in yarn's own layout (the column reader's,
    every dependency line plain), which holds no such line."""
    if layout and not lone_cr:
        return ()
    # (imported here: a file in yarn's own layout never needs it, decision 0024)
    from gouvernante.lockfiles._yarn_classic_stop import lone_cr_line, stop_line  # noqa: PLC0415

    if lone_cr and written is not None:
        return (
            f"line {lone_cr_line(written)}: a carriage return not before a line feed, which"
            " yarn 1 reads otherwise than a line end (no indentation after it; part of a"
            " comment); not read exactly",
        )
    if layout:
        return ()
    # (yarn 1 reads the file with "\r\n" made "\n", its ``normalizeOS``, as ``text`` is)
    stop = stop_line(text())
    if stop is None:
        return ()
    return (
        f"line {stop}: yarn 1 stops reading the file at this indented line (after a blank or"
        " comment line, or a lone carriage return): the entries after it are not installed as"
        " written but resolved again from the registry; not read exactly",
    )


# The last line yarn writes is a field of the last entry (or the marker comment of a file with
# no entry): a block header ending the file (``  dependencies:``) is a cut one.
_ENDS_IN_BLOCK_HEADER_SOURCE = r"\n {2}(?:dependencies|optionalDependencies):[ \t]*\n\Z"
_ENDS_IN_BLOCK_HEADER = lazy_pattern(_ENDS_IN_BLOCK_HEADER_SOURCE)
_ENDS_IN_BLOCK_HEADER_BYTES = lazy_pattern(_ENDS_IN_BLOCK_HEADER_SOURCE.encode())


def _cut_end(source: str | bytes) -> tuple[str, ...]:
    """yarn ends the file with a newline, after a whole entry: a file cut inside a line (a
    partial line, or blanks after the last newline) or after a block header that lost its lines
    is an error of the scan, whatever the rest reads (the packages read are still matched: a
    finding is kept, and without one the exit code is not 0). (A cut exactly at a line end
    within the last entry's fields, or between entries no kept line refers to, leaves a file
    yarn itself reads as whole: no reader can tell it from one.)"""
    if not source:
        return ()
    tail = source[-256:]
    if isinstance(tail, str):
        end_ok, header = (
            tail.endswith("\n"),
            _ENDS_IN_BLOCK_HEADER.search(tail) is not None,
        )
    else:
        end_ok = tail.endswith(b"\n")
        header = _ENDS_IN_BLOCK_HEADER_BYTES.search(tail) is not None
    if not end_ok:
        return ("the file does not end with a newline (truncated file?)",)
    if header:
        line = source.count("\n" if isinstance(source, str) else b"\n")  # type: ignore[arg-type]
        return (f"line {line}: a dependency block with no dependency ends the file (truncated?)",)
    return ()


def _file_folders(entries: _Entries) -> tuple[str, ...]:
    """The folders of the ``file:`` directory entries (their dependencies are locked here,
    decision 0038) and of the ``link:`` ones (yarn 1.22.22 installs and locks a linked
    folder's dependencies too, decision 0122), the path as the project's package.json gives
    it, read from the lockfile's folder."""
    ids = entries.ids
    if entries.no_file_ids:
        return ()
    joined = "\n".join(ids)
    if "@file:" not in joined and "@link:" not in joined:
        return ()
    found: dict[str, None] = {}
    for index, key in enumerate(ids):
        if "@file:" in key or "@link:" in key:
            for descriptor in entries.descriptors_of(index):
                spec = split_at_version(descriptor)[1]
                local = spec.startswith(("file:", "link:"))
                folder = local_folder(spec[5:]) if local else None
                if folder is not None:
                    found[folder] = None
    return tuple(found)


def _file_tarballs(
    entries: _Entries, table: Sequence[LockedPackage] | None
) -> tuple[tuple[str, str], ...]:
    """(node id, path relative to the lockfile's folder or "") of each ``file:`` tarball entry:
    its name in the file is the dependency's, yarn 1 records no package name
    (``LockfileGraph.unnamed_tarballs``). ``resolved`` is ``file:<path>#<sha1>``, the path from
    the lockfile's folder (a workspace's ``file:vendor/x.tgz`` is written
    ``file:packages/core/vendor/x.tgz``)."""
    if table is None:
        return ()
    if entries.no_file_ids or "@file:" not in "\n".join(entries.ids):
        return _resolved_tarballs(entries, table)
    from gouvernante.lockfiles._tarball_url import (  # noqa: PLC0415
        local_tarball,
        locked_from_local_tarball,
    )

    found: dict[str, str] = {}
    for pkg in table:
        # (or an entry a ``resolutions`` entry forces to a tarball: yarn merges it into the
        # range's, ``ms@^2.1.3, "ms@file:vendor/x.tgz"``, whose first range is the registry's,
        # and installs the tarball: decision 0146)
        resolved = pkg.resolved
        if resolved is not None and (
            locked_from_local_tarball(pkg)
            or (resolved.startswith("file:") and local_tarball(resolved))
        ):
            path = resolved.partition("#")[0]
            found[pkg.id] = local_tarball_path(path[5:]) if path.startswith("file:") else ""
    found.update(_resolved_tarballs(entries, table))
    return tuple(found.items())


# yarn 1.22.22's reading of a ``resolved`` (decision 0163): ``PackageRequest.getLocked`` takes
# the git fetcher for ``git://``/``git+<x>://``, any other goes to ``TarballFetcher._fetch``
# (its "legacy support for local paths": node's ``url.parse`` of the value finds a one-letter
# protocol, a drive, or none and a path starting ``/``, ``\``, ``./``, ``.\``, ``../`` or
# ``..\``), and ``NpmRegistry.getRequestUrl`` reads what is left as a path on the registry
# unless it starts ``http://``, ``https://`` or ``//`` (any case).
_Y1_GIT_URL = lazy_pattern(r"git(?:\+[a-z0-9]+)?://")
_Y1_PROTOCOL = lazy_pattern(r"[a-z0-9.+-]+:", re.IGNORECASE)
_Y1_LOCAL_PATH = lazy_pattern(r"\.{0,2}[\\/]")
_Y1_ABSOLUTE = lazy_pattern(r"(?:https?:)?//", re.IGNORECASE)
# what node 20's ``url.parse`` trims first: a character up to the space, NBSP or a BOM
_URL_SPACE = "".join(map(chr, range(0x21))) + "\xa0\ufeff"
_YARN_REGISTRY = "https://registry.yarnpkg.com/"


def yarn1_fetched(resolved: str) -> tuple[str, str]:
    """What yarn 1.22.22 fetches for a registry entry's ``resolved`` (its fragment, ``#<sha1>``,
    is the hash): ``("git", resolved)``; ``("local", resolved)``, a file read as a tarball from
    the lockfile's folder (``file:`` dropped); ``("url", url)``, an http(s) URL as written or,
    for any other value (``vendor/x.tgz``, ``FILE:x``, ``is-number/-/is-number-6.0.0.tgz``,
    ``github:o/r``), the registry's URL of that path (yarn 1.22.22 installed is-number 6.0.0
    for ``is-number@^7.0.0``, ``version "7.0.0"``, ``resolved
    "is-number/-/is-number-6.0.0.tgz"``, and asked the registry for ``vendor/x.tgz``: 404)."""
    reference = resolved.partition("#")[0]
    if _Y1_GIT_URL.match(reference):
        return "git", resolved
    if reference.startswith("file:"):
        return "local", resolved
    trimmed = reference.strip(_URL_SPACE)
    protocol = _Y1_PROTOCOL.match(trimmed)
    if protocol is None:
        local = _Y1_LOCAL_PATH.match(trimmed) is not None
    else:  # (a one-letter protocol is a drive: ``C:``)
        local = len(protocol.group()) == 2 and trimmed[0].isascii() and trimmed[0].isalpha()
    if local:
        return "local", resolved
    if _Y1_ABSOLUTE.match(reference):
        return "url", resolved
    return "url", _YARN_REGISTRY + resolved


def _resolved_tarballs(
    entries: _Entries, table: Sequence[LockedPackage]
) -> tuple[tuple[str, str], ...]:
    """``_file_tarballs`` of the entries whose header asks the registry but whose ``resolved``
    is a local tarball (``_Entries.local_resolved``, decision 0159)."""
    found: list[tuple[str, str]] = []
    for index in entries.local_resolved:
        pkg = table[index]
        path = (pkg.resolved or "").partition("#")[0]
        found.append((pkg.id, local_tarball_path(path[5:] if path.startswith("file:") else path)))
    return tuple(found)


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
        "_depended",
        "_deps_of",
        "_entries",
        "_links",
        "_lookup",
        "_owner",
        "_owner_lines",
        "_position",
        "_root_deps",
        "_root_set",
    )

    def __init__(
        self,
        entries: _Entries,
        deps_of: Callable[[int], list[tuple[str, str]]],
        dep_lines: _DepLines | None,
        position_of: Callable[[str], int | None],
    ) -> None:
        # (edges() builds them: a bound method kept here would be a reference cycle, and the
        # graph's columns would wait for the cyclic collector instead of going when dropped)
        super().__init__(entries.ids, _HeaderLines(entries), _no_edges)
        self._entries = entries
        self._deps_of = deps_of
        self._dep_lines = dep_lines
        self._position = position_of  # an entry's position by its id
        self._root_deps: list[tuple[str, str]] | None = None  # None: not known
        self._lookup: Callable[[str, str], str | None] | None = None
        self._owner: dict[str, int] | None = None
        self._owner_lines: _DepLines | None = None
        self._links: _Links | None = None
        self._root_set: set[int] | None = None
        self._depended: frozenset[str] | None = None  # entries another entry depends on

    def set_root_dependencies(self, deps: Sequence[tuple[str, str, str]]) -> None:
        """``(key, name, spec)`` as the package.json declares them, the spec as written: yarn
        1.22.22 keys a root dependency's entry ``key@spec`` whatever the spec (``x@latest``,
        ``"x@npm:ms@^2"``, ``"x@git+file:///r#v1"``, ``"x@ ^3.0.0"``, ``x@``: decision 0129)."""
        self._root_deps = [(key, spec) for key, _name, spec in deps]
        self._edges = None
        self._root_set = None
        self._depended = None

    def unresolved_among(self, positions: Sequence[int]) -> Sequence[int]:
        """The positions of ``positions`` that may be entries written with no ``resolved`` (or
        an empty one): those the grammar read so when it read the file (``_canonical_columns``;
        the packages URLs name, after the entries, have theirs), else all of them."""
        known = self._entries.unresolved
        if known is None:
            return positions
        return [position for position in positions if position in known]

    def unresolved_roots(
        self, deps: Sequence[tuple[str, str]] | None = None, claimed: Collection[str] = ()
    ) -> list[str]:
        """The root dependency keys (``deps``: a workspace member's ``(key, spec)``, decision
        0133) none of whose specs an entry resolves (a key read two ways,
        ``package_json._bun_reading``, has two). yarn 1 keys the entry by the spec as written;
        an entry of that name keyed otherwise answers it only when no other entry depends on
        it (the root's own, the package.json edited since: decision 0061): one another entry
        depends on is that entry's, and the root's was cut (decision 0129); so is one a
        descriptor of ``claimed`` (another package.json's dependency as written) heads."""
        lookup = self._resolver()
        owners = self._owners()
        deps = self._root_deps or () if deps is None else deps
        resolved: set[str] = set()
        for key, spec in deps:
            if key in resolved or f"{key}@{spec}" in owners:
                resolved.add(key)
                continue
            hit = lookup(key, spec)
            if hit is None or hit in self._entries_depended():
                continue
            position = self._position(hit) if claimed else None
            heads = self._entries.descriptors_of(position) if position is not None else ()
            if not any(d in claimed for d in heads):
                resolved.add(key)
        return list(dict.fromkeys(key for key, _spec in deps if key not in resolved))

    def _entries_depended(self) -> frozenset[str]:
        """The entries another entry depends on (computed once)."""
        if self._depended is None:
            edges = self.edges()
            self._depended = frozenset(
                c for node, cs in edges.items() if node != ROOT_ID for c in cs
            )
        return self._depended

    def unheaded(self, descriptors: Collection[str]) -> list[str]:
        """The ``descriptors`` that head no entry of the file."""
        owners = self._owners()
        return [d for d in descriptors if d not in owners]

    def headed(self, descriptors: Collection[str]) -> list[str]:
        """The ids of the entries ``descriptors`` head."""
        owners = self._owners()
        return [self._entries.ids[owners[d]] for d in descriptors if d in owners]

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
        self._entries.known_positions.update(zip(parents, above, strict=True))
        if self._root_deps is None:  # guessed: asked of this entry's ancestors, not every entry
            if links.is_guessed_root(index, above):
                parents.append(ROOT_ID)
        elif index in self._get_root_set(links):
            parents.append(ROOT_ID)
        return parents

    def line_of(self, node_id: str) -> int | None:
        index = self._position(node_id) if node_id else None
        return None if index is None else self._entries.line_at(index)

    def unreached(self, descriptors: Collection[str]) -> list[str]:
        """The entries that only ``descriptors`` head and no dependency of the root reaches,
        with what only they reach, in file order (none while the root's dependencies are not
        known: ``set_root_dependencies``). yarn 1 writes an entry for every ``resolutions``
        entry of the package.json, used or not, and the entries its dependencies need, but
        installs only what the root's dependencies reach (measured with yarn 1.22.22)."""
        if self._root_deps is None:
            return []
        wanted = set(descriptors)
        owners = self._owners()
        entries = self._entries
        seeds = {owners[d] for d in wanted if d in owners}
        starts = [
            entries.ids[i] for i in sorted(seeds) if wanted.issuperset(entries.descriptors_of(i))
        ]
        if not starts:
            return []
        edges = self.edges()
        installed = _reachable(edges, [ROOT_ID])
        unused = _reachable(edges, starts, installed)
        return [entry_id for entry_id in entries.ids if entry_id in unused]

    def _get_links(self) -> _Links | None:
        if self._links is None and self._dep_lines is not None:
            dep_lines = self._dep_lines
            self._links = gc_paused(lambda: _links(self._entries, dep_lines))
            if self._links is not None:
                self._owner_lines = self._dep_lines  # the same lookup: pieces = descriptors
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
        lines = self._owner_lines or self._dep_lines
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

    def edges(self) -> Mapping[str, Sequence[str]]:
        if self._edges is None:
            self._edges = _classic_edges(
                self._entries, self._deps_of, self._resolver(), self._root_deps
            )
        return self._edges


def _no_edges() -> dict[str, list[str]]:  # pragma: no cover - _ClassicDetails.edges builds them
    raise AssertionError("_ClassicDetails builds its edges itself")


def _nowhere(node_id: str) -> int | None:
    return None


# Who depends on an entry sorted the lines by their key's hash cut to these bits before decision
# 0049; the lines are now chained by their key in a dictionary, which tells keys of the same
# hash apart itself. Kept: test_parents_by_hash_tell_colliding_keys_apart sets it (and still
# checks every parent against the edges built).
_HASH_BITS = (1 << 30) - 1
# ``_Links._chain_lines``: each key -> its last line; each line -> the previous line of its key
_Chains = tuple[dict[Any, int], "array[int]"]
_NO_LINE = array("l", [-1])

# How many of an entry's ancestors ``_Links.is_guessed_root`` asks about before it computes
# every entry's reach instead (the bound on the search back: the answer is the same either way).
_ANCESTORS_ASKED = 1_000
# How many "@" of a descriptor ``_Links._line_keys`` tries as the end of its name before it
# builds a table of every line's descriptor instead (the answer is the same either way).
_AT_SIGNS_TRIED = 4


class _Links:
    """Every dependency of a file the block reader took. Line ``k`` (in file order) of block
    ``b`` (``ends[b - 1] <= k < ends[b]``) belongs to entry ``block_entry[b]`` (-1: an earlier
    block of a header written again, which yarn drops) and resolves to the entry its key names
    (``lines[k]``, read by the one-pass reference check). Who depends on an entry is asked by its
    descriptors (``descriptors_of``: possible when no descriptor heads two entries): the lines
    whose key is one of the keys read as those descriptors, found by chaining each line to the
    previous line of its key on first use (``_chain_lines``); ``full`` gives every line as
    entry positions (``src``, ``dst``, each entry's lines ``start[i]:end[i]``) when every
    entry's reach is needed, or when a descriptor heads two entries (only the first is
    resolved to)."""

    __slots__ = (
        "_block_entry",
        "_bytes_keys",
        "_chains",
        "_descriptors_of",
        "_ends",
        "_full",
        "_guessed",
        "_keys_table",
        "_lines",
        "_named_of",
        "_parents",
        "_reached",
        "_read_as",
        "_reverse",
        "_src_dst",
    )

    def __init__(
        self,
        dep_lines: _DepLines,
        counts: list[int],
        block_entry: Sequence[int],
        *,
        descriptors_of: Callable[[int], list[str]] | None,
        full: Callable[[], tuple[list[int], list[int], list[int], list[int]]],
    ) -> None:
        self._lines = dep_lines.lines  # each line's key
        self._bytes_keys = bool(self._lines) and isinstance(self._lines[0], bytes)
        self._read_as = dep_lines  # (each key's descriptor)
        self._ends = list(accumulate(counts))
        self._block_entry = block_entry
        self._descriptors_of = descriptors_of
        self._full = full
        self._chains: _Chains | None = None
        self._src_dst: tuple[list[int], list[int], list[int], list[int]] | None = None
        self._reverse: list[int] | None = None  # the lines by the entry they resolve to
        self._parents: dict[int, list[int]] = {}  # parents() asked already
        self._reached: set[int] = set()  # entries an entry nothing depends on is known to reach
        self._guessed: set[int] | None = None  # guessed_roots(), when an entry needed it
        self._keys_table: dict[str, list[Any]] | None = None  # _keys_of()
        self._named_of: dict[int, bool] = {}  # _named() asked already

    def columns(self) -> tuple[list[int], list[int], list[int], list[int]]:
        """``src``, ``dst``, ``start``, ``end``: every line as entry positions."""
        if self._src_dst is None:
            self._src_dst = gc_paused(self._full)
        return self._src_dst

    def parents(self, index: int) -> list[int]:
        """The entries with a dependency resolving to entry ``index`` (itself left out)."""
        found = self._parents.get(index)
        if found is not None:
            return found
        if self._descriptors_of is not None:
            lines = list(chain.from_iterable(map(self._lines_of, self._descriptors_of(index))))
            lines.sort()
            entry_of = self._block_entry.__getitem__
            ends = self._ends
            above = [entry_of(bisect_right(ends, line)) for line in lines]
        else:
            src, dst, _, _ = self.columns()
            target = dst.__getitem__
            if self._reverse is None:  # the lines in the order of the entry they resolve to
                self._reverse = sorted(range(len(dst)), key=target)
            order = self._reverse
            low = bisect_left(order, index, key=target)
            high = bisect_right(order, index, low, key=target)
            above = list(map(src.__getitem__, order[low:high]))
        if -1 in above or index in above:  # a header written twice, a self-dependency
            found = [p for p in dict.fromkeys(above) if p >= 0 and p != index]
        else:
            found = list(dict.fromkeys(above))
        self._parents[index] = found
        return found

    def _lines_of(self, descriptor: str) -> list[int]:
        """The lines whose key reads as ``descriptor``: the lines of each key that does (see
        ``_line_keys``), from its last line back (``_line_chains``)."""
        last, previous = self._line_chains()
        found: list[int] = []
        for key in self._line_keys(descriptor):
            line = last.get(key, -1)
            while line >= 0:
                found.append(line)
                line = previous[line]
        return found

    def _line_keys(self, descriptor: str) -> list[Any]:
        """The keys of the lines that read as ``descriptor``. The keys are the descriptors
        (``_DepLines.distinct`` None), or the lines' contents in yarn's plain form (see
        ``_plain_descriptors``: a name, quoted or not, one space, the range quoted; no quote
        and no space in either but the range's spaces): the content of a line that reads as
        ``descriptor`` is then its name (the descriptor up to one of its "@" after the first
        character) quoted or not, a space and the rest quoted, one of the contents the file's
        lines hold (``distinct``). No table from descriptors to contents is built, unless a
        descriptor holds more than ``_AT_SIGNS_TRIED`` "@" (each would be a copy of it: a
        hostile one of 100,000 "@" would cost their square): then the table, once."""
        distinct = self._read_as.distinct
        if distinct is None:
            return [descriptor]
        if descriptor.count("@", 1) > _AT_SIGNS_TRIED:
            return self._keys_of().get(descriptor, [])
        keys: list[Any] = []
        at = descriptor.find("@", 1)
        while at >= 0:
            name, range_ = descriptor[:at], descriptor[at + 1 :]
            keys.append(f'{name} "{range_}"')
            keys.append(f'"{name}" "{range_}"')
            at = descriptor.find("@", at + 1)
        if self._bytes_keys:
            keys = [key.encode() for key in keys]
        return [key for key in keys if key in distinct]

    def _keys_of(self) -> dict[str, list[Any]]:
        """Each descriptor -> the contents of the lines that read as it (built once)."""
        if self._keys_table is None:
            table: dict[str, list[Any]] = {}
            read_as = self._read_as
            contents = cast(set[Any], read_as.distinct)  # (in the descriptors' order)
            for key, descriptor in zip(contents, read_as.descriptors, strict=True):
                table.setdefault(descriptor, []).append(key)
            self._keys_table = table
        return self._keys_table

    def _line_chains(self) -> _Chains:
        if self._chains is None:
            self._chains = gc_paused(self._chain_lines)
        return self._chains

    def _chain_lines(self) -> _Chains:
        """Each key's last line, and each line's previous line of the same key (-1: none), in
        one pass over the lines (their keys' hashes are cached: the reference check's set);
        the line numbers of ``previous`` are machine integers, not objects."""
        last: dict[Any, int] = {}
        previous = array("l", _NO_LINE) * len(self._lines)
        get = last.get
        for line, key in enumerate(self._lines):
            previous[line] = get(key, -1)
            last[key] = line
        return last, previous

    def is_guessed_root(self, index: int, parents: list[int] | None = None) -> bool:
        """``index in guessed_roots()``, answered from the entry's ancestors: an entry nothing
        depends on (no parent) is a root; an entry below one (an ancestor with no parent: the
        search back stops at the first one met) is not, as that root reaches it, and neither
        is any entry of the chain between them (kept: the next question is often about one of
        them). Nor is an entry with an ancestor above it in the file: ``guessed_roots`` takes
        the unreached entries in file order, and by this entry's turn that ancestor is reached
        or a root, which reaches this entry. The ancestors are searched depth first, so that
        a parent above the entry (most often met first) ends the search at once. Only an entry
        none of whose ancestors is such a root or above it (a cycle nothing reaches, or below
        one), or one with more than ``_ANCESTORS_ASKED`` ancestors asked before one is met,
        needs every entry's reach (``guessed_roots``), once. ``parents``: ``parents(index)``,
        if known."""
        if not (parents if parents is not None else self.parents(index)):
            return True
        reached = self._reached
        if index in reached:
            return False
        came = {index: index}  # each ancestor met -> the entry below it it was met from
        todo = [index]
        while todo and len(came) <= _ANCESTORS_ASKED:
            child = todo.pop()
            ups = parents if child == index and parents is not None else self.parents(child)
            if any(map(index.__gt__, ups)):  # an ancestor above it in the file
                return False
            for entry in ups:
                if entry in came:
                    continue
                came[entry] = child
                if entry in reached or not self._named(entry):  # a root reaches the chain
                    below = entry
                    while below != index:
                        below = came[below]
                        reached.add(below)
                    return False
                todo.append(entry)
        if self._guessed is None:
            self._guessed = set(self.guessed_roots())
        return index in self._guessed

    def _named(self, index: int) -> bool:
        """Does a dependency line name entry ``index``? (False: a guessed root. True and no
        parent: only its own line names it, its parents are read next and the search goes
        on, or every entry's reach answers.)"""
        if self._descriptors_of is None:
            return index in self.depended()
        found = self._named_of.get(index)
        if found is None:  # (kept: each search back asks again; the keys cost their length)
            if self._read_as.distinct is None:
                found = any(map(self._lines_of, self._descriptors_of(index)))
            else:  # a content the file's lines hold
                found = any(map(self._line_keys, self._descriptors_of(index)))
            self._named_of[index] = found
        return found

    def depended(self) -> set[int]:
        """The entries another entry depends on (a self-dependency, a header written twice
        left out): every entry else is a guessed root."""
        src, dst, _, _ = self.columns()
        if -1 in src or any(map(operator.eq, src, dst)):
            return {child for parent, child in zip(src, dst, strict=True) if 0 <= parent != child}
        return set(dst)

    def guessed_roots(self) -> list[int]:
        """``_roots`` over these edges: the entries nothing else depends on, then one entry of
        each cycle still unreached, in file order."""
        everything = set(range(len(self.columns()[2])))
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
        _, dst, start_of, end_of = self.columns()
        lines_of = dst.__getitem__
        start, end = start_of.__getitem__, end_of.__getitem__
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
    descriptor holds ``", "``, as a quoted token may)? Surely when the descriptors are the ids
    split at ``", "``, as the reference check split them."""
    return entries.split_ids() or dep_lines.pieces == entries.piece_count()


def _links(entries: _Entries, dep_lines: _DepLines) -> _Links | None:
    """None when the pieces the reference check looked up are not the descriptors: the forward
    search reads those entries exactly."""
    if not _same_pieces(entries, dep_lines):
        return None
    if entries.dependency_counts is not None:
        counts = entries.dependency_counts()
    else:
        counts = list(map(str.count, entries.blocks, repeat("\n    ")))
    if sum(counts) != len(dep_lines.lines):  # pragma: no cover - the block reader takes no other
        return None
    block_entry = entries.block_entry

    def full() -> tuple[list[int], list[int], list[int], list[int]]:
        dst = dep_lines.targets
        src = list(chain.from_iterable(map(repeat, block_entry, counts)))
        offsets = list(accumulate(counts, initial=0))
        if len(block_entry) == len(entries.ids):  # no header written twice: block i is entry i
            return src, dst, offsets[:-1], offsets[1:]
        start = [0] * len(entries.ids)
        end = [0] * len(entries.ids)
        for block, index in enumerate(block_entry):
            if index >= 0:
                start[index] = offsets[block]
                end[index] = offsets[block + 1]
        return src, dst, start, end

    descriptors_of = entries.descriptors_of if dep_lines.unique_pieces() else None
    return _Links(dep_lines, counts, block_entry, descriptors_of=descriptors_of, full=full)


def _block_raw_field(block: str, needle: str) -> str | None:
    """The last ``needle`` line's value as written (quotes kept), None without one. The key
    may be followed by a tab as well as a space (the grammars' ``[ \t]+``, as the line reader
    reads it): ``needle`` ends with the space, its tab form is looked for too."""
    at = max(block.rfind(needle), block.rfind(needle[:-1] + "\t"))
    if at < 0:
        return None
    end = block.find("\n", at + 1)
    return block[at + len(needle) : end if end >= 0 else None].strip()


def _block_field(block: str, needle: str, path: str, line: int) -> str | None:
    raw = _block_raw_field(block, needle)
    if raw is None or raw[0] != '"':
        return None if needle == _NEEDLES[1] and raw and _false_or_zero(raw) else raw
    return raw[1:-1] if "\\" not in raw else unquote_dq(raw, path, line)


def _no_header_first(text: str | bytes) -> bool:
    """Is the file's first line that is neither blank nor a comment no possible entry header
    (indented, or without the ``:`` every header ends with), or is there none? The line reader
    then refuses that line at once, or skips it, or finds no entry; the fast path's readers
    would each run over the whole file first (2 MB of one byte, NUL, ``a`` or newlines: three
    to six times a real yarn.lock of that size to refuse, decision 0161)."""
    if isinstance(text, bytes):
        start = cast(re.Match[bytes], _PREAMBLE_BYTES.match(text)).end()
        end = text.find(b"\n", start)
        line = text[start : end if end >= 0 else len(text)].decode("ascii")
    else:
        start = cast(re.Match[str], _PREAMBLE.match(text)).end()
        end = text.find("\n", start)
        line = text[start : end if end >= 0 else len(text)]
    # (a header's first character is a key's: no white space, no "," or ":")
    if not line or line[0].isspace() or line[0] in ",:":
        return True
    return not line.rstrip(" \t").endswith(":")


def _blocks(text: str | bytes, path: str) -> tuple[_Entries, Callable[[int], str]] | None:
    """The fast path; None when the file is not in yarn's exact layout (the line reader reads
    it). A file without a backslash or NUL is read a column at a time (``_block_columns``);
    ASCII bytes (``parse_classic``) by the yarn-layout reader, else decoded first."""
    if _no_header_first(text):
        return None  # the line reader says which line, or finds no entry
    canonical = True
    if isinstance(text, bytes):
        if b"\\" not in text and b"\x00" not in text:
            found = _canonical_columns(text, path, twice_later=True)
            if found is _ONE_BY_ONE:
                return _blocks_one_by_one(text.decode("ascii"), path)
            if found is not None:
                return cast("tuple[_Entries, Callable[[int], str]]", found)
        text = text.decode("ascii")
        canonical = False  # (refused already)
    if "\\" not in text and "\x00" not in text:
        found = _block_columns(text, path, canonical=canonical)
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
        rf"\n  (?:(?:dependencies|optionalDependencies):[ \t]*(?>\n    [^\n]*)++"
        rf"|[A-Za-z_][A-Za-z0-9_]*[ \t]+{value}[ \t]*)"
    )
    return lazy_pattern(rf"(?:(?<=\n)|\A)({key}(?:, *{key})*)(:[ \t]*(?>{lines})++(?:\n+|\Z))")


# ``\s`` of a str pattern is a category tested a character at a time; in an ASCII text it is
# exactly these characters (what str.isspace says below 128), which sre tests as one bitmap.
_ASCII_SPACE = r" \t\n\r\f\v\x1c-\x1f"
_ENTRY = _entry_grammar(_KEY, _VALUE)
_ENTRY_ASCII = _entry_grammar(
    rf'(?:{_DQ}|[^{_ASCII_SPACE}",:#][^{_ASCII_SPACE}",:]*)',
    rf'(?:{_DQ}|[^{_ASCII_SPACE}"]+)',
)
_KEY_OR_NL = lazy_pattern(rf"{_KEY}|\n")
# split_at_version over lines: the name runs to the first "@" after its first character
_NAME_RANGE = lazy_pattern(r"^(.?[^@\n]*)@?(.*)$", re.MULTILINE)


def _block_columns(
    text: str, path: str, *, canonical: bool = True
) -> tuple[_Entries, Callable[[int], str]] | object | None:
    """``_blocks_one_by_one`` for a file without a backslash or NUL, each step done for every
    entry at once: one ``re.split`` over the text by the entry grammar (``_ENTRY``) gives each
    entry's header and body, with only comments and blank lines left between two entries
    (anything else is left there, and sends the file to the line reader); header lines from
    the newlines before them; the headers' tokens by one regex over them joined, unquoted by
    dropping every ``"`` (no escape can hide one); names and ranges by one regex over the first
    descriptors. A file in yarn's own layout exactly is read by ``_canonical_columns``."""
    if canonical and text.isascii():
        found = _canonical_columns(text, path)
        if found is not None:
            return found
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
    entries = _columns(path, ids, split)
    entries.lines_counted_later(
        lambda: list(accumulate(map(str.count, pieces, repeat("\n")), initial=1))[
            1 : len(pieces) : 3
        ]
    )
    entries.descriptors = descriptors
    entries.texts = entries.blocks = kept
    return entries, kept.__getitem__


def entry_name(descriptors: Sequence[str]) -> str:
    """The package an entry holds: the target of the first ``npm:`` alias among the entry's
    descriptors (``resolutions: {"x": "npm:y@1"}`` makes yarn write ``x@^2, "x@npm:y@1"``: the
    entry is y's), else the first descriptor's name."""
    for descriptor in descriptors:
        name, range_ = split_at_version(descriptor)
        if range_.startswith("npm:"):
            return alias_target(name, range_)[0]
    return split_at_version(descriptors[0])[0]


def _columns(path: str, ids: list[str], split: list[tuple[str, str]]) -> _Entries:
    """The entries of the column readers: ids, and each first descriptor's name and range
    (``split``) of which an ``npm:`` alias's target names the package."""
    names = list(map(operator.itemgetter(0), split))
    ranges = list(map(operator.itemgetter(1), split))
    for at in compress(range(len(ids)), map(operator.contains, ids, repeat("npm:"))):
        names[at] = entry_name(ids[at].split(", "))
    entries = _Entries(path)
    entries.ids = ids
    entries.names = names
    entries.ranges = ranges
    entries.fields = [None] * len(ids)
    entries.block_entry = range(len(ids))
    entries.any_four_space_line = True
    return entries


# One entry in yarn's own layout, as ``yarn install`` writes it (ASCII): the blank line before
# it, its header, its ``version`` line first, then ``uid`` and ``resolved`` lines if any, other
# ``key value`` lines (one space, nothing after the value), then its ``dependencies`` and
# ``optionalDependencies`` blocks, in that order, each line of which is kept (groups ``deps``
# and ``optional``); the newline after it is left to the blank line of the next entry. The file
# splits into comment lines and blank lines, these entries, and nothing between two (no comment,
# no blank line but one), then newlines: each is an ``_ENTRY`` match and ``_block_columns``
# would read the same. It can start only after a blank line, which a search finds without
# trying each position of a line.
# Printable ASCII only, written as ranges (sre tests one bitmap a character: faster than the
# negated classes of _ENTRY), and possessive: every class here stops at the character after it.
# Narrower than _ENTRY's (no tab, no control character), so such a file is read as before.
# (a quoted key holds no comma here: every comma of a header is then a separator, written
# ", " when ``_canonical_columns`` splits the ids at it; _ENTRY reads a quoted comma)
_C_KEY = r'(?:"[ !#-+\--~]*+"|[!$-+\--9;-~][!#-+\--9;-~]*+)'  # [^\s",:#][^\s",:]* or quoted
_C_VALUE = r'(?:"[ !#-~]*+"|[!#-~]++)'  # [^\s"]+ or quoted
# The ``resolved`` URL is read too (decision 0031), at no other cost than the backreferences:
# the first descriptor's package name (``name``: the alias's target for ``x@npm:target@range``)
# is taken by a look-ahead at the header (``name``, its ``base``), the version from its line, and
# the URL is one that ``registry_identity`` says names that package and version (``<host>/
# [<path>/]<name>/-/<base>-<version>.tgz``, no query, no escape, no path segment starting with
# "@" before an unscoped name). Any other value is looked at: an http(s), git or ssh URL of no
# registry package is the entry's source when its header asks the registry (decision 0156), and
# so is any local path (``file:``, ``./``, ``C:``...: a tarball yarn 1 installs or a path it
# refuses, decision 0159); any other value, even one of no "/" (``plain-word``), is a path on
# the registry for yarn 1 (``yarn1_fetched``, decision 0163).
# Any other URL, quoted or not, is kept (``odd``) and looked at by ``url_packages``; a name the
# look-ahead reads otherwise than the names column (checked) makes its entry looked at too.
_N = r"[!$&-+\--.0-9;->A-~]"  # a name's characters (no @ / % ? # : , " or space)
_U = r"[!$&-.0->@-~]"  # a URL's characters before its fragment (no / % ? # " or space)
_V = r"[!$&-.0-9;->@-~]"  # a version's (no / % ? # : " or space)
_C_NAME = (
    rf'(?:(?="?(?:{_N}++@npm:|@{_N}++/{_N}++@npm:)?'
    rf"(?P<name>(?:@{_N}++/)?(?P<base>{_N}++))@))?"
)
_C_TARBALL = r"(?P=name)/-/(?P=base)-(?P=version)\.tgz(?:#[!#-~]*+)?"
_C_RESOLVED = (
    r'\n  resolved (?:"(?:(?:https://registry\.yarnpkg\.com|https://registry\.npmjs\.org)/'
    rf'{_C_TARBALL}|https?://{_U}++(?:/[!$&-.0->A-~]{_U}*+)*?/{_C_TARBALL})"'
    r'|(?P<odd>"[ !#-~]++"|(?!(?:false|0++)\n)[!#-~]++))'
)
# An entry with no ``resolved`` line, or ``resolved ""`` (which ``_C_RESOLVED`` does not match:
# every value it reads holds a character) or ``false`` or ``0`` unquoted (``_false_or_zero``,
# which it does not read either), has the ``unresolved`` group ('' or the line); any
# other entry has it None: the entries yarn 1 resolves again at install time, read by the split.
_C_UNRESOLVED = r'(?P<unresolved>\n  resolved (?:""|false|0++)(?=\n)|)'

_C_ENTRY_SOURCE = (
    rf"\n\n{_C_NAME}(?P<header>{_C_KEY}(?>, *{_C_KEY})*+):"
    rf'(?:\n  version (?:"(?P<version>{_V}*+)"|{_C_VALUE})(?:\n  uid {_C_VALUE})?'
    rf"(?:{_C_RESOLVED}|{_C_UNRESOLVED})"
    rf"(?>\n  (?!version |uid |resolved )[A-Za-z_][A-Za-z0-9_]*+ {_C_VALUE})*+"
    r"(?:\n  dependencies:(?P<deps>(?>\n    [^\n]*+)++))?"
    r"(?:\n  optionalDependencies:(?P<optional>(?>\n    [^\n]*+)++))?)(?=\n)"
)
_C_ENTRY = lazy_pattern(_C_ENTRY_SOURCE)
# (compiled on first use: a berry yarn.lock imports this module too, ~10 M instructions)
_C_ENTRY_BYTES = lazy_pattern(_C_ENTRY_SOURCE.encode())


def _piece(group: str) -> int:
    """Where ``group`` of an entry is among the pieces of ``_C_ENTRY.split``."""
    return _C_ENTRY_BYTES.groupindex[group]


# the comments and blank lines a file opens with (blank runs as one loop, each comment line with
# the blank lines after it: ``(?>#[^\n]*\n|\n)*+`` cost 25 ns a blank line, this 1.3, 0161)
_PREAMBLE = lazy_pattern(r"\n*+(?>#[^\n]*+\n\n*+)*+")
_PREAMBLE_BYTES = lazy_pattern(rb"\n*+(?>#[^\n]*+\n\n*+)*+")
# each id's first descriptor's name (split_at_version), ids whose descriptors hold no comma
_ID_NAME = lazy_pattern(r"^([^,\n]?[^@,\n]*)", re.MULTILINE)


def _canonical_columns(
    text: str | bytes, path: str, *, twice_later: bool = False
) -> tuple[_Entries, Callable[[int], str]] | object:
    """``_block_columns`` of an ASCII text in yarn's own layout (``_C_ENTRY``), by one split of
    the whole text (or of its bytes, decoded a piece at a time); None for any other text. The
    pieces are each entry's header and dependency lines (its body is not copied: an entry's
    body and header line are found in the text when asked, ``_Bodies``), descriptors split
    from the ids and ranges read from them when first asked."""
    step = _C_ENTRY_BYTES.groups + 1  # the text before an entry, then _C_ENTRY's groups
    if isinstance(text, bytes):
        start = cast(re.Match[bytes], _PREAMBLE_BYTES.match(text)).end()
        blank: Any = b"\n\n"
        newline: Any = b"\n"
    else:
        start = cast(re.Match[str], _PREAMBLE.match(text)).end()
        blank, newline = "\n\n", "\n"
    # (the preamble first: a file of nothing but blank lines was split whole for nothing)
    if start < 2 or text[start - 2 : start] != blank or start == len(text):
        return None
    pieces: list[Any] = (
        _C_ENTRY_BYTES.split(text) if isinstance(text, bytes) else _C_ENTRY.split(text)
    )
    if (
        len(pieces[0]) != start - 2  # the preamble holds no entry start
        or any(pieces[step:-1:step])  # nothing between two entries
        or pieces[-1].strip(newline)  # newlines after the last one
        or not pieces[-1]
    ):
        return None
    raw_headers = pieces[_piece("header") :: step]
    raw_names = pieces[_piece("name") :: step]
    kept_urls = pieces[_piece("odd") :: step]
    dependencies = pieces[_piece("deps") :: step]  # None: the entry has no such block
    optional = pieces[_piece("optional") :: step]
    versions = pieces[_piece("version") :: step]
    unresolved = pieces[_piece("unresolved") :: step]  # None: a resolved URL
    first, end = len(pieces[0]), len(text) - len(pieces[-1])
    del pieces  # (the look-ahead's scope and base go before the columns are built)
    # (each read when a rule names its entry; one copy, not 50,000 objects kept)
    versions_read = _joined(newline, versions) if None not in versions else None
    del versions
    joined = _joined(newline, raw_headers)
    read = _names_read(raw_names, newline)
    comma, separator, wide, quote = (
        (b",", b", ", b",  ", b'"') if isinstance(joined, bytes) else (",", ", ", ",  ", '"')
    )
    # every comma is a separator (_C_KEY): each written ", " exactly, or the tokens are read
    commas = joined.count(comma)
    if commas == joined.count(separator) and wide not in joined:
        # (the quotes dropped before decoding: one copy fewer; a quote is only at a token's
        # edge, so "npm:" and "@file:" are in the ids as in the headers)
        headers = ids_text = _ascii(joined.replace(quote, joined[:0]))
        ids = ids_text.split("\n")
        names = _names_column(ids, ids_text, read)
        descriptors = None
        ranges = None
        # the ids joined by ", " and their pieces, which the reference check splits them into:
        # a piece in no two places says no id is written twice as well
        # (each comma of the headers is one separator, and the ids are joined by as many
        # more: the check counts neither again)
        header_keys = _HeaderKeys(ids, ids_text.replace("\n", ", "), commas + len(ids) - 1)
    else:
        headers = _ascii(joined)
        descriptors, ids = _header_tokens_read(headers)
        split = _NAME_RANGE.findall("\n".join(map(operator.itemgetter(0), descriptors)))
        names = list(map(operator.itemgetter(0), split))
        ranges = list(map(operator.itemgetter(1), split))
        header_keys = None
    if not len(ids) == len(raw_headers) == len(names):  # pragma: no cover - guard
        return None
    # a header written twice: block by block. ``twice_later`` (``parse_classic``'s reader),
    # with the ids' pieces (``header_keys``): the reference check's set of them answers it,
    # once the split's pieces are gone (no set of 50,000 ids built beside them, ~3.5 ms)
    if (header_keys is None or not twice_later) and len(set(ids)) != len(ids):
        return _ONE_BY_ONE
    entries = _Entries(path)
    entries.ids = ids
    entries.names = names
    entries.descriptors = descriptors
    entries.ranges = ranges
    if "npm:" in headers:  # an alias names its target package
        if names is read:
            names = entries.names = list(read)
        for at in compress(range(len(ids)), map(operator.contains, ids, repeat("npm:"))):
            names[at] = entry_name(entries.descriptors_of(at))
    entries.fields = [None] * len(ids)
    entries.block_entry = range(len(ids))
    entries.any_four_space_line = True
    bodies = _Bodies(text, raw_headers, first, end)
    entries.lines_counted_later(bodies.lines, bodies.line)
    entries.texts = entries.blocks = bodies
    entries.url_suspects = _url_suspects(kept_urls, raw_names, names, read)
    entries.unresolved = frozenset(
        ()
        if unresolved.count(None) == len(unresolved)
        else compress(count(), map(operator.is_not, unresolved, repeat(None)))
    )
    # (the ids are their tokens, unquoted)
    entries.no_file_ids = "@file:" not in headers and "@link:" not in headers
    entries.versions_read = versions_read
    entries.header_keys = header_keys
    entries.dependency_blocks = lambda index: _ascii(
        (dependencies[index] or newline[:0]) + (optional[index] or newline[:0])
    )
    if not any(optional):  # (a block is never empty: truth tests, not == None a piece)
        lines = _joined(newline[:0], list(filter(None, dependencies)))
        entries.dependency_counts = lambda: _newlines(dependencies, newline)
    else:
        both = chain.from_iterable(zip(dependencies, optional, strict=True))
        lines = _joined(newline[:0], list(filter(None, both)))
        entries.dependency_counts = lambda: list(
            map(
                operator.add,
                _newlines(dependencies, newline),
                _newlines(optional, newline),
            )
        )
    # (bytes are kept as they are: the reference check splits them, no decoded copy)
    entries.dependency_lines = lines if isinstance(lines, bytes) else _DependencyLines(lines)
    return entries, bodies.__getitem__


# Where an entry of ``_canonical_columns``'s text starts: its blank line (none inside an entry,
# none between two, and the preamble's are followed by a comment or another newline)
_ENTRY_START = lazy_pattern(r"\n\n(?=[^\n])")
_ENTRY_START_BYTES = lazy_pattern(rb"\n\n(?=[^\n])")
# How many entries ``_Bodies`` finds one by one (each from the nearest one found before)
# before it finds every entry's start at once.
_FOUND_ONE_BY_ONE = 2048
# How far on each side of where an even spacing puts an entry ``_Bodies.start`` looks first.
_AROUND_A_GUESS = 32_768


class _Bodies(Sequence[str]):
    """Each entry's body in a text ``_canonical_columns`` read (from the newline after its
    header's colon to the blank line after it, as ``_C_ENTRY`` matched it) and its header's
    line, found in the text when asked instead of copied for every entry. Entry ``i`` starts
    at the first ``"\n\n" + header + ":\n"`` after the start of an entry above it (in that
    text a blank line followed by anything but a newline starts an entry and nothing else, and
    no two headers are the same), searched from the nearest entry found before (a scan asks
    for the entries a rule names, in file order, and its findings' lines); past
    ``_FOUND_ONE_BY_ONE`` entries, every entry's start is found at once."""

    __slots__ = (
        "_asked",
        "_colon",
        "_end",
        "_every",
        "_every_line",
        "_headers",
        "_lines",
        "_lines_asked",
        "_newline",
        "_starts",
        "_text",
    )

    def __init__(self, text: str | bytes, headers: list[Any], first: int, end: int) -> None:
        self._text: Any = text
        self._headers = headers  # each entry's header as written
        self._end = end  # where the newlines after the last entry start
        self._newline: Any = "\n" if isinstance(text, str) else b"\n"
        self._colon: Any = ":\n" if isinstance(text, str) else b":\n"
        self._starts = {0: first}  # entry -> where it starts (its blank line)
        self._asked = [0]  # the entries whose start is known, in order
        self._lines = {0: text.count(self._newline, 0, first) + 3}  # type: ignore[arg-type]
        self._lines_asked = [0]  # the entries whose header line is known, in order
        self._every: list[int] | None = None
        self._every_line: list[int] | None = None

    def __len__(self) -> int:
        return len(self._headers)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        begin = self.start(index) + len(self._headers[index]) + 3  # "\n\n", header, ":"
        every = self._every
        if every is not None:  # it ends where the next one starts
            end = every[index + 1] if index + 1 < len(every) else self._end
        else:
            end = self._text.find(self._newline * 2, begin)
        return _ascii(self._text[begin : end if end >= 0 else self._end])

    def start(self, index: int) -> int:
        """Where entry ``index`` starts (its blank line)."""
        if self._every is not None:
            return self._every[index]
        found = self._starts.get(index)
        if found is not None:
            return found
        asked = self._asked
        if len(asked) > _FOUND_ONE_BY_ONE:
            return self.every_start()[index]
        at = bisect_right(asked, index)
        above = asked[at - 1]
        below = asked[at] if at < len(asked) else len(self._headers)
        low = self._starts[above]
        high = self._starts[below] if at < len(asked) else self._end
        newline = self._newline
        needle = newline * 2 + self._headers[index] + self._colon
        # The needle is in the text once (see the class): looked for first around where the
        # entries between the two known ones would put it at an even size each, then in the
        # whole span (a find costs the bytes it passes, ~0.3 ns each).
        guess = low + (high - low) * (index - above) // (below - above)
        around = _AROUND_A_GUESS + len(needle)
        found = cast(int, self._text.find(needle, max(low, guess - around), guess + around))
        if found < 0:
            found = cast(int, self._text.find(needle, low, high))
        if found < 0:  # pragma: no cover - every entry's needle is in the text
            raise AssertionError("an entry of the split is not in the text")
        self._starts[index] = found
        asked.insert(at, index)
        return found

    def every_start(self) -> list[int]:
        """Where each entry starts, found at once."""
        if self._every is None:
            search = _ENTRY_START if isinstance(self._text, str) else _ENTRY_START_BYTES
            every = [match.start() for match in search.finditer(self._text, self._starts[0])]
            if len(every) != len(self._headers):  # pragma: no cover - see the class
                raise AssertionError("the entries of the split are not the text's")
            self._every = every
        return self._every

    def line(self, index: int) -> int:
        """The line of entry ``index``'s header, counted from the nearest one known (past
        ``_FOUND_ONE_BY_ONE`` of them, every header's line is counted at once)."""
        lines = self._lines
        found = lines.get(index)
        if found is None:
            known = self._lines_asked
            if len(known) > _FOUND_ONE_BY_ONE:
                if self._every_line is None:
                    self._every_line = self.lines()
                return self._every_line[index]
            at = self.start(index)
            where = bisect_right(known, index)
            low = known[where - 1]
            count = self._text.count
            if where < len(known) and known[where] - index < index - low:
                high = known[where]
                found = lines[high] - count(self._newline, at, self.start(high))
            else:
                found = lines[low] + count(self._newline, self.start(low), at)
            lines[index] = found
            known.insert(where, index)
        return found

    def lines(self) -> list[int]:
        """Every header's line."""
        starts = self.every_start()
        newlines = map(self._text.count, repeat(self._newline), chain((0,), starts), starts)
        return list(map(operator.add, accumulate(newlines), repeat(3)))


def _newlines(blocks: list[Any], newline: Any) -> list[int]:
    """How many newlines each block holds (None: no block, none)."""
    return [0 if block is None else block.count(newline) for block in blocks]


# How many bytes objects ``_joined`` joins at once.
_JOINED_AT_ONCE = 1024


def _joined(separator: bytes, pieces: list[bytes]) -> bytes:
    """``separator.join(pieces)``, a thousand pieces at a time: ``bytes.join`` first takes a
    buffer (80 bytes) for every piece, and for 50,000 pieces that is 4 MB of fresh pages
    (~1,000 page faults, more than the result's own) each time; a thousand's is 80 kB, reused."""
    if len(pieces) <= _JOINED_AT_ONCE:
        return separator.join(pieces)
    return separator.join(
        [
            separator.join(pieces[at : at + _JOINED_AT_ONCE])
            for at in range(0, len(pieces), _JOINED_AT_ONCE)
        ]
    )


def _ascii(piece: str | bytes) -> str:
    return piece if isinstance(piece, str) else piece.decode("ascii")


def _names_read(read: list[Any], newline: Any) -> list[str] | None:
    """The name ``_C_ENTRY``'s look-ahead read in each header (``read``, its pieces; None when
    one read none)."""
    if not all(read):  # (a name is never empty: truth tests, not == None a piece)
        return None
    if isinstance(newline, bytes):  # each decoded (no joined copy, no split)
        return list(map(bytes.decode, read))
    return cast(list[str], read)


def _names_column(ids: list[str], ids_text: str, read: list[str] | None) -> list[str]:
    """Each id's first descriptor's name (``_ID_NAME``): the names the look-ahead read
    (``read``, returned as it is), when it read one in every header. It reads the name at the
    header's start (after the quote ids drop) up to the ``@`` after it, as ``_ID_NAME`` does
    (such a name holds no ``@`` but a scope's first, and no comma), except after an alias's
    ``name@npm:``, where it reads the target: every such id holds ``npm:``, and the alias's
    name is then set from its first descriptor (``alias_target``, ``_canonical_columns``).
    Else every name by ``_ID_NAME``."""
    if read is None or len(read) != len(ids):
        return cast(list[str], _ID_NAME.findall(ids_text))
    return read


def _url_suspects(
    kept: list[Any], raw_names: list[Any], names: list[str], read: list[str] | None
) -> list[int]:
    """The entries whose URL ``_C_ENTRY`` did not vouch for: one it kept (``kept``, its ``odd``
    pieces), or one whose name its look-ahead read otherwise than the names column (``read``:
    those names decoded, None when one read none; ``raw_names``, its ``name`` pieces)."""
    odd = map(operator.is_not, kept, repeat(None))
    if read is names:  # (the column is what the look-ahead read)
        # (a kept URL is never empty: a truth test first, not a comparison a piece)
        return list(compress(range(len(names)), odd)) if any(kept) else []
    looked: list[str | None] = (
        [None if n is None else _ascii(n) for n in raw_names] if read is None else list(read)
    )
    other = map(operator.ne, looked, names)
    return list(compress(range(len(names)), map(operator.or_, odd, other)))


# text whose quoted parts (its quotes paired, as header tokens pair them) hold no comma
_NO_QUOTED_COMMA = lazy_pattern(r'(?>[^"]++|"[^",]*+")*+')


def _plain_commas(headers: str) -> bool:
    """Is every comma of these headers outside the quotes and written ``", "``?"""
    return (
        headers.count(",") == headers.count(", ")
        and ",  " not in headers
        and _NO_QUOTED_COMMA.fullmatch(headers) is not None
    )


def _header_tokens(headers: str) -> tuple[list[list[str]], list[str]]:
    """Each header's tokens (its descriptors) and its id (the tokens joined by ``", "``), from
    the headers (the entry grammar's, no backslash) joined by newlines. Tokens are unquoted by
    dropping every ``"``. When every comma is outside the quotes and written ``", "``, the
    commas are the separators: the ids are the headers without their quotes; else one regex
    reads the tokens (``_header_tokens_read``)."""
    if _plain_commas(headers):
        ids = headers.replace('"', "").split("\n")
        return list(map(str.split, ids, repeat(", "))), ids
    return _header_tokens_read(headers)


def _header_tokens_read(headers: str) -> tuple[list[list[str]], list[str]]:
    """``_header_tokens`` by one regex over the headers (any comma, any quoted token)."""
    tokens = "\x00".join(_KEY_OR_NL.findall(headers)).replace('"', "")
    per_header = tokens.split("\x00\n\x00")
    ids = tokens.replace("\x00\n\x00", "\n").replace("\x00", ", ").split("\n")
    return list(map(str.split, per_header, repeat("\x00"))), ids


@functools.cache
def _block_grammar() -> re.Pattern[str]:
    """``_BLOCK`` compiled when first used (a few ms: only files the column readers refuse)."""
    return re.compile(_BLOCK)


def _blocks_one_by_one(text: str, path: str) -> tuple[_Entries, Callable[[int], str]] | None:
    """The fast path block by block; None when the file is not in yarn's exact layout. Without
    a backslash in the file no field can fail to read, so a block's version, resolved and
    integrity are read when its package is built (the few a scan looks at), not here."""
    entries = _Entries(path)
    texts: list[str] = []
    blocks: list[str] = []
    entries.texts = texts
    entries.blocks = blocks
    block_entry: list[int] = []
    entries.block_entry = block_entry
    block_of: list[int] = []  # each entry's block (the last of a header written twice)
    lazy = "\\" not in text
    line = 1
    block_re = _block_grammar()
    for block in text.split("\n\n"):
        if not block:  # (a run of blank lines: 20 MB of them took 10 s a regex call each)
            line += 2
            continue
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
            blocks.append(block)
            earlier = entries.add(descs, header_line, fields)
            if earlier is None:
                block_of.append(len(block_entry))
                block_entry.append(len(texts))
                texts.append(block)
            else:  # the earlier block is dropped, this one is the entry's
                block_entry[block_of[earlier]] = -1
                block_of[earlier] = len(block_entry)
                block_entry.append(earlier)
                texts[earlier] = block
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
        earlier = entries.add(header_descs, header_index + 1, (version, resolved, integrity))
        if earlier is None:
            spans.append((header_index, end))
        else:  # yarn keeps the last of a header written twice
            spans[earlier] = (header_index, end)

    for index in compress(count(), lines):  # (blank lines skipped in C: 20 MB of them cost 1 s)
        line = lines[index]
        first = line[0]
        if first == "#":
            continue
        if first != " ":
            if line.startswith(_CONFLICT):
                raise LockfileError(
                    path,
                    "unresolved merge conflict markers",
                    json_path=f"line {index + 1}",
                )
            # (every header ends with ":": a long line without one is refused unscanned)
            if not line.rstrip(" \t").endswith(":") or _HEADER.fullmatch(line) is None:
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
                resolved = None if _false_or_zero(match.group(2)) else value
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
_DEP_LINE_SOURCE = (
    r'\n    (?:"([^"\s]+)"|([^\s",:#][^\s",:]*)) +'
    r'(?:"([^"\n]*)"|([^"\s]+))[ \t]*(?=\n|$)'
)
_DEP_LINE = lazy_pattern(_DEP_LINE_SOURCE)
_DEP_LINE_ASCII = lazy_pattern(_DEP_LINE_SOURCE.replace(r"\s", _ASCII_SPACE))


# The content of every four-space line (what follows its four spaces).
_DEP_CONTENT = lazy_pattern(r"\n    ([^\n]*)")
# A dependency line's content as yarn writes it, in an ASCII text: the name (quoted or not, no
# space in it), one space, the range quoted, neither starting nor ending with a space. Such a
# line is what ``_DEP_LINE`` reads, and only its separator is a space before a quote (no quote
# is in a name or a range, no range ends with a space): ``_plain_descriptors`` reads it with two
# replacements.
_P_NAME = r'(?:"[!#-~]++"|[!$-+\--9;-~][!#-+\--9;-~]*+)'  # printable ASCII (see _C_KEY)
_P_RANGE = r'"(?:[!#-~][ !#-~]*+(?<! ))?"'  # (possessive: the last one is no space)
_PLAIN_DEPS = lazy_pattern(rf"(?>{_P_NAME} {_P_RANGE}\n)*+{_P_NAME} {_P_RANGE}")


class _DepLines:
    """Every dependency line of a file, in file order, as what the one-pass reference check
    read (``lines``: each line's descriptor ``name@range``, or its content when ``distinct``,
    the set of contents, and ``descriptors``, in the set's order, say which descriptor each
    content reads as); the lookup ``owner``
    (descriptor -> position of the first entry it heads, over the pieces ``check_references``
    splits the headers into) and the entry each line resolves to (``targets``) are built when
    ``_Links`` asks."""

    __slots__ = (
        "_descriptors",
        "_joined",
        "_keys",
        "_owner",
        "_pieces",
        "_targets",
        "_unique",
        "distinct",
        "lines",
        "pieces",
    )

    def __init__(
        self,
        keys: Sequence[str],
        joined: str,
        lines: list[Any],
        distinct: set[Any] | None,
        descriptors: list[str],
        *,
        separators: int,
        pieces: set[str] | None = None,
    ) -> None:
        self._keys = keys
        # the keys joined by ", " (None once no descriptor is known to head two entries:
        # ``owner`` then reads the keys)
        self._joined: str | None = joined
        self.lines = lines  # each line's key: its content, or its descriptor (distinct None)
        self.distinct = distinct  # None: ``lines`` are descriptors, ``descriptors`` distinct
        self._descriptors: list[str] | None = descriptors  # None: read again when asked
        self.pieces = separators + 1  # how many descriptors the headers hold
        self._pieces = pieces  # the set of them, if known (``resolves`` drops it)
        self._owner: dict[str, int] | None = None
        self._targets: list[int] | None = None
        self._unique: bool | None = None

    @property
    def descriptors(self) -> list[str]:
        """Each distinct key's descriptor, in the order of ``distinct`` (the distinct lines
        when ``lines`` are descriptors). After the check (``resolves``) a scan seldom needs
        them again (a descriptor of many "@", every line's target): they are read again then,
        and their strings are not held meanwhile."""
        descriptors = self._descriptors
        if descriptors is None:
            if self.distinct is None:
                descriptors = list(dict.fromkeys(self.lines))
            else:  # (a set's order is the same while it is unchanged)
                descriptors = cast(list[str], _plain_descriptors(self.distinct))
            self._descriptors = descriptors
        return descriptors

    def resolves(self) -> bool:
        """Does every line's descriptor head an entry?"""
        pieces = self._pieces
        if pieces is None:
            pieces = set(cast(str, self._joined).split(", "))
        self._pieces = None
        self._unique = len(pieces) == self.pieces
        found = pieces.issuperset(self.descriptors)
        if self._unique:
            self._joined = None
        self._descriptors = None
        return found

    def unique_pieces(self) -> bool:
        """Does no descriptor head two entries (each names the one entry it heads)?"""
        if self._unique is None:
            self._unique = len(set(cast(str, self._joined).split(", "))) == self.pieces
        return self._unique

    @property
    def owner(self) -> dict[str, int]:
        """descriptor -> the position of the first entry it heads. When no descriptor heads
        two entries, the keys without a separator are their own descriptor (their strings,
        hashed already) and only the others are split; else built from the last key: the
        first entry a descriptor heads stays; each key has one more piece than its ``", "``
        separators (one split of the joined keys, not one a key)."""
        if self._owner is None:
            keys = self._keys
            if self.unique_pieces():  # (any order then)
                several = list(map(operator.contains, keys, repeat(", ")))
                one = list(map(operator.not_, several))
                owner = dict(
                    zip(
                        compress(keys, one),
                        compress(range(len(keys)), one),
                        strict=True,
                    )
                )
                split = list(compress(keys, several))
                if split:
                    per_key = map(str.count, split, repeat(", "))
                    positions = compress(range(len(keys)), several)
                    owner.update(
                        zip(
                            ", ".join(split).split(", "),
                            chain.from_iterable(
                                map(
                                    repeat,
                                    positions,
                                    map(operator.add, per_key, repeat(1)),
                                )
                            ),
                            strict=True,
                        )
                    )
                self._owner = owner
                return owner
            pieces = cast(str, self._joined).split(", ")[::-1]
            per_key = map(str.count, reversed(keys), repeat(", "))
            upwards = range(len(keys) - 1, -1, -1)
            self._owner = dict(
                zip(
                    pieces,
                    chain.from_iterable(
                        map(repeat, upwards, map(operator.add, per_key, repeat(1)))
                    ),
                    strict=True,
                )
            )
        return self._owner

    @property
    def targets(self) -> list[int]:
        """The position of the entry each line resolves to."""
        if self._targets is None:
            owner = self.owner
            if self.distinct is None:
                found = _looked_up(owner, self.lines)
            else:
                positions = cast(list[int], _looked_up(owner, self.descriptors))
                by_content = dict(zip(self.distinct, positions, strict=True))
                found = _looked_up(by_content, self.lines)
            self._targets = cast(list[int], found)  # resolves(): every one is found
        return self._targets


class _HeaderKeys:
    """The ids of a reader's entries (``ids``), joined by ``", "`` (``joined``, as
    ``_references_resolve`` joins them) and the set of the pieces that splits into, built when
    first asked: the reference check asks it, then ``parse_classic``'s duplicate-header check
    (``unique``) for the reader. ``separators``: how many commas ``joined`` holds, every one
    written ``", "`` (the reader counted the headers' commas, each a separator written so, and
    joined the ids by one more each): neither the check nor ``unique`` counts them again
    (each count is a pass over the 1.6 MB of a 50,000-entry file's ids)."""

    __slots__ = ("_pieces", "ids", "joined", "separators")

    def __init__(self, ids: list[str], joined: str, separators: int) -> None:
        self.ids = ids
        self.joined = joined
        self.separators = separators
        self._pieces: set[str] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def pieces(self) -> set[str]:
        if self._pieces is None:
            self._pieces = set(self.joined.split(", "))
        return self._pieces

    def unique(self) -> bool:
        """Is no piece in two places (so no id written twice either)?"""
        return len(self.pieces()) == self.separators + 1

    @staticmethod
    def stripped(joined: str, ids: Sequence[str]) -> bool:
        """``_every_key_stripped`` of the ids joined by ``", "`` (``joined``) holding no
        ``" ,"`` and no ``",  "``, without a pass over the ids: the yarn-layout grammar's
        tokens hold no whitespace but the space (printable ASCII), so an id starting with a
        space is the first one or follows ``", "`` (``",  "``), and one ending with a space is
        the last one or precedes ``", "`` (``" ,"``). (The ids are not touched: a scan asks
        for a few of them only.)"""
        return joined[:1] != " " and joined[-1:] != " "


def _references_resolve(text: str | bytes, keys: Sequence[str] | _HeaderKeys) -> _DepLines | None:
    """Does every dependency line of the file name an entry? One pass over the whole text: an
    answer only when it surely does (``check_references`` would pass); None sends the caller to
    the exact check, which names the entry that fails (or passes, when this pass was unsure).

    Every line indented by four spaces is taken as a dependency (a superset of the lines the
    exact check reads: those inside ``dependencies`` and ``optionalDependencies`` blocks), and
    every such line must have the plain form of ``_DEP_LINE``, without escapes. The distinct
    lines are read as descriptors (``_plain_descriptors``, else each line by ``_DEP_LINE``) and
    must be pieces of the headers, split as ``check_references`` splits them (``, *`` around
    each comma of a stripped key: here only keys whose every comma is ``", "`` exactly, which a
    plain split takes apart the same way). ``bytes`` are the dependency lines
    ``_canonical_columns`` kept of an ASCII file (as ``_DependencyLines``)."""
    if isinstance(text, bytes):
        if b"\\" in text or not keys:  # pragma: no cover - the file has no backslash
            return None
    elif "\\" in text or text.startswith("    ") or not keys:
        return None
    pieces: set[str] | None = None
    stripped: Callable[[str, Sequence[str]], bool] = _every_key_stripped
    if isinstance(keys, _HeaderKeys):  # (joined and counted by the reader already)
        joined, pieces, separators = keys.joined, keys.pieces(), keys.separators
        keys = keys.ids
        stripped = _HeaderKeys.stripped
    else:
        joined = ", ".join(keys)
        separators = joined.count(", ")
        if joined.count(",") != separators:
            return None
    if " ," in joined or ",  " in joined:
        return None
    if not stripped(joined, keys):
        return None
    contents = _four_space_lines(text)
    distinct = set(contents)  # (kept: ``_Links._line_keys``; the same order while unchanged)
    descriptors = _plain_descriptors(distinct)
    if descriptors is not None:
        found = _DepLines(
            keys, joined, contents, distinct, descriptors, separators=separators, pieces=pieces
        )
    else:
        text = _ascii(text)
        lines = (_DEP_LINE_ASCII if text.isascii() else _DEP_LINE).findall(text)
        if len(lines) != len(contents):
            return None
        wanted = [f"{qname or name}@{qrange or range_}" for qname, name, qrange, range_ in lines]
        distinct_wanted = list(dict.fromkeys(wanted))
        found = _DepLines(
            keys, joined, wanted, None, distinct_wanted, separators=separators, pieces=pieces
        )
    return found if found.resolves() else None


def _every_key_stripped(joined: str, keys: Sequence[str]) -> bool:
    """Does no key start or end with whitespace (``check_references`` strips them)?"""
    return all(map(operator.eq, map(str.strip, keys), keys))


def _four_space_lines(text: str | bytes) -> list[Any]:
    """The content of every four-space line (``_DEP_CONTENT``); one split of the dependency
    lines ``_canonical_columns`` kept (nothing else in them; each line's newline before it)."""
    contents: list[Any]
    if isinstance(text, bytes):
        contents = text.split(b"\n    ")
    elif isinstance(text, _DependencyLines):
        contents = text.split("\n    ")
    else:
        return _DEP_CONTENT.findall(text)
    del contents[0]  # (the text starts with a line's newline: nothing before it)
    return contents


class _DependencyLines(str):
    """Text whose every line is a four-space line, each with the newline before it."""

    __slots__ = ()


def _plain_descriptors(contents: Collection[Any]) -> list[str] | None:
    """Each dependency line's descriptor (``name@range``), from its content, when every one is
    written as yarn writes it (``_PLAIN_DEPS``); else None. (ASCII bytes are decoded joined.)"""
    if not contents:
        return []
    if isinstance(next(iter(contents)), bytes):
        raw = _joined(b"\n", list(contents))
        if not raw.isascii():  # pragma: no cover - bytes come from an ASCII file
            return None
        joined = raw.decode("ascii")
    else:
        joined = "\n".join(contents)
    if not joined.isascii() or _PLAIN_DEPS.fullmatch(joined) is None:
        return None
    # (' "' is the separator only: no quote in a name or range; '"n" "r"' -> '"n"@r"')
    return joined.replace(' "', "@").replace('"', "").split("\n")


def _looked_up(owner: Mapping[Any, int], wanted: Sequence[Any]) -> list[int] | None:
    """``[owner[w] for w in wanted]`` (one ``itemgetter`` call: no Python call per item), None
    when one is missing."""
    if len(wanted) < 2:
        found = [owner.get(w) for w in wanted]
        return None if None in found else cast(list[int], found)
    try:
        return list(operator.itemgetter(*wanted)(owner))
    except KeyError:
        return None


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
_DEPS_SECTION = lazy_pattern(r"\n  dependencies:[ \t]*((?:\n    [^\n]*)+)")


def _plain_deps(lines: str) -> list[tuple[str, str]]:
    """``_entry_deps`` of an entry's dependency lines (its ``dependencies`` block's, then its
    ``optionalDependencies`` block's, each with the newline before it) when every four-space
    line of the file has the plain dependency form (``_block_deps``)."""
    return [
        (qname or name, qrange or range_)
        for qname, name, qrange, range_ in _DEP_LINE.findall(lines)
    ]


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
    reached = _reachable(edges, roots)
    for entry_id in ids:
        if entry_id not in reached:
            roots.append(entry_id)
            reached |= _reachable(edges, [entry_id], reached)
    return roots


def _reachable(
    edges: Mapping[str, Sequence[str]], starts: Iterable[str], known: Collection[str] = ()
) -> set[str]:
    """The nodes ``starts`` reach (themselves included) that are not in ``known``, which
    the walk does not enter."""
    reached: set[str] = set()
    stack = [start for start in starts if start not in known]
    while stack:
        node = stack.pop()
        if node in reached:
            continue
        reached.add(node)
        children = edges.get(node, ())
        stack.extend([child for child in children if child not in known] if known else children)
    return reached
