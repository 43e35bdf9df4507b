"""The TTY progress display (gouvernante.progress)."""

from __future__ import annotations

import io
import os
import pty

from gouvernante.progress import TtyProgress, progress_for


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_only_on_a_terminal() -> None:
    assert progress_for(io.StringIO()) is None
    assert isinstance(progress_for(FakeTty()), TtyProgress)
    master, slave = pty.openpty()
    try:
        with os.fdopen(slave, "w", closefd=False) as real_tty:
            assert isinstance(progress_for(real_tty), TtyProgress)
    finally:
        os.close(master)
        os.close(slave)


def test_draws_throttled_and_clears() -> None:
    out = FakeTty()
    clock = iter([0.0, 0.01, 0.02, 0.5, 0.6])
    p = TtyProgress(out, interval=0.1, clock=lambda: next(clock))
    p.update("lockfiles", 1, 10, 0)  # drawn (first)
    p.update("lockfiles", 2, 10, 1)  # throttled
    p.update("lockfiles", 3, 10, 1)  # throttled
    p.update("lockfiles", 4, 10, 2)  # drawn
    p.update("lockfiles", 10, 10, 3)  # the last one is always drawn
    p.finish()
    text = out.getvalue()
    frames = text.split("\r\x1b[K")
    assert frames == [
        "",
        "gouvernante: lockfiles 1/10 parsed, 0 findings so far",
        "gouvernante: lockfiles 4/10 parsed, 2 findings so far",
        "gouvernante: lockfiles 10/10 parsed, 3 findings so far",
        "",
    ]


def test_finish_without_update_writes_nothing_and_errors_are_swallowed() -> None:
    out = FakeTty()
    TtyProgress(out).finish()
    assert out.getvalue() == ""
    closed = FakeTty()
    p = TtyProgress(closed)
    closed.close()
    p.update("lockfiles", 1, 1, 0)  # must not raise
    p.finish()
