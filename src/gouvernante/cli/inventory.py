"""``gouvernante inventory add -db FILE [-git PATH...] [-dir DIR...] [-sbom FILE...] [-recursive]
[-ref GLOB] [-shard I/N] [REPORT.json...]``, ``gouvernante inventory merge -db TARGET SHARD...`` and
``gouvernante inventory shard -shard I/N LIST``.

``add`` records what every ref of every repository resolves (see ``gouvernante.inventory``), what
SBOMs (``-sbom``) list and which scans JSON reports describe (``inventory.external``); then
``gouvernante -rules R -inventory FILE`` answers a rule without reading a repository. ``-shard I/N``
keeps job I of N to its part of the organisation; ``merge`` joins the jobs' inventories; ``shard``
prints the lines of a repository list that job I of N mirrors (docs/ci.md, organisation fan-out).
Exit codes: 0 done, 1 some repository could not be read (the rest is recorded), a shard could not
be merged (nothing is), or a bad list.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from gouvernante.cli._base import EXIT_CLEAN, EXIT_ERROR, Parser, flag
from gouvernante.errors import UsageError
from gouvernante.inventory.shard import parse_shard
from gouvernante.safetext import shown


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="gouvernante inventory",
        description="Record what every branch and tag of many repositories resolves, so that"
        " 'gouvernante -rules R -inventory FILE' answers a new rule in seconds.",
    )
    p.add_argument(
        "action",
        choices=["add", "merge", "shard"],
        help="add: read repositories into the inventory; merge: join inventories made apart"
        " (-db TARGET SHARD...); shard: the names of a repository list in shard -shard I/N",
    )
    p.add_argument(
        "inputs",
        nargs="*",
        metavar="FILE",
        help="add: JSON reports of scans (-output report.json), recorded as sources whose"
        " packages are unknown; merge: the shard inventories (SQLite files); shard: one"
        " repository list",
    )
    flag(
        p,
        "db",
        metavar="DB",
        help="the inventory: a SQLite file or a postgresql:// URL (shared by many writers);"
        " made or migrated if needed",
    )
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
    flag(
        p,
        "sbom",
        action="append",
        default=[],
        metavar="FILE",
        help="a CycloneDX (1.4-1.7) or SPDX (2.2, 2.3) JSON SBOM, recorded as HOST:FILE;"
        " repeatable (-sbom A -sbom B)",
    )
    flag(p, "recursive", action="store_true", help="every repository under each -git PATH")
    flag(p, "ref", action="append", default=[], metavar="GLOB", help="only refs matching GLOB")
    flag(p, "workers", type=int, default=None, metavar="N", help="processes (default: 2)")
    flag(
        p,
        "shard",
        default=None,
        metavar="I/N",
        help="only the repositories of shard I of N (stable by name; see docs/org-scan.md)",
    )
    return p


def run(args: Sequence[str]) -> int:
    ns = build_parser().parse_intermixed_args(list(args))  # shard files after the flags
    if ns.action == "merge":
        return _merge(ns)
    if ns.action == "shard":
        return _shard(ns)
    return _add(ns)


def _add(ns: argparse.Namespace) -> int:
    if ns.db is None:
        raise UsageError("inventory add: -db is required")
    shard = None
    if ns.shard is not None:
        shard = parse_shard(ns.shard)
        if ns.dir or ns.sbom or ns.inputs:
            raise UsageError(
                "inventory add: -shard splits -git repositories, not -dir folders, SBOMs or reports"
            )
    if not ns.git and not ns.dir and not ns.sbom and not ns.inputs:
        raise UsageError(
            "inventory add: give at least one -git PATH, -dir DIR, -sbom FILE or REPORT.json"
        )
    from gouvernante.inventory.backend import shown_location  # noqa: PLC0415
    from gouvernante.inventory.record import add  # noqa: PLC0415

    summary = add(
        ns.db,
        ns.git,
        dirs=ns.dir,
        recursive=ns.recursive,
        ref_patterns=tuple(ns.ref),
        workers=ns.workers,
        shard=shard,
        sboms=ns.sbom,
        reports=ns.inputs,
    )
    for issue in summary.errors:
        print(shown(f"gouvernante: {issue.path}: {issue.message}"), file=sys.stderr)
    if summary.notes:  # worded as a scan's text report words them
        print(shown(f"Notes ({len(summary.notes)})"))
        for note in summary.notes:
            print(shown(f"  {note.path}: {note.message}"))
    extra = ""
    if ns.sbom:
        extra += f", {summary.sboms} SBOMs"
    if ns.inputs:
        extra += f", {summary.reports} reports ({summary.reports_new} new; packages unknown)"
    print(
        shown(
            f"inventory {shown_location(ns.db)}: {summary.repositories} repositories,"
            f" {summary.refs} refs ({summary.refs_moved} new or moved, {summary.refs_gone} gone),"
            f" {summary.blobs_parsed} new lockfile contents parsed{extra}"
            f" in {summary.elapsed_s:.1f} s"
        )
    )
    return EXIT_ERROR if summary.errors else EXIT_CLEAN


def _merge(ns: argparse.Namespace) -> int:
    if ns.db is None or not ns.inputs:
        raise UsageError("inventory merge: give -db TARGET and at least one shard inventory")
    if ns.git or ns.dir or ns.sbom or ns.shard or ns.ref:
        raise UsageError("inventory merge: takes -db TARGET and shard files only")
    from gouvernante.inventory.backend import shown_location  # noqa: PLC0415
    from gouvernante.inventory.merge import merge  # noqa: PLC0415

    summary = merge(ns.db, ns.inputs)
    for error in summary.errors:
        print(shown(f"gouvernante: {error.one_line()}"), file=sys.stderr)
    if summary.errors:
        print(shown(f"inventory {shown_location(ns.db)}: nothing merged"), file=sys.stderr)
        return EXIT_ERROR
    print(
        shown(
            f"inventory {shown_location(ns.db)}: {summary.shards} shards merged:"
            f" {summary.repositories} new repositories, {summary.refs} new refs,"
            f" {summary.ref_states} new ref states, {summary.commits} new commits,"
            f" {summary.blobs} new lockfile contents in {summary.elapsed_s:.1f} s"
        )
    )
    return EXIT_CLEAN


def _shard(ns: argparse.Namespace) -> int:
    if ns.shard is None or len(ns.inputs) != 1:
        raise UsageError("inventory shard: give -shard I/N and one repository list file")
    shard = parse_shard(ns.shard)
    from gouvernante.inventory.shard import read_list  # noqa: PLC0415

    for name in read_list(ns.inputs[0]):
        if shard.holds(name):
            print(shown(name))  # (checked names: the escaping changes none of them)
    return EXIT_CLEAN
