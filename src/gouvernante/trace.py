"""``-trace``: a debug log on stderr, without importing ``logging`` on every start."""

from __future__ import annotations

import sys
import time

_enabled = False
_start = time.perf_counter()


def enable() -> None:
    global _enabled  # noqa: PLW0603 - one switch for the whole process, set by the CLI
    _enabled = True


def debug(message: str, *args: object) -> None:
    if _enabled:
        elapsed = (time.perf_counter() - _start) * 1000
        print(
            f"gouvernante: {elapsed:7.0f}ms {message % args if args else message}", file=sys.stderr
        )
