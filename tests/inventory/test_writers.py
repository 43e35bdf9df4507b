"""Writers meeting in one inventory, on SQLite (no server needed): concurrent ``inventory add``
processes store every row once, and a write transaction a conflict aborted runs again whole
(on PostgreSQL the server reports deadlocks and serialisation failures as ``ConflictError``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gouvernante.inventory import record
from gouvernante.inventory.backend import ConflictError, Database
from gouvernante.inventory.record import add
from inventory.orgs import dump, org, writer


def test_concurrent_sqlite_writers_store_everything_once(tmp_path: Path) -> None:
    paths = org(tmp_path, 6)
    jobs = [[paths[(i + k) % 4] for k in range(3)] + [paths[4 + i % 2]] for i in range(4)]
    shared = str(tmp_path / "shared.db")
    writers = [writer(shared, job) for job in jobs]
    for w in writers:
        _out, err = w.communicate(timeout=300)
        assert w.returncode == 0, err
    reference = str(tmp_path / "one-writer.db")
    add(reference, paths, workers=1)
    assert dump(shared) == dump(reference)


def test_a_conflict_runs_the_whole_write_transaction_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = org(tmp_path, 2)
    real = record._write_blobs
    calls: list[int] = []

    def conflicting(db: Database, blobs: list[record.StoredBlob]) -> None:
        real(db, blobs)
        calls.append(len(blobs))
        if len(calls) == 1:  # after writing: the rollback must undo it
            raise ConflictError(db.location, "concurrent writers: deadlock detected")

    monkeypatch.setattr(record, "_write_blobs", conflicting)
    db = str(tmp_path / "inv.db")
    summary = add(db, paths, workers=1)
    assert calls == [3, 3]  # two repositories' own lockfiles and the shared one
    assert (summary.refs, summary.refs_moved, summary.errors) == (6, 6, [])
    monkeypatch.undo()
    reference = str(tmp_path / "reference.db")
    add(reference, paths, workers=1)
    assert dump(db) == dump(reference)
