"""Where a JSON value is and what kind it is, in one wording for every reader of JSON documents
(rule files, suppression files, scan reports read by ``collect``).

A path is written ``rules[0].package_rules[1].name`` (no leading ``$.``; ``$`` is the document
itself). Messages name the kind of a value ("expected a string, got integer"), never the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

import msgspec

_KINDS: Final[dict[type, str]] = {
    dict: "object",
    list: "array",
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


def kind(value: object) -> str:
    """The JSON kind of a decoded value: object, array, string, integer, number, boolean, null."""
    return _KINDS.get(type(value), type(value).__name__)


def expected(what: str, value: object) -> str:
    """``expected a string, got integer``: ``what`` is the wanted kind with its article."""
    return f"expected {what}, got {kind(value)}"


def join(segments: Iterable[str | int]) -> str:
    """``("rules", 0, "id")`` -> ``rules[0].id``; no segment -> ``$``."""
    text = ""
    for segment in segments:
        if type(segment) is int:
            text += f"[{segment}]"
        else:
            text += f".{segment}" if text else str(segment)
    return text or "$"


_AT = re.compile(r" - at `(?P<path>[^`]*)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<field>[A-Za-z0-9_$]+)`")
_EXPECTED = re.compile(r"^Expected `(?P<want>[a-z| ]+)`, got `(?P<got>[a-z]+)`")
_LIBRARY_KINDS = {
    "str": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "null": "null",
    "array": "array",
    "object": "object",
}
_ARTICLE = {"integer": "an", "array": "an", "object": "an", "null": ""}


def validation_problem(exc: msgspec.ValidationError) -> tuple[str, str]:
    """A typed decoder's refusal as (JSON path, reason) in this project's words.

    The library's message may quote the offending value (an unknown enum value, a string that
    is too long): only the path and the kinds are kept, never the value.
    """
    text = str(exc)
    at = _AT.search(text)
    path = "$"
    if at is not None:
        raw = at.group("path")
        path = raw[2:] if raw.startswith("$.") else raw.removeprefix("$") or "$"
        text = text[: at.start()]
    missing = _MISSING.match(text)
    if missing is not None:
        return path, f"required key {missing.group('field')!r} is missing"
    expected = _EXPECTED.match(text)
    if expected is not None:
        kinds = [
            _LIBRARY_KINDS.get(w.strip(), w.strip()) for w in expected.group("want").split("|")
        ]
        want = " or ".join(f"{_ARTICLE.get(k, 'a')} {k}".strip() for k in kinds)
        got = _LIBRARY_KINDS.get(expected.group("got"), expected.group("got"))
        return path, f"expected {want}, got {got}"
    if text.startswith("Invalid enum value") or text.startswith("Invalid value"):
        return path, "not one of the allowed values"
    return path, "invalid value"
