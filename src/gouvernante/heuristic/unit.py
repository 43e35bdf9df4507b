"""A heuristic pattern as one unit: its metadata and the detectors that report it.

Each pattern lives in ``families/<family>.py`` as a ``Pattern`` row with its detector function
right above it; ``patterns.py`` assembles the table in a fixed order. A detector looks at one file
(``detect``) or at one lifecycle command from package.json (``detect_command``) and returns at most
one ``Detection``: the confidence of the form that matched and the offset to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gouvernante.heuristic.signals import FileSignals
from gouvernante.vocab import Confidence, Severity

__all__ = ["CommandDetector", "Confidence", "Detection", "FileDetector", "Pattern"]


@dataclass(frozen=True, slots=True)
class Detection:
    confidence: Confidence
    offset: int = 0  # in the file's text (0 for a lifecycle command)


FileDetector = Callable[[FileSignals], Detection | None]
CommandDetector = Callable[[str], Detection | None]


@dataclass(frozen=True, slots=True)
class Pattern:
    """One technique ``-heuristic`` looks for: stable id (``GH-...``, never reused), severity of
    its strongest form, the strongest confidence it reports, why it matters, where it comes from."""

    id: str
    severity: Severity
    confidence: Confidence  # the strongest confidence this pattern reports
    title: str
    why: str
    origin: str
    reference: str
    detect: FileDetector | None = field(default=None, compare=False, repr=False)
    detect_command: CommandDetector | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.detect is None and self.detect_command is None:
            raise ValueError(f"pattern {self.id} has no detector")


HIGH = Confidence.HIGH
MEDIUM = Confidence.MEDIUM
LOW = Confidence.LOW


def found(confidence: Confidence, offset: int | None) -> Detection:
    return Detection(confidence, offset or 0)
