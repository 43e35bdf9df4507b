"""The scan command: flags -> ``ScanRequest`` -> ``pipeline.run_scan`` -> reports -> exit code.

Exit codes: 0 clean, 1 error (nothing found but something could not be scanned, or bad usage),
2 findings (even when some inputs also failed: the errors are listed in the report).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import msgspec

from gouvernante import __version__, trace
from gouvernante.cli import commands_help
from gouvernante.cli._base import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, Parser, flag
from gouvernante.errors import UsageError
from gouvernante.vocab import Severity

if TYPE_CHECKING:
    from gouvernante.model import ScanResult
    from gouvernante.report import ReportFormat
    from gouvernante.rules.model import Rule
    from gouvernante.rules.ruleset import RuleFile, RuleSet
    from gouvernante.suppress import SuppressionSet

__all__ = ["EXIT_CLEAN", "EXIT_ERROR", "EXIT_FINDINGS", "build_scan_parser", "exit_code", "run"]


def build_scan_parser(only: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The scan's parser; ``only``: the flag names (``lockfile`` for ``-lockfile``) to add,
    the others' defaults set without their option (``run``: 27 ``add_argument`` were ~2.5 M
    instructions of every scan, decision 0121). A name of ``only`` that is no flag of the scan
    gives the whole parser, so that argparse words the refusal as ever."""
    p = Parser(
        prog="gouvernante",
        description="Scan npm lockfiles, package.json, installs, caches and the host for known\n"
        "supply-chain compromises. Exit codes: 0 clean, 1 error, 2 findings.",
        epilog=commands_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        only=only,
    )
    flag(
        p,
        "rules",
        action="append",
        default=[],
        metavar="PATH",
        help="rule file or directory (searched recursively for *.json); repeatable",
    )
    flag(
        p,
        "builtin-rules",
        action="store_true",
        dest="builtin_rules",
        help="with -rules, also use the bundled rule pack (the default without -rules)",
    )
    flag(p, "dir", default=".", metavar="DIR", help="project directory to scan (default .)")
    flag(
        p,
        "lockfile",
        action="append",
        default=[],
        metavar="FILE",
        help="scan this lockfile or package.json (any name; overrides -dir); repeatable",
    )
    flag(p, "recursive", action="store_true", help="also scan sub-directories of -dir (or -git)")
    flag(
        p,
        "git",
        action="append",
        default=[],
        metavar="PATH",
        help="scan a git repository (bare mirror or clone) without checking it out: every"
        " branch and tag head; with -recursive, every repository under PATH; repeatable",
    )
    flag(
        p,
        "ref",
        action="append",
        default=[],
        metavar="GLOB",
        help="with -git or -inventory, only refs whose name matches (main, release/*, tags/v*);"
        " repeatable",
    )
    flag(
        p,
        "history",
        action="store_true",
        help="with -git, follow each ref's lockfile history: when affected versions came and went",
    )
    flag(p, "since", metavar="DATE", help="with -history, only commits from DATE on (2026-09-01)")
    flag(
        p,
        "diff",
        metavar="BASE",
        help="with -git REPO, report only what -diff-head (default HEAD) adds or removes vs BASE",
    )
    flag(
        p,
        "diff-head",
        dest="diff_head",
        metavar="REV",
        help="with -diff, the revision compared with BASE (default HEAD)",
    )
    flag(
        p,
        "inventory",
        metavar="DB",
        help="evaluate the rules against an inventory (gouvernante inventory add): a SQLite"
        " file or a postgresql:// URL",
    )
    flag(p, "at", metavar="TIME", help="with -inventory, the refs as they were at TIME (UTC)")
    flag(
        p,
        "image",
        action="append",
        default=[],
        metavar="FILE",
        help="scan a container image without a daemon: a docker save archive or an OCI image"
        " layout (folder or tar); lockfiles and installed packages of its final filesystem;"
        " repeatable",
    )
    flag(
        p,
        "host",
        action="store_true",
        help="also check this machine: installed packages, package-manager caches and the rules'"
        " host indicators",
    )
    flag(
        p,
        "heuristic",
        action="store_true",
        help="also look for attack techniques in installed packages (no rule needed)",
    )
    flag(
        p,
        "heuristic-review-counts",
        dest="heuristic_review_counts",
        action="store_true",
        help="with -heuristic, medium/low-confidence findings count too (default: review only)",
    )
    flag(p, "json", action="store_true", help="JSON report (same as -format json)")
    flag(
        p,
        "format",
        choices=["text", "json", "sarif", "markdown", "cyclonedx"],
        default=None,
        help="report format (default text)",
    )
    flag(
        p,
        "fail-on",
        dest="fail_on",
        choices=["low", "medium", "high", "critical"],
        default="low",
        help="lowest severity that makes the exit code 2 (default low)",
    )
    flag(
        p,
        "ignore",
        metavar="FILE",
        help="suppression file (default: .gouvernante-ignore.json in the scan root, if present)",
    )
    flag(
        p,
        "output",
        action="append",
        default=[],
        metavar="FILE|auto",
        help="write the report to FILE (repeatable: each file's format from its extension,"
        " .json .sarif .md .txt .cdx.json), or to gouvernante-report-<UTC time>.<ext> with 'auto'",
    )
    flag(
        p,
        "workers",
        type=int,
        default=None,
        metavar="N",
        help="processes for parsing many lockfiles (default: both cores when there are 8 or more"
        " files)",
    )
    flag(
        p,
        "project",
        metavar="NAME",
        help="the project's name in the report, for 'collect' (default: the CI repository,"
        " else the origin remote of the scanned folder's git repository, else HOST:ROOT)",
    )
    flag(p, "trace", action="store_true", help="debug log on stderr")
    flag(p, "version", action="store_true", help="print the version and exit")
    if only is not None and not p.has_every_flag(only):
        return build_scan_parser()
    return p


