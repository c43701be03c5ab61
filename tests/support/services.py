"""Real PostgreSQL and Redis for tests: a fresh database, a private Redis DB number.

When a service is absent the test is skipped with a reason, or failed when
``CI=true`` (CI must run every test against the real services).
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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
