"""Load the YAML subset pnpm writes, fast; hand anything else to PyYAML.

pnpm serialises its lockfile with js-yaml in a very regular shape: block mappings indented by two
spaces, keys plain or single-quoted, scalar values plain or quoted, one-line flow collections
(``{integrity: sha512-..., tarball: https://...}``, ``[x64]``), and indented ``- item`` lists of
scalars. ``load_fast`` reads exactly that subset line by line and raises ``Unsupported`` the
moment it meets anything else (anchors, tags, block scalars, multi-line values, comments after
values, several documents...), so the caller can fall back to ``load_yaml``.

Both loaders resolve plain scalars the same way, the way pnpm's writer (YAML 1.2 core schema,
strings unless quoted otherwise) means them: ``null``/``~``/empty -> ``None``,
``true``/``false`` -> ``bool``, everything else a ``str`` (``1.0`` stays ``"1.0"``, and a package
named ``yes`` or ``on`` stays a string, which PyYAML's YAML 1.1 rules would turn into ``True``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gouvernante.lazy import lazy_pattern


class Unsupported(Exception):
    """The text uses YAML the fast loader does not read; use ``load_yaml`` instead."""


_SCALARS: dict[str, Any] = {
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
}
# A plain key may not start with these (YAML indicators), nor may a plain value.
_BAD_KEY_START = frozenset("-?:,[]{}#&*!|>'\"%@`")
_BAD_VALUE_START = frozenset("-?:,[]{}#&*!|>%@` ")
_QUOTES = frozenset("'\"")
# Characters YAML either rejects or reads as line breaks: leave such texts to PyYAML.
_ODD_CHARS = lazy_pattern(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\u2028\u2029\ud800-\udfff\ufffe\uffff]"
)
# Characters a plain scalar inside a flow collection may not hold or start with.
_FLOW_INDICATORS = re.compile(r"[\[\]{}?#]")
_FLOW_BAD_START = frozenset("-:&*!|>%@`, ")
_FLOW_BAD = lazy_pattern(r"[\[\]{}?#,]|: |:$|^[-:&*!|>%@`]")


def load_fast(text: str, keep: Mapping[str, frozenset[str]] | None = None) -> dict[str, Any]:  # noqa: C901 - listed in pyproject, to shrink
    """Load a pnpm-lock.yaml document (one document, a mapping at the top).

    ``keep`` maps a top-level section (``packages``) to the entry fields worth reading
    (``resolution``...): other fields of that section's entries are skipped unread, with
    everything indented below them. Without ``keep`` the whole document is loaded.
    """
    if "\t" in text or "\r" in text or _has_odd_chars(text):
        raise Unsupported("tab, carriage return or a character YAML treats specially")
    check_hash = " #" in text
    keep = keep or {}
    root: dict[str, Any] = {}
    ind_stack: list[int] = [0]
    obj_stack: list[Any] = [root]
    cur: Any = root
    cur_ind = 0
    pend_dict: dict[str, Any] | None = None
    pend_key = ""
    pend_ind = 0
    skip_ind = -1
    fields: frozenset[str] | None = None
    scalars = _SCALARS
    bad_key = _BAD_KEY_START
    value_of = _value
    for line in text.split("\n"):
        if not line:
            continue
        s = line.lstrip(" ")
        if not s:
            continue
        c = s[0]
        if c == "#":
            continue
        ind = len(line) - len(s)
        if skip_ind >= 0:
            if ind > skip_ind:
                continue
            skip_ind = -1
        if check_hash and " #" in s:
            raise Unsupported("comment after content")
        if pend_dict is not None:
            if ind > pend_ind:
                new: Any = [] if c == "-" and (len(s) == 1 or s[1] == " ") else {}
                pend_dict[pend_key] = new
                ind_stack.append(ind)
                obj_stack.append(new)
                cur = new
                cur_ind = ind
            else:
                pend_dict[pend_key] = None
            pend_dict = None
        if ind != cur_ind:
            if ind > cur_ind:
                raise Unsupported("unexpected indentation")
            while ind < cur_ind:
                ind_stack.pop()
                obj_stack.pop()
                cur_ind = ind_stack[-1]
            cur = obj_stack[-1]
            if ind != cur_ind:
                raise Unsupported("unexpected indentation")
        if cur.__class__ is dict:
            if c in _QUOTES:
                end = s.find("'", 1) if c == "'" else -1
                if end > 0 and s[end + 1 : end + 2] != "'":  # 'plain', no '' escape inside
                    key = s[1:end]
                    rest = s[end + 1 :]
                else:
                    key, rest = _quoted_key(s)
                if rest == ":":
                    value = ""
                elif rest[:2] == ": ":
                    value = rest[2:]
                else:
                    raise Unsupported("quoted key without ':'")
            else:
                if c in bad_key:
                    raise Unsupported("indicator at the start of a key")
                i = s.find(": ")
                if i < 0:
                    if s[-1] != ":":
                        raise Unsupported("line without ':'")
                    key = s[:-1]
                    value = ""
                else:
                    key = s[:i]
                    value = s[i + 2 :]
                if not key or key[-1] == " " or key in scalars:
                    raise Unsupported("unusual key")
            depth = len(obj_stack)
            if depth == 1:
                fields = keep.get(key)
            elif depth == 3 and fields is not None and key not in fields:
                skip_ind = ind
                continue
            if depth < 4 and key in cur:  # a key given twice (but a dependency's): load_yaml
                raise Unsupported("a key given twice")
            if value:
                cur[key] = value_of(value)
            else:
                pend_dict = cur
                pend_key = key
                pend_ind = ind
        else:
            if c != "-" or len(s) < 3 or s[1] != " ":
                raise Unsupported("not a list item")
            cur.append(value_of(s[2:]))
    if pend_dict is not None:
        pend_dict[pend_key] = None
    return root


_ASCII_OK = bytes(range(0x20, 0x7F)) + b"\n"


def _has_odd_chars(text: str) -> bool:
    if text.isascii():
        # Deleting every allowed byte leaves only control characters (fast, in C).
        return bool(text.encode("ascii").translate(None, _ASCII_OK))
    return _ODD_CHARS.search(text) is not None


def _quoted_key(s: str) -> tuple[str, str]:
    """Split ``'key': rest`` into the unquoted key and what follows the closing quote."""
    q = s[0]
    if q == '"':
        end = s.find('"', 1)
        if end < 0 or "\\" in s[1:end]:
            raise Unsupported("double-quoted key")
        return s[1:end], s[end + 1 :]
    i = 1
    while True:
        end = s.find("'", i)
        if end < 0:
            raise Unsupported("unterminated quoted key")
        if s[end + 1 : end + 2] == "'":
            i = end + 2
            continue
        return s[1:end].replace("''", "'"), s[end + 1 :]


def _value(v: str) -> Any:
    c = v[0]
    if c == "'":
        if len(v) < 2 or v[-1] != "'":
            raise Unsupported("multi-line or unterminated quoted scalar")
        inner = v[1:-1]
        if "'" in inner:
            if "'" in inner.replace("''", ""):
                raise Unsupported("text after a quoted scalar")
            inner = inner.replace("''", "'")
        return inner
    if c == '"':
        inner = v[1:-1]
        if len(v) < 2 or v[-1] != '"' or "\\" in inner or '"' in inner:
            raise Unsupported("double-quoted scalar with escapes")
        return inner
    if c == "{":
        return _flow_map(v)
    if c == "[":
        return _flow_seq(v)
    if c in _BAD_VALUE_START or v[-1] == " " or v[-1] == ":" or ": " in v:
        raise Unsupported("unusual plain scalar")
    return _SCALARS.get(v, v)


def _flow_map(v: str) -> dict[str, Any]:
    if v[-1] != "}":
        raise Unsupported("multi-line flow mapping")
    inner = v[1:-1].strip(" ")
    out: dict[str, Any] = {}
    if not inner:
        return out
    if "," not in inner and inner[-1:] == "'" and inner.count("'") == 2:
        # The common one-pair mapping with a quoted value: {node: '>=14'}
        key, sep, val = inner.partition(": ")
        if (
            sep
            and val[:1] == "'"
            and key
            and key[-1] != " "  # {node : '>=6'}: PyYAML's key is 'node' (the general way)
            and key[0] not in _QUOTES  # {"node: '>=6'} is an unterminated quote, not a key
            and not _FLOW_BAD.search(key)
            and key not in _SCALARS
        ):
            return {key: val[1:-1]}
    if "'" in inner or '"' in inner:
        items = _flow_tokens(inner, True)
        for i in range(0, len(items), 2):
            out[items[i]] = items[i + 1]
        return out
    if _FLOW_INDICATORS.search(inner):
        raise Unsupported("nested or unusual flow mapping")
    bad_start = _FLOW_BAD_START
    for part in inner.split(","):
        key, sep, val = part.partition(": ")
        key = key.strip(" ")
        val = val.strip(" ")
        if (
            not sep
            or not key
            or not val
            or key[0] in bad_start
            or val[0] in bad_start
            or ": " in val
            or val[-1] == ":"
            or key in _SCALARS
        ):
            raise Unsupported("unusual flow mapping")
        out[key] = _SCALARS.get(val, val)
    return out


def _flow_seq(v: str) -> list[Any]:
    if v[-1] != "]":
        raise Unsupported("multi-line flow sequence")
    inner = v[1:-1].strip(" ")
    if not inner:
        return []
    if "'" in inner or '"' in inner:
        return _flow_tokens(inner, False)
    out: list[Any] = []
    for part in inner.split(","):
        val = part.strip(" ")
        if not val or _FLOW_BAD.search(val):
            raise Unsupported("unusual flow sequence")
        out.append(_SCALARS.get(val, val))
    return out


def _flow_tokens(s: str, pairs: bool) -> list[Any]:
    """Scalars of a one-level flow collection holding quoted scalars: ``k, v, k, v`` for a
    mapping (``pairs``), the items for a sequence."""
    out: list[Any] = []
    n = len(s)
    i = 0
    while True:
        while i < n and s[i] == " ":
            i += 1
        want_key = pairs and len(out) % 2 == 0
        if i >= n:
            raise Unsupported("empty flow item")
        c = s[i]
        if c in "'\"":
            text, rest = _quoted_key(s[i:]) if c == "'" else _dq(s[i:])
            i = n - len(rest)
            out.append(text)
        else:
            stop = s.find(": ", i) if want_key else s.find(",", i)
            if stop < 0:
                if want_key:
                    raise Unsupported("flow mapping item without ':'")
                stop = n
            text = s[i:stop].rstrip(" ")
            if not text or _FLOW_BAD.search(text) or (want_key and text in _SCALARS):
                raise Unsupported("unusual flow scalar")
            out.append(_SCALARS.get(text, text))
            i = stop
        while i < n and s[i] == " ":
            i += 1
        if want_key:
            if s[i : i + 2] != ": ":
                raise Unsupported("flow mapping item without ': '")
            i += 2
            continue
        if i >= n:
            return out
        if s[i] != ",":
            raise Unsupported("text after a flow scalar")
        i += 1


def _dq(s: str) -> tuple[str, str]:
    end = s.find('"', 1)
    if end < 0 or "\\" in s[1:end]:
        raise Unsupported("double-quoted scalar with escapes")
    return s[1:end], s[end + 1 :]


class Number(str):
    """A plain scalar js-yaml's default (core) schema reads as a number (``2``, ``1.0``,
    ``0x1F``, ``1_000``, ``.inf``), as ``load_yaml(numbers=True)`` returns it: the text as
    written, of a class no ``__class__ is str`` check accepts."""

    __slots__ = ()


# js-yaml 4's resolveYamlInteger and YAML_FLOAT_PATTERN (as bundled in pnpm 10), which never
# accept a text ending in "_"; checked against pnpm 10 (decision 0074). (A digit of the base
# among the ``0b``/``0x``/``0o`` digits and underscores: a text not ending in "_" has one, its
# last, so the run is read once, possessively; ``0x[0-9a-fA-F_]*[0-9a-fA-F][0-9a-fA-F_]*`` tried
# every split of a run: a 30,000-character ``0xCC...CG`` took 13 s, decision 0116.)
_JS_NUMBER = lazy_pattern(
    r"(?!.*_$)(?:[-+]?(?:0b[01_]++|0x[0-9a-fA-F_]++"
    r"|0o[0-7_]++|[0-9][0-9_]*)"
    r"|[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"
)


def load_yaml(text: str, *, numbers: bool = False) -> Any:
    """Load any YAML with libyaml (PyYAML's pure-Python parser if libyaml is missing), resolving
    plain scalars like ``load_fast``; with ``numbers`` a plain scalar js-yaml reads as a number
    is a ``Number`` (pnpm reads its pnpm-workspace.yaml with js-yaml's default schema). Raises
    ``yaml.YAMLError`` (and may raise other errors on hostile input: callers catch broadly)."""
    import yaml  # noqa: PLC0415 - PyYAML is only needed for unusual files

    loader = _number_loader_class() if numbers else _loader_class()
    if "&" in text or "*" in text:
        # pnpm never writes anchors or aliases. An alias of a scalar is that scalar to js-yaml
        # as to PyYAML (pnpm 9.15.9 and 10.33.0 installed is-number 7.0.0 from ``specifier: &v
        # 7.0.0``, ``version: *v``: decision 0163), one node for each alias. An alias of a
        # mapping or list is refused before anything is built: it could expand a few kilobytes
        # into billions of nodes (alias amplification), and js-yaml gives every alias the same
        # object, which pnpm then changes in place (two snapshots sharing ``&e {}``: both pnpm
        # versions fetched one release's tarball against the other's integrity and stopped).
        scalars: set[str] = set()
        for event in yaml.parse(text, Loader=loader):
            anchor = getattr(event, "anchor", None)
            if isinstance(event, yaml.AliasEvent):
                if anchor in scalars:
                    continue
            elif anchor is None:
                continue
            elif isinstance(event, yaml.ScalarEvent):
                scalars.add(anchor)
                continue
            else:
                scalars.discard(anchor)  # (an anchor given again names the new node)
            mark = event.start_mark
            raise AnchorRefused(mark.line + 1 if mark is not None else None)
    return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass


def _refuse_repeated_key(loader: Any, node: Any) -> None:
    """A key given twice in ``node`` (a mapping) is an error naming its line.

    js-yaml, which pnpm reads its lockfile with, throws on any key given twice ("duplicated
    mapping key"); PyYAML, like ``load_fast`` before, kept the last value: a second
    ``packages:`` section hid every entry of the first (a CLEAN scan of a file pnpm refuses),
    a second ``dependencies:`` of an entry the references of the first. Checked for the top
    level, the sections' entries and their fields, as ``load_fast`` does; a dependency name
    given twice in one map is read last-wins by every reader (the reference of the first is
    still checked: ``pnpm._check_references``; decision 0029)."""
    import yaml  # noqa: PLC0415

    if not isinstance(node, yaml.MappingNode):
        return
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key.__class__ in (str, bool) or key is None:
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key given twice", key_node.start_mark
                )
            seen.add(key)


class AnchorRefused(Exception):
    """A YAML anchor or alias (``&a`` / ``*a``) of a mapping or list: ``line`` is where it is,
    when known."""

    def __init__(self, line: int | None) -> None:
        super().__init__("YAML anchor or alias")
        self.line = line


_LOADER: Any = None


def _loader_class() -> Any:
    global _LOADER  # noqa: PLW0603 - built once, lazily, so importing this module stays cheap
    if _LOADER is None:
        import yaml  # noqa: PLC0415

        base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

        class _PnpmLoader(base):  # type: ignore[misc]
            def construct_document(self, node: Any) -> Any:
                # the top level, the sections' entries and the entries' fields, as load_fast
                level = [node]
                for _depth in range(3):
                    for mapping in level:
                        _refuse_repeated_key(self, mapping)
                    level = [
                        value
                        for mapping in level
                        if isinstance(mapping, yaml.MappingNode)
                        for _, value in mapping.value
                    ]
                return super().construct_document(node)

        resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
        null_re = re.compile(r"^(?:~|null|Null|NULL|)$")
        bool_re = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
        for first in "~nN":
            resolvers.setdefault(first, []).append(("tag:yaml.org,2002:null", null_re))
        resolvers.setdefault("", []).append(("tag:yaml.org,2002:null", null_re))
        for first in "tTfF":
            resolvers.setdefault(first, []).append(("tag:yaml.org,2002:bool", bool_re))
        _PnpmLoader.yaml_implicit_resolvers = resolvers
        _LOADER = _PnpmLoader
    return _LOADER


_NUMBER_LOADER: Any = None
_NUMBER_TAG = "tag:gouvernante:js-number"


def _number_loader_class() -> Any:
    """``_loader_class`` with js-yaml's numbers resolved as ``Number``."""
    global _NUMBER_LOADER  # noqa: PLW0603 - built once, lazily
    if _NUMBER_LOADER is None:
        base = _loader_class()

        class _NumberLoader(base):  # type: ignore[misc,valid-type]
            pass

        resolvers = {first: list(found) for first, found in base.yaml_implicit_resolvers.items()}
        for first in "-+0123456789.":
            # (a real pattern in PyYAML's table: ``re``'s cache gives the one compiled)
            resolvers.setdefault(first, []).append((_NUMBER_TAG, re.compile(_JS_NUMBER.pattern)))
        _NumberLoader.yaml_implicit_resolvers = resolvers
        _NumberLoader.add_constructor(
            _NUMBER_TAG, lambda loader, node: Number(loader.construct_scalar(node))
        )
        _NUMBER_LOADER = _NumberLoader
    return _NUMBER_LOADER