def _flag_names(args: Sequence[str]) -> set[str] | None:
    """The names of the flags ``args`` gives (``-name``, ``--name``, either with ``=VALUE``);
    None when an argument starting with ``-`` is no such spelling (``-h``'s ``h`` is no scan
    flag either: the whole parser then)."""
    names: set[str] = set()
    for arg in args:
        if arg[:1] != "-":
            continue
        spelled = arg.partition("=")[0]
        name = spelled[2:] if spelled[:2] == "--" else spelled[1:]
        if not name or name[:1] == "-":
            return None
        names.add(name)
    return names


def scan_parser_for(args: Sequence[str]) -> argparse.ArgumentParser:
    """The scan's parser for ``args``: holding only the flags they give (``_flag_names``), unless
    one gives ``=VALUE`` to a flag that takes no value: Python before 3.13 reads VALUE's
    characters as short options (``-json=h`` is ``-json -h``), which that parser may not hold
    (it printed a help naming only ``-json``); 3.13 refuses it. The whole parser then."""
    only = _flag_names(args)
    parser = build_scan_parser(only)
    if only is None:
        return parser
    options = parser._option_string_actions
    for arg in args:
        spelled, equals, _value = arg.partition("=")
        action = options.get(spelled) if arg[:1] == "-" and equals else None
        if action is not None and action.nargs == 0:
            return build_scan_parser()
    return parser


def run(args: Sequence[str]) -> int:
    """The scan command (no subcommand word). The parser holds the flags ``args`` gives (the
    others' defaults set): argparse reads an exact option spelling the same whatever other
    options its parser holds, and any other argument starting with ``-`` gets the whole parser
    (abbreviations are off), so the namespace and every refusal are the whole parser's."""
    parser = scan_parser_for(args)
    if args and args[0] in {"-h", "--help"}:
        parser.print_help()
        return EXIT_CLEAN
    ns = parser.parse_args(list(args))
    if ns.version:
        from gouvernante.safetext import shown  # noqa: PLC0415

        print(shown(f"gouvernante {__version__}"))
        return EXIT_CLEAN
    if ns.trace:
        trace.enable()
    return _scan(ns)


