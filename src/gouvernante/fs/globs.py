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
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache

# (a real monorepo's packages/** lists a few thousand; npm lists past any limit: reaching one is
# said by ``expand``, never a silent short list)
MAX_FOLDERS = 200_000
MAX_DEPTH = 64
# Folders a listing never enters, nor a literal segment names: no workspace lives there.
NEVER_LISTED = frozenset({"node_modules", ".git", ".hg", ".svn"})
# More globs than this in one list (package.json ``workspaces``, pnpm-workspace.yaml
# ``packages``), or more than ``MAX_WILDCARD_GLOBS`` of them holding a ``*``, ``?`` or ``[``:
# the file is refused (``too_many``). Each folder is tried against every glob with a wildcard (a
# path without one is looked up): 100,000 globs against 200 folders took minutes (decision 0116).
MAX_GLOBS = 10_000
MAX_WILDCARD_GLOBS = 100
# More (folder, rest of a glob) steps than this to list them: the listing stops, said as the
# folder limit is (each glob with ``**`` walks the whole tree: 499 of them over 2,000 folders
# took 23 s).
MAX_STEPS = 1_000_000
_WILD = frozenset("*?[")


def _segments(pattern: str) -> list[str]:
    """The segments of a glob; a run of ``**`` is one (``**/**`` names what ``**`` names: a
    hostile ``**/**/...`` of 300,000 segments recursed past Python's limit, decision 0116)."""
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    out: list[str] = []
    for s in pattern.split("/"):
        if s and s != "." and not (s == "**" and out and out[-1] == "**"):
            out.append(s)
    return out


def too_many(items: Sequence[object]) -> tuple[int, str] | None:
    """The index (among ``items``: the file's list, whose strings are the globs) of the first
    glob past ``MAX_GLOBS`` or ``MAX_WILDCARD_GLOBS``, and why it is refused; None when none is."""
    count = wild = 0
    for index, item in enumerate(items):
        if not isinstance(item, str):
            continue
        count += 1
        if count > MAX_GLOBS:
            return index, f"more than {MAX_GLOBS} workspace globs: not read"
        if not _WILD.isdisjoint(item):
            wild += 1
            if wild > MAX_WILDCARD_GLOBS:
                return (
                    index,
                    f"more than {MAX_WILDCARD_GLOBS} workspace globs with a wildcard: not read",
                )
    return None


@dataclass(frozen=True, slots=True)
class _Globs:
    """A list of globs read once: the paths without a wildcard looked up (the index of the
    last glob naming each, and whether it excludes), the others tried in turn."""

    exact: dict[tuple[str, ...], tuple[int, bool]]
    wild: tuple[tuple[int, bool, tuple[str, ...], int], ...]  # index, excludes, segments, fixed


@lru_cache(maxsize=32)
def _compiled(patterns: tuple[str, ...]) -> _Globs:
    exact: dict[tuple[str, ...], tuple[int, bool]] = {}
    wild: list[tuple[int, bool, tuple[str, ...], int]] = []
    for index, pattern in enumerate(patterns):
        negated = pattern.startswith("!")
        segments = tuple(_segments(pattern[1:] if negated else pattern))
        if not segments:
            continue
        if all(_WILD.isdisjoint(s) for s in segments):
            if not any(s in NEVER_LISTED for s in segments):
                exact[segments] = (index, negated)
        else:
            fixed = sum(1 for s in segments if s != "**")
            wild.append((index, negated, segments, fixed))
    return _Globs(exact, tuple(wild))


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
    globs = _compiled(tuple(patterns))
    # the last glob naming the folder decides: the path's own entry, then any later wildcard
    index, negated = globs.exact.get(tuple(parts), (-1, True))
    for w_index, w_negated, segments, fixed in reversed(globs.wild):
        if w_index < index:
            break
        # (each segment but ``**`` takes one folder, and without ``**`` exactly one each)
        if fixed == len(segments):  # no ``**``: one folder a segment, tried left to right
            if fixed == len(parts) and all(map(_reached, parts, segments)):
                return not w_negated
        elif fixed <= len(parts) and _match(parts, segments):
            return not w_negated
    return not negated


def expand(
    base: str,
    patterns: Sequence[str],
    problems: list[str] | None = None,
    links: list[str] | None = None,
) -> list[str]:
    """The folders under ``base`` (relative, ``/``-separated, sorted) that the globs name and that
    hold a ``package.json``. ``problems`` gets why the list may be short, each once: a folder
    that could not be listed, a symbolic link to a folder holding a ``package.json`` (not
    followed), the ``MAX_FOLDERS`` or ``MAX_DEPTH`` limit reached (npm would list the folders
    past them: the caller says the scan is incomplete, never clean). ``links`` (when given)
    gets, instead of a problem, each symbolic link the globs name that leads to a folder holding
    a ``package.json`` (sorted): npm, pnpm and yarn 1 follow it as a member (decision 0113);
    the caller says where it leads. The walk never goes through one. Each folder is listed once
    for all the globs, and each (folder, rest of a glob) is walked once: ``**/a/**/a/...``
    over ``a/a/a/...`` no longer walks every way of splitting the path (decision 0116)."""
    said: list[str] = [] if problems is None else problems
    walk = _Walk(base, said)
    for pattern in patterns:
        if not pattern.startswith("!"):
            segments = _segments(pattern)
            if segments:
                walk.seen.clear()
                walk.walk("", segments, 0)
    if links is not None:
        links.extend(sorted(f for f in walk.linked if matches(f, patterns)))
    for f in sorted(walk.linked):
        if links is None or not matches(f, patterns):
            _say(said, f"{f}: a symbolic link to a workspace folder, not followed")
    return sorted(f for f in walk.found if matches(f, patterns))


