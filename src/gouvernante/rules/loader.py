"""Load rule files (schema 1.0.0) and validate them strictly, by hand.

``schema.json`` next to this module describes the same format for editors and other tools; this
module does not import ``jsonschema`` (start-up cost) but enforces the same constraints with small
typed getters that carry the JSON path, plus the semantic checks a schema cannot express (npm range
syntax, duplicate rule ids, calendar validity of timestamps).

Every problem becomes a :class:`RuleError` whose message starts with the file, then the JSON path:
``rules/x.json: rules[0].package_rules[1].affected_versions[0]: invalid range ">=1.x <"``.
All errors of a file are collected (at most :data:`MAX_ERRORS_PER_FILE`), never only the first.
A rule with any error is left out of the result; the caller decides what errors mean (a scan with
any rule error exits 1).
"""

from __future__ import annotations

import gc
import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from enum import Enum
from functools import lru_cache
from typing import Any, Final, TypeVar

import msgspec

from gouvernante.errors import MAX_ERRORS_PER_FILE, InputError, RuleError, SemverError
from gouvernante.fs import jsonpath
from gouvernante.fs.decode import json_problem
from gouvernante.fs.read import os_message, read_chosen
from gouvernante.fs.walk import find_files
from gouvernante.rules import cache as rule_cache
from gouvernante.rules.model import (
    EXACT_VERSION,
    SCHEMA_VERSION,
    Alias,
    AliasType,
    ContentHash,
    DropperPackage,
    FileHash,
    HashAlgorithm,
    HostIndicator,
    IndicatorType,
    OperatingSystem,
    PackageRule,
    Reference,
    ReferenceType,
    Remediation,
    Rule,
    RuleKind,
)
from gouvernante.rules.ruleset import RuleFile, RuleSet
from gouvernante.semver import Range, parse_range
from gouvernante.vocab import Confidence, LockfileEcosystem, Severity

__all__ = [
    "MAX_ERRORS_PER_FILE",
    "MAX_FILE_BYTES",
    "SUPPORTED_SCHEMA_VERSIONS",
    "RuleLoadError",
    "load_rule_files",
    "load_rules",
    "parse_rule_document",
    "read_rule_file",
]

MAX_FILE_BYTES: Final = 64 * 1024 * 1024
SUPPORTED_SCHEMA_VERSIONS: Final = (SCHEMA_VERSION,)

_T = TypeVar("_T")
_E = TypeVar("_E", bound=Enum)


class RuleLoadError(RuleError):
    """Raised by :func:`load_rules`: the first error in the message, all of them in ``errors``."""

    def __init__(self, errors: Sequence[RuleError]) -> None:
        self.errors = tuple(errors)
        first = self.errors[0]
        more = len(self.errors) - 1
        suffix = f" (and {more} more error{'s' if more != 1 else ''})" if more else ""
        super().__init__(first.path, first.detail + suffix, json_path=first.json_path)


# --------------------------------------------------------------------------------------------
# Public API


def load_rules(paths: Sequence[str]) -> RuleSet:
    """Load every rule under ``paths``; raise :class:`RuleLoadError` if anything is wrong."""
    ruleset, errors = load_rule_files(paths)
    if errors:
        raise RuleLoadError(errors)
    return ruleset


