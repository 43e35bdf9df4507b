"""Which files a package manager reads as a lockfile or a manifest, by name.

One answer for every source that finds files by name (a directory walk today), so a lockfile is
never left out because of how its name is spelled:

- the well-known names (``package-lock.json``, ``pnpm-lock.yaml``, ``yarn.lock``, ...);
- the same names in another case (``Package-Lock.json``): on a case-insensitive file system
  (macOS and Windows by default) npm opens ``package-lock.json`` and gets that file;
- pnpm's git branch lockfiles, ``pnpm-lock.<branch>.yaml`` (``gitBranchLockfile``: the branch
  name lowercased, characters outside ``[a-z0-9-_.]`` written ``!``), which pnpm installs from
  on that branch and merges into ``pnpm-lock.yaml`` (``--merge-git-branch-lockfiles``).
"""

from __future__ import annotations

import re

from gouvernante.lockfiles import LOCKFILE_NAMES

PNPM_LOCKFILE = "pnpm-lock.yaml"
_PNPM_BRANCH_LOCKFILE = re.compile(r"pnpm-lock\.[a-z0-9_.!-]+\.yaml")


def lockfile_name(filename: str) -> str | None:
    """The well-known name whose parser reads ``filename``, or None when no package manager
    reads a file of that name as its lockfile or manifest."""
    if filename in LOCKFILE_NAMES:
        return filename
    lower = filename.lower()
    if lower in LOCKFILE_NAMES:
        return lower
    if _PNPM_BRANCH_LOCKFILE.fullmatch(lower):
        return PNPM_LOCKFILE
    return None
