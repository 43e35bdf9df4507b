"""Pieces every lockfile parser needs: text decoding, JSON error messages, ``name@version``."""

from __future__ import annotations

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


def shape_error(path: str, exc: msgspec.ValidationError, what: str) -> LockfileError:
    """``unexpected <what> shape: ...`` with the JSON path msgspec names (``$.a.b`` -> ``a.b``)."""
    message, _, where = str(exc).partition(" - at `$")
    json_path = where.rstrip("`").lstrip(".") or None
    return LockfileError(path, f"unexpected {what} shape: {message}", json_path=json_path)


def split_at_version(spec: str) -> tuple[str, str]:
    """``@scope/name@1.0.0`` -> (``@scope/name``, ``1.0.0``); version ``""`` if there is none."""
    at = spec.find("@", 1)
    if at < 0:
        return spec, ""
    return spec[:at], spec[at + 1 :]
