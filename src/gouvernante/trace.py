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
        from gouvernante.safetext import shown  # noqa: PLC0415 - only when tracing

        elapsed = (time.perf_counter() - _start) * 1000
        text = message % args if args else message  # (paths and names of scanned trees)
        print(shown(f"gouvernante: {elapsed:7.0f}ms {text}"), file=sys.stderr)
