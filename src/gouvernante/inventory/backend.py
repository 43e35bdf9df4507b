"""Where an inventory lives: one SQLite file (the default, stdlib) or a shared PostgreSQL server
(``postgresql://`` or ``postgres://`` URL, through psycopg 3, imported only then: decision 0019).

``store``, ``record`` and ``evaluate`` see one connection type, :class:`Database`, and write their
SQL once: ``?`` placeholders, plain types (INTEGER, TEXT, BLOB), ``ON CONFLICT`` rather than
``INSERT OR IGNORE``. For PostgreSQL the SQL is rendered here: ``?`` becomes ``%s``, and in
``CREATE TABLE`` statements INTEGER PRIMARY KEY becomes an identity column, INTEGER BIGINT,
BLOB BYTEA and TEXT ``TEXT COLLATE "C"`` (byte order, as SQLite compares, so both engines sort
alike and a report does not depend on the server's locale).

A location is shown through :func:`shown_location` wherever it is displayed: a password in the
URL (``user:secret@`` or ``?password=``) never reaches an error message, a log line or a report.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from gouvernante.errors import SourceError

if TYPE_CHECKING:
    import psycopg

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
HIDDEN = "***"
# Query parameters of a libpq URL that carry a secret.
SECRET_PARAMETERS = frozenset({"password", "sslpassword"})
# pg_advisory_xact_lock key serialising migrations (any constant; "gouv" in ASCII).
MIGRATION_LOCK = 0x676F7576
# The first server version with JIT compilation (the "jit" setting).
JIT_SINCE = 110000
# SQLSTATEs after which the whole write transaction may simply run again.
# How long a SQLite writer waits for another to let go of the file before giving up.
SQLITE_BUSY_SECONDS = 30
RETRYABLE_STATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class ConflictError(SourceError):
    """Two writers met (deadlock or serialisation failure): nothing was written, run again."""


def is_postgres(location: str) -> bool:
    return location.startswith(POSTGRES_SCHEMES)


def shown_location(location: str) -> str:
    """``location`` as it may be displayed: a URL's user information (user name and password:
    a token may be either) and sslpassword replaced, as every report masks URLs
    (``safetext.without_credentials``)."""
    if not is_postgres(location):
        return location
    try:
        parts = urlsplit(location)
    except ValueError:
        return location.split("://", 1)[0] + "://" + HIDDEN  # unparsable: show nothing of it
    _userinfo, at, hosts = parts.netloc.rpartition("@")
    netloc = f"{HIDDEN}@{hosts}" if at else hosts
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(k in SECRET_PARAMETERS for k, _ in pairs):
        query = urlencode(
            [(k, HIDDEN if k in SECRET_PARAMETERS else v) for k, v in pairs], safe="*"
        )
    # Not urlunsplit: it would turn postgresql:///db (no host: the local socket) into
    # postgresql:/db.
    return (
        f"{parts.scheme}://{netloc}{parts.path}"
        + (f"?{query}" if query else "")
        + (f"#{parts.fragment}" if parts.fragment else "")
    )


def _secrets(location: str) -> list[str]:
    """The literal secrets of a URL, raw and percent-decoded, to scrub from driver messages."""
    found: list[str] = []
    try:
        parts = urlsplit(location)
        userinfo, at, _hosts = parts.netloc.rpartition("@")
        if at and ":" in userinfo:
            found.append(userinfo.split(":", 1)[1])
        found.extend(v for k, v in parse_qsl(parts.query) if k in SECRET_PARAMETERS)
    except ValueError:
        pass
    found.extend([unquote(s) for s in found])
    return sorted({s for s in found if s}, key=len, reverse=True)


def scrubbed(message: str, location: str) -> str:
    """A driver's ``message`` with the location's secrets (and the raw location) hidden."""
    if not is_postgres(location):
        return message
    message = message.replace(location, shown_location(location))
    for secret in _secrets(location):
        message = message.replace(secret, HIDDEN)
    return message


def storable(value: object) -> object:
    """``value`` as a text column can hold it: a name from the file system or a repository that
    is not valid UTF-8 (a ``surrogateescape`` string: a tree path, a ref, a folder) has each
    undecodable byte written ``\\xNN``, as every report shows it (``safetext.shown``): SQLite
    and PostgreSQL both refuse a lone surrogate. Anything else is unchanged. (Two names may then
    be stored alike, a literal ``\\xe9`` and the byte: ``record`` refuses such a commit.)"""
    if type(value) is not str or value.isascii():
        return value
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # (a surrogate no decoding made: written \udcNN)
        return value.encode("utf-8", "backslashreplace").decode("utf-8")


def _bound(params: Sequence[object]) -> Sequence[object]:
    """Query parameters through ``storable`` (a row of plain ASCII values as it is)."""
    for value in params:  # (a loop: 0.2 us a row of five, half what ``all()`` costs)
        if type(value) is str and not value.isascii():
            return tuple(map(storable, params))
    return params


class Database:
    """An open inventory: ``execute``/``executemany``/``insert_id`` with ``?`` placeholders;
    ``begin``/``commit``/``rollback`` around writes (between them, no other writer interleaves
    on the rows this one touched); ``lock_schema`` inside a migration's transaction."""

    postgres = False

    def __init__(self, location: str) -> None:
        self.location = shown_location(location)

    def execute(self, sql: str, params: Sequence[object] = ()) -> Cursor:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        raise NotImplementedError

    def insert_id(self, sql: str, params: Sequence[object]) -> int | None:
        """Run an INSERT (maybe ``ON CONFLICT ... DO NOTHING``): the new row's id, or None
        when no row was inserted."""
        raise NotImplementedError

    def begin(self) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        """Undo the open transaction; quietly, as it runs on a failure path (a transaction a
        dead connection already lost needs no undoing, and the first error is the one to
        report)."""
        with contextlib.suppress(SourceError, sqlite3.Error):
            self.execute("ROLLBACK")

    def lock_schema(self) -> None:
        """Inside ``begin``: wait until no other process is migrating."""

    def has_table(self, name: str) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SQLiteDatabase(Database):
    def __init__(self, location: str, raw: sqlite3.Connection) -> None:
        super().__init__(location)
        self.raw = raw

    def execute(self, sql: str, params: Sequence[object] = ()) -> Cursor:
        return self.raw.execute(sql, _bound(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        self.raw.executemany(sql, map(_bound, rows))

    def insert_id(self, sql: str, params: Sequence[object]) -> int | None:
        cur = self.raw.execute(sql, _bound(params))
        return cur.lastrowid if cur.rowcount == 1 else None

    def begin(self) -> None:
        # IMMEDIATE: the write lock now, so a transaction never fails half-way on a busy file.
        self.raw.execute("BEGIN IMMEDIATE")

    def has_table(self, name: str) -> bool:
        row = self.raw.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None

    def close(self) -> None:
        self.raw.close()


_PLAIN_INSERT = re.compile(
    r"INSERT INTO (?P<table>\w+) \((?P<columns>\w+(?:, \w+)*)\) VALUES \(\?(?:, \?)*\)"
)
_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?|%")
_CREATE_TABLE = re.compile(r"\s*CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TABLE\b", re.IGNORECASE)
_TYPES = (
    (re.compile(r"\bINTEGER PRIMARY KEY\b"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b(?! GENERATED)"), "BIGINT"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
    (re.compile(r"\bTEXT\b"), 'TEXT COLLATE "C"'),
)


@functools.lru_cache(maxsize=256)
def postgres_sql(sql: str) -> str:
    """``sql`` as PostgreSQL (psycopg's ``%s`` paramstyle) reads it; see the module docstring."""
    if _CREATE_TABLE.match(sql):
        for pattern, replacement in _TYPES:
            sql = pattern.sub(replacement, sql)

    def one(m: re.Match[str]) -> str:
        piece = m.group(0)
        if piece == "?":
            return "%s"
        if piece == "%":
            return "%%"
        return piece.replace("%", "%%")  # a string literal: placeholders stay literal

    return _PLACEHOLDER.sub(one, sql)


class PostgresDatabase(Database):
    postgres = True

    def __init__(self, location: str, raw: psycopg.Connection[Any]) -> None:
        super().__init__(location)
        self.raw = raw
        self._url = location

    def _fail(self, exc: Exception) -> SourceError:
        import psycopg  # noqa: PLC0415 - loaded already: this object holds a connection

        message = scrubbed(str(exc).strip().replace("\n", " "), self._url)
        state = exc.sqlstate if isinstance(exc, psycopg.Error) else None
        if state in RETRYABLE_STATES:
            return ConflictError(self.location, f"concurrent writers: {message}")
        return SourceError(self.location, f"database error: {message}")

    def execute(self, sql: str, params: Sequence[object] = ()) -> Cursor:
        import psycopg  # noqa: PLC0415

        try:
            return self.raw.execute(postgres_sql(sql), tuple(_bound(params)))
        except psycopg.Error as exc:
            raise self._fail(exc) from None

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        """A plain ``INSERT INTO t (columns) VALUES (?, ...)`` goes through COPY (the same rows,
        the same constraints, a fraction of the round trips); anything else row by row."""
        import psycopg  # noqa: PLC0415

        batch = [tuple(_bound(r)) for r in rows]
        if not batch:
            return
        plain = _PLAIN_INSERT.fullmatch(sql)
        try:
            with self.raw.cursor() as cur:
                if plain is None:
                    cur.executemany(postgres_sql(sql), batch)
                    return
                copy_sql = f"COPY {plain['table']} ({plain['columns']}) FROM STDIN"
                with cur.copy(copy_sql) as copy:
                    for row in batch:
                        copy.write_row(row)
        except psycopg.Error as exc:
            raise self._fail(exc) from None

    def insert_id(self, sql: str, params: Sequence[object]) -> int | None:
        row = self.execute(sql + " RETURNING id", params).fetchone()
        return int(row[0]) if row is not None else None

    def begin(self) -> None:
        self.execute("BEGIN")

    def lock_schema(self) -> None:
        self.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))

    def has_table(self, name: str) -> bool:
        # A catalog query, not to_regclass(): after waiting on the migration lock, only a query
        # with a fresh snapshot sees the tables another process just committed.
        row = self.execute(
            "SELECT 1 FROM pg_catalog.pg_tables"
            " WHERE schemaname = current_schema() AND tablename = ?",
            (name,),
        ).fetchone()
        return row is not None

    def close(self) -> None:
        self.raw.close()


def open_database(location: str, *, create: bool) -> Database:
    """Connect to ``location``; raise ``SourceError`` (its password hidden) when that fails.

    On PostgreSQL a reader (``create`` false) runs in one REPEATABLE READ transaction, so a
    whole evaluation sees one committed state however many writers are at work."""
    if is_postgres(location):
        return _open_postgres(location, create=create)
    if not create and not os.path.isfile(location):
        raise SourceError(location, "no such inventory (make one with: gouvernante inventory add)")
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        raw = None
        try:
            raw = sqlite3.connect(location, timeout=SQLITE_BUSY_SECONDS, isolation_level=None)
            raw.execute("PRAGMA journal_mode=WAL")
            raw.execute("PRAGMA synchronous=NORMAL")
            raw.execute("PRAGMA foreign_keys=ON")
            # A first read opens the WAL index: from here this connection keeps the file from
            # being the last one open, whose closing is what answers SQLITE_BUSY at once.
            raw.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            if raw is not None:
                raw.close()
            if _busy(exc) and time.monotonic() < deadline:
                time.sleep(0.02)
                continue
            raise SourceError(location, f"not an inventory database: {exc}") from None
        return SQLiteDatabase(location, raw)


def _busy(exc: sqlite3.DatabaseError) -> bool:
    """SQLITE_BUSY (any extended code): another connection holds the file for a moment. WAL
    mode answers it without waiting (no busy handler) while the last connection to close
    checkpoints and removes the WAL, or while a first opener recovers it (sqlite.org/wal.html,
    "Sometimes Queries Return SQLITE_BUSY In WAL Mode")."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


def _open_postgres(location: str, *, create: bool) -> Database:
    shown = shown_location(location)
    try:
        import psycopg  # noqa: PLC0415 - 100+ ms: only when a PostgreSQL inventory is used
    except ImportError:
        raise SourceError(
            shown,
            "a PostgreSQL inventory needs the driver: pip install 'gouvernante[postgresql]'",
        ) from None
    options: dict[str, Any] = {"autocommit": create}
    given = _given_options(location)
    if "connect_timeout" not in given and "PGCONNECT_TIMEOUT" not in os.environ:
        options["connect_timeout"] = 15
    if "application_name" not in given and "PGAPPNAME" not in os.environ:
        options["application_name"] = "gouvernante"
    try:
        raw = psycopg.connect(location, **options)
        if not create:
            # Readers: every query of one evaluation sees the same committed state.
            raw.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        if raw.info.server_version >= JIT_SINCE:
            # Our queries are index seeks over temporary tables without statistics: the planner
            # overestimates them and JIT-compiles, 0.7 s to save nothing (decision 0019).
            raw.execute("SET jit = off")
    except psycopg.Error as exc:
        message = scrubbed(str(exc).strip().replace("\n", " "), location)
        raise SourceError(shown, f"cannot connect: {message}") from None
    return PostgresDatabase(location, raw)


def _given_options(location: str) -> set[str]:
    try:
        return {k for k, _ in parse_qsl(urlsplit(location).query, keep_blank_values=True)}
    except ValueError:
        return set()
