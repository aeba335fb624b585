"""Database access from one URL: SQLite embedded by default, PostgreSQL in tests and production.

Services use SQLAlchemy Core statements on an async engine; migrations are Alembic, run with a
synchronous connection (see :mod:`kotopolku.common.migrations`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


def _with_driver(url: str, drivers: dict[str, str]) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise ValueError(f"Unsupported database {backend!r}: use sqlite or postgresql")
    return parsed.set(drivername=drivers[backend])


def async_url(url: str) -> URL:
    return _with_driver(url, _ASYNC_DRIVERS)


def sync_url(url: str) -> URL:
    return _with_driver(url, _SYNC_DRIVERS)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_directory(url: str) -> None:
    database = make_url(url).database
    if is_sqlite(url) and database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; busy_timeout waits instead of failing.
    cursor = dbapi_connection.cursor()
    for pragma in (
        "busy_timeout=10000",
        "journal_mode=WAL",
        "foreign_keys=ON",
        "synchronous=NORMAL",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def is_unavailable(error: BaseException) -> bool:
    """The database could not be reached or lost the connection (down, restarting, refusing
    connections, pool exhausted): a failure of the server, not of the statement, and one that
    goes away when the server is back. SQLite's ``database is locked`` counts too."""
    if isinstance(error, sa_exc.TimeoutError):
        # Waiting for a pooled connection timed out: every connection is stuck on a dead server.
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if isinstance(error.orig, sqlite3.Error):
        # SQLite reports a missing table as an OperationalError too: only a lock is transient.
        return getattr(error.orig, "sqlite_errorname", "") in ("SQLITE_BUSY", "SQLITE_LOCKED")
    # psycopg: connection refused or lost, server shutting down or starting up, serialisation
    # failures; statement errors (missing table, bad value) are other classes.
    return isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError)


class Database:
    """An async engine and the one way to run a unit of work on it."""

    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 10) -> None:
        ensure_sqlite_directory(url)
        # No pre-ping: it would cost a round trip per transaction. A connection broken by a
        # database restart fails one transaction, and SQLAlchemy then discards the whole pool.
        # Statement parameters are personal data: keep them out of exception texts and logs.
        options: dict[str, Any] = {"hide_parameters": True}
        if not is_sqlite(url):
            options.update(pool_size=pool_size, max_overflow=max_overflow, pool_recycle=1800)
        self.url = url
        self.engine: AsyncEngine = create_async_engine(async_url(url), **options)
        if is_sqlite(url):
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One transaction: committed when the block ends, rolled back on any exception."""
        async with self.engine.begin() as connection:
            yield connection

    async def dispose(self) -> None:
        await self.engine.dispose()
