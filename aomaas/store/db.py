"""Database engines and sessions (SQLite file by default, PostgreSQL by URL)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
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
        parsed = make_url(url)
        path = parsed.database if parsed.database not in (None, "", ":memory:") else None
        if path is not None:  # in-memory: one static conn
            _create_private(Path(path))
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

        if path is not None and not parsed.query:
            _check_file_on_checkout(engine, path)  # after the PRAGMAs: the file exists then
        return engine
    options.setdefault("pool_size", 10)
    options.setdefault("max_overflow", 10)
    options.setdefault("pool_pre_ping", True)
    options.setdefault(
        "skip_autocommit_rollback", True
    )  # reads in autocommit mode need no ROLLBACK
    return create_async_engine(url, **options)


def sqlite_file_id(path: str) -> tuple[int, int] | None:
    """The identity (device, inode) of a SQLite data file; None when it is gone or unreadable.

    An open SQLite connection keeps reading and writing a file that was deleted or
    replaced (its directory removed, a backup moved in): the writes would be lost. A
    connection whose file is no longer the one at the path must not be used.
    """
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


def _check_file_on_checkout(engine: AsyncEngine, path: str) -> None:
    """Before each use, drop the pooled connections if the data file is no longer theirs.

    The pool then reconnects, which opens the file now at the path, or fails with
    SQLite's own "unable to open database file" when there is none (an outage, 503).
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _remember_file(_dbapi_connection: Any, record: Any) -> None:
        record.info["sqlite_file"] = sqlite_file_id(path)

    @event.listens_for(engine.sync_engine, "checkout")
    def _same_file(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if sqlite_file_id(path) != record.info.get("sqlite_file"):
            moved = exc.DisconnectionError("the SQLite data file was removed or replaced")
            moved.invalidate_pool = True  # every pooled connection holds the old file
            raise moved


def _create_private(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600), unless it exists.

    SQLite gives its -wal and -shm files the database file's mode.
    """
    # An existing file is left as it is; on any other error (a missing directory, say)
    # SQLite's own error says what is wrong when it connects.
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
