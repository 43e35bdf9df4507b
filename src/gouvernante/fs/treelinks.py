"""Where the symbolic links of a tree known by its paths lead (a git tree, an inventory's
recorded tree, an image's filesystem), worked out on the paths alone: nothing is read.

A link is ``path -> target as written`` ('/'-separated, relative to the tree's root, '' the
root). Its end is found as the kernel finds it, one name at a time from the link's folder: a
``..`` leaves the folder reached so far (itself real: a link met on the way is replaced by its
own end first), a name that is another link is followed (at most ``MAX_LINKS`` links in all,
Linux's ELOOP). An absolute target starts at the tree's root when the tree is a whole
filesystem (an image), and leads out of it otherwise (a repository: the target is on the
machine that checks it out, never read). A path that leaves a repository's root leads out of
it (a filesystem's ``/..`` is its root). Whether
the end exists is not asked: the caller holds the paths it knows.
"""

from __future__ import annotations

from collections.abc import Mapping

MAX_LINKS = 40  # symbolic links followed to resolve one name (Linux's ELOOP)


class _Loop(Exception):
    """More than ``MAX_LINKS`` links: a loop, or a chain the kernel refuses."""


class _Out(Exception):
    """The path leaves the tree."""


def link_ends(
    links: Mapping[str, str], *, absolute_inside: bool = False
) -> tuple[dict[str, str], frozenset[str]]:
    """(link -> its end inside the tree, the links that lead out of it); a link in a loop (or
    a chain of more than ``MAX_LINKS``) is in neither."""
    ends: dict[str, str] = {}
    out: set[str] = set()
    for link in links:
        try:
            ends[link] = _end(link, links, absolute_inside, [MAX_LINKS])
        except _Out:
            out.add(link)
        except _Loop:
            continue
    return ends, frozenset(out)


def _end(
    link: str,
    links: Mapping[str, str],
    absolute_inside: bool,
    budget: list[int],
) -> str:
    """The end of ``link``, each link met counted against ``budget`` (at most ``MAX_LINKS``
    for one resolution, as the kernel counts them: no answer is reused across links)."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _Loop
    target = links[link]
    if target.startswith("/"):
        if not absolute_inside:
            raise _Out
        parts: list[str] = []
    else:
        parts = [p for p in link.split("/")[:-1] if p]
    for name in target.split("/"):
        if name in ("", "."):
            continue
        if name == "..":
            if parts:
                parts.pop()
            elif not absolute_inside:
                raise _Out
            continue  # (a filesystem's ``/..`` is ``/``)
        parts.append(name)
        here = "/".join(parts)
        if here in links:
            end = _end(here, links, absolute_inside, budget)
            parts = [p for p in end.split("/") if p]
    return "/".join(parts)
