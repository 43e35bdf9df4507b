"""Warnings for rules that load but are probably wrong (``gouvernante rules validate``).

What is deliberately not checked: whether a version was ever published. That needs the registry,
and a scan must work offline; a version list that names nothing real simply never matches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from gouvernante.errors import SemverError
from gouvernante.rules.model import EXACT_VERSION, Rule, RuleKind
from gouvernante.semver import intersects, parse_range, parse_version
from gouvernante.vocab import LockfileEcosystem

_ALL_ECOSYSTEMS = frozenset(LockfileEcosystem)
_PROBES = tuple(parse_version(v) for v in ("0.0.0", "0.1.0-alpha.1", "1.0.0", "99999.99999.99999"))


def _matches_everything(expr: str) -> bool:
    if EXACT_VERSION.fullmatch(expr):
        return False
    try:
        rng = parse_range(expr)
    except SemverError:  # the loader already reported invalid ranges
        return False
    return all(rng.test(v, include_prerelease=True) for v in _PROBES)


def rule_warnings(rules: Sequence[Rule]) -> list[str]:
    out: list[str] = []
    seen: dict[str, list[tuple[str, int, str]]] = {}
    for rule in rules:
        where = f"{rule.source}: {rule.id}"
        for i, prule in enumerate(rule.package_rules):
            at = f"{where}: package_rules[{i}] ({prule.package_name})"
            if prule.lockfile_ecosystems and prule.lockfile_ecosystems != _ALL_ECOSYSTEMS:
                missing = sorted(e.value for e in _ALL_ECOSYSTEMS - prule.lockfile_ecosystems)
                out.append(
                    f"{at}: lockfile_ecosystems omits {', '.join(missing)}: in projects using"
                    f" {' or '.join(missing)} an affected release of this package is a note,"
                    " not a finding (decision 0064)"
                )
            if rule.kind is RuleKind.COMPROMISED_RELEASE and any(
                _matches_everything(e) for e in prule.affected_versions
            ):
                out.append(
                    f"{at}: matches every version on a compromised-release rule: did you mean a"
                    " dropper package or a malicious-package rule?"
                )
            for expr in prule.affected_versions:
                for other_at, _j, other_expr in seen.get(prule.package_name, ()):
                    if other_at == at:
                        continue
                    if _overlap(expr, other_expr):
                        out.append(f"{at}: {expr!r} overlaps {other_expr!r} of {other_at}")
                        break
            seen.setdefault(prule.package_name, []).extend(
                (at, i, e) for e in prule.affected_versions
            )
            dupes = {e for e, n in Counter(prule.affected_versions).items() if n > 1}
            for e in sorted(dupes):
                out.append(f"{at}: {e!r} is listed more than once")
    return out


def _overlap(a: str, b: str) -> bool:
    try:
        return intersects(parse_range(a), parse_range(b))
    except SemverError:  # invalid ranges are loader errors, not warnings
        return False
