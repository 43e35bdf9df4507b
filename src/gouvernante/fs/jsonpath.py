"""Where a JSON value is and what kind it is, in one wording for every reader of JSON documents
(rule files, suppression files, scan reports read by ``collect``).

A path is written ``rules[0].package_rules[1].name`` (no leading ``$.``; ``$`` is the document
itself). Messages name the kind of a value ("expected a string, got integer"), never the value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

import msgspec

from gouvernante.lazy import lazy_pattern

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


# The library's wording of a refusal and the steps of its JSON path: read only when a typed
# decoder refused a document, so compiled on first use (decision 0121: ~2.7 M instructions of
# every scan's start).
_AT = lazy_pattern(r" - at `(?P<path>[^`]*)`$")
_MISSING = lazy_pattern(r"^Object missing required field `(?P<field>[A-Za-z0-9_$]+)`")
_EXPECTED = lazy_pattern(r"^Expected `(?P<want>[a-z| ]+)`, got `(?P<got>[a-z]+)`")
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


def validation_problem(
    exc: msgspec.ValidationError, document: Document | None = None
) -> tuple[str, str]:
    """A typed decoder's refusal as (JSON path, reason) in this project's words; given the
    ``document`` refused, the path names the keys msgspec writes ``[...]`` (``named_keys``).

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
        if document is not None and "[...]" in path:
            path = named_keys(path, exc, document)
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


# One step of a typed decoder's JSON path: ``.field`` (or a first bare ``field``), ``[3]``, or
# msgspec's ``[...]`` for a dictionary key it does not name.
_STEP = lazy_pattern(
    r"(?:^|\.)(?P<field>[A-Za-z0-9_$@-]+)|\[(?P<index>[0-9]+)\]|(?P<key>\[\.\.\.\])"
)
_MAX_CHECKS = 256  # typed readings of the document spent naming keys (then ``[...]`` stays)


class Document(msgspec.Struct, frozen=True):
    """What a typed decoder refused, for ``named_keys``: the document read without a type
    (``tree``) and the typed reading again (``check``: raises the same ``ValidationError``);
    ``in_a_field``: the document is the value of a field of a file already recognised (npm's
    legacy ``dependencies``), so its own keys are named too. (A Struct, not a dataclass: a scan
    imports no ``dataclasses``/``inspect``, decision 0105.)"""

    tree: Callable[[], object]
    check: Callable[[object], object]
    in_a_field: bool = False

    @staticmethod
    def of_json(
        data: bytes | memoryview, decode: Callable[[bytes], object], in_a_field: bool = False
    ) -> Document:
        """``data`` as ``decode`` (a typed ``msgspec.json`` reading of bytes) read it. The tree
        is the document as one ``msgspec.Raw`` (slices of ``data``, opened a level at a time
        along the path named, ``_opened``): a hostile file of millions of small values in an
        entry the typed reading skipped costs no object each (an untyped reading of 48 MB of
        ``[],`` took 1.2 GB)."""
        return Document(
            lambda: msgspec.json.decode(data, type=msgspec.Raw),
            lambda tree: decode(msgspec.json.encode(tree)),
            in_a_field,
        )

    @staticmethod
    def of_tree(tree: object, kind: object) -> Document:
        """``tree`` as ``msgspec.convert(tree, type=kind)`` read it."""
        return Document(lambda: tree, lambda value: msgspec.convert(value, type=kind))


