"""The workspace globs a project root names (its package.json ``workspaces``, its
pnpm-workspace.yaml ``packages``), read from disk: ``-dir`` lists the root's members by them,
and the pre-commit hook asks whether a changed manifest is one of them."""

from __future__ import annotations

import os
from collections.abc import Sequence

from gouvernante.errors import GouvernanteError
from gouvernante.fs.read import MAX_LOCKFILE_BYTES, link_refusal, read_regular_file
from gouvernante.lockfiles import MANIFEST, PNPM_WORKSPACE
from gouvernante.lockfiles.package_json import parse as parse_manifest


def workspace_patterns(root: str) -> list[str]:
    """The workspace globs the project root ``root`` names, inside the root only (a glob
    climbing out of it, ``../*``, or from ``/`` is not followed). A file that cannot be read
    names none (a scan reports it as its own file's error); a link is refused as the walk
    refuses it."""
    patterns: list[str] = []
    for name, read in ((MANIFEST, _manifest_globs), (PNPM_WORKSPACE, _workspace_globs)):
        path = os.path.join(root, name)
        if not os.path.isfile(path):
            continue
        if os.path.islink(path) and link_refusal(path, root) is not None:
            continue  # (refused by its own task, as the walk refuses it)
        try:
            patterns.extend(read(read_regular_file(path, MAX_LOCKFILE_BYTES, name), name))
        except GouvernanteError:
            continue
    return [p for p in patterns if not p.lstrip("!").startswith("/") and ".." not in p.split("/")]


def _manifest_globs(data: bytes, shown: str) -> Sequence[str]:
    return parse_manifest(data, shown).workspaces


def _workspace_globs(data: bytes, shown: str) -> Sequence[str]:
    from gouvernante.lockfiles import pnpm_workspace  # noqa: PLC0415 - a workspace root only

    return pnpm_workspace.read(data, shown).packages
