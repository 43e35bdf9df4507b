"""Rules indexed by package name (and integrity) for the matcher's hot loop."""

from __future__ import annotations

import msgspec

from gouvernante.rules.model import DropperPackage, PackageRule, Rule


class VersionEntry(msgspec.Struct, frozen=True):
    rule: Rule
    package_rule: PackageRule


class DropperEntry(msgspec.Struct, frozen=True):
    rule: Rule
    dropper: DropperPackage


class RuleIndex(msgspec.Struct, frozen=True):
    rules: tuple[Rule, ...]
    by_name: dict[str, tuple[VersionEntry, ...]]
    droppers: dict[str, tuple[DropperEntry, ...]]
    integrity: dict[str, tuple[Rule, ...]]
    names: frozenset[str]  # every package name a rule names (version rules and droppers)


def build_index(rules: tuple[Rule, ...]) -> RuleIndex:
    by_name: dict[str, list[VersionEntry]] = {}
    droppers: dict[str, list[DropperEntry]] = {}
    integrity: dict[str, list[Rule]] = {}
    for rule in rules:
        for prule in rule.package_rules:
            by_name.setdefault(prule.package_name, []).append(VersionEntry(rule, prule))
        for dropper in rule.dropper_packages:
            droppers.setdefault(dropper.package_name, []).append(DropperEntry(rule, dropper))
        for sri in rule.bad_integrity:
            integrity.setdefault(sri, []).append(rule)
    return RuleIndex(
        rules=rules,
        by_name={k: tuple(v) for k, v in by_name.items()},
        droppers={k: tuple(v) for k, v in droppers.items()},
        integrity={k: tuple(v) for k, v in integrity.items()},
        names=frozenset(by_name) | frozenset(droppers),
    )
