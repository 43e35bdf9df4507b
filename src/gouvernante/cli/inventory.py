"""``gouvernante inventory add -db FILE [-git PATH...] [-dir DIR...] [-recursive] [-ref GLOB]``.

Records what every ref of every repository resolves (see ``gouvernante.inventory``); then
``gouvernante -rules R -inventory FILE`` answers a rule without reading a repository.
Exit codes: 0 recorded, 1 some repository could not be read (the rest is recorded).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from gouvernante.cli._base import EXIT_CLEAN, EXIT_ERROR, Parser, flag
from gouvernante.errors import UsageError
from gouvernante.safetext import shown


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="gouvernante inventory",
        description="Record what every branch and tag of many repositories resolves, so that"
        " 'gouvernante -rules R -inventory FILE' answers a new rule in seconds.",
    )
    p.add_argument("action", choices=["add"], help="add: read repositories into the inventory")
    flag(p, "db", required=True, metavar="FILE", help="the inventory (SQLite; made if missing)")
    flag(
        p,
        "git",
        action="append",
        default=[],
        metavar="PATH",
        help="repository (bare mirror or clone), or with -recursive a folder of them; repeatable",
    )
    flag(
        p,
        "dir",
        action="append",
        default=[],
        metavar="DIR",
        help="a project folder (as -dir -recursive reads it) recorded as HOST:DIR; repeatable",
    )
    flag(p, "recursive", action="store_true", help="every repository under each -git PATH")
    flag(p, "ref", action="append", default=[], metavar="GLOB", help="only refs matching GLOB")
    flag(p, "workers", type=int, default=None, metavar="N", help="processes (default: 2)")
    return p


def run(args: Sequence[str]) -> int:
    ns = build_parser().parse_args(list(args))
    if not ns.git and not ns.dir:
        raise UsageError("inventory add: give at least one -git PATH or -dir DIR")
    from gouvernante.inventory.backend import shown_location  # noqa: PLC0415
    from gouvernante.inventory.record import add  # noqa: PLC0415

    summary = add(
        ns.db,
        ns.git,
        dirs=ns.dir,
        recursive=ns.recursive,
        ref_patterns=tuple(ns.ref),
        workers=ns.workers,
    )
    for issue in summary.errors:
        print(shown(f"gouvernante: {issue.path}: {issue.message}"), file=sys.stderr)
    print(
        shown(
            f"inventory {shown_location(ns.db)}: {summary.repositories} repositories, {summary.refs} refs"
            f" ({summary.refs_moved} new or moved, {summary.refs_gone} gone),"
            f" {summary.blobs_parsed} new lockfile contents parsed in {summary.elapsed_s:.1f} s"
        )
    )
    return EXIT_ERROR if summary.errors else EXIT_CLEAN