class OutputTarget(msgspec.Struct, frozen=True, gc=False):
    """One report to write: where, and in which format."""

    path: str  # a file name, or "auto"
    format: ReportFormat


_BY_EXTENSION = {
    ".json": "json",
    ".sarif": "sarif",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
}


def output_targets(outputs: Sequence[str], explicit: str | None) -> tuple[OutputTarget, ...]:
    """Each ``-output`` with its format: the one ``-format`` names when there is one output, else
    the file's extension (``auto`` takes ``-format``, text by default)."""
    from gouvernante.report import ReportFormat  # noqa: PLC0415 - lean start-up

    targets: list[OutputTarget] = []
    for path in outputs:
        if path == "auto" or (explicit is not None and len(outputs) == 1):
            targets.append(OutputTarget(path, ReportFormat(explicit or "text")))
            continue
        ext = os.path.splitext(path)[1].lower()
        if path.lower().endswith(".cdx.json"):
            targets.append(OutputTarget(path, ReportFormat.CYCLONEDX))
        elif ext in _BY_EXTENSION:
            targets.append(OutputTarget(path, ReportFormat(_BY_EXTENSION[ext])))
        elif len(outputs) == 1:
            targets.append(OutputTarget(path, ReportFormat.TEXT))
        else:
            known = ", ".join(sorted([*_BY_EXTENSION, ".cdx.json"]))
            raise UsageError(
                f"-output {path}: cannot tell the format from the extension (one of {known})"
            )
    names = [t.path for t in targets if t.path != "auto"]
    if len(set(names)) != len(names):
        raise UsageError("-output: the same file is named twice")
    return tuple(targets)


def _scan(ns: argparse.Namespace) -> int:
    from gouvernante.pipeline import ScanRequest, run_scan  # noqa: PLC0415 - lean start-up

    if ns.json and ns.format not in (None, "json"):
        raise UsageError(f"-json conflicts with -format {ns.format}")
    explicit = "json" if ns.json else ns.format
    targets = output_targets(ns.output, explicit)
    _check_mode_flags(ns)
    if ns.workers is not None and ns.workers < 1:
        raise UsageError("-workers must be at least 1")
    ruleset = _load_rules(ns.rules, ns.builtin_rules)
    if ruleset is None:
        return EXIT_ERROR
    trace.debug("loaded %d rules from %s", len(ruleset.rules), ", ".join(ruleset.sources))
    sbom = any(t.format.value == "cyclonedx" for t in targets) or (
        not targets and explicit == "cyclonedx"
    )
    if sbom and (ns.image or ns.git or ns.inventory):
        raise UsageError("-format cyclonedx describes what a -dir or -lockfile scan resolved")
    if ns.image or ns.git or ns.inventory:
        # An explicit -ignore applies in every mode (never silently dropped); the default
        # .gouvernante-ignore.json belongs to a -dir scan's folder.
        explicit_suppressions = _load_suppressions(ns.ignore, None)
        result = _scan_images(ns, ruleset) if ns.image else _scan_sources(ns, ruleset)
        if explicit_suppressions is not None:
            from gouvernante.suppress import apply_suppressions  # noqa: PLC0415

            result = apply_suppressions(result, explicit_suppressions)
        return _finish(ns, result, targets, explicit)
    # Only the JSON report and the CycloneDX SBOM name the project: a text-only scan does not
    # look for a git remote.
    formats = {t.format.value for t in targets} if targets else {explicit or "text"}
    project = ns.project if formats <= {"text", "markdown", "sarif"} else _project(ns)
    request = ScanRequest(
        directory=ns.dir,
        lockfiles=tuple(ns.lockfile),
        recursive=ns.recursive,
        host=ns.host,
        heuristic=ns.heuristic,
        heuristic_review_counts=ns.heuristic_review_counts,
        workers=ns.workers,
        resolved=sbom,
    )
    suppressions = _load_suppressions(ns.ignore, ns.dir if not ns.lockfile else None)
    from gouvernante.progress import progress_for  # noqa: PLC0415

    result = run_scan(request, ruleset, progress=progress_for())
    where = ref = None
    if not ns.lockfile and formats - {"text", "markdown", "sarif"}:
        from gouvernante.cli._project import repository_path, repository_ref  # noqa: PLC0415

        where = repository_path(ns.dir)
        ref = repository_ref(ns.dir) if where is not None else None
    result = msgspec.structs.replace(
        result, project=project, repository_path=where, repository_ref=ref
    )
    if suppressions is not None:
        from gouvernante.suppress import apply_suppressions  # noqa: PLC0415

        result = apply_suppressions(result, suppressions)
    return _finish(ns, result, targets, explicit)


