"""pnpm 11+ store index (``v11/index.db`` + ``index.db-wal``) read without writing a byte.

The fixture is the index of a store made by pnpm 12.24.0 offline (fixtures/pnpm11-store/
generate.sh): ms 2.1.3 and is-number 7.0.0 checkpointed into ``index.db``; @types/ms 2.1.0,
isarray 2.0.5 and escape-html 1.0.3 (a ``file:`` tarball under the alias ``local-escape``) in
``index.db-wal`` only. SQLite's own reading of a copy is the oracle for torn and broken logs.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
from pathlib import Path
from typing import Any

import pytest

from gouvernante.host import caches, msgpackr
from gouvernante.host.caches import scan_pnpm_store
from gouvernante.host.reader import Collector
from gouvernante.host.sqlite_image import FRAME_HEADER, WAL_HEADER, apply_log, open_image
from gouvernante.rules.index import build_index

FIXTURE = Path(__file__).parent / "fixtures" / "pnpm11-store"
CHECKPOINTED = {("ms", "2.1.3"), ("is-number", "7.0.0")}
IN_LOG_ONLY = {("@types/ms", "2.1.0"), ("isarray", "2.0.5"), ("escape-html", "1.0.3")}
PAGE = 4096


def _collector(h: Any) -> Collector:
    names = ["ms", "is-number", "@types/ms", "isarray", "escape-html", "local-escape"]
    return Collector(build_index([h.make_rule(f"R{i}", [(n, "*")]) for i, n in enumerate(names)]))


def _store(tmp_path: Path, wal: bytes | None = None, db: bytes | None = None) -> Path:
    v11 = tmp_path / "store" / "v11"
    v11.mkdir(parents=True)
    (v11 / "index.db").write_bytes(db if db is not None else (FIXTURE / "index.db").read_bytes())
    log = wal if wal is not None else (FIXTURE / "index.db-wal").read_bytes()
    if log:
        (v11 / "index.db-wal").write_bytes(log)
    return v11


def _scan(h: Any, v11: Path) -> tuple[set[tuple[str | None, str | None]], list[tuple[str, str]]]:
    c = _collector(h)
    scan_pnpm_store(str(v11.parent), c)
    assert {f.path for f in c.findings} <= {str(v11 / "index.db")}
    return {(f.package, f.version) for f in c.findings}, [(e.path, e.message) for e in c.errors]


def _sqlite_reads(v11: Path, tmp_path: Path) -> set[tuple[str, str]]:
    """What SQLite itself reads from a copy of the two files (it writes beside the copy)."""
    copy = tmp_path / "oracle"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(v11, copy)
    conn = sqlite3.connect(copy / "index.db")
    try:
        rows = conn.execute("SELECT data FROM package_index").fetchall()
    finally:
        conn.close()
    out = set()
    for (data,) in rows:
        value = msgpackr.unpack(data)
        assert isinstance(value, dict)
        manifest = value["manifest"]
        out.add((manifest["name"], manifest["version"]))
    return out


def _frames(wal: bytes) -> int:
    return (len(wal) - WAL_HEADER) // (FRAME_HEADER + PAGE)


def test_fixture_is_small_and_in_wal_mode() -> None:
    db, wal = (FIXTURE / "index.db").read_bytes(), (FIXTURE / "index.db-wal").read_bytes()
    assert len(db) + len(wal) < 200 * 1024
    assert db[18:20] == b"\x02\x02"  # WAL mode, as pnpm leaves it
    assert _frames(wal) >= 3


def test_every_package_in_the_store_is_found_and_the_log_only_ones_too(
    h: Any, tmp_path: Path
) -> None:
    """Before: an error and nothing read. The log holds three packages index.db does not."""
    v11 = _store(tmp_path)
    got, errors = _scan(h, v11)
    assert errors == []
    assert got == CHECKPOINTED | IN_LOG_ONLY == _sqlite_reads(v11, tmp_path)


def test_without_the_log_only_the_checkpointed_packages_are_there(h: Any, tmp_path: Path) -> None:
    """The rows of the three log-only packages are not in index.db: reading it alone (as
    ``immutable=1`` does) would miss them."""
    got, errors = _scan(h, _store(tmp_path, wal=b""))
    assert errors == []
    assert got == CHECKPOINTED


def test_entries_are_counted_and_the_alias_is_not_a_package_name(h: Any, tmp_path: Path) -> None:
    """``local-escape`` is the project's alias of a ``file:`` tarball: the row's key names no
    package, the manifest in its value does (escape-html)."""
    c = _collector(h)
    scan_pnpm_store(str(_store(tmp_path).parent), c)
    assert c.cache_entries == 5
    assert "local-escape" not in {f.package for f in c.findings}


@pytest.mark.parametrize(
    "cut", [1, FRAME_HEADER, FRAME_HEADER + PAGE // 2, FRAME_HEADER + PAGE - 1]
)
def test_a_torn_last_frame_is_ignored_as_sqlite_ignores_it(
    h: Any, tmp_path: Path, cut: int
) -> None:
    wal = (FIXTURE / "index.db-wal").read_bytes()
    v11 = _store(tmp_path, wal=wal[: len(wal) - (FRAME_HEADER + PAGE) + cut])
    got, errors = _scan(h, v11)
    assert errors == []
    assert got == _sqlite_reads(v11, tmp_path)
    assert got >= CHECKPOINTED


@pytest.mark.parametrize("frame", [1, 2, 3, 5])
@pytest.mark.parametrize("field", [8, 12, 16])  # salt-1, salt-2, checksum-1 of the frame
def test_a_bad_frame_ends_the_log_frames_after_it_ignored(
    h: Any, tmp_path: Path, frame: int, field: int
) -> None:
    wal = bytearray((FIXTURE / "index.db-wal").read_bytes())
    at = WAL_HEADER + (frame - 1) * (FRAME_HEADER + PAGE) + field
    wal[at] ^= 0x01
    v11 = _store(tmp_path, wal=bytes(wal))
    got, errors = _scan(h, v11)
    assert errors == []
    assert got == _sqlite_reads(v11, tmp_path)
    assert got != CHECKPOINTED | IN_LOG_ONLY  # the transactions after it are gone


def test_a_log_of_another_checkpoint_generation_is_ignored(h: Any, tmp_path: Path) -> None:
    """Frames whose salts are not the header's (a log restarted after a checkpoint, the old
    frames left behind) are not applied."""
    wal = bytearray((FIXTURE / "index.db-wal").read_bytes())
    first_salt = WAL_HEADER + 8
    wal[first_salt] ^= 0x80
    v11 = _store(tmp_path, wal=bytes(wal))
    got, errors = _scan(h, v11)
    assert errors == [] and got == CHECKPOINTED == _sqlite_reads(v11, tmp_path)


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (0, "not a SQLite database (bad header at byte 0)"),
        (16, "not a SQLite database (bad page size at byte 16)"),
    ],
)
def test_a_corrupted_main_header_is_an_error_naming_the_file(
    h: Any, tmp_path: Path, offset: int, message: str
) -> None:
    db = bytearray((FIXTURE / "index.db").read_bytes())
    db[offset] ^= 0x21
    v11 = _store(tmp_path, db=bytes(db))
    got, errors = _scan(h, v11)
    assert got == set()
    assert errors == [(str(v11 / "index.db"), message)]


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (0, "not a SQLite write-ahead log (bad magic at byte 0)"),
        (9, "log page size (byte 8) is not the database's"),
        (20, "log header checksum does not match (byte 24)"),
    ],
)
def test_a_bad_log_header_is_an_error_naming_the_log(
    h: Any, tmp_path: Path, offset: int, message: str
) -> None:
    wal = bytearray((FIXTURE / "index.db-wal").read_bytes())
    wal[offset] ^= 0x10
    v11 = _store(tmp_path, wal=bytes(wal))
    got, errors = _scan(h, v11)
    assert got == set()
    assert errors == [(str(v11 / "index.db-wal"), message)]


def test_a_malformed_page_is_an_error_not_a_clean_store(h: Any, tmp_path: Path) -> None:
    """The b-tree page of the checkpointed rows overwritten: SQLite reports corruption."""
    db = bytearray((FIXTURE / "index.db").read_bytes())
    for page in range(1, len(db) // PAGE):
        db[page * PAGE : page * PAGE + 16] = b"\xff" * 16
    v11 = _store(tmp_path, wal=b"", db=bytes(db))
    got, errors = _scan(h, v11)
    assert got == set()
    assert errors == [(str(v11 / "index.db"), "not read as a SQLite database (SQLITE_CORRUPT)")]


def _table_db(path: Path, schema: str, rows: list[tuple[object, object]]) -> bytes:
    conn = sqlite3.connect(path)
    conn.execute(schema)
    conn.executemany("INSERT INTO package_index VALUES (?, ?)", rows)
    conn.commit()
    conn.close()
    return path.read_bytes()


def _value(name: str, version: str) -> bytes:
    """``{manifest: {name, version}}`` written as msgpackr records."""

    def text(s: str) -> bytes:
        return bytes([0xA0 | len(s)]) + s.encode()

    outer = b"\xd4\x72\x40\x91" + text("manifest")
    inner = b"\xd4\x72\x41\x92" + text("name") + text("version") + text(name) + text(version)
    return outer + inner


SCHEMA = "CREATE TABLE package_index (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID"


def test_rows_of_a_rollback_journal_database_and_a_bad_value(h: Any, tmp_path: Path) -> None:
    """A ``file:`` key is named by its value's manifest; a value that does not decode is an
    error naming the row, not its bytes; a registry key is the candidate its manifest confirms."""
    rows: list[tuple[object, object]] = [
        ("sha512-A\tfile:pkg.tgz", _value("isarray", "2.0.5")),
        ("sha512-B\tfile:bad.tgz", b"\xc1\x00"),
        ("sha512-C\tms@2.1.3", _value("ms", "2.1.3")),
        # the key (pnpm's, from the registry's document) names ms 9.9.9, the manifest (the
        # tarball's package.json) another package: matched as both (decision 0078)
        ("sha512-D\tms@9.9.9", _value("other", "1.0.0")),
    ]
    db = _table_db(tmp_path / "made.db", SCHEMA, rows)
    v11 = _store(tmp_path, wal=b"", db=db)
    got, errors = _scan(h, v11)
    assert got == {("isarray", "2.0.5"), ("ms", "2.1.3"), ("ms", "9.9.9")}
    assert errors == [
        (f"{v11 / 'index.db'}: package_index row 2", "value not read: unknown type byte at byte 0")
    ]


def test_a_log_beside_a_rollback_database_or_a_hot_journal_is_an_error(
    h: Any, tmp_path: Path
) -> None:
    db = _table_db(tmp_path / "made.db", SCHEMA, [("sha512-C\tms@2.1.3", _value("ms", "2.1.3"))])
    v11 = _store(tmp_path, db=db)
    assert _scan(h, v11) == (
        set(),
        [
            (
                str(v11 / "index.db-wal"),
                "a write-ahead log beside a database not in WAL mode (byte 18)",
            )
        ],
    )
    (v11 / "index.db-wal").unlink()
    (v11 / "index.db-journal").write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + bytes(504))
    assert _scan(h, v11) == (
        set(),
        [(str(v11 / "index.db-journal"), "a rollback journal is not applied; not read")],
    )
    (v11 / "index.db-journal").write_bytes(b"")  # what SQLite leaves after a commit
    assert _scan(h, v11) == ({("ms", "2.1.3")}, [])


def test_an_unknown_schema_is_an_error(h: Any, tmp_path: Path) -> None:
    db = _table_db(
        tmp_path / "made.db",
        "CREATE TABLE package_index (k TEXT, data BLOB)",
        [("sha512-C\tms@2.1.3", _value("ms", "2.1.3"))],
    )
    v11 = _store(tmp_path, wal=b"", db=db)
    got, errors = _scan(h, v11)
    assert got == set()
    assert errors == [(str(v11 / "index.db"), "unknown schema (no table package_index(key, data))")]


def test_a_file_over_the_cap_is_an_error(
    h: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(caches, "MAX_PNPM_SQLITE_BYTES", 30000)
    v11 = _store(tmp_path)
    got, errors = _scan(h, v11)
    assert got == set()
    assert [p for p, _ in errors] == [str(v11 / "index.db-wal")]
    assert "too large" in errors[0][1]


def test_a_symlinked_log_is_an_error_not_followed(h: Any, tmp_path: Path) -> None:
    v11 = _store(tmp_path, wal=b"")
    (v11 / "index.db-wal").symlink_to(FIXTURE / "index.db-wal")
    got, errors = _scan(h, v11)
    assert got == set()
    assert errors == [
        (str(v11 / "index.db-wal"), "not a regular file; the pnpm store index is not read")
    ]


def _listing(root: Path) -> dict[str, tuple[int, int, int]]:
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            st = os.lstat(os.path.join(folder, name))
            out[os.path.join(folder, name)] = (st.st_mtime_ns, st.st_size, st.st_mode)
    return out


def test_scanning_writes_nothing(h: Any, tmp_path: Path) -> None:
    """No ``-shm``, no journal, no checkpoint: the folder is the same, file for file, mtime
    for mtime, after the scan (SQLite's own reader would create ``index.db-shm``)."""
    v11 = _store(tmp_path)
    os.utime(v11 / "index.db", ns=(1_000_000_000, 1_000_000_000))
    os.utime(v11 / "index.db-wal", ns=(2_000_000_000, 2_000_000_000))
    os.utime(v11, ns=(3_000_000_000, 3_000_000_000))
    before = _listing(tmp_path / "store")
    got, _ = _scan(h, v11)
    assert got == CHECKPOINTED | IN_LOG_ONLY
    assert _listing(tmp_path / "store") == before
    assert sorted(os.listdir(v11)) == ["index.db", "index.db-wal"]


def test_the_in_memory_image_is_marked_rollback_and_stays_query_only() -> None:
    db, wal = (FIXTURE / "index.db").read_bytes(), (FIXTURE / "index.db-wal").read_bytes()
    image = apply_log(db, wal)
    assert image[18:20] == b"\x01\x01"
    assert struct.unpack(">I", image[28:32])[0] * PAGE <= len(image)
    conn = open_image(image)
    try:
        with pytest.raises(sqlite3.OperationalError):
            conn.execute("DELETE FROM package_index")
    finally:
        conn.close()


@pytest.mark.parametrize(
    "data",
    [b"", b"\xd4\x72\x40", b"\xd5\x72\x40\x01\x90", b"\x92\x01", b"\x91" * 100 + b"\x01"],
)
def test_msgpackr_values_not_read_exactly_are_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match="byte"):
        msgpackr.unpack(data)


def test_msgpackr_records_reuse_their_shape() -> None:
    one = b"\xa1a\xa1b"
    data = b"\x92\xd4\x72\x40\x92\xa1x\xa1y" + one + b"\x40\x01\xcc\x40"
    assert msgpackr.unpack(data) == [{"x": "a", "y": "b"}, {"x": 1, "y": 64}]
    assert msgpackr.unpack(b"\x40") == 64  # no record 0x40 defined: the integer
