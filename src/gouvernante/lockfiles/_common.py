"""Pieces every lockfile parser needs: text decoding, JSON error messages, ``name@version``."""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Container, Iterator
from contextlib import contextmanager
from typing import TypeVar

import msgspec

from gouvernante.errors import LockfileError
from gouvernante.fs.decode import json_problem, utf8_problem
from gouvernante.fs.jsonpath import Document, named_keys

_T = TypeVar("_T")

# A version as npm and bun write one: x.y.z with an optional prerelease/build (semver 2.0, loose
# on leading 0s), an optional ``v`` before it.
LOCKED_VERSION = re.compile(r"v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")


def decode_text(data: bytes, path: str) -> str:
    """UTF-8 text without a byte-order mark, line ends normalised to ``\\n``."""
    return decode_lines(data, path)[0]


def decode_lines(data: bytes, path: str) -> tuple[str, str, bool]:
    """``decode_text``'s text, the text with its line ends as written (the same string when it
    holds no ``\\r``), and whether a ``\\r`` stands alone (not before a ``\\n``)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        problem = utf8_problem(data)
        raise LockfileError(path, problem.message() if problem else "not valid UTF-8") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" not in text:
        return text, text, False
    lines = text.replace("\r\n", "\n")
    if "\r" not in lines:
        return lines, text, False
    return lines.replace("\r", "\n"), text, True


@contextmanager
def json_errors(
    path: str, data: bytes | memoryview, json_path: str | None = None
) -> Iterator[None]:
    """Turn a decoding failure (not a shape mismatch) of ``data`` into a one-line
    ``LockfileError`` in this project's words (never the decoder's, never the bytes)."""
    try:
        yield
    except msgspec.ValidationError:
        raise
    except (msgspec.DecodeError, UnicodeDecodeError, ValueError, RecursionError):
        problem = json_problem(data)
        raise LockfileError(path, problem.message(), json_path=json_path) from None


# Compiled on first use (``re``'s own cache): only a refused file needs them (decision 0024).
_EXPECTED = (
    r"Expected `[a-z| ]+`, got `[a-z]+`"
    r"|Expected `[a-z| ]+` of (?:at least |at most )?length [0-9]+, got [0-9]+"
)
_MISSING = r"Object missing required field `[A-Za-z0-9_$]+`"


def shape_error(
    path: str, exc: msgspec.ValidationError, what: str, document: Document | None = None
) -> LockfileError:
    """``unexpected <what> shape: ...`` with the JSON path msgspec names (``$.a.b`` -> ``a.b``).

    Only the kinds (``Expected `str`, got `int```) or a missing field of our own schema are kept
    from the library's message: anything else it says (an enum value, a too-long string) could
    quote the file, so it becomes ``a value of the wrong kind``. msgspec writes dictionary keys as
    ``[...]``: given the ``document`` refused, ``named_keys`` names them (escaped, capped)."""
    message, _, where = str(exc).partition(" - at `$")
    if re.fullmatch(_EXPECTED, message) is None and re.fullmatch(_MISSING, message) is None:
        message = "a value of the wrong kind"
    json_path = where.rstrip("`").lstrip(".") or None
    if json_path is not None and re.fullmatch(r"[A-Za-z0-9_$.\[\]]*", json_path) is None:
        json_path = None
    if json_path is not None and document is not None and "[...]" in json_path:
        json_path = named_keys(json_path, exc, document)
    return LockfileError(path, f"unexpected {what} shape: {message}", json_path=json_path)


def version_label(value: object) -> str:
    """A ``lockfileVersion`` as shown in a message: a small number as it is, anything else by
    its kind only (the value could be anything a hostile file holds)."""
    if type(value) is str and re.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{1,3}){0,2}", value):
        return repr(value)
    if type(value) is int and 0 <= value <= 999:
        return str(value)
    if type(value) is float and value.is_integer() and 0 <= value <= 999:
        return str(int(value))
    kinds = {str: "a string", bool: "a boolean", type(None): "null", list: "an array"}
    return f"({kinds.get(type(value), 'not a small number')})"


def split_at_version(spec: str) -> tuple[str, str]:
    """``@scope/name@1.0.0`` -> (``@scope/name``, ``1.0.0``); version ``""`` if there is none."""
    at = spec.find("@", 1)
    if at < 0:
        return spec, ""
    return spec[:at], spec[at + 1 :]


def gc_paused(build: Callable[[], _T]) -> _T:
    """``build()`` with the cyclic garbage collector paused: a parsed document (or the columns
    and indexes built from it) is hundreds of thousands of new objects without a cycle among
    them, which would otherwise set off collections that find nothing (as pnpm's line reader,
    decision 0028)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return build()
    finally:
        if collecting:
            gc.enable()


def may_repeat_a_key(data: bytes, tree: object) -> bool:
    """Whether some object of the JSON document ``data`` may hold a key twice, given ``tree``,
    the document as a decoder read it (each repeated key once: ``msgspec.json.decode`` with no
    type). A colon is a key's separator or a character of a string: ``tree`` encoded again
    holds as many of both as ``data`` when every key is given once, fewer when a repeat was
    dropped (its key and the strings of the value left out). A colon escaped as ``\\u003a``
    in ``data`` would hide a dropped one: such a document always may. False is exact; True
    calls for ``first_repeated_key``."""
    if b"\\u003a" in data or b"\\u003A" in data:
        return True
    return data.count(b":") != msgspec.json.encode(tree).count(b":")


def first_repeated_key(
    text: str | bytes,
    fields: Container[str],
    first: str | None = None,
    within: Container[str] | None = None,
) -> tuple[str, bool] | None:
    """The exact reading of a JSON document, every object's members kept: the JSON path of a
    key some object holds twice (the first such object, depth first in file order; the
    top-level ``first`` object's before any other), and whether it is in that object; None when
    every key is given once. A decoder keeps one of the values (msgspec and ``JSON.parse`` the
    last, bun the first), so such a file reads differently by reader. ``fields``: the keys a
    path names as ``.field`` (any other as ``['key']``); ``within``: the top-level keys whose
    values are looked into (None: all), the top level itself always. ``RecursionError``: nesting
    too deep for ``json`` to tell."""
    import json  # noqa: PLC0415 - only for a file that may repeat a key

    from gouvernante.safetext import key_segment  # noqa: PLC0415 - idem

    repeats: dict[int, str] = {}

    def members(pairs: list[tuple[str, object]]) -> dict[str, object]:
        out = dict(pairs)
        if len(out) != len(pairs):
            seen: set[str] = set()
            for key, _value in pairs:
                if key in seen:
                    repeats[id(out)] = key
                    break
                seen.add(key)
        return out

    def member(where: str, key: str) -> str:
        if key in fields:
            return f"{where}.{key}" if where else key
        return f"{where}{key_segment(key)}"

    try:
        doc = json.loads(text, object_pairs_hook=members)
    except ValueError:  # pragma: no cover - the caller's decoder already read it
        return None
    if not repeats:
        return None
    top = doc.get(first) if first is not None and isinstance(doc, dict) else None
    if top is not None and id(top) in repeats:
        return member(str(first), repeats[id(top)]), True
    stack: list[tuple[object, str]] = [(doc, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            key = repeats.get(id(node))
            if key is not None:
                return member(where, key), False
            stack.extend(
                (v, member(where, k))
                for k, v in reversed(node.items())
                if where or within is None or k in within
            )
        elif isinstance(node, list):
            stack.extend((v, f"{where}[{i}]") for i, v in reversed(list(enumerate(node))))
    return None  # pragma: no cover - a repeat is in some object of the document
