"""The heuristic pattern table: what ``-heuristic`` looks for, and why.

Each pattern is a unit (``unit.Pattern``) defined in ``families/`` beside its detector: a stable
id (``GH-...``, never reused), the severity of its strongest form, the strongest confidence it
reports, a one-line title, why it matters, and the public incident it was modelled on. A hit
carries the confidence of the form that matched; ``severity_for`` turns that into the finding's
severity.

``docs/heuristics.md`` documents every row and ``tests/heuristic`` checks that each id has a
recall fixture.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from gouvernante.heuristic.families import (
    ai_agents,
    credentials,
    decode,
    exfiltration,
    install_time,
    sabotage,
    wallet,
)
from gouvernante.heuristic.unit import Confidence, Pattern
from gouvernante.vocab import Severity

__all__ = ["CONFIDENCES", "PATTERNS", "Pattern", "get", "severity_for"]

CONFIDENCES = tuple(Confidence)

_PATTERNS: tuple[Pattern, ...] = (
    *install_time.UNITS,
    *decode.UNITS,
    *credentials.UNITS,
    *exfiltration.UNITS,
    *sabotage.UNITS,
    *wallet.UNITS,
    *ai_agents.UNITS,
)

PATTERNS: Mapping[str, Pattern] = MappingProxyType({p.id: p for p in _PATTERNS})
assert len(PATTERNS) == len(_PATTERNS), "duplicate pattern id"

# A hit's severity follows its confidence: only the high-confidence form of a pattern carries the
# pattern's own severity.
_CAP = {Confidence.MEDIUM: Severity.MEDIUM, Confidence.LOW: Severity.LOW}


def severity_for(pattern: Pattern, confidence: Confidence) -> Severity:
    """The severity of a hit of ``pattern`` at ``confidence``."""
    if confidence is Confidence.HIGH:
        return pattern.severity
    return _CAP[confidence]


def get(pattern_id: str) -> Pattern:
    """The pattern with that id (KeyError if unknown)."""
    return PATTERNS[pattern_id]
