"""Which failures mean a backing service is down: the database, or Redis (queue, rate limits).

An outage is not a bug: the API answers it 503 with ``Retry-After`` (see
:mod:`aomaas.api.errors`), never a 500 with a request id. :func:`outage_of` looks at an
exception, the driver errors it wraps (``orig``) and the ones it was raised from
(``__cause__``, ``__context__``) and says which part is unavailable:

* database: SQLAlchemy errors that invalidated their connection, asyncpg connection
  errors and the server's refusals (SQLSTATE classes 08, 53 and 57P, a database that
  does not exist or does not accept connections, failed authentication), SQLite failing
  to open, read or write its file (``SQLITE_CANTOPEN``, ``SQLITE_IOERR``, ``SQLITE_FULL``,
  ``SQLITE_BUSY`` …);
* Redis: the rate-limit store's :class:`limits.errors.StorageError`, redis-py and
  coredis connection and timeout errors;
* a bare ``OSError`` (a refused or unreachable socket) counts when a database driver or
  a Redis client raised it: the frames it passed through tell which service it was.

Anything else is not an outage (a bad SQL statement stays a 500).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator

import asyncpg
import coredis.exceptions
import redis.exceptions
import sqlalchemy.exc
from limits.errors import StorageError

from aomaas.errors import ServiceUnavailable

log = logging.getLogger("aomaas.outages")

RETRY_AFTER_SECONDS = 5  # what a 503 for an outage asks the client to wait

DATABASE = "database"
REDIS = "redis"
RATE_LIMITS = "rate_limits"

MESSAGES = {
    DATABASE: "the database is unavailable; try again shortly",
    REDIS: "the task queue (Redis) is unavailable; try again shortly",
    RATE_LIMITS: (
        "the rate-limit store (Redis) is unavailable, so requests are refused until it is "
        "back; try again shortly"
    ),
}
TYPES = {
    DATABASE: "database_unavailable",
    REDIS: "queue_unavailable",
    RATE_LIMITS: "rate_limit_store_unavailable",
}

# SQLSTATEs of a server that is unreachable or refuses us (not of a wrong statement).
_PG_CLASSES = ("08", "53", "57P")  # connection exception, insufficient resources, shutdown
_PG_STATES = ("3D000", "28000", "28P01")  # no such database, authentication failed
_PG_NOT_ACCEPTING = "not currently accepting connections"  # 55000 (ALLOW_CONNECTIONS false)
_SQLITE_OUTAGES = (
    "SQLITE_CANTOPEN",
    "SQLITE_IOERR",
    "SQLITE_FULL",
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_READONLY",
    "SQLITE_PERM",
    "SQLITE_CORRUPT",
    "SQLITE_NOTADB",
)
_DATABASE_MODULES = ("asyncpg", "sqlalchemy", "aiosqlite", "sqlite3", "aomaas.store")
_REDIS_MODULES = ("redis", "coredis", "limits", "dramatiq")
_REDIS_ERRORS = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    coredis.exceptions.ConnectionError,
    coredis.exceptions.TimeoutError,
)


def outage_of(exc: BaseException) -> ServiceUnavailable | None:
    """The 503 error for ``exc`` when it means a backing service is down, else None."""
    for error in _chain(exc):
        part = _part(error)
        if part is not None:
            outage = ServiceUnavailable(MESSAGES[part], retry_after=RETRY_AFTER_SECONDS)
            outage.type = TYPES[part]
            outage.__cause__ = exc
            return outage
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every error it wraps or was raised from, each once."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        error = todo.pop(0)
        if id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        for inner in (getattr(error, "orig", None), error.__cause__, error.__context__):
            if isinstance(inner, BaseException):
                todo.append(inner)
        if isinstance(error, StorageError):
            todo.append(error.storage_error)


def _part(error: BaseException) -> str | None:
    if isinstance(error, StorageError):
        return RATE_LIMITS
    if isinstance(error, _REDIS_ERRORS):
        return RATE_LIMITS if isinstance(error, coredis.exceptions.RedisError) else REDIS
    if isinstance(error, sqlalchemy.exc.DBAPIError) and error.connection_invalidated:
        return DATABASE
    if isinstance(error, asyncpg.PostgresConnectionError):  # class 08, a dropped connection
        return DATABASE
    if isinstance(error, asyncpg.InterfaceError):  # "connection is closed", not misuse
        return DATABASE if "closed" in str(error) else None
    if isinstance(error, asyncpg.PostgresError):
        state = str(getattr(error, "sqlstate", "") or "")
        if (
            state.startswith(_PG_CLASSES)
            or state in _PG_STATES
            or (state == "55000" and _PG_NOT_ACCEPTING in str(error))
        ):
            return DATABASE
        return None
    if isinstance(error, sqlite3.Error):
        name = str(getattr(error, "sqlite_errorname", ""))
        return DATABASE if name.startswith(_SQLITE_OUTAGES) else None
    if isinstance(error, OSError):
        return _raised_by(error)
    return None


def _raised_by(error: BaseException) -> str | None:
    """Which service's client a socket error came through (its innermost known frame)."""
    tb = error.__traceback__
    found: str | None = None
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        root = module.split(".", 1)[0]
        if module.startswith(_DATABASE_MODULES):
            found = DATABASE
        elif root in _REDIS_MODULES:
            found = RATE_LIMITS if root in ("coredis", "limits") else REDIS
        tb = tb.tb_next
    return found


class OutageLog:
    """Logs an outage at warning level once per part and period, with how often it hit.

    The cause is named by its type and the driver's own short message (no SQL, no
    parameters, no URL), so no secret reaches the log.
    """

    def __init__(self, period: float = 60.0) -> None:
        self.period = period
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._count: dict[str, int] = {}

    def report(self, outage: ServiceUnavailable, where: str) -> None:
        """Note one refusal caused by ``outage`` on ``where``; log it unless logged lately."""
        now = time.monotonic()
        with self._lock:
            self._count[outage.type] = self._count.get(outage.type, 0) + 1
            last = self._last.get(outage.type)
            if last is not None and now - last < self.period:
                return
            count = self._count.pop(outage.type)
            self._last[outage.type] = now
        extra = f" ({count} refused since the last report)" if last is not None else ""
        log.warning("%s on %s: %s%s", outage.type, where, describe_cause(outage), extra)


def describe_cause(outage: ServiceUnavailable) -> str:
    """The innermost error behind ``outage``: its type and first line, without SQL."""
    cause = outage.__cause__
    innermost: BaseException | None = None
    if cause is not None:
        for error in _chain(cause):
            if _part(error) is not None or isinstance(error, OSError):
                innermost = error
    if innermost is None:
        return type(cause).__name__ if cause is not None else "unknown cause"
    if isinstance(innermost, sqlalchemy.exc.StatementError):  # carries the SQL and parameters
        return type(innermost).__name__
    text = str(innermost).splitlines()[0][:200] if str(innermost) else ""
    return f"{type(innermost).__name__}: {text}" if text else type(innermost).__name__
