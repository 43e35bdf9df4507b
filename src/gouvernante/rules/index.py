"""Rules indexed by package name (and integrity) for the matcher's hot loop.

Rules from the rule cache (``rules.cache.CachedRules``) are indexed from the names their entries
list, and a name's entries are built (its rules decoded) the first time it is looked up: a
100,000-package feed costs one dictionary of names, not a rule object per package.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec

from gouvernante.errors import RuleError
from gouvernante.rules.ruleset import LazyRules, add_entry

if TYPE_CHECKING:
    from gouvernante.rules.cache import CachedRules
    from gouvernante.rules.model import DropperPackage, PackageRule, Rule


# Index entries are acyclic (they point at rules, never back): not tracked by the cyclic GC.
class VersionEntry(msgspec.Struct, frozen=True, gc=False):
    rule: Rule
    package_rule: PackageRule


class DropperEntry(msgspec.Struct, frozen=True, gc=False):
    rule: Rule
    dropper: DropperPackage


class RuleIndex(msgspec.Struct, frozen=True):
    rules: Sequence[Rule]
    by_name: Mapping[str, tuple[VersionEntry, ...]]
    droppers: Mapping[str, tuple[DropperEntry, ...]]
    integrity: Mapping[str, tuple[Rule, ...]]
    names: frozenset[str]  # every package name a rule names (version rules and droppers)


_E = TypeVar("_E")
_V = TypeVar("_V")


# Positions of the rules naming a key, per part of a rule set: (first rule's position, number of
# rules, key -> position or positions in the part). A cache entry's tables are used as decoded.
_Tables = list[tuple[int, int, dict[str, int | list[int]]]]


class _Lazy(Mapping[str, tuple[_V, ...]], Generic[_V]):
    """A key's entries, built by ``make`` from the positions of the rules naming it (in order) on
    first look-up; the keys are those of the parts' tables."""

    __slots__ = ("_built", "_keys", "_make", "_tables")

    def __init__(self, tables: _Tables, make: Callable[[str, list[int]], tuple[_V, ...]]) -> None:
        self._tables = [t for t in tables if t[2]]
        self._make = make
        self._built: dict[str, tuple[_V, ...]] = {}
        self._keys: frozenset[str] | None = None

    def get(self, key: str, default: object = None) -> tuple[_V, ...] | None:  # type: ignore[override]
        built = self._built.get(key)
        if built is None:
            positions: list[int] = []
            for start, count, table in self._tables:
                found = table.get(key)
                if found is not None:
                    for position in [found] if isinstance(found, int) else found:
                        if not 0 <= position < count:
                            raise RuleError("rule cache", f"position {position} out of range")
                        positions.append(start + position)
            if not positions:
                return default  # type: ignore[return-value]
            built = self._built[key] = self._make(key, positions)
        return built

    def __getitem__(self, key: str) -> tuple[_V, ...]:
        built = self.get(key)
        if built is None:
            raise KeyError(key)
        return built

    def keys_set(self) -> frozenset[str]:
        keys = self._keys
        if keys is None:
            keys = self._keys = frozenset().union(*(t for _, _, t in self._tables))
        return keys

    def keys(self) -> frozenset[str]:  # type: ignore[override]
        """The keys as a set (``in`` without a Python call per look-up: the matcher asks each
        entry's integrity of it)."""
        return self.keys_set()

    def __contains__(self, key: object) -> bool:
        return any(key in table for _, _, table in self._tables)

    def __iter__(self) -> Iterator[str]:
        if len(self._tables) == 1:
            return iter(self._tables[0][2])
        return iter(dict.fromkeys(k for _, _, t in self._tables for k in t))

    def __len__(self) -> int:
        return len(self._tables[0][2]) if len(self._tables) == 1 else len(self.keys_set())

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (for workers started by ``spawn``, not Linux's ``fork``) as a plain dict."""
        return (dict, ({key: self[key] for key in self},))


def _frozen(table: dict[str, _E | list[_E]]) -> dict[str, tuple[_E, ...]]:
    return {k: tuple(v) if isinstance(v, list) else (v,) for k, v in table.items()}


def build_index(rules: Sequence[Rule]) -> RuleIndex:
    """Index ``rules`` (the cyclic GC paused: it would only walk the growing, acyclic tables)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        if isinstance(rules, LazyRules):
            from gouvernante.rules.cache import CachedRules  # noqa: PLC0415 - cached rules only

            assert isinstance(rules, CachedRules)
            return _lazy_index(rules)
        return _build_index(tuple(rules))
    finally:
        if paused:
            gc.enable()


def _build_index(rules: tuple[Rule, ...]) -> RuleIndex:
    by_name: dict[str, VersionEntry | list[VersionEntry]] = {}
    droppers: dict[str, DropperEntry | list[DropperEntry]] = {}
    integrity: dict[str, Rule | list[Rule]] = {}
    for rule in rules:
        for prule in rule.package_rules:
            add_entry(by_name, prule.package_name, VersionEntry(rule, prule))
        for dropper in rule.dropper_packages:
            add_entry(droppers, dropper.package_name, DropperEntry(rule, dropper))
        for sri in rule.bad_integrity:
            add_entry(integrity, sri, rule)
    return RuleIndex(
        rules=rules,
        by_name=_frozen(by_name),
        droppers=_frozen(droppers),
        integrity=_frozen(integrity),
        names=frozenset(by_name) | frozenset(droppers),
    )


def _tables(rules: CachedRules) -> tuple[_Tables, _Tables, _Tables]:
    """Package names, dropper names and integrity strings, part by part: a cache entry's as
    decoded, a tuple of rules' (the bundled pack after a feed) built here."""
    by_name: _Tables = []
    droppers: _Tables = []
    integrity: _Tables = []
    for start, part in zip(rules.starts, rules.parts, strict=True):
        if not isinstance(part, tuple):
            by_name.append((start, len(part), part.packages))
            droppers.append((start, len(part), part.droppers))
            integrity.append((start, len(part), part.integrity))
            continue
        tables: tuple[dict[str, int | list[int]], ...] = ({}, {}, {})
        for position, rule in enumerate(part):
            for prule in rule.package_rules:
                add_entry(tables[0], prule.package_name, position)
            for dropper in rule.dropper_packages:
                add_entry(tables[1], dropper.package_name, position)
            for sri in rule.bad_integrity:
                add_entry(tables[2], sri, position)
        for out, table in zip((by_name, droppers, integrity), tables, strict=True):
            out.append((start, len(part), table))
    return by_name, droppers, integrity


def _broken(rule: Rule, key: str) -> RuleError:
    # Not reached unless the tool wrote a wrong entry (its checksum is verified at load).
    return RuleError(rule.source, f"rule cache entry does not match rule {rule.id} ({key!r})")


def _lazy_index(rules: CachedRules) -> RuleIndex:
    by_name, droppers, integrity = _tables(rules)

    def versions(name: str, positions: list[int]) -> tuple[VersionEntry, ...]:
        out: list[VersionEntry] = []
        for rule in map(rules.__getitem__, dict.fromkeys(positions)):
            found = [VersionEntry(rule, p) for p in rule.package_rules if p.package_name == name]
            if not found:
                raise _broken(rule, name)
            out.extend(found)
        return tuple(out)

    def dropper_entries(name: str, positions: list[int]) -> tuple[DropperEntry, ...]:
        out: list[DropperEntry] = []
        for rule in map(rules.__getitem__, dict.fromkeys(positions)):
            found = [DropperEntry(rule, d) for d in rule.dropper_packages if d.package_name == name]
            if not found:
                raise _broken(rule, name)
            out.extend(found)
        return tuple(out)

    def integrity_rules(sri: str, positions: list[int]) -> tuple[Rule, ...]:
        out = tuple(map(rules.__getitem__, positions))
        for rule in out:
            if sri not in rule.bad_integrity:
                raise _broken(rule, sri)
        return out

    by_name_table = _Lazy(by_name, versions)
    dropper_table = _Lazy(droppers, dropper_entries)
    return RuleIndex(
        rules=rules,
        by_name=by_name_table,
        droppers=dropper_table,
        integrity=_Lazy(integrity, integrity_rules),
        names=by_name_table.keys_set() | dropper_table.keys_set(),
    )
