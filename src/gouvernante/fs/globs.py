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

# (a real monorepo's packages/** lists a few thousand; npm lists past any limit: reaching one is
# said by ``expand``, never a silent short list)
MAX_FOLDERS = 200_000
MAX_DEPTH = 64
# Folders a listing never enters, nor a literal segment names: no workspace lives there.
NEVER_LISTED = frozenset({"node_modules", ".git", ".hg", ".svn"})


def _segments(pattern: str) -> list[str]:
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return [s for s in pattern.split("/") if s and s != "."]


def _match(parts: Sequence[str], segments: Sequence[str]) -> bool:
    """Dynamic programming over (segment, part) positions: linear in their product, whatever
    number of ``**`` a hostile pattern holds. A hidden folder (``.x``) is reached only by a
    segment that starts with a dot, never by ``*``, ``?``, ``[...]`` nor ``**``, and
    ``node_modules`` by none: as ``expand`` lists, and as npm 11.19.1, pnpm 9.15.9 and yarn
    1.22.22 glob (no dot; decision 0109)."""
    # reach[j]: the segments so far can consume exactly parts[:j]
    reach = [True] + [False] * len(parts)
    for seg in segments:
        if seg == "**":
            for j in range(1, len(parts) + 1):
                reach[j] = reach[j] or (reach[j - 1] and _listed(parts[j - 1]))
        else:
            reach = [False] + [reach[j] and _reached(parts[j], seg) for j in range(len(parts))]
    return reach[len(parts)]


def _listed(part: str) -> bool:
    """Is the folder ``part`` one a wildcard reaches (``_subfolders`` lists it)?"""
    return not part.startswith(".") and part not in NEVER_LISTED


def _reached(part: str, segment: str) -> bool:
    """Does one pattern segment name the folder ``part``, as ``_walk`` reaches it?"""
    if part in NEVER_LISTED:
        return False
    if any(c in segment for c in "*?["):
        return _listed(part) and fnmatchcase(part, segment)
    return part == segment


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


def expand(base: str, patterns: Sequence[str], problems: list[str] | None = None) -> list[str]:
    """The folders under ``base`` (relative, ``/``-separated, sorted) that the globs name and that
    hold a ``package.json``. ``problems`` gets why the list may be short, each once: a folder
    that could not be listed, a symbolic link to a folder holding a ``package.json`` (not
    followed), the ``MAX_FOLDERS`` or ``MAX_DEPTH`` limit reached (npm would list the folders
    past them: the caller says the scan is incomplete, never clean)."""
    positive = [_segments(p) for p in patterns if not p.startswith("!")]
    found: set[str] = set()
    budget = [MAX_FOLDERS]
    said: list[str] = [] if problems is None else problems
    for segments in positive:
        if segments:
            _walk(base, "", segments, 0, found, budget, said)
    return sorted(f for f in found if matches(f, patterns))


def _say(problems: list[str], text: str) -> None:
    if text not in problems:
        problems.append(text)


def _subfolders(base: str, rel: str, budget: list[int], problems: list[str]) -> list[str]:
    folder = os.path.join(base, rel) if rel else base
    names: list[str] = []
    try:
        with os.scandir(folder) as it:
            for e in it:
                if e.name in NEVER_LISTED or e.name.startswith("."):
                    continue
                if e.is_dir(follow_symlinks=False):
                    names.append(e.name)
                elif e.is_symlink() and os.path.isfile(os.path.join(e.path, "package.json")):
                    _say(
                        problems,
                        f"{rel + '/' if rel else ''}{e.name}: a symbolic link to a"
                        " workspace folder, not followed",
                    )
    except OSError:
        _say(problems, f"{rel or '.'}: a folder that cannot be listed")
        return []
    budget[0] -= len(names)
    return sorted(names)


def _walk(  # noqa: PLR0917 - a private recursive helper
    base: str,
    rel: str,
    segments: Sequence[str],
    depth: int,
    found: set[str],
    budget: list[int],
    problems: list[str],
) -> None:
    if budget[0] <= 0:
        _say(problems, f"more than {MAX_FOLDERS} folders: the workspaces were not all listed")
        return
    if depth > MAX_DEPTH:
        _say(problems, f"a workspace glob deeper than {MAX_DEPTH} folders: not followed")
        return
    if not segments:
        if rel and os.path.isfile(os.path.join(base, rel, "package.json")):
            found.add(rel)
        return
    head, rest = segments[0], segments[1:]

    def join(name: str) -> str:
        return f"{rel}/{name}" if rel else name

    if head == "**":
        _walk(base, rel, rest, depth, found, budget, problems)  # zero segments
        for name in _subfolders(base, rel, budget, problems):
            _walk(base, join(name), segments, depth + 1, found, budget, problems)
    elif any(c in head for c in "*?["):
        for name in _subfolders(base, rel, budget, problems):
            if fnmatchcase(name, head):
                _walk(base, join(name), rest, depth + 1, found, budget, problems)
    elif head not in NEVER_LISTED:
        target = os.path.join(base, rel, head) if rel else os.path.join(base, head)
        if os.path.islink(target):
            if os.path.isdir(target):
                _say(problems, f"{join(head)}: a symbolic link to a folder, not followed")
        elif os.path.isdir(target):
            _walk(base, join(head), rest, depth + 1, found, budget, problems)
