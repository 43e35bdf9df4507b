"""``inventory merge`` into a PostgreSQL inventory (real server, see ``pg.py``): the SQLite shards
of a fan-out merged into the shared server answer ``-inventory`` as one SQLite inventory read in
one go, and a second merge of the same shards adds nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gitsrc.test_inventory_merge import SHARDS, T0, _evaluate, _org, _shards, two_runs
from gouvernante.cli import main
from gouvernante.inventory.merge import merge
from gouvernante.inventory.record import add
from inventory.pg import admin_url, counts, fresh_database


@pytest.fixture
def pg() -> Iterator[str]:
    with fresh_database(admin_url()) as url:
        yield url


def test_sqlite_shards_merged_into_postgresql_answer_as_one_add(
    tmp_path: Path, pg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    org, _repos = _org(tmp_path)
    whole = tmp_path / "whole.sqlite"
    add(str(whole), [str(org)], recursive=True, workers=1, now=T0)
    shards = [str(s) for s in _shards(org, tmp_path / "run1", T0)]
    assert len(shards) == SHARDS
    first = merge(pg, shards)
    assert first.errors == [] and first.repositories == 7
    answer = _evaluate(tmp_path, whole, now=T0 + 60)
    assert answer[0]
    assert _evaluate(tmp_path, pg, now=T0 + 60) == answer
    before = counts(pg)
    assert main(["inventory", "merge", "-db", pg, *shards]) == 0
    out = capsys.readouterr().out
    assert "0 new repositories, 0 new refs, 0 new ref states" in out
    password = pg.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    assert password not in out
    assert counts(pg) == before


def test_two_fan_out_runs_merged_into_postgresql_keep_the_history(tmp_path: Path, pg: str) -> None:
    whole, t1 = two_runs(tmp_path, pg)
    for kw in ({"now": t1}, {"now": t1, "at": T0 + 10}, {"now": t1, "at": t1}):
        assert _evaluate(tmp_path, pg, **kw) == _evaluate(tmp_path, whole, **kw)