def _check_mode_flags(ns: argparse.Namespace) -> None:
    """The flags of -git and -inventory are refused elsewhere: never a scan of another kind that
    looks as if it had read them."""
    if not (ns.git or ns.inventory):
        given = [
            name
            for name, value in (
                ("-ref", ns.ref),
                ("-history", ns.history),
                ("-since", ns.since),
                ("-diff", ns.diff),
                ("-diff-head", ns.diff_head),
                ("-at", ns.at),
            )
            if value
        ]
        if given:
            modes = {"-ref": "-git or -inventory", "-at": "-inventory"}  # the others: -git
            said = "; ".join(f"{name}: only with {modes.get(name, '-git')}" for name in given)
            raise UsageError(f"{said}; this scan would not read them")
    if ns.diff_head is not None and ns.diff is None:
        raise UsageError("-diff-head goes with -diff")
    if ns.heuristic_review_counts and not ns.heuristic:
        raise UsageError("-heuristic-review-counts goes with -heuristic; this scan runs none")


def _scan_sources(ns: argparse.Namespace, ruleset: RuleSet) -> ScanResult:
    """``-git`` and ``-inventory``: findings placed in repositories and refs."""
    from gouvernante.pipeline import run_git_scan, run_inventory_scan  # noqa: PLC0415

    if ns.git and ns.inventory:
        raise UsageError("-git and -inventory are two ways to answer: give one")
    if ns.lockfile or ns.host or ns.heuristic:
        raise UsageError(
            "-git/-inventory scan repositories: -lockfile, -host, -heuristic apply to -dir"
        )
    if ns.since is not None and not ns.history:
        raise UsageError("-since goes with -history")
    if ns.inventory:
        from gouvernante.inventory.evaluate import InventoryRequest  # noqa: PLC0415

        if ns.history or ns.diff:
            raise UsageError("-history and -diff read repositories: use them with -git")
        return run_inventory_scan(
            InventoryRequest(ns.inventory, at=_time_flag("-at", ns.at), ref_patterns=tuple(ns.ref)),
            ruleset,
        )
    from gouvernante.gitscan import GitScanRequest  # noqa: PLC0415

    if ns.at is not None:
        raise UsageError("-at goes with -inventory")
    if ns.diff is not None and (ns.history or ns.recursive or len(ns.git) != 1):
        raise UsageError("-diff compares two revisions of one repository (one -git, no -history)")
    request = GitScanRequest(
        paths=tuple(ns.git),
        recursive=ns.recursive,
        ref_patterns=tuple(ns.ref),
        history=ns.history,
        since=_time_flag("-since", ns.since),
        diff_base=ns.diff,
        diff_head=ns.diff_head or "HEAD",
        workers=ns.workers,
    )
    return run_git_scan(request, ruleset)


