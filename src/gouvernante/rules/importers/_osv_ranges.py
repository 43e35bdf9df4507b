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
    """Piece number of a point: piece ``2i+1`` is points[i]; even pieces are the stretches."""
    return -1 if version is None else 2 * index[version] + 1


def _range_pieces(rng: OsvRange, index: dict[Version, int], pieces: int) -> list[bool]:
    """For every piece of the version line, whether the range affects it (OSV evaluation)."""
    ordered = sorted(
        (e for e in rng.events if e.kind is not EventKind.LIMIT),
        key=lambda e: _position(e.version, index),
    )
    limits = [e for e in rng.events if e.kind is EventKind.LIMIT]
    out: list[bool] = []
    for piece in range(pieces):
        affected = False
        for event in ordered:
            where = _position(event.version, index)
            if event.kind is EventKind.INTRODUCED:
                if where <= piece:
                    affected = True
            elif event.kind is EventKind.FIXED:
                if where <= piece:
                    affected = False
            elif where < piece:  # last_affected
                affected = False
        if limits and not any(
            e.version is None or _position(e.version, index) > piece for e in limits
        ):
            affected = False
        out.append(affected)
    return out


@dataclass(frozen=True, slots=True)
class Coverage:
    """The affected set of one package, as pieces of the version line."""

    points: tuple[Version, ...]
    affected: tuple[bool, ...]  # len == 2 * len(points) + 1

    @property
    def everything(self) -> bool:
        return all(self.affected)

    @property
    def nothing(self) -> bool:
        return not any(self.affected)

    @property
    def ends(self) -> bool:
        """Some version above an affected one is not affected (a ``fixed``/``last_affected``/
        ``limit`` that takes effect): the set states that later releases are clean."""
        if True not in self.affected:
            return False
        first = self.affected.index(True)
        return not all(self.affected[first:])

    def expressions(self) -> list[str]:
        """npm comparator sets, one per run of affected pieces (``["*"]`` for everything)."""
        out: list[str] = []
        last = len(self.affected) - 1
        piece = 0
        while piece <= last:
            if not self.affected[piece]:
                piece += 1
                continue
            start = piece
            while piece + 1 <= last and self.affected[piece + 1]:
                piece += 1
            out.append(self._run(start, piece, last))
            piece += 1
        return out

    def _run(self, start: int, end: int, last: int) -> str:
        if start == end and start % 2 == 1:
            return f"={self.points[start // 2]}"
        parts: list[str] = []
        if start > 0:
            # odd: starts at a point (inclusive); even: just above the point before it
            parts.append(
                f">={self.points[start // 2]}" if start % 2 else f">{self.points[start // 2 - 1]}"
            )
        if end < last:
            parts.append(f"<={self.points[end // 2]}" if end % 2 else f"<{self.points[end // 2]}")
        return " ".join(parts) or "*"


def coverage(ranges: Sequence[OsvRange], listed: Iterable[Version]) -> Coverage:
    """The union of the ranges and the listed versions, as OSV evaluates it."""
    listed = set(listed)
    points = _versions_of(ranges, listed)
    index = {v: i for i, v in enumerate(points)}
    pieces = 2 * len(points) + 1
    affected = [False] * pieces
    for v in listed:
        affected[_position(v, index)] = True
    for rng in ranges:
        for piece, hit in enumerate(_range_pieces(rng, index, pieces)):
            if hit:
                affected[piece] = True
    return Coverage(tuple(points), tuple(affected))


def covers_everything(rng: OsvRange) -> bool:
    """Whether this one range, alone, makes every version affected."""
    return coverage((rng,), ()).everything
