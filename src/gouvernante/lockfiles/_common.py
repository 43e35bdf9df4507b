"""Pieces every lockfile parser needs: text decoding, JSON error messages, ``name@version``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import msgspec

from gouvernante.errors import LockfileError


def decode_text(data: bytes, path: str) -> str:
    """UTF-8 text without a byte-order mark, line ends normalised to ``\\n``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LockfileError(path, f"not valid UTF-8 (byte {exc.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


@contextmanager
def json_errors(path: str, json_path: str | None = None) -> Iterator[None]:
    """Turn a msgspec decoding failure (not a shape mismatch) into a one-line ``LockfileError``."""
    try:
        yield
    except msgspec.ValidationError:
        raise
    except msgspec.DecodeError as exc:
        raise LockfileError(path, f"invalid JSON: {exc}", json_path=json_path) from None
    except UnicodeDecodeError as exc:
        raise LockfileError(
            path, f"invalid JSON: not UTF-8 at byte {exc.start}", json_path=json_path
        ) from None
    except RecursionError:
        raise LockfileError(path, "JSON nested too deeply", json_path=json_path) from None


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
