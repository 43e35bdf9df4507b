"""Why bytes are not UTF-8 text or a JSON document, in this project's own words.

Fast decoders (msgspec) do the work; when they refuse, the reason is worked out here, so a message
never depends on a library's wording or exception class, and never quotes the bytes: it names a
byte offset, a line and column, and what was expected.
"""

from __future__ import annotations

import codecs
import re

import msgspec

from gouvernante.lazy import lazy_pattern

_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 20
# The standard library's parser says what it expected in plain words, but builds every value
# before the error (48 MB of ``[],`` then one wrong byte: 1.2 GB, 30 s): a document longer than
# this is named by msgspec's reading instead (no value built), in ``_MSGSPEC_REASONS``' words.
STDLIB_MAX_BYTES = 1 << 20
# every byte but the UTF-8 continuation bytes (0x80-0xBF)
_NOT_CONTINUATION = bytes((*range(0x80), *range(0xC0, 0x100)))
# (used only to word a refusal: compiled on first use, decision 0121)
_BLANK = lazy_pattern(rb"[ \t\r\n]*")
_MSGSPEC_AT = lazy_pattern(
    r"^JSON is malformed: (?P<reason>[a-z ,':\[\]{}\"]+) \(byte (?P<at>[0-9]+)\)$"
)
_MSGSPEC_REASONS = {
    "invalid character": "unexpected character",
    "trailing characters": "Extra data",
    "trailing comma in object": "Expecting property name enclosed in double quotes",
    "trailing comma in array": "Expecting value",
    "invalid number": "invalid number",
    "invalid escaped character": "Invalid \\escape",
    "invalid utf-16 surrogate pair": "Invalid \\uXXXX escape",
    "expected ':'": "Expecting ':' delimiter",
    "expected ',' or '}'": "Expecting ',' delimiter",
    "expected ',' or ']'": "Expecting ',' delimiter",
    "expected '\"'": "Expecting property name enclosed in double quotes",
}


class DecodeProblem(msgspec.Struct, frozen=True):
    """What is wrong with a document and where (``offset`` in bytes from the file's start)."""

    reason: str
    offset: int | None = None
    line: int | None = None
    column: int | None = None

    def where(self) -> str | None:
        """``line L column C (byte N)``, ``byte N`` or None: what a message starts with."""
        if self.line is not None:
            line = f"line {self.line} column {self.column}"
            return f"{line} (byte {self.offset})" if self.offset is not None else line
        return f"byte {self.offset}" if self.offset is not None else None

    def message(self) -> str:
        """The position first, then the reason (as every message names where before what)."""
        where = self.where()
        return f"{where}: {self.reason}" if where else self.reason


def utf8_problem(data: bytes | memoryview) -> DecodeProblem | None:
    """None when ``data`` is valid UTF-8; else where the first invalid byte is. Read a chunk at a
    time (no text of the whole document is made: 256 MB of 4-byte characters would be 256 MB of
    text, 64 M characters of 4 bytes each)."""
    if isinstance(data, bytes) and data.isascii():
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    end = len(data)
    for start in range(0, end, _CHUNK) if end else ():
        chunk = data[start : start + _CHUNK]
        try:
            decoder.decode(chunk, final=start + _CHUNK >= end)
        except UnicodeDecodeError as exc:
            # (the decoder holds up to 3 bytes of a character begun in the chunk before)
            held = len(exc.object) - len(chunk)
            return DecodeProblem("not valid UTF-8", offset=start - held + exc.start)
    return None


def json_problem(data: bytes | memoryview) -> DecodeProblem:
    """The reason ``data`` (which a JSON decoder refused) is not a JSON document.

    Called only after a decoder failed, so its cost does not matter. The standard library's
    messages are a fixed set ("Expecting ',' delimiter", ...) that never quote the input.
    """
    data = bytes(data)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return DecodeProblem("invalid JSON: UTF-16 text (read as UTF-8 only)", offset=0)
    if b"\x00" in data[:4]:
        return DecodeProblem(
            "invalid JSON: NUL bytes at the start (UTF-16 text, or not text at all)", offset=0
        )
    skip = len(_BOM) if data.startswith(_BOM) else 0
    bad = utf8_problem(data)
    if bad is not None:
        return DecodeProblem("invalid JSON: not valid UTF-8", offset=bad.offset)
    if len(data) > STDLIB_MAX_BYTES:
        return _msgspec_problem(data, skip)
    text = data[skip:].decode("utf-8")
    if not text.strip():
        return DecodeProblem("invalid JSON: the document is empty")
    import json  # noqa: PLC0415 (only when a document is refused: not on every scan's path)

    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        offset = skip + len(text[: exc.pos].encode("utf-8"))
        return DecodeProblem(
            f"invalid JSON: {exc.msg}", offset=offset, line=exc.lineno, column=exc.colno
        )
    except RecursionError:
        return DecodeProblem("invalid JSON: nested too deeply")
    except ValueError:  # e.g. an integer literal too long to convert
        return DecodeProblem("invalid JSON: a value is out of range")
    if skip:
        return DecodeProblem("invalid JSON: starts with a UTF-8 byte-order mark", offset=0)
    # Accepted by the lenient standard decoder but not the strict one: NaN/Infinity, numbers out
    # of range, lone surrogate escapes.
    return DecodeProblem("invalid JSON: a value is not strict JSON (NaN, huge number, or lone \\u)")


