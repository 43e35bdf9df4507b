"""Where an installed npm package sits: the one rule for "a package folder", for every scanner
of installed trees (host installed-package and cache scanners, the heuristic scanner).

npm, yarn classic, pnpm and bun put a package in ``node_modules/<name>`` or
``node_modules/@scope/<name>``; pnpm's and bun's virtual stores hold
``node_modules/.pnpm/<id>/node_modules/<name>`` (and ``.bun``), the same rule one level down, and
so does npm's isolated layout (``--install-strategy=linked``, npm 9.4+):
``node_modules/.store/<name>@<version>-<hash>/node_modules/<name>``, a scoped package's entry in a
scope folder of the store (``.store/@scope/<name>@<version>-<hash>/...``). Any other dot-entry
of ``node_modules`` (``.bin``, ``.cache``, ``.package-lock.json``) is not a package.
"""

from __future__ import annotations

import os
from enum import StrEnum

NODE_MODULES = "node_modules"
VIRTUAL_STORES = frozenset({".pnpm", ".bun", ".store"})


class Entry(StrEnum):
    """What one entry of a ``node_modules`` folder is."""

    PACKAGE = "package"  # node_modules/<name>
    SCOPE = "scope"  # node_modules/@scope: its entries are packages
    STORE = (
        "store"  # node_modules/.pnpm, .bun, .store: <id>/node_modules inside are trees of their own
    )
    OTHER = "other"  # .bin, .cache, ...: never a package


def entry_kind(name: str) -> Entry:
    if name.startswith("."):
        return Entry.STORE if name in VIRTUAL_STORES else Entry.OTHER
    return Entry.SCOPE if name.startswith("@") else Entry.PACKAGE


def is_store_scope(entry: str) -> bool:
    """Is this entry of a virtual store a scope folder (npm's ``.store/@scope``, whose entries
    are the store's ids), not an id (pnpm's ``@scope+name@1.0.0``, which names a version)?"""
    return entry.startswith("@") and len(entry) > 1 and "@" not in entry[1:]


def is_package_folder(path: str) -> bool:
    """Does ``path`` sit where a package is installed (``.../node_modules/<name>`` or
    ``.../node_modules/@scope/<name>``)? By its place only: the folder may hold no package.json."""
    head, name = os.path.split(os.path.normpath(path))
    if not name or name.startswith((".", "@")):
        return False
    parent_head, parent = os.path.split(head)
    if parent == NODE_MODULES:
        return True
    return (
        parent.startswith("@") and len(parent) > 1 and os.path.basename(parent_head) == NODE_MODULES
    )
