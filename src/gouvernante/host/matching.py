"""Findings for installed or cached packages (exact name and version).

The matching itself is ``scan.match.package_hits``, the same test applied to locked packages.
"""

from __future__ import annotations

from gouvernante.match.hits import PackageHit, limited_note, package_hits, rule_finding
from gouvernante.model import Finding, FindingType, MatchKind
from gouvernante.rules.index import RuleIndex

__all__ = [
    "SCRIPTS_NOTE",
    "PackageHit",
    "limited_note",
    "package_finding",
    "package_hits",
    "unknown_version",
]

SCRIPTS_NOTE = "install scripts ran unless installs used --ignore-scripts: assume code execution"


def package_finding(
    hit: PackageHit,
    *,
    kind: FindingType,
    name: str,
    version: str,
    path: str,
    where: str,
    install_scripts: tuple[str, ...] = (),
) -> Finding:
    """An ``installed_package`` or ``cached_package`` finding; ``where`` says which location."""
    rule = hit.rule
    what = f"{name}@{version}" if version else name
    verb = "is installed" if kind is FindingType.INSTALLED else "is cached"
    if hit.match is MatchKind.DROPPER:
        why = f"a dropper package named by {rule.id}: any version is malicious"
    else:
        why = f"affected by {rule.id} (version matches {hit.expression})"
    text = f"{what} {verb} in {where} at {path}: {why}"
    if install_scripts:
        text += f"; it declares install scripts ({', '.join(install_scripts)}): {SCRIPTS_NOTE}"
    elif kind is FindingType.CACHED:
        text += "; it was downloaded to this machine, check where it was installed"
    return rule_finding(
        rule,
        kind,
        hit.match,
        text,
        package=name,
        version=version or None,
        matched_expression=hit.expression,
        path=path,
        install_scripts=install_scripts,
    )


def unknown_version(index: RuleIndex, name: str, version: str) -> str | None:
    """The error of an installed package a package rule names whose package.json gives no
    version that can be read (absent, not a string, not semver): no rule can be decided for
    it, so it is not clean. None when the version reads or no package rule names ``name``
    (a dropper's any version is a finding anyway)."""
    if not index.by_name.get(name):
        return None
    from gouvernante.semver import try_parse_version  # noqa: PLC0415 - see match.package_hits

    if version and try_parse_version(version) is not None:
        return None
    return (
        f"{name} is installed here with no version its package.json gives as semver: whether"
        " the rules naming it affect it is unknown"
    )
