"""Where yarn 1's own lockfile parser stops reading a ``yarn.lock`` (decision 0099).

yarn 1.22.22 reads the file with each ``\\r\\n`` made ``\\n`` (its ``readFile``'s
``normalizeOS``). Its parser (``src/lockfile/parse.js``) then returns from its top level as
soon as it meets an indentation token there: an indented line it does not read as part of an
entry. Everything after it is dropped without a word, and ``install --frozen-lockfile``
resolves the entries it no longer has from the registry (only the project's own dependencies
must be in the file): a ``  # note`` line after two blank lines installed the newest ``ms`` in
place of the entry below.
Its lexer also differs from a line reader's: ``\\n\\n`` is one line break (so is ``\\r\\n``), a
lone ``\\r`` is a line break after which spaces are no indentation, and a comment runs to the
next ``\\n``.

``stop_line`` runs a port of that lexer and parser (structure only) on files where a line
reader's view and yarn's may part (``_MAY_STOP``); yarn's own layout never gets there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from gouvernante.lazy import lazy_pattern

# Text (``\r\n`` read as ``\n\n``, which yarn's lexer reads alike: one line break each) where
# yarn's parser may meet indentation outside any entry, or deeper than one: an indented comment
# or blank line, an indented line after two line breaks (three ``\n``) or after a comment line,
# five spaces or more; at the start, an indented line after blank or comment lines. (Each starts
# with a ``\n``: sre then tries the alternatives only where one is. Lines the readers refuse
# anyway, a field indented by four spaces outside a dependency block say, are not looked for.
# A run of line ends is tried from its first only, and read once: tried from each, a megabyte of
# them cost minutes, red team 0104.)
_MAY_STOP = lazy_pattern(r"\n(?: +(?:#|\n|\Z)|(?<!\n\n)\n\n++ |#[^\n]*+\n++ | {5})")
_MAY_STOP_FIRST = lazy_pattern(r"(?:#[^\n]*)?\n+ ")
_LONE_CR = lazy_pattern(r"\r(?!\n)")

# The lexer's tokens but double-quoted strings (``_string_end``), tried at each position in its
# order (``tokenise``): a line break (one more ``\n`` eaten with it), a comment (to the next
# ``\n``: a ``\r`` is in it), spaces (indentation right after a line break, else skipped one at
# a time), a number, a boolean (``true``/``false`` at the start of any word), ``:``, ``,``, a
# word (to the next ``:``, ``,``, space or line break). Anything else: the parser throws.
_TOKEN = lazy_pattern(
    r"(\n\n?|\r\n?)|(#[^\n]*)|( +)|([0-9]+|true|false)|(:)|(,)|([a-zA-Z/.\-][^:, \n\r]*)"
)
# The comment yarn's parser reads a lockfile version from (``VERSION_REGEX``).
_NEWER = lazy_pattern(r"yarn lockfile v([0-9]+)")
_G_NEWLINE, _G_COMMENT, _G_SPACES, _G_VALUE, _G_COLON, _G_COMMA, _G_WORD = range(1, 8)

# What the parser meets (comments skipped, spaces read as indentation or nothing).
_T_NEWLINE, _T_INDENT, _T_EOF, _T_STRING, _T_VALUE, _T_COLON, _T_COMMA, _T_INVALID = range(8)
_T_EMPTY = 8  # the string "": a value, never a key ("Expected a key")
# A whole line read at once (``_LINE``): its indentation (the token's second item, 0 when it has
# none or it was taken), then one key and a value (``_T_FIELD``) or a colon (``_T_OPEN``).
_T_FIELD, _T_OPEN = 9, 10
_BY_GROUP = {
    _G_VALUE: _T_VALUE,
    _G_COLON: _T_COLON,
    _G_COMMA: _T_COMMA,
    _G_WORD: _T_STRING,
}
# The lines yarn writes, right after a line break the lexer reads indentation after: an even
# indentation, one key (a word, not a boolean's, or a non-empty string without an escape or a
# control character: valid JSON), then spaces and one value of the same kinds (or "") or a
# colon, then spaces to the ``\n``; the lexer's tokens for such a line are exactly these.
# Any other line is read token by token.
_WORD = r"(?!true|false)[a-zA-Z/.\-][^:, \n\r]*"
_LINE = lazy_pattern(
    rf'((?:  )*)(?:"[^"\\\x00-\x1f]+"|{_WORD})'
    rf'(?: +(?:"[^"\\\x00-\x1f]*"|{_WORD}) *(?=\n)|(: *(?=\n)))'
)


class _Throws(Exception):
    """yarn's parser throws here (yarn then tries the file as YAML): not a silent stop."""


def _string_end(text: str, start: int) -> int:
    """The end of the double-quoted string at ``start`` as yarn's lexer finds it: the first
    ``"`` whose previous character is no backslash, or is one preceded by another."""
    i = start + 1
    while True:
        i = text.find('"', i)
        if i < 0:
            return len(text)
        if not (text[i - 1] == "\\" and text[i - 2] != "\\"):
            return i + 1
        i += 1


