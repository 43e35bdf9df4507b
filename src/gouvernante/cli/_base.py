"""What every command shares: the argument-parser base, the flag spelling, the exit codes.

Flags are Go-style (``-rules DIR``) as in the incident runbook; the GNU spelling ``--rules`` works
too. A usage error raises ``UsageError`` (exit 1) instead of argparse's own exit 2, which would
read as "findings".
"""

from __future__ import annotations

import argparse
from typing import Any

from gouvernante.errors import UsageError

EXIT_CLEAN = 0
EXIT_ERROR = 1
EXIT_FINDINGS = 2


class Parser(argparse.ArgumentParser):
    """argparse with usage errors as ``UsageError`` naming the command."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def flag(parser: argparse.ArgumentParser, name: str, *extra: str, **kwargs: Any) -> None:
    """Add ``-name`` and ``--name`` (and any ``extra`` spellings) for one option."""
    parser.add_argument(f"-{name}", f"--{name}", *extra, **kwargs)


def value_flags(parser: argparse.ArgumentParser) -> frozenset[str]:
    """Every spelling of the options of ``parser`` that take a value (for wrappers such as the
    pre-commit hook, so their list never drifts from the parser's)."""
    names: set[str] = set()
    for action in parser._actions:
        if action.option_strings and action.nargs != 0:
            names.update(action.option_strings)
    return frozenset(names)
