"""``inventory add -shard I/N`` and ``inventory merge``: an organisation read by N jobs and merged
answers ``-inventory`` exactly as one inventory read in one go, over time too (refs moved,
deleted, force-pushed between runs); merging is idempotent; hostile shards are refused by name."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from gitsrc.gitrepo import Repo, lockfile, mirror, write_rules
from gouvernante.cli import main
from gouvernante.gitscan import GitScanOutput
from gouvernante.inventory.evaluate import InventoryRequest, evaluate
from gouvernante.inventory.merge import merge
from gouvernante.inventory.record import add
from gouvernante.inventory.shard import Shard
from gouvernante.inventory.store import SCHEMA_VERSION
from gouvernante.rules.index import build_index
from gouvernante.rules.loader import load_rule_files

T0 = 1788868800
SHARDS = 3
WORM = "name: worm\non: push\n"


def _org(tmp_path: Path) -> tuple[Path, dict[str, Repo]]:
    """Seven repositories under org/: branches, a tag, an affected side branch, a worm
    workflow, a package.json range, a lockfile moved between folders, shared contents."""
    org = tmp_path / "org"
    repos: dict[str, Repo] = {}
    for n in range(7):
        r = Repo(tmp_path / "work" / f"r{n}", start=T0 - 86400)
        r.write("package-lock.json", lockfile("4.4.1", name=f"app{n % 3}"))
        if n == 2:
            r.write("web/package.json", '{"name": "web", "dependencies": {"debug": "4.4.2"}}\n')
        r.commit("init")
        r.git("tag", "v1")
        r.git("checkout", "-q", "-b", "topic")
        if n in (1, 4):
            r.write("package-lock.json", lockfile("4.4.2", name=f"app{n % 3}"))
        if n == 3:
            r.write(".github/workflows/worm.yml", WORM)
        if n == 5:
            (r.path / "sub").mkdir()
            r.git("mv", "package-lock.json", "sub/package-lock.json")
        r.commit("topic")
        r.git("checkout", "-q", "main")
        mirror(r.path, org / f"team{n % 2}" / f"r{n}.git")
        repos[f"team{n % 2}/r{n}"] = r
    return org, repos


def _answer(out: GitScanOutput) -> tuple[object, ...]:
    return (
        sorted(map(repr, out.findings)),
        sorted(map(repr, out.errors)),
        sorted(map(repr, out.notes)),
        sorted(out.scanned),
        out.lockfiles,
        out.packages,
    )


def _evaluate(tmp_path: Path, db: Path | str, **kw: int) -> tuple[object, ...]:
    ruleset, errors = load_rule_files([str(write_rules(tmp_path))])
    assert errors == []
    request = InventoryRequest(str(db), **kw)  # type: ignore[arg-type]
    return _answer(evaluate(request, ruleset.rules, build_index(ruleset.rules)))


def _shards(org: Path, folder: Path, now: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(1, SHARDS + 1):
        path = folder / f"shard-{i}.sqlite"
        add(str(path), [str(org)], recursive=True, workers=1, now=now, shard=Shard(i, SHARDS))
        paths.append(path)
    return paths


def _sql(db: Path, *statements: str, params: tuple[object, ...] = ()) -> None:
    """Run statements on ``db`` and close it (so no write-ahead log is left beside it)."""
    con = sqlite3.connect(db)
    try:
        for statement in statements:
            con.execute(statement, params if "?" in statement else ())
        con.commit()
    finally:
        con.close()


def _names(db: Path) -> set[str]:
    with closing(sqlite3.connect(db)) as con:
        return {row[0] for row in con.execute("SELECT name FROM repositories")}


def _counts(db: Path) -> dict[str, int]:
    tables = ("repositories", "sources", "commits_seen", "commit_files", "ref_states", "blobs")
    with closing(sqlite3.connect(db)) as con:
        return {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


def _rows(db: Path) -> set[tuple[object, ...]]:
    """The ref history by names (ids differ between databases)."""
    with closing(sqlite3.connect(db)) as con:
        return set(
            con.execute(
                "SELECT r.name, s.ref, c.commit_id, st.first_seen_at, st.last_seen_at, st.gone_at"
                " FROM ref_states st JOIN sources s ON s.id = st.source_id"
                " JOIN repositories r ON r.id = s.repository_id"
                " JOIN commits_seen c ON c.id = st.commit_row"
            ).fetchall()
        )


def test_shards_split_the_organisation_and_merge_into_what_one_add_records(
    tmp_path: Path,
) -> None:
    org, _repos = _org(tmp_path)
    whole = tmp_path / "whole.sqlite"
    add(str(whole), [str(org)], recursive=True, workers=1, now=T0)
    shards = _shards(org, tmp_path / "run1", T0)
    parts = [_names(s) for s in shards]
    assert set().union(*parts) == _names(whole)  # every repository read by some job ...
    assert sum(map(len, parts)) == len(_names(whole))  # ... by exactly one
    assert all(parts)  # seven names over three shards: none empty (pinned by the hash)
    merged = tmp_path / "merged.sqlite"
    summary = merge(str(merged), [str(s) for s in shards])
    assert summary.errors == []
    assert summary.repositories == 7
    assert _rows(merged) == _rows(whole)
    answer = _evaluate(tmp_path, whole, now=T0 + 60)
    assert _evaluate(tmp_path, merged, now=T0 + 60) == answer
    assert answer[0]  # the affected side branches and the worm are found
    # blobs shared by repositories of different shards are stored once
    assert _counts(merged) == _counts(whole)


def test_merge_is_idempotent_and_order_free(tmp_path: Path) -> None:
    org, _repos = _org(tmp_path)
    shards = [str(s) for s in _shards(org, tmp_path / "run1", T0)]
    once = tmp_path / "once.sqlite"
    merge(str(once), shards)
    before = (_counts(once), _rows(once))
    again = merge(str(once), shards)
    assert (again.repositories, again.refs, again.ref_states, again.commits, again.blobs) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert (_counts(once), _rows(once)) == before
    backwards = tmp_path / "backwards.sqlite"
    for shard in reversed(shards):
        merge(str(backwards), [shard])
    assert _rows(backwards) == _rows(once)
    assert _evaluate(tmp_path, backwards, now=T0) == _evaluate(tmp_path, once, now=T0)


def test_fresh_shards_each_run_keep_the_history_of_a_persistent_merge(tmp_path: Path) -> None:
    """Run 1 and run 2 of the fan-out, each with fresh shards merged into the same target,
    against one inventory that read the organisation twice: same history, same -at answers."""
    merged = tmp_path / "merged.sqlite"
    whole, t1 = two_runs(tmp_path, str(merged))
    assert _rows(merged) == _rows(whole)
    for kw in ({"now": t1}, {"now": t1, "at": T0 + 10}, {"now": t1, "at": t1}):
        assert _evaluate(tmp_path, merged, **kw) == _evaluate(tmp_path, whole, **kw)


def two_runs(tmp_path: Path, target: str) -> tuple[Path, int]:
    """Two fan-out runs merged into ``target``, and one inventory that read the same
    organisation at the same two times; returns it and the second run's time."""
    org, repos = _org(tmp_path)
    whole = tmp_path / "whole.sqlite"
    add(str(whole), [str(org)], recursive=True, workers=1, now=T0)
    assert merge(target, [str(s) for s in _shards(org, tmp_path / "run1", T0)]).errors == []
    # between the runs: main fixed in r1, topic deleted in r4, topic force-pushed in r0
    r1 = repos["team1/r1"]
    r1.write("package-lock.json", lockfile("4.4.3", name="app1"))
    r1.commit("bump")
    r1.git("push", "-q", str(org / "team1" / "r1.git"), "main")
    repos["team0/r4"].git("push", "-q", str(org / "team0" / "r4.git"), ":topic")
    r0 = repos["team0/r0"]
    r0.git("checkout", "-q", "topic")
    r0.write("package-lock.json", lockfile("4.4.2", name="app0"))
    r0.commit("bad", at=T0 + 100)
    r0.git("push", "-q", "--force", str(org / "team0" / "r0.git"), "topic")
    t1 = T0 + 3600
    add(str(whole), [str(org)], recursive=True, workers=1, now=t1)
    assert merge(target, [str(s) for s in _shards(org, tmp_path / "run2", t1)]).errors == []
    return whole, t1


