"""A first ``inventory add`` of many package rows drops the packages' indexes and makes them
again after the inserts (SQLite): the same indexes, the same answers, and later small adds keep
them up to date row by row."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from gitsrc.gitrepo import Repo, lockfile, mirror, write_rules
from gouvernante.inventory import record
from gouvernante.inventory.backend import Database
from gouvernante.inventory.evaluate import InventoryRequest, evaluate
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rule_files

T0 = 1788868800


def _indexes(db: str) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as raw:
        return raw.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'packages'"
            " AND sql IS NOT NULL ORDER BY name"
        ).fetchall()


def test_bulk_add_rebuilds_the_package_indexes_and_answers_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ruleset, errors = load_rule_files([str(write_rules(tmp_path))])
    assert errors == []
    index = build_index(ruleset.rules)
    org = tmp_path / "org"
    repos = []
    for n in range(2):
        r = Repo(tmp_path / f"w{n}")
        r.write("package-lock.json", lockfile("4.4.1", f"app{n}"))
        r.commit("init", at=T0)
        r.git("checkout", "-q", "-b", "topic")
        r.write("web/package-lock.json", lockfile("4.4.2", f"web{n}"))
        r.commit("bad", at=T0 + 60)
        r.git("checkout", "-q", "main")
        mirror(r.path, org / f"r{n}.git")
        repos.append(r)
    plain, bulk = str(tmp_path / "plain.db"), str(tmp_path / "bulk.db")
    monkeypatch.setattr(record, "BULK_ROWS", 10**9)
    record.add(plain, [str(org)], recursive=True, workers=1, now=T0 + 100)
    dropped: list[str] = []
    original = record._drop_package_indexes

    def spy(db: Database, blobs: Sequence[record.StoredBlob]) -> list[str]:
        got = original(db, blobs)
        dropped.extend(got)
        return got

    monkeypatch.setattr(record, "BULK_ROWS", 1)
    monkeypatch.setattr(record, "_drop_package_indexes", spy)
    record.add(bulk, [str(org)], recursive=True, workers=1, now=T0 + 100)
    assert len(dropped) == len(_indexes(plain)) > 0  # the bulk path was taken
    assert _indexes(bulk) == _indexes(plain)

    def answers(db: str, now: int = T0 + 200) -> list[tuple[str | None, str | None, str | None]]:
        out = evaluate(InventoryRequest(db, now=now), ruleset.rules, index)
        return sorted((f.repository, f.ref, f.version) for f in out.findings)

    assert answers(bulk) == answers(plain)
    assert len(answers(bulk)) == 2
    # A later add brings fewer rows than the inventory holds: indexes kept, rows indexed.
    dropped.clear()
    r = repos[0]
    r.git("checkout", "-q", "topic")
    r.write("web/package-lock.json", lockfile("4.4.3", "web0"))
    r.commit("fix", at=T0 + 300)
    shutil.rmtree(org / "r0.git")
    mirror(r.path, org / "r0.git")
    record.add(bulk, [str(org)], recursive=True, workers=1, now=T0 + 400)
    assert dropped == []
    assert _indexes(bulk) == _indexes(plain)
    assert len(answers(bulk, T0 + 500)) == 1
