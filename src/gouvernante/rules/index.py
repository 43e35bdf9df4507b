"""Rules indexed by package name (and integrity) for the matcher's hot loop."""

from __future__ import annotations

import gc
from typing import TypeVar

import msgspec

from gouvernante.rules.model import DropperPackage, PackageRule, Rule


# Index entries are acyclic (they point at rules, never back): not tracked by the cyclic GC.
class VersionEntry(msgspec.Struct, frozen=True, gc=False):
    rule: Rule
    package_rule: PackageRule


class DropperEntry(msgspec.Struct, frozen=True, gc=False):
    rule: Rule
    dropper: DropperPackage


class RuleIndex(msgspec.Struct, frozen=True):
    rules: tuple[Rule, ...]
    by_name: dict[str, tuple[VersionEntry, ...]]
    droppers: dict[str, tuple[DropperEntry, ...]]
    integrity: dict[str, tuple[Rule, ...]]
    names: frozenset[str]  # every package name a rule names (version rules and droppers)


_E = TypeVar("_E")


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


def build_index(rules: tuple[Rule, ...]) -> RuleIndex:
    """Index ``rules`` (the cyclic GC paused: it would only walk the growing, acyclic tables)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _build_index(rules)
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