def named_keys(json_path: str, exc: msgspec.ValidationError, document: Document) -> str:
    """``json_path`` (a typed decoder's path of ``exc``) with each ``[...]`` replaced by the key
    it stands for, as ``key_segment`` writes it: ``packages['node_modules/ms'].version``.

    Only on the error path (a good file never comes here). At a ``[...]`` the dictionary is
    halved: its first half alone given the very same refusal, the entry is in it, else in the
    second (the decoder reads entries in order and stops at the first it refuses); each step
    reads half the entries of the one before, about one typed reading of the document in all.
    The entry found alone must give the refusal again, else (a check that reads across entries,
    a repeated key the untyped reading dropped) the key is not named: ``[...]`` stays, never a
    guess. Nor is a key of the document itself (a path starting ``[...]``, deno.lock v1's URL
    map): only a key below a field of the schema, in a document that has the format's shape, is
    named (any JSON object is a v1 deno.lock, a secrets file under that name too), unless the
    ``document`` is ``in_a_field``."""
    steps = _steps(json_path)
    if steps is None or None not in steps or (steps[0] is None and not document.in_a_field):
        return json_path
    refusal = str(exc)
    budget = [_MAX_CHECKS]

    def refused(tree: object) -> bool:
        budget[0] -= 1
        try:
            document.check(tree)
        except msgspec.ValidationError as again:
            return str(again) == refusal
        except (msgspec.DecodeError, msgspec.EncodeError, RecursionError, ValueError, TypeError):
            return False  # (not the refusal: the entry found alone must give it again)
        return False

    try:
        tree = document.tree()
    except (msgspec.DecodeError, RecursionError, ValueError, TypeError, UnicodeDecodeError):
        return json_path
    if not refused(tree):
        return json_path
    from gouvernante.safetext import key_segment  # noqa: PLC0415 - the error path only

    shown: list[str] = []
    for at, step in enumerate(steps):
        if step is not None:
            shown.append(f"[{step}]" if type(step) is int else f".{step}" if shown else str(step))
            continue
        tree = _opened(tree, [*steps[:at], None])
        node = _at(tree, steps[:at])
        if not isinstance(node, dict) or budget[0] <= 0:
            return "".join(shown) + _tail(steps[at:])
        items = list(node.items())
        low, high = 0, len(items)  # the entry is in ``items[low:high]``
        while high - low > 1 and budget[0] > 0:
            middle = (low + high) // 2
            if refused(_replaced(tree, steps[:at], dict(items[low:middle]))):
                high = middle
            else:
                low = middle
        if high - low != 1:
            return "".join(shown) + _tail(steps[at:])
        key, value = items[low]
        alone = _replaced(tree, steps[:at], {key: value})
        if not refused(alone):
            return "".join(shown) + _tail(steps[at:])
        tree = alone
        steps[at] = key
        shown.append(key_segment(key))
    return "".join(shown)


def _steps(json_path: str) -> list[str | int | None] | None:
    """``packages[...].a[0]`` -> ``["packages", None, "a", 0]``; None: not a path of that form."""
    steps: list[str | int | None] = []
    end = 0
    for match in _STEP.finditer(json_path):
        if match.start() != end:
            return None
        end = match.end()
        field, index = match.group("field"), match.group("index")
        steps.append(field if field is not None else int(index) if index is not None else None)
    return steps if end == len(json_path) else None


def _tail(steps: list[str | int | None]) -> str:
    """The steps from a ``[...]`` on, as msgspec wrote them."""
    return "".join("[...]" if s is None else f"[{s}]" if type(s) is int else f".{s}" for s in steps)


def _open(node: object) -> object:
    """A ``msgspec.Raw`` node read one level: an object as ``{key: Raw}``, an array as
    ``[Raw]``; anything else (a scalar, a decoded node) as it is."""
    if type(node) is not msgspec.Raw:
        return node
    for kind in (dict[str, msgspec.Raw], list[msgspec.Raw]):
        try:
            return msgspec.json.decode(node, type=kind)
        except msgspec.ValidationError:
            continue
    return node


def _opened(tree: object, steps: list[str | int | None]) -> object:
    """``tree`` with each container on the way along ``steps`` (the last one too) read one
    level (``_open``); the rest left as it is."""
    node = _open(tree)
    if not steps:
        return node
    head, rest = steps[0], steps[1:]
    if isinstance(node, dict) and isinstance(head, str) and head in node:
        copy = dict(node)
        copy[head] = _opened(node[head], rest)
        return copy
    if isinstance(node, list) and type(head) is int and head < len(node):
        items = list(node)
        items[head] = _opened(node[head], rest)
        return items
    return node


def _at(tree: object, steps: list[str | int | None]) -> object:
    node = tree
    for step in steps:
        if isinstance(node, dict) and isinstance(step, str):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        else:
            return None
    return node


def _replaced(tree: object, steps: list[str | int | None], value: object) -> object:
    """``tree`` with the value at ``steps`` replaced: only the containers on the way copied."""
    if not steps:
        return value
    head, rest = steps[0], steps[1:]
    if isinstance(tree, dict):
        copy = dict(tree)
        copy[head] = _replaced(tree[head], rest, value)
        return copy
    assert isinstance(tree, list) and type(head) is int
    items = list(tree)
    items[head] = _replaced(tree[head], rest, value)
    return items
