"""Pieces every lockfile parser needs: text decoding, JSON error messages, ``name@version``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import msgspec

from gouvernante.errors import LockfileError
from gouvernante.fs.decode import json_problem, utf8_problem


def decode_text(data: bytes, path: str) -> str:
    """UTF-8 text without a byte-order mark, line ends normalised to ``\\n``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        problem = utf8_problem(data)
        raise LockfileError(path, problem.message() if problem else "not valid UTF-8") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


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


def shape_error(path: str, exc: msgspec.ValidationError, what: str) -> LockfileError:
    """``unexpected <what> shape: ...`` with the JSON path msgspec names (``$.a.b`` -> ``a.b``).

    Only the kinds (``Expected `str`, got `int```) or a missing field of our own schema are kept
    from the library's message: anything else it says (an enum value, a too-long string) could
    quote the file, so it becomes ``a value of the wrong kind``. msgspec writes dictionary keys as
    ``[...]``, so the path holds only field names of our schema and array indexes."""
    message, _, where = str(exc).partition(" - at `$")
    if re.fullmatch(_EXPECTED, message) is None and re.fullmatch(_MISSING, message) is None:
        message = "a value of the wrong kind"
    json_path = where.rstrip("`").lstrip(".") or None
    if json_path is not None and re.fullmatch(r"[A-Za-z0-9_$.\[\]]*", json_path) is None:
        json_path = None
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