def _say(problems: list[str], text: str) -> None:
    if text not in problems:
        problems.append(text)


class _Walk:
    """One listing of the folders the globs name: the folders listed so far (each once, counted
    against ``MAX_FOLDERS``), the (folder, segments left) pairs of the glob walked now."""

    def __init__(self, base: str, problems: list[str]) -> None:
        self.base = base
        self.problems = problems
        self.found: set[str] = set()
        self.linked: set[str] = set()  # symbolic links to a folder holding a package.json
        self.budget = MAX_FOLDERS
        self.listed: dict[str, tuple[list[str], frozenset[str], frozenset[str]]] = {}
        self.seen: set[tuple[str, int]] = set()
        self.steps = MAX_STEPS

    def subfolders(self, rel: str) -> list[str]:
        return self.listing(rel)[0]

    def listing(self, rel: str) -> tuple[list[str], frozenset[str], frozenset[str]]:
        """The folders a wildcard reaches in ``rel`` (sorted, and as a set), and the entries a
        literal segment must look at on disk (hidden folders, symbolic links)."""
        known = self.listed.get(rel)
        if known is not None:
            return known
        folder = os.path.join(self.base, rel) if rel else self.base
        names: list[str] = []
        odd: list[str] = []
        try:
            with os.scandir(folder) as it:
                for e in it:
                    if e.name in NEVER_LISTED:
                        continue
                    if e.is_symlink() or (e.name.startswith(".") and e.is_dir()):
                        odd.append(e.name)
                        if e.name.startswith("."):
                            continue
                    if e.is_dir(follow_symlinks=False):
                        names.append(e.name)
                    elif e.is_symlink() and os.path.isfile(os.path.join(e.path, "package.json")):
                        self.linked.add(_joined(rel, e.name))
        except OSError:
            _say(self.problems, f"{rel or '.'}: a folder that cannot be listed")
        self.budget -= len(names)
        names.sort()
        known = self.listed[rel] = (names, frozenset(names), frozenset(odd))
        return known

    def stopped(self, depth: int) -> bool:
        """Is a limit reached (said once)?"""
        self.steps -= 1
        if self.steps < 0:
            why = f"the workspace globs take more than {MAX_STEPS} steps to list"
        elif self.budget <= 0:
            why = f"more than {MAX_FOLDERS} folders"
        elif depth > MAX_DEPTH:
            _say(self.problems, f"a workspace glob deeper than {MAX_DEPTH} folders: not followed")
            return True
        else:
            return False
        _say(self.problems, f"{why}: the workspaces were not all listed")
        return True

    def walk(self, rel: str, segments: Sequence[str], depth: int) -> None:
        state = (rel, len(segments))
        if state in self.seen:
            return
        self.seen.add(state)
        if self.stopped(depth):
            return
        if not segments:
            if rel and os.path.isfile(os.path.join(self.base, rel, "package.json")):
                self.found.add(rel)
            return
        head, rest = segments[0], segments[1:]
        if head == "**":
            self.walk(rel, rest, depth)  # zero segments
            for name in self.subfolders(rel):
                self.walk(_joined(rel, name), segments, depth + 1)
        elif not _WILD.isdisjoint(head):
            for name in self.subfolders(rel):
                if fnmatchcase(name, head):
                    self.walk(_joined(rel, name), rest, depth + 1)
        elif head not in NEVER_LISTED:
            self.literal(rel, head, rest, depth)

    def literal(self, rel: str, head: str, rest: Sequence[str], depth: int) -> None:
        """A segment without a wildcard: the folder of that name, never through a link."""
        known = self.listed.get(rel)
        if known is not None and head not in known[2]:  # (listed: no look on disk)
            if head in known[1]:
                self.walk(_joined(rel, head), rest, depth + 1)
            return
        target = os.path.join(self.base, rel, head) if rel else os.path.join(self.base, head)
        if os.path.islink(target):
            # the member itself when no segment follows and it leads to a folder holding a
            # package.json; else a folder the walk does not go through
            if not rest and os.path.isfile(os.path.join(target, "package.json")):
                self.linked.add(_joined(rel, head))
            elif os.path.isdir(target):
                _say(
                    self.problems,
                    f"{_joined(rel, head)}: a symbolic link to a folder, not followed",
                )
        elif os.path.isdir(target):
            self.walk(_joined(rel, head), rest, depth + 1)


def _joined(rel: str, name: str) -> str:
    return f"{rel}/{name}" if rel else name
