"""OSV affected-version semantics for npm, turned into npm range expressions.

The OSV schema's evaluation, for one ``affected[]`` entry: a version ``v`` is affected when it is
in ``versions`` or inside any ``SEMVER``/``ECOSYSTEM`` range. Inside a range the events are sorted
by version (``introduced: "0"`` first; events at the same version keep their record order) and
applied in turn: ``introduced <= v`` sets "affected", ``fixed <= v`` clears it,
``last_affected < v`` clears it. A range with ``limit`` events also needs ``v`` below one of its
limits (``"*"`` is no limit). Versions compare by semver precedence (npm versions are semver).

``to_expressions`` computes that set exactly: the event and listed versions cut the version line
into points and open stretches between them; each piece is evaluated once, and the runs of
affected pieces are written as npm comparators (``=a``, ``>=a <b``, ``>=a <=b``, ``<b``, ``*``).
The scanner tests rule ranges with ``includePrerelease``, under which such comparators are pure
precedence comparisons, so the rule affects exactly the versions the record does (prereleases
included).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gouvernante.semver import Version


class EventKind(enum.Enum):
    INTRODUCED = "introduced"
    FIXED = "fixed"
    LAST_AFFECTED = "last_affected"
    LIMIT = "limit"


@dataclass(frozen=True, slots=True)
class Event:
    """One range event; ``version`` None is the sentinel (``introduced: "0"``, ``limit: "*"``)."""

    kind: EventKind
    version: Version | None


@dataclass(frozen=True, slots=True)
class OsvRange:
    events: tuple[Event, ...]


def _versions_of(ranges: Iterable[OsvRange], listed: Iterable[Version]) -> list[Version]:
    points = set(listed)
    for rng in ranges:
        points.update(e.version for e in rng.events if e.version is not None)
    return sorted(points)


def _position(version: Version | None, index: dict[Version, int]) -> int:
    """Piece number of a point: piece ``2i+1`` is points[i], even pieces are the stretches
    between points; the sentinel (``"0"``) sits at -1, below every piece."""
    return -1 if version is None else 2 * index[version] + 1


_Run = tuple[int, int]  # first and last piece, inclusive


def _range_runs(rng: OsvRange, index: dict[Version, int], last: int) -> list[_Run]:
    """The pieces one range affects, as runs (OSV evaluation, in time linear in its events).

    Only the range's own event positions change its state. At a position, the last
    ``introduced``/``fixed`` there (record order) decides the point itself (a ``last_affected``
    there fires only above it); just above it, the last event there of any kind decides.
    """
    at: dict[int, list[Event]] = {}
    limits: list[Event] = []
    for event in rng.events:
        if event.kind is EventKind.LIMIT:
            limits.append(event)
        else:
            at.setdefault(_position(event.version, index), []).append(event)
    cap = last
    if limits and all(e.version is not None for e in limits):
        # affected only below some limit: below the highest one
        cap = max(_position(e.version, index) for e in limits) - 1
    runs: list[_Run] = []

    def mark(first: int, end: int) -> None:
        first, end = max(first, 0), min(end, cap)
        if first > end:
            return
        if runs and runs[-1][1] >= first - 1:
            runs[-1] = (runs[-1][0], max(runs[-1][1], end))
        else:
            runs.append((first, end))

    state = False
    positions = sorted(at)
    for n, pos in enumerate(positions):
        events = at[pos]
        decisive = [e for e in events if e.kind is not EventKind.LAST_AFFECTED]
        if (decisive[-1].kind is EventKind.INTRODUCED) if decisive else state:
            mark(pos, pos)
        state = events[-1].kind is EventKind.INTRODUCED
        if state:
            mark(pos + 1, positions[n + 1] - 1 if n + 1 < len(positions) else last)
    return runs


@dataclass(frozen=True, slots=True)
class Coverage:
    """The affected set of one package: runs of pieces of the version line."""

    points: tuple[Version, ...]
    runs: tuple[_Run, ...]  # sorted, disjoint, not adjacent

    @property
    def last(self) -> int:
        return 2 * len(self.points)

    @property
    def everything(self) -> bool:
        return self.runs == ((0, self.last),)

    @property
    def nothing(self) -> bool:
        return not self.runs

    @property
    def ends(self) -> bool:
        """Some version above an affected one is not affected (a ``fixed``/``last_affected``/
        ``limit`` that takes effect): the set states that later releases are clean."""
        return len(self.runs) > 1 or (len(self.runs) == 1 and self.runs[0][1] < self.last)

    def expressions(self) -> list[str]:
        """npm comparator sets, one per run of affected pieces (``["*"]`` for everything)."""
        return [self._run(start, end) for start, end in self.runs]

    def _run(self, start: int, end: int) -> str:
        if start == end and start % 2 == 1:
            return f"={self.points[start // 2]}"
        parts: list[str] = []
        if start > 0:
            # odd: starts at a point (inclusive); even: just above the point before it
            parts.append(
                f">={self.points[start // 2]}" if start % 2 else f">{self.points[start // 2 - 1]}"
            )
        if end < self.last:
            parts.append(f"<={self.points[end // 2]}" if end % 2 else f"<{self.points[end // 2]}")
        return " ".join(parts) or "*"


def coverage(ranges: Sequence[OsvRange], listed: Iterable[Version]) -> Coverage:
    """The union of the ranges and the listed versions, as OSV evaluates it."""
    listed = set(listed)
    points = _versions_of(ranges, listed)
    index = {v: i for i, v in enumerate(points)}
    last = 2 * len(points)
    runs: list[_Run] = [(_position(v, index), _position(v, index)) for v in listed]
    for rng in ranges:
        runs.extend(_range_runs(rng, index, last))
    runs.sort()
    merged: list[_Run] = []
    for first, end in runs:
        if merged and merged[-1][1] >= first - 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((first, end))
    return Coverage(tuple(points), tuple(merged))


def covers_everything(rng: OsvRange) -> bool:
    """Whether this one range, alone, makes every version affected."""
    return coverage((rng,), ()).everything
