"""The small vocabulary shared by rules, findings and reports: severity, ecosystem, confidence.

It imports nothing of this package, so ``rules.model`` and ``model`` can both use it without
importing each other.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class LockfileEcosystem(StrEnum):
    """The package-manager families a package rule may be limited to (``lockfile_ecosystems``)."""

    NPM = "npm"
    PNPM = "pnpm"
    YARN = "yarn"
    BUN = "bun"


class Confidence(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


__all__ = ["Confidence", "LockfileEcosystem", "Severity"]
