"""Rules indexed by package name (and integrity) for the matcher's hot loop.

Rules from the rule cache (``rules.cache.CachedRules``) are indexed from the names their entries
list, and a name's entries are built (its rules decoded) the first time it is looked up: a
100,000-package feed costs one dictionary of names, not a rule object per package.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

import msgspec

from gouvernante.rules.model import DropperPackage, LazyRules, PackageRule, Rule

if TYPE_CHECKING:
    from gouvernante.rules.cache import CachedRules


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


class _Lazy(Mapping[str, tuple[_V, ...]], Generic[_V]):
    """Keys to rule positions; a key's entries are built by ``make`` on first look-up."""

    __slots__ = ("_built", "_make", "_positions")

    def __init__(
        self,
        positions: dict[str, int | list[int]],
        make: Callable[[str, int | list[int]], tuple[_V, ...]],
    ) -> None:
        self._positions = positions
        self._make = make
        self._built: dict[str, tuple[_V, ...]] = {}

    def get(self, key: str, default: object = None) -> tuple[_V, ...] | None:  # type: ignore[override]
        built = self._built.get(key)
        if built is None:
            found = self._positions.get(key)
            if found is None:
                return default  # type: ignore[return-value]
            built = self._built[key] = self._make(key, found)
        return built

    def __getitem__(self, key: str) -> tuple[_V, ...]:
        built = self.get(key)
        if built is None:
            raise KeyError(key)
        return built

    def __contains__(self, key: object) -> bool:
        return key in self._positions

    def __iter__(self) -> Iterator[str]:
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)


def _add(table: dict[str, _E | list[_E]], key: str, entry: _E) -> None:
    """One entry under ``key``: most keys get one, kept bare until a second comes (a 100,000-
    package feed then builds 100,000 entries, not 100,000 lists too)."""
    got = table.get(key)
    if got is None:
        table[key] = entry
    elif isinstance(got, list):
        got.append(entry)
    else:
        table[key] = [got, entry]


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
            _add(by_name, prule.package_name, VersionEntry(rule, prule))
        for dropper in rule.dropper_packages:
            _add(droppers, dropper.package_name, DropperEntry(rule, dropper))
        for sri in rule.bad_integrity:
            _add(integrity, sri, rule)
    return RuleIndex(
        rules=rules,
        by_name=_frozen(by_name),
        droppers=_frozen(droppers),
        integrity=_frozen(integrity),
        names=frozenset(by_name) | frozenset(droppers),
    )


def _positions(rules: CachedRules) -> tuple[dict[str, int | list[int]], ...]:
    """Each package name, dropper name and integrity string, with the positions of the rules
    naming it, in rule order (a rule naming it twice is there twice)."""
    tables: tuple[dict[str, int | list[int]], ...] = ({}, {}, {})
    by_name, droppers, integrity = tables
    for start, part in zip(rules.starts, rules.parts, strict=True):
        if not isinstance(part, tuple):
            columns = (
                (by_name, part.names, part.name_rules),
                (droppers, part.droppers, part.dropper_rules),
                (integrity, part.integrity, part.integrity_rules),
            )
            for table, keys, positions in columns:
                for key, position in zip(keys, positions, strict=True):
                    _add(table, key, start + position)
            continue
        for position, rule in enumerate(part, start):
            for prule in rule.package_rules:
                _add(by_name, prule.package_name, position)
            for dropper in rule.dropper_packages:
                _add(droppers, dropper.package_name, position)
            for sri in rule.bad_integrity:
                _add(integrity, sri, position)
    return tables


def _unique(found: int | list[int]) -> list[int]:
    if isinstance(found, int):
        return [found]
    return list(dict.fromkeys(found))  # a rule naming a package twice: its entries once


def _lazy_index(rules: CachedRules) -> RuleIndex:
    by_name, droppers, integrity = _positions(rules)

    def versions(name: str, found: int | list[int]) -> tuple[VersionEntry, ...]:
        return tuple(
            VersionEntry(rule, prule)
            for rule in map(rules.__getitem__, _unique(found))
            for prule in rule.package_rules
            if prule.package_name == name
        )

    def dropper_entries(name: str, found: int | list[int]) -> tuple[DropperEntry, ...]:
        return tuple(
            DropperEntry(rule, dropper)
            for rule in map(rules.__getitem__, _unique(found))
            for dropper in rule.dropper_packages
            if dropper.package_name == name
        )

    def integrity_rules(_sri: str, found: int | list[int]) -> tuple[Rule, ...]:
        return tuple(map(rules.__getitem__, [found] if isinstance(found, int) else found))

    return RuleIndex(
        rules=rules,
        by_name=_Lazy(by_name, versions),
        droppers=_Lazy(droppers, dropper_entries),
        integrity=_Lazy(integrity, integrity_rules),
        names=frozenset(by_name) | frozenset(droppers),
    )
