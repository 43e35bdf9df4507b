"""A one-line progress display on stderr for long scans (only when stderr is a terminal).

It implements ``gouvernante.pipeline.Progress``. Reports never go to stderr, so ``-json`` and
``-format sarif`` output on stdout stay clean; when stderr is a file or a pipe nothing is drawn.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

_CLEAR = "\r\x1b[K"


class TtyProgress:
    """Redraws ``gouvernante: lockfiles 120/450 parsed, 3 findings`` at most every ``interval``.

    ``update`` and ``finish`` never raise: a broken terminal must not break a scan.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._interval = interval
        self._clock = clock
        self._last = float("-inf")
        self._drawn = False

    def update(self, phase: str, done: int, total: int, findings: int) -> None:
        now = self._clock()
        if done < total and now - self._last < self._interval:
            return
        self._last = now
        what = "finding" if findings == 1 else "findings"
        line = f"gouvernante: {phase} {done}/{total} parsed, {findings} {what} so far"
        self._write(_CLEAR + line)
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            self._write(_CLEAR)
            self._drawn = False

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            pass


def progress_for(stream: TextIO | None = None) -> TtyProgress | None:
    """A ``TtyProgress`` on ``stream`` (default ``sys.stderr``) if it is a terminal, else None."""
    target = sys.stderr if stream is None else stream
    try:
        tty = target.isatty()
    except (AttributeError, ValueError, OSError):
        return None
    return TtyProgress(target) if tty else None
