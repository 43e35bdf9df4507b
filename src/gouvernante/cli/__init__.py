"""Command line: one module per command, one shared parser base (``_base``).

``gouvernante [flags]`` scans (``cli.scan``); every other command is a word of ``COMMANDS``
(``rules``, ``collect``, ``inventory``). Nothing below this package prints or exits.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Sequence

from gouvernante.cli._base import EXIT_CLEAN, EXIT_ERROR, Stopped, install_stop_handlers
from gouvernante.errors import GouvernanteError

GC_THRESHOLD = 100_000  # new container objects between cyclic collections (``entry``)

# command word -> (module exposing ``run(args) -> int``, one line for ``gouvernante -h``)
COMMANDS: dict[str, tuple[str, str]] = {
    "rules": ("gouvernante.cli.rules", "write, import, validate and test rules"),
    "collect": (
        "gouvernante.cli.collect",
        "roll many JSON reports up into the organisation's status",
    ),
    "inventory": (
        "gouvernante.cli.inventory",
        "record every ref of many repositories, for -inventory",
    ),
}


def commands_help() -> str:
    """The subcommand list ``gouvernante -h`` shows under the scan flags."""
    width = max(len(word) for word in COMMANDS)
    lines = [f"  {word.ljust(width)}  {summary}" for word, (_, summary) in COMMANDS.items()]
    return "commands (gouvernante COMMAND -h for each):\n" + "\n".join(lines)


def entry() -> None:
    """The console script and ``python -m gouvernante``: run, flush, and leave without tearing
    down the interpreter (freeing the objects of a 50,000-entry lockfile one by one costs more
    than a small scan). A stop signal (SIGINT, SIGTERM, SIGHUP) ends the run with 128 + its
    number, after workers are terminated and no report is left half-written.

    The cyclic garbage collector runs after 100,000 new container objects instead of 700: loading
    rules and scanning a lockfile make next to no reference cycles, and with the default a small
    scan spent ~10% of its time in ~60 collections. Long runs are still collected, every 100,000
    allocations (``python -m gouvernante`` sets this before its first import)."""
    gc.set_threshold(GC_THRESHOLD, 10, 10)
    install_stop_handlers()
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
        return _dispatch(args)
    except GouvernanteError as exc:
        from gouvernante.report.text import terminal_safe  # noqa: PLC0415

        print(terminal_safe(f"gouvernante: {exc.one_line()}"), file=sys.stderr)
        return EXIT_ERROR
    except Stopped as stop:
        from gouvernante.safetext import shown  # noqa: PLC0415

        print(shown(f"gouvernante: stopped by {stop.name}"), file=sys.stderr)
        return stop.exit_code
    except KeyboardInterrupt:
        print("gouvernante: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if show_traceback:
            raise
        from gouvernante.safetext import shown  # noqa: PLC0415

        print(shown(f"gouvernante: internal error: {type(exc).__name__}"), file=sys.stderr)
        return EXIT_ERROR


def _dispatch(args: list[str]) -> int:
    command = COMMANDS.get(args[0]) if args else None
    if command is None:
        module_name = "gouvernante.cli.scan"
    else:
        module_name, args = command[0], args[1:]
    try:
        code: int = importlib.import_module(module_name).run(args)
    except SystemExit as stop:  # argparse's -h/--help of a command: help was printed
        return stop.code if isinstance(stop.code, int) else EXIT_ERROR
    return code


__all__ = ["COMMANDS", "EXIT_CLEAN", "commands_help", "entry", "main"]