def _msgspec_problem(data: bytes, skip: int) -> DecodeProblem:
    """Where msgspec's reading (which builds no value) stops in ``data`` (after a byte-order
    mark of ``skip`` bytes), for a document too long for the standard library's reading; the
    reason in the standard library's words where they are the same."""
    body = memoryview(data)[skip:]
    try:
        msgspec.json.decode(body, type=msgspec.Raw)
    except RecursionError:
        return DecodeProblem("invalid JSON: nested too deeply")
    except msgspec.DecodeError as exc:
        text = str(exc)
    else:
        if skip:
            return DecodeProblem("invalid JSON: starts with a UTF-8 byte-order mark", offset=0)
        return DecodeProblem("invalid JSON: a value is not strict JSON")
    if text.startswith("Input data was truncated"):
        if _BLANK.fullmatch(data, skip) is not None:
            return DecodeProblem("invalid JSON: the document is empty")
        return _at(data, len(data), "invalid JSON: the document ends inside a value (truncated)")
    found = _MSGSPEC_AT.match(text)
    if found is None:
        return DecodeProblem("invalid JSON")
    reason = _MSGSPEC_REASONS.get(found.group("reason"), "invalid JSON")
    return _at(data, skip + int(found.group("at")), f"invalid JSON: {reason}")


def _at(data: bytes, offset: int, reason: str) -> DecodeProblem:
    """``reason`` at byte ``offset``, with its line and column (in characters, as the standard
    library counts them), counted in the bytes."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data[line_start:offset]
    # (a character's UTF-8 continuation bytes are not characters of their own)
    following = 0 if line.isascii() else len(line.translate(None, _NOT_CONTINUATION))
    column = len(line) - following + 1
    return DecodeProblem(
        reason, offset=offset, line=data.count(b"\n", 0, offset) + 1, column=column
    )


# Compiled on first use (``re``'s own cache): only a refused YAML document needs them, and each
# compile is paid at every process start otherwise (decision 0024).
_YAML_NAMED = r"'(<[a-z ]+>)'"
_YAML_PUNCT = r"'([^\w\s'\\]{1,2})'"
_QUOTED = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
_PLAIN_REASON = r"[a-z <>,:()-]*"


def yaml_where(exc: BaseException, text: str) -> str | None:
    """Where a YAML parser's error is, as ``line L column C`` (or ``line L``), quoting nothing:
    its mark, or for a reader error (a control character, bad UTF-8: no mark, only an offset,
    in characters for PyYAML's Python reader, in UTF-8 bytes for libyaml's) the line found from
    the offset. None when it says nowhere."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return f"line {mark.line + 1} column {mark.column + 1}"
    position = getattr(exc, "position", None)
    if type(position) is not int or position < 0:
        return None
    if getattr(exc, "encoding", None) == "unicode":  # PyYAML's reader: characters
        before = text[:position]
    else:  # libyaml: bytes of the UTF-8 text
        before = text.encode("utf-8", "surrogatepass")[:position].decode("utf-8", "replace")
    line = before.count("\n") + 1
    return f"line {line} column {len(before) - before.rfind(chr(10))}"


def yaml_problem(exc: BaseException) -> str:
    """A YAML parser's error in plain words (``yaml_reason`` of its problem, context or, for a
    reader error, its reason)."""
    problem = (
        getattr(exc, "problem", None)
        or getattr(exc, "context", None)
        or getattr(exc, "reason", None)
    )
    return yaml_reason(problem if isinstance(problem, str) else None)


def yaml_reason(problem: str | None) -> str:
    """A YAML parser's problem in words that quote nothing from the document.

    PyYAML's problems quote the offending text (``found character '\\x1b' that cannot start any
    token``, ``found undefined tag handle '!x!'``): quoted text is dropped (token names such as
    ``<block end>`` and one or two punctuation characters such as ``','`` are kept), and a problem
    that still holds anything but plain words becomes ``syntax error``.
    """
    if not problem:
        return "syntax error"
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match.group(1))
        return "<kept>"

    text = re.sub(_YAML_PUNCT, keep, re.sub(_YAML_NAMED, keep, problem))
    text = " ".join(re.sub(_QUOTED, "", text).split())
    if not text or len(text) > 100 or re.fullmatch(_PLAIN_REASON, text) is None:
        return "syntax error"
    for piece in kept:
        text = text.replace("<kept>", piece if piece.startswith("<") else f"'{piece}'", 1)
    return text
