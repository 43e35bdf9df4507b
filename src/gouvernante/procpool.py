"""Worker processes that never outlive the scan.

Every process pool of this package is made here. A worker ignores SIGINT (a Ctrl-C at a terminal
reaches the whole process group: the main process decides what happens), dies at once on SIGTERM,
and on Linux is killed by the kernel when the main process dies, even by SIGKILL
(``PR_SET_PDEATHSIG``). When the main process leaves the pool by an exception (a signal, an
error, a closed generator), the workers are terminated before the pool is shut down, so no
orphaned worker keeps the output pipes open or finishes a chunk nobody will read.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes  # noqa: PLC0415 - Linux only

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no libc prctl: the pool's own cleanup still applies
        return


def _init_worker(
    parent: int, initializer: Callable[..., object] | None, initargs: tuple[Any, ...]
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
    _die_with_parent()
    if os.getppid() != parent:  # the main process died before the signal was armed
        os._exit(1)
    if initializer is not None:
        initializer(*initargs)


def terminate_workers(pool: ProcessPoolExecutor) -> None:
    """Stop every worker of ``pool`` now (SIGTERM, then SIGKILL for any that lingers)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.join(1.0)
            if proc.is_alive():
                proc.kill()
                proc.join(1.0)


@contextlib.contextmanager
def process_pool(
    workers: int,
    *,
    mp_context: Any = None,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[ProcessPoolExecutor]:
    """A ``ProcessPoolExecutor`` whose workers end with the scan (see the module docstring)."""
    pool = ProcessPoolExecutor(
        workers,
        mp_context=mp_context,
        initializer=_init_worker,
        initargs=(os.getpid(), initializer, initargs),
    )
    try:
        yield pool
    except BaseException:
        terminate_workers(pool)
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
