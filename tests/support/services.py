"""Real PostgreSQL and Redis for tests: a fresh database, a private Redis DB number, and a
private ``redis-server`` process that a test may kill and restart.

When a service is absent the test is skipped with a reason, or failed when
``CI=true`` (CI must run every test against the real services).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import asyncpg
import pytest
import redis.asyncio as aioredis

PG_HOST = os.environ.get("AOMAAS_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("AOMAAS_TEST_PG_PORT", "5432"))
PG_ROLES = ("postgres", "root")
PG_ADMIN_DATABASES = ("test", "postgres")
REDIS_HOST = os.environ.get("AOMAAS_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("AOMAAS_TEST_REDIS_PORT", "6379"))
REDIS_LOCK = "aomaas-test:lock"  # marks a Redis DB number as taken by one test
REDIS_DBS = range(1, 16)


def unavailable(what: str, why: object) -> None:
    """Skip (or, under CI=true, fail) a test whose service is absent."""
    message = f"{what} is not available ({why}); start it to run this test"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true requires it)")
    pytest.skip(message)


async def _pg_admin() -> tuple[asyncpg.Connection, str]:
    """A connection able to create databases, and the role it uses."""
    last: Exception | None = None
    for role in PG_ROLES:
        for database in PG_ADMIN_DATABASES:
            try:
                conn = await asyncpg.connect(
                    host=PG_HOST, port=PG_PORT, user=role, database=database, timeout=5
                )
            except (OSError, asyncpg.PostgresError) as exc:
                last = exc
                continue
            return conn, role
    unavailable(f"PostgreSQL on {PG_HOST}:{PG_PORT}", last)
    raise AssertionError("unreachable")


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database as an asyncpg SQLAlchemy URL; dropped afterwards."""
    admin, role = await _pg_admin()
    name = f"aomaas_test_{uuid.uuid4().hex[:12]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield f"postgresql+asyncpg://{role}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        admin, _ = await _pg_admin()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def redis_database() -> AsyncIterator[str]:
    """A Redis URL on a DB number no other test holds; emptied before and after."""
    token = secrets.token_hex(8)
    for number in REDIS_DBS:
        client = aioredis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number)
        try:
            taken = not await client.set(REDIS_LOCK, token, nx=True, ex=900)
        except (OSError, aioredis.ConnectionError) as exc:
            await client.aclose()
            unavailable(f"Redis on {REDIS_HOST}:{REDIS_PORT}", exc)
        if taken:
            await client.aclose()
            continue
        try:
            await _empty_except_lock(client)
            yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{number}"
        finally:
            await client.flushdb()
            await client.aclose()
        return
    unavailable("a free Redis DB number", "all are held by other test runs")


async def _empty_except_lock(client: aioredis.Redis) -> None:
    """Remove what an interrupted earlier run left in this DB (keeps our lock)."""
    async for key in client.scan_iter(count=500):
        if key != REDIS_LOCK.encode():
            await client.delete(key)


class PrivateRedis:
    """A ``redis-server`` subprocess on a free loopback port that a test can stop and restart."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10) -> None:
        """Start the server (no persistence: it comes back empty) and wait until it answers."""
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server", "not on PATH")
        assert binary is not None
        self.proc = subprocess.Popen(
            [binary, *("--port", str(self.port), "--bind", "127.0.0.1"), "--save", ""],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"redis-server on port {self.port} did not start")
            time.sleep(0.05)

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None


@contextmanager
def private_redis(port: int) -> Iterator[PrivateRedis]:
    """A started :class:`PrivateRedis` on ``port``, killed when the block ends."""
    server = PrivateRedis(port)
    server.start()
    try:
        yield server
    finally:
        server.kill()


async def set_postgres_reachable(url: str, reachable: bool) -> None:
    """Let the test database at ``url`` accept connections, or refuse new ones and drop all.

    ``ALTER DATABASE … ALLOW_CONNECTIONS false`` plus ``pg_terminate_backend`` on its
    sessions: to its clients the database is down, as after a crash or a failover.
    """
    name = url.rsplit("/", 1)[1]
    admin, _ = await _pg_admin()
    try:
        await admin.execute(
            f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if reachable else "false"}'
        )
        if not reachable:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
    finally:
        await admin.close()
