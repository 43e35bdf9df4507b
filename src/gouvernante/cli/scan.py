"""Command line: parse flags, call the core, render, return an exit code.

Flags are Go-style (``-rules DIR``) as in the incident runbook; ``--rules`` works too.
Exit codes: 0 clean, 1 error (nothing found but something could not be scanned, or bad usage),
2 findings (even when some inputs also failed: the errors are listed in the report).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from gouvernante import __version__, trace
from gouvernante.errors import GouvernanteError, ReportError, UsageError
from gouvernante.model import Severity

EXIT_CLEAN = 0
EXIT_ERROR = 1
EXIT_FINDINGS = 2

if TYPE_CHECKING:
    from gouvernante.model import ScanResult
    from gouvernante.rules.model import Rule, RuleSet
    from gouvernante.suppress import SuppressionSet


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _flag(parser: argparse.ArgumentParser, name: str, **kwargs: object) -> None:
    parser.add_argument(f"-{name}", f"--{name}", **kwargs)  # type: ignore[arg-type]


def build_scan_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="gouvernante",
        description="Scan npm lockfiles, package.json, installs, caches and the host for known"
        " supply-chain compromises. Exit codes: 0 clean, 1 error, 2 findings.",
        allow_abbrev=False,
        epilog="Subcommands: 'gouvernante rules {validate,new,import,test} ...'.",
    )
    _flag(
        p,
        "rules",
        action="append",
        default=[],
        metavar="PATH",
        help="rule file or directory (searched recursively for *.json); repeatable",
    )
    _flag(
        p,
        "builtin-rules",
        action="store_true",
        dest="builtin_rules",
        help="with -rules, also use the bundled rule pack (the default without -rules)",
    )
    _flag(p, "dir", default=".", metavar="DIR", help="project directory to scan (default .)")
    _flag(
        p,
        "lockfile",
        action="append",
        default=[],
        metavar="FILE",
        help="scan this lockfile or package.json (any name; overrides -dir); repeatable",
    )
    _flag(p, "recursive", action="store_true", help="also scan sub-directories of -dir")
    _flag(
        p, "host", action="store_true", help="also check this machine: the rules' host indicators"
    )
    _flag(
        p,
        "heuristic",
        action="store_true",
        help="also look for attack techniques in installed packages (no rule needed)",
    )
    _flag(p, "json", action="store_true", help="JSON report (same as -format json)")
    _flag(
        p,
        "format",
        choices=["text", "json", "sarif", "markdown"],
        default=None,
        help="report format (default text)",
    )
    _flag(
        p,
        "fail-on",
        dest="fail_on",
        choices=["low", "medium", "high", "critical"],
        default="low",
        help="lowest severity that makes the exit code 2 (default low)",
    )
    _flag(
        p,
        "ignore",
        metavar="FILE",
        help="suppression file (default: .gouvernante-ignore.json in the scan root, if present)",
    )
    _flag(
        p,
        "output",
        metavar="FILE|auto",
        help="write the report to FILE, or to gouvernante-report-<UTC time>.<ext> with 'auto'",
    )
    _flag(
        p,
        "workers",
        type=int,
        default=None,
        metavar="N",
        help="processes for parsing many lockfiles (default: both cores when there are many)",
    )
    _flag(p, "trace", action="store_true", help="debug log on stderr")
    _flag(p, "version", action="store_true", help="print the version and exit")
    return p


def entry() -> None:
    """The console script and ``python -m gouvernante``: run, flush, and leave without tearing
    down the interpreter (freeing the objects of a 50,000-entry lockfile one by one costs more
    than a small scan)."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        code = code or EXIT_ERROR
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    show_traceback = "-trace" in args or "--trace" in args
    try:
        return _main(args)
    except GouvernanteError as exc:
        print(f"gouvernante: {exc.one_line()}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("gouvernante: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if show_traceback:
            raise
        print(f"gouvernante: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR


SUBCOMMANDS = {
    "rules": "gouvernante.rules.toolkit_cli",
    "collect": "gouvernante.collect.cli",
}


def _main(args: list[str]) -> int:
    if args and args[0] in SUBCOMMANDS:
        import importlib  # noqa: PLC0415

        module = importlib.import_module(SUBCOMMANDS[args[0]])
        code: int = module.main(args[1:])
        return code
    parser = build_scan_parser()
    if args and args[0] in {"-h", "--help"}:
        parser.print_help()
        return EXIT_CLEAN
    ns = parser.parse_args(args)
    if ns.version:
        print(f"gouvernante {__version__}")
        return EXIT_CLEAN
    if ns.trace:
        trace.enable()
    return _scan(ns)


def _scan(ns: argparse.Namespace) -> int:
    from gouvernante.report import ReportFormat, render  # noqa: PLC0415 - lean start-up
    from gouvernante.report.text import summary_line  # noqa: PLC0415
    from gouvernante.scan.run import ScanRequest, run_scan  # noqa: PLC0415

    fmt = ReportFormat.JSON if ns.json else ReportFormat(ns.format or "text")
    if ns.json and ns.format not in (None, "json"):
        raise UsageError(f"-json conflicts with -format {ns.format}")
    if ns.workers is not None and ns.workers < 1:
        raise UsageError("-workers must be at least 1")
    ruleset = _load_rules(ns.rules, ns.builtin_rules)
    if ruleset is None:
        return EXIT_ERROR
    trace.debug("loaded %d rules from %s", len(ruleset.rules), ", ".join(ruleset.sources))
    request = ScanRequest(
        directory=ns.dir,
        lockfiles=tuple(ns.lockfile),
        recursive=ns.recursive,
        host=ns.host,
        heuristic=ns.heuristic,
        workers=ns.workers,
    )
    suppressions = _load_suppressions(ns.ignore, ns.dir if not ns.lockfile else None)
    from gouvernante.progress import progress_for  # noqa: PLC0415

    result = run_scan(request, ruleset, progress=progress_for())
    if suppressions is not None:
        from gouvernante.suppress import apply_suppressions  # noqa: PLC0415

        result = apply_suppressions(result, suppressions)
    trace.debug("scan done: %d findings, %d errors", len(result.findings), len(result.errors))
    text = render(result, fmt)
    if ns.output:
        written = _write_report(ns.output, text, fmt.extension)
        print(f"{summary_line(result)} (report: {written})")
    else:
        sys.stdout.write(text)
    from gouvernante.report.text import terminal_safe  # noqa: PLC0415

    for err in result.errors:
        print(terminal_safe(f"gouvernante: {err.path}: {err.message}"), file=sys.stderr)
    return exit_code(result, Severity(ns.fail_on))


def exit_code(result: ScanResult, fail_on: Severity) -> int:
    if any(f.counts_at(fail_on) for f in result.findings):
        return EXIT_FINDINGS
    return EXIT_ERROR if result.errors else EXIT_CLEAN


def _load_suppressions(explicit: str | None, scan_root: str | None) -> SuppressionSet | None:
    path = explicit
    if path is None and scan_root is not None:
        candidate = os.path.join(scan_root, ".gouvernante-ignore.json")
        if os.path.lexists(candidate):
            path = candidate
    if path is None:
        return None
    from gouvernante.suppress import load_suppressions  # noqa: PLC0415

    return load_suppressions(path)


def builtin_rules_dir() -> str:
    from gouvernante import rules  # noqa: PLC0415

    return os.path.join(os.path.dirname(rules.__file__), "builtin")


def _load_rules(paths: Sequence[str], with_builtin: bool) -> RuleSet | None:
    """User rules through the strict loader; the bundled pack through its fast loader."""
    from gouvernante.rules.model import RuleSet as _RuleSet  # noqa: PLC0415

    builtin = not paths or with_builtin
    rules: list[Rule] = []
    sources: list[str] = []
    messages: list[str] = []
    if paths:
        from gouvernante.rules.loader import load_rule_files  # noqa: PLC0415

        user, errors = load_rule_files(paths)
        messages.extend(err.one_line() for err in errors)
        rules.extend(user.rules)
        sources.extend(user.sources)
    if builtin:
        from gouvernante.rules.pack import load_pack  # noqa: PLC0415

        pack = load_pack(builtin_rules_dir())
        seen = {r.id: r.source for r in rules}
        for rule in pack.rules:
            if rule.id in seen:
                messages.append(
                    f"{seen[rule.id]}: rule id {rule.id!r} is also a bundled rule"
                    " (rename it, or drop -builtin-rules)"
                )
            else:
                rules.append(rule)
    if messages:
        for message in messages:
            print(f"gouvernante: {message}", file=sys.stderr)
        print(
            f"gouvernante: {len(messages)} rule error(s): not scanning with a partial rule set",
            file=sys.stderr,
        )
        return None
    if not rules:
        print("gouvernante: no rules loaded from " + ", ".join(paths), file=sys.stderr)
        return None
    return _RuleSet(tuple(rules), tuple(sources), builtin=builtin)


def _write_report(target: str, text: str, extension: str) -> str:
    data = text.encode("utf-8")
    if target == "auto":
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        base = f"gouvernante-report-{stamp}"
        for n in range(1000):
            name = f"{base}.{extension}" if n == 0 else f"{base}-{n}.{extension}"
            try:
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                continue
            except OSError as exc:
                raise ReportError(name, f"cannot write report: {exc.strerror or exc}") from None
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            return name
        raise ReportError(base, "cannot find a free report file name")
    try:
        with open(target, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise ReportError(target, f"cannot write report: {exc.strerror or exc}") from None
    return target