def test_a_failed_read_in_a_shard_is_not_hidden_by_the_merge(tmp_path: Path) -> None:
    org, _repos = _org(tmp_path)
    merged = tmp_path / "merged.sqlite"
    shards = _shards(org, tmp_path / "run1", T0)
    merge(str(merged), [str(s) for s in shards])
    # the next run cannot read team0/r0: its shard records the failure
    broken = tmp_path / "broken"
    shutil.copytree(org, broken)
    shutil.rmtree(broken / "team0" / "r0.git" / "objects")
    (broken / "team0" / "r0.git" / "objects").mkdir()
    late = tmp_path / "late.sqlite"
    shard = next(i for i in range(1, SHARDS + 1) if Shard(i, SHARDS).holds("team0/r0"))
    add(str(late), [str(broken)], recursive=True, workers=1, now=T0 + 60, shard=Shard(shard, 3))
    # same names as the first run's shards
    _sql(late, "UPDATE repositories SET name = replace(name, ?, ?)", params=(str(broken), str(org)))
    assert merge(str(merged), [str(late)]).errors == []
    errors = _evaluate(tmp_path, merged, now=T0 + 120)[1]
    assert any("team0/r0.git" in e and "last read" in e for e in errors)  # type: ignore[attr-defined]


def test_a_shard_of_an_older_or_newer_schema_is_refused(tmp_path: Path) -> None:
    org, _repos = _org(tmp_path)
    shards = _shards(org, tmp_path / "run1", T0)
    old, new = shards[0], shards[1]
    _sql(  # as version 4 wrote it: no blobs.entry_errors (which entries could not be read)
        old,
        "DROP INDEX blobs_meta",
        "ALTER TABLE blobs DROP COLUMN entry_errors",
        "CREATE INDEX blobs_meta ON blobs (oid, name, format, packages, error, notes, id)",
        "UPDATE schema_info SET version = 4",
    )
    _sql(new, "UPDATE schema_info SET version = 99")
    target = tmp_path / "merged.sqlite"
    refused = merge(str(target), [str(old), str(new)])
    assert [e.one_line() for e in refused.errors] == [
        f"{old}: schema version 4 is older than this gouvernante merges ({SCHEMA_VERSION}):"
        " make the shard again with this gouvernante",
        f"{new}: schema version 99 is newer than this gouvernante's ({SCHEMA_VERSION}):"
        " merge with the gouvernante that wrote it",
    ]
    assert not target.exists()  # nothing written when a shard is refused
    assert merge(str(target), [str(shards[2])]).errors == []


