"""A loaded rule set and what is told of its rules without decoding them: ids, timestamps and
``CHECKS_*`` flags (``LazyRules``: the rule cache and the bundled pack decode a rule on use).

Apart from ``rules.model`` (the rule format: Structs and enums) so that a scan decoding no rule
(a lockfile naming none of the rules' packages) does not import it (six StrEnums and twelve
Structs: 5.6 M instructions; decision 0137).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

import msgspec

if TYPE_CHECKING:
    from gouvernante.rules.model import Rule

# What a rule checks, as flags (the rule cache keeps them per rule, the JSON report lists them).
CHECKS_PACKAGES = 1  # package rules, dropper packages or bad integrity strings
CHECKS_HOST = 2  # host indicators
CHECKS_FILE_HASHES = 4  # payload hashes


def rule_flags(rule: Rule) -> int:
    """``rule``'s ``CHECKS_*`` flags."""
    return (
        (
            CHECKS_PACKAGES
            if rule.package_rules or rule.dropper_packages or rule.bad_integrity
            else 0
        )
        | (CHECKS_HOST if rule.host_indicators else 0)
        | (CHECKS_FILE_HASHES if rule.file_hashes else 0)
    )


class LazyRules(Sequence["Rule"]):
    """Rules decoded on use (the rule cache's ``CachedRules``): what the report and the index
    need of every rule is told without decoding it."""

    __slots__ = ()

    @abstractmethod
    def ids(self) -> list[str]:
        """Every rule's id, in order."""

    @abstractmethod
    def summaries(self) -> Iterator[tuple[str, str | None, str | None, int]]:
        """Each rule's id, ``published_at``, ``last_updated_at`` and ``CHECKS_*`` flags."""


def rule_ids(rules: Sequence[Rule]) -> list[str]:
    """The rules' ids (without decoding lazy rules)."""
    return rules.ids() if isinstance(rules, LazyRules) else [r.id for r in rules]


def rule_summaries(rules: Sequence[Rule]) -> Iterator[tuple[str, str | None, str | None, int]]:
    """Each rule's id, timestamps and ``CHECKS_*`` flags (without decoding lazy rules)."""
    if isinstance(rules, LazyRules):
        return rules.summaries()
    return ((r.id, r.published_at, r.last_updated_at, rule_flags(r)) for r in rules)


def rules_checking(rules: Sequence[Rule], flag: int) -> Sequence[Rule]:
    """The rules whose ``CHECKS_*`` flags include ``flag``, in order; lazy rules are told apart
    without decoding the others (plain rules are returned as they are: callers skip the rest)."""
    if isinstance(rules, LazyRules):
        return [rules[n] for n, (_, _, _, flags) in enumerate(rules.summaries()) if flags & flag]
    return rules


def any_file_hashes(rules: Sequence[Rule]) -> bool:
    """Whether a rule has payload hashes (``file_hashes``), without decoding lazy rules."""
    if isinstance(rules, LazyRules):
        return any(flags & CHECKS_FILE_HASHES for _, _, _, flags in rules.summaries())
    return any(r.file_hashes for r in rules)


class RuleFile(msgspec.Struct, frozen=True, gc=False):
    """One rule file as loaded: the path it is reported under, the SHA-256 of its bytes, and how
    many rules and package rules it gave (the JSON report's ``rules.sets``)."""

    path: str
    sha256: str
    rules: int
    packages: int


class RuleSet(msgspec.Struct, frozen=True, gc=False):
    # A tuple, or the rule cache's ``CachedRules`` (decoded on use; equal to the same tuple).
    rules: Sequence[Rule]
    sources: tuple[str, ...]  # files loaded
    builtin: bool = False
    files: tuple[RuleFile, ...] = ()  # the user's rule files (not the bundled pack)


_E = TypeVar("_E")


def add_entry(table: dict[str, _E | list[_E]], key: str, entry: _E) -> None:
    """One entry under ``key`` of a name table (the index's, the rule cache's): most keys get one,
    kept bare until a second comes (a 100,000-package feed then builds 100,000 entries, not
    100,000 lists too)."""
    got = table.get(key)
    if got is None:
        table[key] = entry
    elif isinstance(got, list):
        got.append(entry)
    else:
        table[key] = [got, entry]
