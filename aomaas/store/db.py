"""Database engines and sessions (SQLite file by default, PostgreSQL by URL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SessionMaker = async_sessionmaker[AsyncSession]


def make_engine(url: str, **options: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, a busy timeout and foreign keys on."""
    if url.startswith("sqlite"):
        # Each aiosqlite connection is a thread plus four PRAGMAs: a fixed set of them, never
        # opened and closed per request (overflow connections would be); requests wait briefly
        # for a free one instead. SQLite serves reads in microseconds, so a few suffice.
        if make_url(url).database not in (None, "", ":memory:"):  # in-memory: one static conn
            options.setdefault("pool_size", 8)
            options.setdefault("max_overflow", 0)
            options.setdefault("pool_timeout", 60)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **options)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    options.setdefault("pool_size", 10)
    options.setdefault("max_overflow", 10)
    options.setdefault("pool_pre_ping", True)
    options.setdefault(
        "skip_autocommit_rollback", True
    )  # reads in autocommit mode need no ROLLBACK
    return create_async_engine(url, **options)


def read_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine for request reads: each statement on its own, with no BEGIN/ROLLBACK round trips.

    PostgreSQL: the same pool in autocommit mode (and the engine skips the rollback on
    return). SQLite: the engine as it is — pysqlite opens no transaction for a SELECT,
    and switching isolation levels would cost a driver round trip on every checkout.
    """
    if engine.dialect.name == "sqlite":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


class ReadScope:
    """One request's read connection, opened on first use and closed at the end of the request."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None

    async def connection(self) -> AsyncConnection:
        """The request's autocommit connection."""
        if self._connection is None:
            self._connection = await self._engine.connect()
        return self._connection

    async def close(self) -> None:
        """Give the connection back to the pool."""
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


def make_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