def _hostile(tmp_path: Path, good: Path) -> dict[str, Path]:
    """Shards that are not inventories, or inventories tampered with; EVIL marks planted bytes."""
    out: dict[str, Path] = {}

    def copy(name: str, *sql: str) -> None:
        path = tmp_path / f"{name}.sqlite"
        shutil.copy(good, path)
        _sql(path, *sql)
        out[name] = path

    (tmp_path / "json.sqlite").write_text('{"EVIL": 1}\n')
    out["json"] = tmp_path / "json.sqlite"
    (tmp_path / "empty.sqlite").write_bytes(b"")
    out["empty"] = tmp_path / "empty.sqlite"
    data = good.read_bytes()
    (tmp_path / "truncated.sqlite").write_bytes(data[: len(data) // 2])
    out["truncated"] = tmp_path / "truncated.sqlite"
    foreign = tmp_path / "foreign.sqlite"
    _sql(foreign, "CREATE TABLE EVIL (x TEXT)", "INSERT INTO EVIL VALUES ('EVIL\x1b[31m')")
    out["foreign"] = foreign
    copy("extra_table", "CREATE TABLE EVIL (x TEXT)")
    copy("view", "CREATE VIEW EVIL AS SELECT 1")
    copy("trigger", "CREATE TRIGGER EVIL AFTER INSERT ON blobs BEGIN SELECT 1; END")
    copy("columns", "ALTER TABLE repositories ADD COLUMN EVIL TEXT")
    copy("kind", "UPDATE repositories SET last_read_at = 'EVIL\x1b[31m'")
    copy("graph", "UPDATE blobs SET graph = X'4556494C1B'")
    copy("dangling", "PRAGMA foreign_keys=OFF", "UPDATE ref_states SET commit_row = 9999")
    copy("no_version", "DELETE FROM schema_info")
    return out


EXPECTED = {
    "json": "not an SQLite database (no SQLite header)",
    "empty": "not an SQLite database (no SQLite header)",
    "truncated": "damaged SQLite database",
    "foreign": "not a gouvernante inventory (no schema_info table)",
    "extra_table": "not a gouvernante inventory (tables of another schema)",
    "view": "not a gouvernante inventory (holds views or triggers)",
    "trigger": "not a gouvernante inventory (holds views or triggers)",
    "columns": f"table repositories: not the columns of an inventory of schema {SCHEMA_VERSION}",
    "kind": "table repositories row 1: column last_read_at is not int",
    "graph": "table blobs row id 1: the lockfile graph does not decode",
    "dangling": "table ref_states row id 1: refers to a source or commit it does not hold",
    "no_version": "not a gouvernante inventory (schema_info holds no one version)",
}


def test_hostile_shards_are_refused_by_name_without_echoing_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org, _repos = _org(tmp_path)
    good = _shards(org, tmp_path / "run1", T0)[0]
    (tmp_path / "h").mkdir()
    hostile = _hostile(tmp_path / "h", good)
    target = tmp_path / "merged.sqlite"
    for name, path in hostile.items():
        # the lockfile graphs a merge needs are decoded as it writes them (each content once):
        # a bad one rolls the whole merge back
        during_write = name == "graph"
        summary = merge(str(target), [str(path)] if during_write else [str(good), str(path)])
        assert [e.path for e in summary.errors] == [str(path)], name
        assert EXPECTED[name] in summary.errors[0].detail, (name, summary.errors[0].detail)
        assert "EVIL" not in summary.errors[0].one_line()
        if during_write:
            assert _names(target) == set()
            target.unlink()
        assert not target.exists()
    code = main(["inventory", "merge", "-db", str(target), str(good), *map(str, hostile.values())])
    err = capsys.readouterr().err
    assert code == 1
    assert "EVIL" not in err and "\x1b" not in err
    assert err.count("gouvernante: ") == len(hostile) - 1  # all but "graph", refused first
    assert "nothing merged" in err
    assert not target.exists()


def test_a_shard_beside_its_write_ahead_log_or_the_target_itself_is_refused(
    tmp_path: Path,
) -> None:
    org, _repos = _org(tmp_path)
    good = _shards(org, tmp_path / "run1", T0)[0]
    wal = Path(str(good) + "-wal")
    wal.write_bytes(b"\0" * 32)
    assert "write-ahead log" in merge(str(tmp_path / "m.sqlite"), [str(good)]).errors[0].detail
    wal.unlink()
    assert merge(str(good), [str(good)]).errors[0].detail == "is the merge target itself"


def test_a_parsed_content_replaces_an_unreadable_one_never_the_reverse(tmp_path: Path) -> None:
    org, _repos = _org(tmp_path)
    shards = _shards(org, tmp_path / "run1", T0)
    whole = tmp_path / "whole.sqlite"
    add(str(whole), [str(org)], recursive=True, workers=1, now=T0)
    damaged = tmp_path / "damaged.sqlite"
    shutil.copy(whole, damaged)
    _sql(  # as if a deadline had hit every read
        damaged,
        "DELETE FROM packages",
        "UPDATE blobs SET format = NULL, packages = 0, graph = NULL, notes = NULL,"
        " error = 'git cat-file: no answer'",
    )
    first = tmp_path / "a.sqlite"
    merge(str(first), [str(damaged), *map(str, shards)])
    second = tmp_path / "b.sqlite"
    merge(str(second), [*map(str, shards), str(damaged)])
    answer = _evaluate(tmp_path, whole, now=T0)
    assert _evaluate(tmp_path, first, now=T0) == answer
    assert _evaluate(tmp_path, second, now=T0) == answer


def test_cli_add_shard_and_list_shard(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    org, repos = _org(tmp_path)
    listing = tmp_path / "repos.txt"
    listing.write_text(
        "# the organisation\n" + "".join(f"{n}\n" for n in sorted(repos)) + "\n", "utf-8"
    )
    picked: list[set[str]] = []
    for i in range(1, SHARDS + 1):
        assert main(["inventory", "shard", "-shard", f"{i}/{SHARDS}", str(listing)]) == 0
        picked.append(set(capsys.readouterr().out.split()))
        db = tmp_path / f"s{i}.sqlite"
        assert main(["inventory", "add", "-db", str(db), "-git", str(org), "-recursive",
                     "-shard", f"{i}/{SHARDS}"]) == 0  # fmt: skip
        capsys.readouterr()
        # the list's OWNER/NAME and the mirror's OWNER/NAME.git land in the same shard
        assert {n.removeprefix(f"{org}/").removesuffix(".git") for n in _names(db)} == picked[-1]
    capsys.readouterr()
    assert set().union(*picked) == set(repos) and sum(map(len, picked)) == len(repos)
    merged = tmp_path / "m.sqlite"
    dbs = [str(tmp_path / f"s{i}.sqlite") for i in range(1, SHARDS + 1)]
    assert main(["inventory", "merge", "-db", str(merged), *dbs]) == 0
    assert "3 shards merged: 7 new repositories" in capsys.readouterr().out