def _scan_images(ns: argparse.Namespace, ruleset: RuleSet) -> ScanResult:
    """``-image``: container images, each layer read from the archive in memory."""
    from gouvernante.pipeline import run_image_scan  # noqa: PLC0415

    if ns.git or ns.inventory or ns.lockfile or ns.host or ns.heuristic or ns.recursive:
        raise UsageError(
            "-image scans images: -git, -inventory, -lockfile, -host, -heuristic, -recursive"
            " do not apply"
        )
    result = run_image_scan(tuple(ns.image), ruleset)
    return msgspec.structs.replace(result, project=ns.project)


def _time_flag(name: str, value: str | None) -> int | None:
    """A date or RFC 3339 time (UTC when no offset is given) as unix seconds."""
    if value is None:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{name} {value!r}: not a date or time (2026-09-08, 2026-09-08T13:00Z)"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def _finish(
    ns: argparse.Namespace,
    result: ScanResult,
    targets: tuple[OutputTarget, ...],
    explicit: str | None,
) -> int:
    from gouvernante.report import ReportFormat, render  # noqa: PLC0415
    from gouvernante.report.text import terminal_safe  # noqa: PLC0415

    trace.debug("scan done: %d findings, %d errors", len(result.findings), len(result.errors))
    result = msgspec.structs.replace(result, fail_on=Severity(ns.fail_on))
    failed = _write_reports(result, targets) if targets else 0
    if not targets:
        _write_stdout(render(result, ReportFormat(explicit or "text")))
    for err in result.errors:
        print(terminal_safe(f"gouvernante: {err.path}: {err.message}"), file=sys.stderr)
    code = exit_code(result, Severity(ns.fail_on))
    # A report that could not be written is an error, but never hides findings (exit 2 stays).
    return EXIT_ERROR if failed and code == EXIT_CLEAN else code


def _write_reports(result: ScanResult, targets: Sequence[OutputTarget]) -> int:
    """Write each report whole (or not at all); the verdict line names what was written. Returns
    how many could not be written (each one a one-line error on stderr)."""
    from gouvernante.errors import ReportError  # noqa: PLC0415
    from gouvernante.report import render  # noqa: PLC0415
    from gouvernante.report.text import summary_line, terminal_safe  # noqa: PLC0415

    written: list[str] = []
    failures: list[str] = []
    for t in targets:
        try:
            written.append(_write_report(t.path, render(result, t.format), t.format.extension))
        except ReportError as exc:
            failures.append(exc.one_line())
    where = f"report: {', '.join(written)}" if written else "no report written"
    print(terminal_safe(f"{summary_line(result)} ({where})"))
    for failure in failures:
        print(terminal_safe(f"gouvernante: {failure}"), file=sys.stderr)
    return len(failures)


def exit_code(result: ScanResult, fail_on: Severity) -> int:
    if any(f.counts_at(fail_on) for f in result.findings):
        return EXIT_FINDINGS
    return EXIT_ERROR if result.errors else EXIT_CLEAN


def _project(ns: argparse.Namespace) -> str | None:
    from gouvernante.cli._project import project_identity  # noqa: PLC0415

    start = os.path.dirname(os.path.abspath(ns.lockfile[0])) if ns.lockfile else ns.dir
    return project_identity(ns.project, start)


def _load_suppressions(explicit: str | None, scan_root: str | None) -> SuppressionSet | None:
    path = explicit
    if path is None and scan_root is not None:
        candidate = os.path.join(scan_root, ".gouvernante-ignore.json")
        if os.path.lexists(candidate):
            path = candidate
            if os.path.islink(candidate):  # the repository's file: not read through a link out
                from gouvernante.errors import SuppressionError  # noqa: PLC0415
                from gouvernante.fs.read import link_refusal  # noqa: PLC0415

                refusal = link_refusal(candidate, scan_root)
                if refusal is not None:
                    raise SuppressionError(candidate, refusal)
    if path is None:
        return None
    from gouvernante.suppress import load_suppressions  # noqa: PLC0415

    # the scanned folder's own file: only what the repository may suppress (``scanned_tree``)
    return load_suppressions(path, scanned_tree=explicit is None)