def load_rule_files(paths: Sequence[str]) -> tuple[RuleSet, list[RuleError]]:
    """Load every rule under ``paths`` (files or directories) and return all problems found.

    A directory is searched recursively for ``*.json`` files in sorted order, without following
    symlinked directories and skipping hidden entries and ``*.tests`` directories. Rule ids must be
    unique across everything loaded; a duplicate is reported on the later file, naming the first.

    The cyclic garbage collector is paused meanwhile: rules are acyclic, and with 100,000 of them
    the collections walking the growing heap cost twice the load itself.

    With the opt-in cache (``rules.cache``), a file validated before is not decoded: the rule
    set's ``rules`` is then a ``CachedRules`` (decoded on use, equal to the same tuple).
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return _load_rule_files(paths)
    finally:
        if paused:
            gc.enable()


def _load_rule_files(paths: Sequence[str]) -> tuple[RuleSet, list[RuleError]]:
    parts: list[rule_cache.CachedFile | list[Rule]] = []  # each file's rules, in order
    sources: list[str] = []
    files: list[RuleFile] = []
    errors: list[RuleError] = []
    seen_ids: set[str] = set()
    loaded: list[tuple[str, Sequence[int], Sequence[str]]] = []  # (file, indexes, ids)
    seen_files: set[tuple[int, int]] = set()
    cache = rule_cache.cache_dir()
    for top in paths:
        for display, walk_error in _expand(top):
            if walk_error is not None:
                errors.append(walk_error)
                continue
            try:
                data, identity = _read_file(display)
            except RuleError as exc:
                errors.append(exc)
                continue
            if identity in seen_files:  # the same file reached twice (given twice, hard link)
                continue
            seen_files.add(identity)
            sources.append(display)
            digest = rule_cache.content_hash(data)
            cached = rule_cache.load(cache, display, digest) if cache is not None else None
            if cached is not None and _add_ids(cached.ids, seen_ids):
                loaded.append((display, cached.indexes, cached.ids))
                parts.append(cached)
                files.append(RuleFile(display, digest, len(cached), cached.package_rules))
                continue
            file_rules = _decoded(cached) if cached is not None else None
            if file_rules is None:
                file_rules, file_errors = _parse_cached(data, display, digest, cache)
                errors.extend(file_errors)
            loaded.append(
                (display, [i for i, _ in file_rules], [rule.id for _, rule in file_rules])
            )
            kept = _add_rules(display, file_rules, seen_ids=seen_ids, loaded=loaded, errors=errors)
            parts.append(kept)
            files.append(
                RuleFile(display, digest, len(kept), sum(len(r.package_rules) for r in kept))
            )
    rules: Sequence[Rule] = tuple(rule for part in parts if isinstance(part, list) for rule in part)
    if any(isinstance(part, rule_cache.CachedFile) for part in parts):
        rules = rule_cache.CachedRules(
            [p if isinstance(p, rule_cache.CachedFile) else tuple(p) for p in parts]
        )
    return RuleSet(rules=rules, sources=tuple(sources), files=tuple(files)), errors


def _decoded(cached: rule_cache.CachedFile) -> list[tuple[int, Rule]] | None:
    """A cached file's rules when it repeats an id (to word the duplicates as for a file); None
    if they do not decode as its head says (a miss: the file is validated again)."""
    try:
        return list(zip(cached.indexes, cached.all(), strict=True))
    except RuleError:
        return None


def _add_ids(ids: list[str], seen_ids: set[str]) -> bool:
    """Add ``ids`` to ``seen_ids`` if none is there yet and none repeats; else change nothing."""
    before = len(seen_ids)
    if seen_ids.isdisjoint(ids):
        seen_ids.update(ids)
        if len(seen_ids) == before + len(ids):
            return True
        seen_ids.difference_update(ids)  # the list repeats an id (a cache entry could)
    return False


def _add_rules(
    display: str,
    file_rules: list[tuple[int, Rule]],
    *,
    seen_ids: set[str],
    loaded: list[tuple[str, Sequence[int], Sequence[str]]],
    errors: list[RuleError],
) -> list[Rule]:
    """One file's rules, leaving out (as errors) ids an earlier file (or this one: ``loaded``
    ends with it) defined. A document does not repeat an id itself (``_parse_document`` refuses
    that), so the common case is two set operations; the first definition is looked up only to
    word an error."""
    if _add_ids([rule.id for _, rule in file_rules], seen_ids):
        return [rule for _, rule in file_rules]
    kept = []
    for index, rule in file_rules:
        if rule.id in seen_ids:
            first_file, first_index = _first_definition(rule.id, loaded)
            errors.append(
                RuleError(
                    display,
                    f"duplicate rule id {_q(rule.id)} (first defined in "
                    f"{first_file} at rules[{first_index}])",
                    json_path=f"rules[{index}].id",
                )
            )
            continue
        seen_ids.add(rule.id)
        kept.append(rule)
    return kept


def _first_definition(
    rule_id: str, loaded: list[tuple[str, Sequence[int], Sequence[str]]]
) -> tuple[str, int]:
    for display, indexes, ids in loaded:
        for index, other in zip(indexes, ids, strict=True):
            if other == rule_id:
                return display, index
    return "?", -1  # not reached: every id in ``seen_ids`` came from ``loaded``


def _parse_cached(
    data: bytes, display: str, digest: str, cache: str | None
) -> tuple[list[tuple[int, Rule]], list[RuleError]]:
    """``_parse_document``, its result stored in the opt-in cache (``rules.cache``) when it has
    no error and a cache is asked for."""
    rules, errors = _parse_document(data, display)
    if cache is not None and not errors:
        rule_cache.store(cache, display, digest, rules)
    return rules, errors


def read_rule_file(path: str) -> bytes:
    """Read one rule file safely: regular files only, at most :data:`MAX_FILE_BYTES`."""
    return _read_file(path)[0]


def parse_rule_document(data: bytes, display_path: str) -> tuple[list[Rule], list[RuleError]]:
    """Decode and validate one rule document. Pure: no disk, no network.

    Returns the valid rules (a rule with any error is left out) and every error found, at most
    :data:`MAX_ERRORS_PER_FILE` of them plus one saying the list was cut. Duplicate ids inside the
    document are reported here; duplicates across files are the loader's job.
    """
    indexed, errors = _parse_document(data, display_path)
    return [rule for _, rule in indexed], errors


# --------------------------------------------------------------------------------------------
# Files and directories


def _expand(top: str) -> Iterable[tuple[str, RuleError | None]]:
    """Yield the rule files named by one command-line path (or an error about it)."""
    try:
        st = os.stat(top)
    except OSError as exc:
        yield top, RuleError(top, os_message(exc))
        return
    if not stat.S_ISDIR(st.st_mode):
        yield top, None  # a file (or a FIFO/device: refused when read)
        return
    walk_errors: list[RuleError] = []
    found = find_files(
        top,
        (".json",),
        skip_dir=lambda name: name.endswith(".tests"),
        on_error=lambda path, _msg: walk_errors.append(RuleError(path, "cannot read directory")),
    )
    for error in walk_errors:
        yield error.path or top, error
    if not found and not walk_errors:
        yield top, RuleError(top, "no *.json rule files found in this directory")
    for path in found:
        yield path, None


def _read_file(path: str) -> tuple[bytes, tuple[int, int]]:
    try:
        return read_chosen(path, MAX_FILE_BYTES)
    except InputError as exc:
        raise RuleError(path, exc.detail) from None


# --------------------------------------------------------------------------------------------
# Validation
#
# JSON paths are built lazily: a path is ``None`` (the document) or a pair ``(parent, segment)``
# where a segment is a field name or an array index; it becomes text only when an error is
# reported. The hot path (a well-formed rule) does type checks and dictionary look-ups only.

_Path = tuple[Any, str | int] | None


class _TooMany(Exception):
    """Internal: stop validating a file once it has produced too many errors."""


def _q(text: str, limit: int = 80) -> str:
    """Quote a user-provided string for a message: JSON escapes, long values shortened."""
    if len(text) > limit:
        text = text[:limit] + "..."
    import json  # noqa: PLC0415 - messages only (~2 ms at start-up)

    return json.dumps(text, ensure_ascii=False)


def _format_path(path: _Path) -> str | None:
    segments: list[str | int] = []
    while path is not None:
        path, segment = path
        segments.append(segment)
    return jsonpath.join(reversed(segments)) if segments else None


class _Ctx:
    __slots__ = ("errors", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[RuleError] = []

    def error(self, path: _Path, message: str) -> None:
        self.errors.append(RuleError(self.path, message, json_path=_format_path(path)))
        if len(self.errors) >= MAX_ERRORS_PER_FILE:
            raise _TooMany

    def wrong_type(self, path: _Path, expected: str, value: object) -> None:
        self.error(path, jsonpath.expected(expected, value))


def _check_object(
    ctx: _Ctx,
    obj: dict[str, Any],
    path: _Path,
    allowed: frozenset[str],
    required: tuple[str, ...],
) -> None:
    """Report unknown fields (in document order), then missing required ones."""
    if obj.keys() <= allowed and all(k in obj for k in required):
        return
    for key in obj:
        if key not in allowed:
            ctx.error(path, f"unknown field {_q(key)}")
    for key in required:
        if key not in obj:
            ctx.error(path, f"missing required field {_q(key)}")


def _text(ctx: _Ctx, value: object, path: _Path) -> str | None:
    """A string with at least one non-whitespace character."""
    if type(value) is not str:
        ctx.wrong_type(path, "a string", value)
        return None
    if not value or value.isspace():
        ctx.error(path, "must not be empty or whitespace-only")
        return None
    return value


def _field_text(ctx: _Ctx, obj: dict[str, Any], key: str, path: _Path) -> str | None:
    """The text field ``key`` of ``obj``; None when absent (a missing required field is reported
    by ``_check_object``) or invalid (reported here)."""
    value = obj.get(key)
    if type(value) is str and value and not value.isspace():
        return value
    if key in obj:
        _text(ctx, value, (path, key))
    return None


def _enum(ctx: _Ctx, value: object, path: _Path, table: dict[str, _T], label: str) -> _T | None:
    if type(value) is not str:
        ctx.wrong_type(path, "a string", value)
        return None
    member = table.get(value)
    if member is None:
        ctx.error(path, f"invalid {label} {_q(value)} (expected one of: {', '.join(table)})")
    return member


def _field_enum(
    ctx: _Ctx, obj: dict[str, Any], key: str, path: _Path, table: dict[str, _T], *, label: str
) -> _T | None:
    value = obj.get(key)
    if type(value) is str:
        member = table.get(value)
        if member is not None:
            return member
    if key in obj:
        _enum(ctx, value, (path, key), table, label)
    return None


def _field_array(ctx: _Ctx, obj: dict[str, Any], key: str, path: _Path) -> list[Any] | None:
    """An array field: None when absent or of the wrong type (reported)."""
    value = obj.get(key)
    if type(value) is list:
        return value
    if key in obj:
        ctx.wrong_type((path, key), "an array", value)
    return None


def _table(enum: type[_E]) -> dict[str, _E]:
    return {member.value: member for member in enum}


_KINDS: Final = _table(RuleKind)
_SEVERITIES: Final = _table(Severity)
_ECOSYSTEMS: Final = {"npm": "npm"}
_LOCKFILE_ECOSYSTEMS: Final = _table(LockfileEcosystem)
_ALIAS_TYPES: Final = _table(AliasType)
_REFERENCE_TYPES: Final = _table(ReferenceType)
_INDICATOR_TYPES: Final = _table(IndicatorType)
_OSES: Final = {**_table(OperatingSystem), "darwin": OperatingSystem.MACOS}
_HASH_ALGORITHMS: Final = _table(HashAlgorithm)
_CONFIDENCES: Final = _table(Confidence)

_TOP_FIELDS: Final = frozenset({"schema_version", "rules"})
_RULE_FIELDS: Final = frozenset(
    {
        "id",
        "title",
        "kind",
        "ecosystem",
        "severity",
        "package_rules",
        "summary",
        "aliases",
        "references",
        "dropper_packages",
        "host_indicators",
        "remediation",
        "metadata",
        "integrity",
        "file_hashes",
    }
)
_RULE_REQUIRED: Final = ("id", "title", "kind", "ecosystem", "severity", "package_rules")
_PACKAGE_RULE_FIELDS: Final = frozenset(
    {"package_name", "affected_versions", "lockfile_ecosystems", "notes"}
)
_PACKAGE_RULE_REQUIRED: Final = ("package_name", "affected_versions")
_DROPPER_FIELDS: Final = frozenset({"package_name", "notes"})
_DROPPER_REQUIRED: Final = ("package_name",)
_ALIAS_FIELDS: Final = frozenset({"type", "value"})
_ALIAS_REQUIRED: Final = ("type", "value")
_REFERENCE_FIELDS: Final = frozenset({"type", "url"})
_REFERENCE_REQUIRED: Final = ("type", "url")
_INDICATOR_FIELDS: Final = frozenset(
    {"type", "path", "file_name", "value", "oses", "hashes", "confidence", "notes"}
)
_INDICATOR_REQUIRED: Final = ("type",)
_HASH_FIELDS: Final = frozenset({"algorithm", "value"})
_HASH_REQUIRED: Final = ("algorithm", "value")
_CONTENT_HASH_FIELDS: Final = frozenset({"algorithm", "value", "notes"})
_REMEDIATION_FIELDS: Final = frozenset({"summary", "steps"})
_METADATA_FIELDS: Final = frozenset({"published_at", "last_updated_at"})

# npm package names: what validate-npm-package-name accepts for new *or legacy* packages
# (uppercase and the special characters ~'!()* are legacy-only but still exist on the registry).
_NAME_CHARS = r"[A-Za-z0-9\-_.!~*'()]"
PACKAGE_NAME_RE: Final = re.compile(
    rf"@{_NAME_CHARS}+/{_NAME_CHARS}+|[A-Za-z0-9\-!~*'()]{_NAME_CHARS}*"
)
_HEX_RE: Final = re.compile(r"[0-9A-Fa-f]+")
_INTEGRITY_RE: Final = re.compile(r"sha512-[A-Za-z0-9+/]{86}==|sha1-[A-Za-z0-9+/]{27}=")
_TIMESTAMP_RE: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))"
)


@lru_cache(maxsize=8192)
def _compile_range(text: str) -> Range:
    return parse_range(text)


def _parse_document(
    data: bytes, display_path: str
) -> tuple[list[tuple[int, Rule]], list[RuleError]]:
    ctx = _Ctx(display_path)
    rules: list[tuple[int, Rule]] = []
    try:
        _validate_document(ctx, data, rules)
    except _TooMany:
        ctx.errors.append(
            RuleError(
                display_path, f"too many errors; stopped after the first {MAX_ERRORS_PER_FILE}"
            )
        )
        rules.clear()
    return rules, ctx.errors


_INVALID: Final = object()


def _decode(ctx: _Ctx, data: bytes) -> object:
    if data.startswith(b"\xef\xbb\xbf"):  # tolerate a UTF-8 byte order mark
        data = data[3:]
    if not data or data.isspace():
        ctx.error(None, "the file is empty; expected a JSON rule document")
        return _INVALID
    try:
        return msgspec.json.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError, ValueError, RecursionError):
        ctx.error(None, json_problem(data).message())
    return _INVALID


def _validate_document(ctx: _Ctx, data: bytes, out: list[tuple[int, Rule]]) -> None:
    doc = _decode(ctx, data)
    if doc is _INVALID:
        return
    if type(doc) is not dict:
        ctx.error(None, jsonpath.expected("a JSON object at the top level", doc))
        return
    # A document of another schema version may be shaped differently: say only that.
    if "schema_version" not in doc:
        ctx.error(None, 'missing required field "schema_version"')
        return
    version = doc["schema_version"]
    if type(version) is not str:
        ctx.wrong_type((None, "schema_version"), "a string", version)
        return
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        supported = ", ".join(SUPPORTED_SCHEMA_VERSIONS)
        ctx.error(
            (None, "schema_version"),
            f"unsupported schema version {_q(version)} (supported: {supported})",
        )
        return
    _check_object(ctx, doc, None, _TOP_FIELDS, ("rules",))
    raw_rules = _field_array(ctx, doc, "rules", None)
    if raw_rules is None:
        return
    rules_path: _Path = (None, "rules")
    if not raw_rules:
        ctx.error(rules_path, "must contain at least one rule")
        return
    first_seen: dict[str, int] = {}
    for index, raw in enumerate(raw_rules):
        path: _Path = (rules_path, index)
        before = len(ctx.errors)
        rule = _rule(ctx, raw, path)
        if rule is None or len(ctx.errors) != before:
            continue
        first = first_seen.get(rule.id)
        if first is not None:
            ctx.error(
                (path, "id"), f"duplicate rule id {_q(rule.id)} (first defined at rules[{first}])"
            )
            continue
        first_seen[rule.id] = index
        out.append((index, rule))


def _items(
    ctx: _Ctx,
    obj: dict[str, Any],
    key: str,
    path: _Path,
    build: Callable[[_Ctx, Any, _Path], _T | None],
) -> tuple[list[_T], list[Any] | None]:
    """Build every item of the array field ``key``; also return the raw array (or None)."""
    raw = _field_array(ctx, obj, key, path)
    if not raw:
        return [], raw
    list_path: _Path = (path, key)
    built: list[_T] = []
    for index, item in enumerate(raw):
        value = build(ctx, item, (list_path, index))
        if value is not None:
            built.append(value)
    return built, raw


def _rule(ctx: _Ctx, obj: Any, path: _Path) -> Rule | None:
    if type(obj) is not dict:
        ctx.wrong_type(path, "an object", obj)
        return None
    _check_object(ctx, obj, path, _RULE_FIELDS, _RULE_REQUIRED)
    rule_id = _field_text(ctx, obj, "id", path)
    title = _field_text(ctx, obj, "title", path)
    # An id or a title is shown in every report: a control, bidi or invisible character there
    # could forge what a reader sees (escaped everywhere anyway, but refused at the source).
    for key, value in (("id", rule_id), ("title", title)):
        if value is not None and not value.isprintable():
            ctx.error((path, key), "must not contain control, bidi or invisible characters")
            if key == "id":
                rule_id = None
    kind = _field_enum(ctx, obj, "kind", path, _KINDS, label="kind")
    ecosystem = _field_enum(ctx, obj, "ecosystem", path, _ECOSYSTEMS, label="ecosystem")
    severity = _field_enum(ctx, obj, "severity", path, _SEVERITIES, label="severity")
    summary = _field_text(ctx, obj, "summary", path)
    package_rules, raw_package_rules = _items(ctx, obj, "package_rules", path, _package_rule)
    # Optional arrays: skip the call entirely when the field is absent (the common case).
    aliases = _items(ctx, obj, "aliases", path, _alias)[0] if "aliases" in obj else []
    references = _items(ctx, obj, "references", path, _reference)[0] if "references" in obj else []
    droppers, raw_droppers = (
        _items(ctx, obj, "dropper_packages", path, _dropper)
        if "dropper_packages" in obj
        else ([], None)
    )
    indicators, raw_indicators = (
        _items(ctx, obj, "host_indicators", path, _indicator)
        if "host_indicators" in obj
        else ([], None)
    )
    remediation = (
        _remediation(ctx, obj["remediation"], (path, "remediation"))
        if ("remediation" in obj)
        else None
    )
    published_at, last_updated_at = (
        _metadata(ctx, obj["metadata"], (path, "metadata")) if "metadata" in obj else (None, None)
    )
    integrity = _items(ctx, obj, "integrity", path, _integrity)[0] if "integrity" in obj else []
    file_hashes, raw_file_hashes = (
        _items(ctx, obj, "file_hashes", path, _content_hash) if "file_hashes" in obj else ([], None)
    )

    # A rule must detect something. The written spec asks for at least one package rule, but
    # dropper-only, host-indicator-only and hash-only rules are legitimate.
    if raw_package_rules == [] and not raw_droppers and not raw_indicators and not raw_file_hashes:
        ctx.error(
            path,
            "a rule needs at least one of package_rules, dropper_packages, host_indicators "
            "or file_hashes",
        )
        return None
    if (
        rule_id is None
        or title is None
        or kind is None
        or ecosystem is None
        or severity is None
        or raw_package_rules is None
    ):
        return None
    return Rule(
        id=rule_id,
        title=title,
        kind=kind,
        ecosystem=ecosystem,
        severity=severity,
        package_rules=tuple(package_rules),
        source=ctx.path,
        summary=summary,
        aliases=tuple(aliases),
        references=tuple(references),
        dropper_packages=tuple(droppers),
        host_indicators=tuple(indicators),
        remediation=remediation,
        published_at=published_at,
        last_updated_at=last_updated_at,
        bad_integrity=tuple(integrity),
        file_hashes=tuple(file_hashes),
    )


def _package_name(ctx: _Ctx, obj: dict[str, Any], path: _Path) -> str | None:
    name = obj.get("package_name")
    if type(name) is str and PACKAGE_NAME_RE.fullmatch(name) is not None:
        return name
    if "package_name" in obj:
        name_path: _Path = (path, "package_name")
        text = _text(ctx, name, name_path)
        if text is not None:
            ctx.error(name_path, f"invalid npm package name {_q(text)}")
    return None


def _package_rule(ctx: _Ctx, obj: Any, path: _Path) -> PackageRule | None:
    if type(obj) is not dict:
        ctx.wrong_type(path, "an object", obj)
        return None
    if not (
        obj.keys() <= _PACKAGE_RULE_FIELDS and "package_name" in obj and "affected_versions" in obj
    ):
        _check_object(ctx, obj, path, _PACKAGE_RULE_FIELDS, _PACKAGE_RULE_REQUIRED)
    name = obj.get("package_name")
    if type(name) is not str or PACKAGE_NAME_RE.fullmatch(name) is None:
        name = _package_name(ctx, obj, path)

    ok = True
    versions = obj.get("affected_versions")
    if type(versions) is list and versions:
        for index, item in enumerate(versions):
            if type(item) is str and item and not item.isspace():
                if EXACT_VERSION.fullmatch(item) is not None:
                    continue  # an exact version: valid by its shape, never compiled
                try:
                    _compile_range(item)  # validated now; compiled again (cached) on first use
                except SemverError as exc:
                    ctx.error(((path, "affected_versions"), index), _range_message(item, exc))
                    ok = False
            else:
                _text(ctx, item, ((path, "affected_versions"), index))
                ok = False
    elif "affected_versions" in obj:
        if type(versions) is list:
            ctx.error((path, "affected_versions"), "must contain at least one version range")
        else:
            ctx.wrong_type((path, "affected_versions"), "an array", versions)
        ok = False

    ecosystems: frozenset[LockfileEcosystem] = frozenset()
    if "lockfile_ecosystems" in obj:
        found, raw = _items(ctx, obj, "lockfile_ecosystems", path, _lockfile_ecosystem)
        ok = ok and raw is not None and len(found) == len(raw)
        ecosystems = frozenset(found)
    notes = _field_text(ctx, obj, "notes", path) if "notes" in obj else None
    if name is None or not ok or versions is None:
        return None
    return PackageRule(name, tuple(versions), ecosystems, notes)


def _lockfile_ecosystem(ctx: _Ctx, value: Any, path: _Path) -> LockfileEcosystem | None:
    return _enum(ctx, value, path, _LOCKFILE_ECOSYSTEMS, "lockfile ecosystem")


def _range_message(text: str, exc: SemverError) -> str:
    detail = exc.detail
    if detail.startswith("invalid range"):
        return detail
    return f"invalid range {_q(text)}: {detail}"


def _integrity(ctx: _Ctx, value: Any, path: _Path) -> str | None:
    if type(value) is not str:
        ctx.wrong_type(path, "a string", value)
        return None
    if _INTEGRITY_RE.fullmatch(value) is None:
        ctx.error(
            path, f"invalid integrity {_q(value)} (expected sha512-<base64> or sha1-<base64>)"
        )
        return None
    return value


def _dropper(ctx: _Ctx, obj: Any, path: _Path) -> DropperPackage | None:
    if type(obj) is not dict:
        ctx.wrong_type(path, "an object", obj)
        return None
    _check_object(ctx, obj, path, _DROPPER_FIELDS, _DROPPER_REQUIRED)
    name = _package_name(ctx, obj, path)
    notes = _field_text(ctx, obj, "notes", path)
    return DropperPackage(package_name=name, notes=notes) if name is not None else None


def _alias(ctx: _Ctx, obj: Any, path: _Path) -> Alias | None:
    if type(obj) is not dict:
        ctx.wrong_type(path, "an object", obj)
        return None
    _check_object(ctx, obj, path, _ALIAS_FIELDS, _ALIAS_REQUIRED)
    kind = _field_enum(ctx, obj, "type", path, _ALIAS_TYPES, label="alias type")
    value = _field_text(ctx, obj, "value", path)
    if kind is None or value is None:
        return None
    return Alias(type=kind, value=value)


def _reference(ctx: _Ctx, raw: Any, path: _Path) -> Reference | None:
    if type(raw) is str:
        url = _text(ctx, raw, path)
        return Reference(url=url) if url is not None else None
    if type(raw) is not dict:
        ctx.wrong_type(path, "a string or an object", raw)
        return None
    _check_object(ctx, raw, path, _REFERENCE_FIELDS, _REFERENCE_REQUIRED)
    kind = _field_enum(ctx, raw, "type", path, _REFERENCE_TYPES, label="reference type")
    url = _field_text(ctx, raw, "url", path)
    if kind is None or url is None:
        return None
    return Reference(url=url, type=kind)


def _operating_system(ctx: _Ctx, value: Any, path: _Path) -> OperatingSystem | None:
    return _enum(ctx, value, path, _OSES, "operating system")


def _indicator(ctx: _Ctx, obj: Any, path: _Path) -> HostIndicator | None:
    if type(obj) is not dict:
        ctx.wrong_type(path, "an object", obj)
        return None
    before = len(ctx.errors)
    _check_object(ctx, obj, path, _INDICATOR_FIELDS, _INDICATOR_REQUIRED)
    kind = _field_enum(ctx, obj, "type", path, _INDICATOR_TYPES, label="indicator type")
    file_path = _field_text(ctx, obj, "path", path)
    file_name = _field_text(ctx, obj, "file_name", path)
    value = _field_text(ctx, obj, "value", path)
    oses, _ = _items(ctx, obj, "oses", path, _operating_system)
    hashes: list[FileHash] = []
    if kind is not None and kind is not IndicatorType.FILE and obj.get("hashes"):
        if type(obj["hashes"]) is list:
            ctx.error((path, "hashes"), "hashes are only allowed on file indicators")
        else:
            _field_array(ctx, obj, "hashes", path)
    else:
        hashes, _ = _items(ctx, obj, "hashes", path, _hash)
    confidence = _field_enum(ctx, obj, "confidence", path, _CONFIDENCES, label="confidence")
    notes = _field_text(ctx, obj, "notes", path)

    if kind is IndicatorType.FILE:
        if "path" not in obj and "file_name" not in obj:
            ctx.error(path, 'a file indicator needs "path" or "file_name"')
    elif kind is not None and "value" not in obj:
        ctx.error(path, f'a {kind.value} indicator needs "value"')
    if kind is None or len(ctx.errors) != before:
        return None
    return HostIndicator(
        type=kind,
        oses=frozenset(oses),
        path=file_path,
        file_name=file_name,
        value=value,
        hashes=tuple(hashes),
        confidence=confidence,
        notes=notes,
    )


def _hash(ctx: _Ctx, obj: Any, path: _Path) -> FileHash | None:
    if type(obj) is not dict:
        ctx.wrong_type(path, "an object", obj)
        return None
    _check_object(ctx, obj, path, _HASH_FIELDS, _HASH_REQUIRED)
    algorithm = _field_enum(ctx, obj, "algorithm", path, _HASH_ALGORITHMS, label="hash algorithm")
    if "value" not in obj:
        return None
    value = obj["value"]
    if type(value) is not str:
        ctx.wrong_type((path, "value"), "a string", value)
        return None
    if algorithm is None:
        return None
    if len(value) != algorithm.hex_length or _HEX_RE.fullmatch(value) is None:
        ctx.error(
            (path, "value"),
            f"invalid {algorithm.value} hash {_q(value)} "
            f"(expected {algorithm.hex_length} hexadecimal characters)",
        )
        return None
    return FileHash(algorithm=algorithm, value=value.lower())


def _content_hash(ctx: _Ctx, obj: Any, path: _Path) -> ContentHash | None:
    """A ``file_hashes`` item: ``{"algorithm": "sha256", "value": <64 hex>, "notes"?}``. Only
    SHA-256: every file of every installed package is a candidate, so one digest per file."""
    if type(obj) is not dict:
        ctx.wrong_type(path, "an object", obj)
        return None
    before = len(ctx.errors)
    _check_object(ctx, obj, path, _CONTENT_HASH_FIELDS, _HASH_REQUIRED)
    algorithm = obj.get("algorithm")
    if "algorithm" in obj and algorithm != HashAlgorithm.SHA256.value:
        if type(algorithm) is str:
            ctx.error(
                (path, "algorithm"),
                f"invalid file_hashes algorithm {_q(algorithm)} (expected: sha256)",
            )
        else:
            ctx.wrong_type((path, "algorithm"), "a string", algorithm)
    notes = _field_text(ctx, obj, "notes", path)
    value = obj.get("value")
    if "value" in obj:
        if type(value) is not str:
            ctx.wrong_type((path, "value"), "a string", value)
        elif len(value) != 64 or _HEX_RE.fullmatch(value) is None:
            ctx.error(
                (path, "value"),
                f"invalid sha256 hash {_q(value)} (expected 64 hexadecimal characters)",
            )
    if len(ctx.errors) != before or type(value) is not str:
        return None
    return ContentHash(value=value.lower(), notes=notes)


def _remediation(ctx: _Ctx, obj: Any, path: _Path) -> Remediation | None:
    if type(obj) is not dict:
        ctx.wrong_type(path, "an object", obj)
        return None
    _check_object(ctx, obj, path, _REMEDIATION_FIELDS, ())
    summary = _field_text(ctx, obj, "summary", path)
    steps, _ = _items(ctx, obj, "steps", path, _text)
    return Remediation(summary=summary, steps=tuple(steps))


def _metadata(ctx: _Ctx, obj: Any, path: _Path) -> tuple[str | None, str | None]:
    if type(obj) is not dict:
        ctx.wrong_type(path, "an object", obj)
        return None, None
    _check_object(ctx, obj, path, _METADATA_FIELDS, ())
    return (
        _timestamp(ctx, obj, "published_at", path),
        _timestamp(ctx, obj, "last_updated_at", path),
    )


def _timestamp(ctx: _Ctx, obj: dict[str, Any], key: str, path: _Path) -> str | None:
    if key not in obj:
        return None
    value = obj[key]
    if type(value) is not str:
        ctx.wrong_type((path, key), "a string", value)
        return None
    if not _valid_timestamp(value):
        ctx.error((path, key), f"invalid RFC 3339 timestamp {_q(value)}")
        return None
    return value


def _valid_timestamp(text: str) -> bool:
    match = _TIMESTAMP_RE.fullmatch(text)
    if match is None:
        return False
    year, month, day, hour, minute, second, off_h, off_m = match.groups()
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False
    if int(hour) > 23 or int(minute) > 59 or int(second) > 60:  # 60: a leap second
        return False
    return off_h is None or (int(off_h) <= 23 and int(off_m) <= 59)
