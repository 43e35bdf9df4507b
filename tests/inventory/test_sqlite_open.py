"""Opening a new SQLite inventory from several writers at once: the first to switch the file to
WAL takes an exclusive lock, and SQLite answers the others SQLITE_BUSY without waiting (two
connections both wanting to upgrade their lock would deadlock otherwise). Seen in CI as
``not an inventory database: database is locked`` from one of four ``inventory add`` processes
(stop 37); ``open_database`` now tries again until its 30 s deadline."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from gouvernante.errors import SourceError
from gouvernante.inventory import backend
from gouvernante.inventory.backend import open_database


def test_writers_opening_a_new_file_at_once_all_get_in(tmp_path: Path) -> None:
    failures: list[str] = []
    for round_ in range(60):  # 75 of 1,200 opens failed before, in four processes
        location = str(tmp_path / f"{round_}.db")
        gate = threading.Barrier(6)

        def open_one(location: str = location, gate: threading.Barrier = gate) -> None:
            gate.wait()
            try:
                open_database(location, create=True).close()
            except SourceError as exc:
                failures.append(str(exc))

        threads = [threading.Thread(target=open_one) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []


def test_a_file_that_stays_busy_is_refused_after_the_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    location = str(tmp_path / "held.db")
    holder = sqlite3.connect(location, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("CREATE TABLE t (x)")  # takes and keeps the exclusive lock
    monkeypatch.setattr(backend, "SQLITE_BUSY_SECONDS", 0.3)
    try:
        with pytest.raises(
            SourceError, match=r"held\.db: not an inventory database: database is locked"
        ):
            open_database(location, create=True)
    finally:
        holder.close()


def test_garbage_is_refused_at_once(tmp_path: Path) -> None:
    location = tmp_path / "garbage.db"
    location.write_bytes(b"not a database, " * 512)
    with pytest.raises(
        SourceError, match=r"garbage\.db: not an inventory database: file is not a database"
    ):
        open_database(str(location), create=True)
