"""Findings for installed or cached packages (exact name and version).

The matching itself is ``scan.match.package_hits``, the same test applied to locked packages.
"""

from __future__ import annotations

from gouvernante.match.hits import PackageHit, package_hits, rule_finding
from gouvernante.model import Finding, FindingType, MatchKind

__all__ = ["SCRIPTS_NOTE", "PackageHit", "package_finding", "package_hits"]

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