def _tokens(text: str) -> Iterator[tuple[int, int, int]]:
    """(kind, indentation or 0, offset) of each token the parser meets, in order, ending with
    EOF or with the first one the parser cannot take (``_T_INVALID``: the lexer's invalid
    token, an odd indentation, which throws only when the parser gets there). A line yarn
    writes is one token (``_LINE``). Made as the parser asks (memory: a token, not the file's)."""
    pos = 0
    end = len(text)
    after_newline = False
    match = _TOKEN.match
    line = _LINE.match
    while pos < end:
        if after_newline:
            whole = line(text, pos)
            if whole is not None:
                yield (
                    _T_FIELD if whole.group(2) is None else _T_OPEN,
                    len(whole.group(1)) // 2,
                    pos,
                )
                after_newline = False
                pos = whole.end()
                continue
        if text[pos] == '"':
            stop = _string_end(text, pos)
            try:
                value = json.loads(text[pos:stop])
            except ValueError:
                yield (_T_INVALID, 0, pos)
                return
            yield (_T_STRING if value else _T_EMPTY, 0, pos)
            after_newline = False
            pos = stop
            continue
        found = match(text, pos)
        if found is None:
            yield (_T_INVALID, 0, pos)
            return
        group = found.lastindex or 0
        stop = found.end()
        if group == _G_NEWLINE:
            yield (_T_NEWLINE, 0, pos)
            after_newline = text[pos] == "\n" or stop - pos == 2
            pos = stop
            continue
        if group == _G_SPACES:
            if after_newline:
                size = stop - pos
                if size % 2:  # "Invalid number of spaces"
                    yield (_T_INVALID, 0, pos)
                    return
                yield (_T_INDENT, size // 2, pos)
            # else skipped: yarn skips one space at a time, each with no token and no
            # indentation after it, so the whole run at once (one at a time was quadratic)
        elif group == _G_COMMENT:
            newer = _NEWER.fullmatch(found.group()[1:].strip())
            if newer is not None and int(newer.group(1)) > 1:  # "Can't install from a lockfile
                yield (_T_INVALID, 0, pos)  # of version N": thrown when the parser gets here
                return
        else:
            yield (_BY_GROUP[group], 0, pos)
        after_newline = False
        pos = stop
    yield (_T_EOF, 0, end)


def _indentation(token: tuple[int, int, int]) -> int:
    """The indentation a token starts with (0: none)."""
    kind = token[0]
    return token[1] if kind == _T_INDENT or kind >= _T_FIELD else 0


def _stop_offset(text: str) -> int | None:
    """Where yarn's parser stops before the end of ``text`` (its offset), or None when it reads
    to the end. Raises ``_Throws`` where the parser throws first. ``level``: the depth of the
    object being read (``parse(indent)``), each a loop of its own in yarn's recursive parser;
    a line token's indentation is taken as an indentation token's, then its key as a key's."""
    following = _tokens(text).__next__
    current = following()
    level = 0
    while True:
        kind, indent, offset = current
        if indent and (kind == _T_INDENT or kind >= _T_FIELD):
            if indent == level:  # (this level's: its key, if any, is read next)
                current = following() if kind == _T_INDENT else (kind, 0, offset)
            elif not level:
                return offset  # the top level meets indentation: the parser returns
            else:
                level = _unwind(level, indentation=True)
        elif kind == _T_NEWLINE:
            current = following()
            if level and _indentation(current) != level:
                level = _unwind(level, indentation=_indentation(current) > 0)
            elif level:  # (this level's indentation, taken)
                taken = current[0] == _T_INDENT
                current = following() if taken else (current[0], 0, current[2])
        elif kind == _T_EOF:
            if not level:
                return None
            level = _unwind(level, indentation=False)
        elif kind >= _T_FIELD:
            level += kind == _T_OPEN
            current = following()
        elif kind == _T_STRING:
            current, opens = _key(following)
            level += opens
        else:
            raise _Throws


def _unwind(level: int, *, indentation: bool) -> int:
    """The level the parser goes on reading at, out of ``level``'s loop with the next token an
    indentation or not: each enclosing object's loop returns as well unless it is one
    (``if (indent && this.token.type !== TOKEN_TYPES.indent) break``), up to the top level."""
    level -= 1
    while level and not indentation:
        level -= 1
    return level


def _key(following: Callable[[], tuple[int, int, int]]) -> tuple[tuple[int, int, int], bool]:
    """Past a key (or keys, with commas) and its value: the next token, and whether an object
    opens there (a colon and no value on the line)."""
    current = following()
    while current[0] == _T_COMMA:
        current = following()
        if current[0] != _T_STRING:
            raise _Throws  # "Expected string" (or "Expected a key": the string "")
        current = following()
    colon = current[0] == _T_COLON
    if colon:
        current = following()
    if current[0] in (_T_STRING, _T_VALUE, _T_EMPTY):
        return following(), False
    if colon:
        return current, True
    raise _Throws  # "Invalid value type"


def stop_line(text: str) -> int | None:
    """The line (1-based) of ``text`` (a yarn classic lockfile as yarn's parser gets it: decoded,
    each ``\\r\\n`` made ``\\n`` by yarn's ``readFile``) where yarn 1's parser stops reading
    the file, leaving the entries after it out; None when it reads the file to its end, or
    throws (yarn then fails, or tries YAML: the readers refuse such files on their own)."""
    lines = text.replace("\r\n", "\n\n") if "\r" in text else text
    if (
        "\r" not in lines  # (a lone \r: no indentation after it, read by the port)
        and _MAY_STOP.search(lines) is None
        and _MAY_STOP_FIRST.match(lines) is None
    ):
        return None
    try:
        offset = _stop_offset(text)
    except _Throws:
        return None
    if offset is None:
        return None
    return _line(text, offset)


def lone_cr_line(text: str) -> int:
    """The line of the first ``\\r`` of ``text`` not before a ``\\n`` (there is one)."""
    found = _LONE_CR.search(text)
    return _line(text, found.start() if found is not None else len(text))


def _line(text: str, offset: int) -> int:
    """The line (1-based) of ``offset``, each ``\\n``, ``\\r\\n`` or lone ``\\r`` a line end."""
    breaks = text.count("\n", 0, offset) + text.count("\r", 0, offset)
    return breaks - text.count("\r\n", 0, offset) + 1
