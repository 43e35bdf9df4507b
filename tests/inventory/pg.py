"""The PostgreSQL server the inventory tests use: ``GOUVERNANTE_TEST_POSTGRES_URL`` names a role
that may create databases (``scripts/postgres-test-server.sh start DIR`` makes one; ``.ci/run``
does it in CI). Each test gets a database of its own, made and dropped here, so reruns and
parallel runs do not meet. Without the variable the tests are skipped, except under ``CI``,
where they fail: CI cannot skip them silently."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest

ENV = "GOUVERNANTE_TEST_POSTGRES_URL"
TABLES = (
    "repositories",
    "sources",
    "commits_seen",
    "ref_states",
    "blobs",
    "commit_files",
    "packages",
)


def admin_url() -> str:
    url = os.environ.get(ENV, "")
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{ENV} is not set: CI runs the PostgreSQL tests (see .ci/run)")
        pytest.skip(f"{ENV} not set (scripts/postgres-test-server.sh start DIR prints one)")
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@contextmanager
def fresh_database(admin: str) -> Iterator[str]:
    """The URL of a new, empty database, dropped afterwards (its connections closed)."""
    import psycopg

    name = f"gouvernante_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(admin, name)
    finally:
        _drop(admin, name)


def _drop(admin: str, name: str) -> None:
    """DROP DATABASE, retried: a session of another role (a writer a test killed, not yet gone)
    can make even WITH (FORCE) fail for a moment."""
    import psycopg

    for attempt in range(50):
        try:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except psycopg.Error:
            if attempt == 49:
                raise
            time.sleep(0.2)


def counts(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as conn:
        return {
            t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
            for t in TABLES
        }