def builtin_rules_dir() -> str:
    from gouvernante import rules  # noqa: PLC0415

    return os.path.join(os.path.dirname(rules.__file__), "builtin")


def _load_rules(paths: Sequence[str], with_builtin: bool) -> RuleSet | None:
    """User rules through the strict loader; the bundled pack through its fast loader."""
    from gouvernante.rules.ruleset import RuleSet as _RuleSet  # noqa: PLC0415

    builtin = not paths or with_builtin
    rules: Sequence[Rule] = ()
    sources: list[str] = []
    files: tuple[RuleFile, ...] = ()
    messages: list[str] = []
    if paths:
        from gouvernante.rules.loader import load_rule_files  # noqa: PLC0415

        user, errors = load_rule_files(paths)
        messages.extend(err.one_line() for err in errors)
        rules = user.rules  # cached rules stay undecoded (rules.cache)
        sources.extend(user.sources)
        files = user.files
    if builtin:
        from gouvernante.rules.pack import load_pack  # noqa: PLC0415
        from gouvernante.rules.ruleset import rule_ids  # noqa: PLC0415

        pack = load_pack(builtin_rules_dir())
        seen = {rule_id: n for n, rule_id in enumerate(rule_ids(rules))}
        # (an id of both is an error: the scan stops, so the pack's rules are kept whole; read
        # from its precompiled file they stay undecoded, as cached rules do)
        for rule_id in rule_ids(pack.rules) if seen else ():
            if rule_id in seen:
                messages.append(
                    f"{rules[seen[rule_id]].source}: rule id {rule_id!r} is also a bundled rule"
                    " (rename it, or drop -builtin-rules)"
                )
        if rules:
            from gouvernante.rules.cache import concat  # noqa: PLC0415

            rules = concat(rules, pack.rules)
        else:
            rules = pack.rules
    if messages:
        from gouvernante.safetext import shown  # noqa: PLC0415

        for message in messages:
            print(shown(f"gouvernante: {message}"), file=sys.stderr)
        print(
            shown(
                f"gouvernante: {len(messages)} rule error(s): not scanning with a partial rule set"
            ),
            file=sys.stderr,
        )
        return None
    if not rules:
        from gouvernante.safetext import shown  # noqa: PLC0415

        print(shown("gouvernante: no rules loaded from " + ", ".join(paths)), file=sys.stderr)
        return None
    return _RuleSet(rules, tuple(sources), builtin=builtin, files=files)


def _write_stdout(text: str) -> None:
    """The report on stdout as UTF-8 bytes, whatever the locale's encoding."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (tests)
        sys.stdout.write(text)
    else:
        buffer.write(text.encode("utf-8"))
        buffer.flush()


def _write_report(target: str, text: str, extension: str) -> str:
    """Write one report whole (temporary file + rename); ``auto`` picks a new name and never
    overwrites. Returns the name written."""
    from gouvernante.errors import ReportError  # noqa: PLC0415
    from gouvernante.fs.write import write_report_file  # noqa: PLC0415

    data = text.encode("utf-8")  # renderers escape what is not UTF-8 (report.render)
    if target != "auto":
        write_report_file(target, data)
        return target
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = f"gouvernante-report-{stamp}"
    for n in range(1000):
        name = f"{base}.{extension}" if n == 0 else f"{base}-{n}.{extension}"
        if os.path.lexists(name):
            continue
        try:
            write_report_file(name, data, overwrite=False)
        except ReportError as exc:
            if exc.detail.startswith(("exists", "is a symlink")):  # the name is taken: next
                continue
            raise
        return name
    raise ReportError(base, "cannot find a free report file name")
