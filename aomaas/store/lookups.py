"""Point reads on the request path: a Core statement compiled once, run on the raw driver.

Authentication reads the caller, and a poll such as ``GET /tasks/{id}`` reads one row, on
every request. Through SQLAlchemy's execution layer one such read costs 0.3-0.6 ms of CPU
(connection object, statement cache key, result proxy, greenlet and thread hops), more
than a whole hand-written request (``bench/api.py``). Here the statement is still written
with SQLAlchemy Core and compiled once per dialect; each call binds the parameters with
the column types' own bind processors, runs the SQL on the driver and converts the row
with the types' own result processors, so the values are exactly those the ORM gives.
Nothing is cached but the compiled SQL: every call reads the database.

* SQLite: inline, on a synchronous read-only connection in the event loop's thread. A WAL
  reader never waits for writers and a read by key takes microseconds. If the database is
  busy all the same (a recovery, an exclusive lock), the read goes to the engine's pool,
  whose connections wait for the lock in their own thread. A connection whose data file
  was removed or replaced is reopened (or fails with SQLite's "unable to open").
* PostgreSQL: a connection from a pool of the same engine configuration (so it carries
  the dialect's codecs), without a ping round trip before each use: a connection known
  closed is replaced, and a read that finds its connection dropped renews the pool and is
  tried once more (a read is safe to repeat).

When the database is really down these reads raise the driver's own error (a refused
connection, a dropped one twice, SQLite unable to open its file), which the API answers
503 (:mod:`aomaas.outages`).

Only reads that return at most one row by key belong here; anything that scans stays on
the async engine.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from aomaas.store.db import make_engine, sqlite_file_id

Processor = Callable[[Any], Any] | None
Row = dict[str, Any]


@dataclass(frozen=True)
class CompiledLookup:
    """A point read compiled for one dialect: SQL text, parameter order and type processors."""

    sql: str
    names: tuple[str, ...]
    binders: tuple[Processor, ...]
    keys: tuple[str, ...]
    converters: tuple[Processor, ...]

    def args(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """The positional driver arguments for ``params`` (named as in the statement)."""
        return tuple(
            bind(params[name]) if bind is not None else params[name]
            for name, bind in zip(self.names, self.binders, strict=True)
        )

    def row(self, values: Sequence[Any]) -> Row:
        """A driver row as ``{column key: value}``, with the types' result conversions."""
        return {
            key: convert(value) if convert is not None else value
            for key, convert, value in zip(self.keys, self.converters, values, strict=True)
        }


class Lookup:
    """A SELECT of at most one row, with named bind parameters, compiled once per dialect."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, str], CompiledLookup] = {}

    def compiled(self, dialect: Dialect) -> CompiledLookup:
        """The statement compiled for ``dialect`` (positional parameter styles only)."""
        key = (dialect.name, dialect.driver)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _compile(self.statement, dialect)
        return found


def _compile(statement: Select[Any], dialect: Dialect) -> CompiledLookup:
    compiled = statement.compile(dialect=dialect)
    if compiled.positiontup is None:
        raise ValueError(f"{dialect.name}+{dialect.driver} has no positional parameter style")
    names = tuple(compiled.positiontup)
    columns = list(statement.selected_columns)
    if any(column.key is None for column in columns):
        raise ValueError("every selected column of a lookup needs a name (use .label())")
    return CompiledLookup(
        sql=compiled.string,
        names=names,
        binders=tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in names
        ),
        keys=tuple(str(column.key) for column in columns),
        converters=tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ),
    )


class Lookups:
    """Runs :class:`Lookup` reads against the service's database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._dialect = engine.dialect
        url = engine.url
        self._sqlite_path: str | None = None
        self._sqlite: sqlite3.Connection | None = None
        self._sqlite_file: tuple[int, int] | None = None
        self._pool: AsyncEngine | None = None
        self._dead: tuple[type[Exception], ...] = ()
        if url.get_backend_name() == "sqlite":
            if url.database not in (None, "", ":memory:") and not url.query:
                self._sqlite_path = url.database
        else:
            import asyncpg

            # What a connection the server dropped (a restart, a terminated backend) raises;
            # a drop the client has not noticed yet can leave the protocol in a wrong state.
            self._dead = (
                asyncpg.InterfaceError,
                asyncpg.InternalClientError,
                asyncpg.PostgresConnectionError,
                OSError,
            )
            # The same URL and dialect, but no ping round trip on checkout: see ``_pooled``.
            self._pool = make_engine(
                url.render_as_string(hide_password=False),
                pool_pre_ping=False,
                # A fixed set: an overflow connection would be opened and closed per burst.
                pool_size=10,
                max_overflow=0,
                pool_timeout=30,
            )

    async def one(self, lookup: Lookup, **params: Any) -> Row | None:
        """The row ``lookup`` selects for ``params``, or None."""
        compiled = lookup.compiled(self._dialect)
        args = compiled.args(params)
        if self._pool is not None:
            values = await self._pooled(self._pool, self._dead, compiled.sql, args)
        elif self._sqlite_path is not None:
            values = await self._inline(compiled.sql, args)
        else:
            values = await self._through_engine(compiled.sql, args)
        return compiled.row(values) if values is not None else None

    async def close(self) -> None:
        """Close the inline connection and the lookup pool."""
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        if self._pool is not None:
            await self._pool.dispose()

    async def _inline(self, sql: str, args: tuple[Any, ...]) -> Sequence[Any] | None:
        try:
            row: Sequence[Any] | None = self._sqlite_connection().execute(sql, args).fetchone()
            return row
        except sqlite3.OperationalError as exc:
            if not getattr(exc, "sqlite_errorname", "").startswith(
                ("SQLITE_BUSY", "SQLITE_LOCKED")
            ):
                raise
        return await self._through_engine(sql, args)

    def _sqlite_connection(self) -> sqlite3.Connection:
        assert self._sqlite_path is not None
        if self._sqlite is not None and sqlite_file_id(self._sqlite_path) != self._sqlite_file:
            # The file was removed or replaced: reopen (an error naming it if there is none).
            self._sqlite.close()
            self._sqlite = None
        if self._sqlite is None:
            # timeout=0: a busy database answers at once, and the read moves to a thread.
            connection = sqlite3.connect(
                self._sqlite_path, timeout=0, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA query_only=ON")
            self._sqlite = connection
            self._sqlite_file = sqlite_file_id(self._sqlite_path)
        return self._sqlite

    async def _through_engine(self, sql: str, args: tuple[Any, ...]) -> Sequence[Any] | None:
        async with self._engine.connect() as connection:
            result = await connection.exec_driver_sql(sql, args)
            row = result.first()
        return tuple(row) if row is not None else None

    @staticmethod
    async def _pooled(
        pool: AsyncEngine,
        dead: tuple[type[Exception], ...],
        sql: str,
        args: tuple[Any, ...],
    ) -> Sequence[Any] | None:
        failures = 0
        while True:
            connection = await pool.raw_connection()
            driver = connection.driver_connection
            assert driver is not None
            try:
                if driver.is_closed():  # known dead: replace it without a try
                    await greenlet_spawn(connection.invalidate)
                    continue
                record: Sequence[Any] | None = await driver.fetchrow(sql, *args)
                return record
            except dead:
                await greenlet_spawn(connection.invalidate)
                failures += 1
                if failures == 2:
                    raise
                # One dropped connection means the others likely went with it (a restart):
                # start a new pool, as SQLAlchemy does on a disconnect, and try once more.
                await pool.dispose()
            finally:
                await greenlet_spawn(connection.close)
