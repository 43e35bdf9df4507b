"""Workspace globs (``package.json`` ``workspaces``): match a folder, or list the folders.

The subset npm, yarn and bun accept in practice: ``/``-separated segments where ``*``, ``?`` and
``[...]`` match within one segment, ``**`` matches any number of segments, a leading ``./`` or a
trailing ``/`` is ignored, and a pattern starting with ``!`` excludes what it matches. Listing
never follows a symlinked folder, never enters ``node_modules`` or a hidden folder, and stops at
``MAX_FOLDERS`` folders or ``MAX_DEPTH`` levels, so a hostile tree cannot make it run long.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase

MAX_FOLDERS = 20_000
MAX_DEPTH = 12
_SKIP = frozenset({"node_modules", ".git", ".hg", ".svn"})


def _segments(pattern: str) -> list[str]:
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return [s for s in pattern.split("/") if s and s != "."]


def _match(parts: Sequence[str], segments: Sequence[str]) -> bool:
    """Dynamic programming over (segment, part) positions: linear in their product, whatever
    number of ``**`` a hostile pattern holds."""
    # reach[j]: the segments so far can consume exactly parts[:j]
    reach = [True] + [False] * len(parts)
    for seg in segments:
        if seg == "**":
            for j in range(1, len(parts) + 1):
                reach[j] = reach[j] or reach[j - 1]
        else:
            reach = [False] + [reach[j] and fnmatchcase(parts[j], seg) for j in range(len(parts))]
    return reach[len(parts)]


def matches(folder: str, patterns: Iterable[str]) -> bool:
    """Is ``folder`` (relative, ``/``-separated) one of the workspaces these globs name?"""
    parts = [p for p in folder.split("/") if p and p != "."]
    if not parts:
        return False
    included = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        segments = _segments(pattern[1:] if negated else pattern)
        if segments and _match(parts, segments):
            included = not negated
    return included


def expand(base: str, patterns: Sequence[str]) -> list[str]:
    """The folders under ``base`` (relative, ``/``-separated, sorted) that the globs name and that
    hold a ``package.json``."""
    positive = [_segments(p) for p in patterns if not p.startswith("!")]
    found: set[str] = set()
    budget = [MAX_FOLDERS]
    for segments in positive:
        if segments:
            _walk(base, "", segments, 0, found, budget)
    return sorted(f for f in found if matches(f, patterns))


def _subfolders(base: str, rel: str, budget: list[int]) -> list[str]:
    try:
        with os.scandir(os.path.join(base, rel) if rel else base) as it:
            names = [
                e.name
                for e in it
                if e.name not in _SKIP
                and not e.name.startswith(".")
                and e.is_dir(follow_symlinks=False)
            ]
    except OSError:
        return []
    budget[0] -= len(names)
    return sorted(names)


def _walk(  # noqa: PLR0917 - a private recursive helper
    base: str, rel: str, segments: Sequence[str], depth: int, found: set[str], budget: list[int]
) -> None:
    if budget[0] <= 0 or depth > MAX_DEPTH:
        return
    if not segments:
        if rel and os.path.isfile(os.path.join(base, rel, "package.json")):
            found.add(rel)
        return
    head, rest = segments[0], segments[1:]

    def join(name: str) -> str:
        return f"{rel}/{name}" if rel else name

    if head == "**":
        _walk(base, rel, rest, depth, found, budget)  # zero segments
        for name in _subfolders(base, rel, budget):
            _walk(base, join(name), segments, depth + 1, found, budget)
    elif any(c in head for c in "*?["):
        for name in _subfolders(base, rel, budget):
            if fnmatchcase(name, head):
                _walk(base, join(name), rest, depth + 1, found, budget)
    elif head not in _SKIP:
        target = os.path.join(base, rel, head) if rel else os.path.join(base, head)
        if os.path.isdir(target) and not os.path.islink(target):
            _walk(base, join(head), rest, depth + 1, found, budget)
