"""Point reads on the raw driver (``aomaas.store.lookups``) on both databases.

They must give exactly what the ORM gives, carry the access check inside the statement,
read the database on every call, survive a busy SQLite file and dead PostgreSQL
connections.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from aomaas.store import repositories, users
from aomaas.store.access import task_subject
from aomaas.store.db import SessionMaker, make_engine, make_sessionmaker
from aomaas.store.lookups import Lookups
from aomaas.store.migrate import upgrade
from aomaas.store.models import Repository, Task, User
from aomaas.store.tasks import new_task

# Every column, so the values of each type are compared with the ORM's.
TASK = task_subject(*(column.key for column in Task.__table__.columns))


@dataclass
class Db:
    engine: AsyncEngine
    sessions: SessionMaker
    lookups: Lookups


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Db]:
    engine = make_engine(database_url)
    await upgrade(engine)
    lookups = Lookups(engine)
    try:
        yield Db(engine, make_sessionmaker(engine), lookups)
    finally:
        await lookups.close()
        await engine.dispose()


async def add_task(db: Db, user: User | None, repository_id: uuid.UUID | None = None) -> Task:
    task = new_task("selftest", {"sleep": 0, "text": "é ✓"}, user_id=user.id if user else None)
    task.repository_id = repository_id
    task.status = "completed"
    task.result = {"success": True, "message": "done", "data": {"n": [1, 2], "none": None}}
    task.lease_until = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    async with db.sessions.begin() as session:
        session.add(task)
    return task


async def local_repository(db: Db, owner: str, name: str, indexer: User) -> Repository:
    return await repositories.get_or_create(
        db.sessions,
        provider="local",
        url=f"/srv/{owner}/{name}",
        branch=None,
        owner=owner,
        name=name,
        created_by=indexer.id,
    )


def columns(obj: object, keys: list[str]) -> dict[str, object]:
    return {key: getattr(obj, key) for key in keys}


async def test_values_are_those_of_the_orm(db: Db) -> None:
    alice = await users.create_user(db.sessions, "alice", "password-123", email="a@example.org")
    task = await add_task(db, alice)
    row = await db.lookups.one(TASK.lookup, user_id=alice.id, task_id=task.id)
    assert row is not None
    caller, found = TASK.split(row)
    assert found is not None
    async with db.sessions() as session:
        orm_task = await session.scalar(select(Task).where(Task.id == task.id))
        orm_user = await session.scalar(select(User).where(User.id == alice.id))
    task_keys = [c.key for c in Task.__table__.columns]
    account_keys = [c.key for c in users.ACCOUNT_COLUMNS]
    assert found == columns(orm_task, task_keys)
    assert caller == columns(orm_user, account_keys)
    assert "password_hash" not in caller  # the hash is read by the login only
    assert isinstance(found["id"], uuid.UUID) and found["created_at"].tzinfo is not None
    assert found["lease_until"] == datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert found["payload"]["text"] == "é ✓" and found["result"]["data"]["none"] is None
    assert found["error"] is None and found["repository_id"] is None
    assert await db.lookups.one(users.USER_BY_ID, user_id=uuid.uuid4()) is None
    assert await db.lookups.one(TASK.lookup, user_id=uuid.uuid4(), task_id=task.id) is None


async def test_every_call_reads_the_database(db: Db) -> None:
    alice = await users.create_user(db.sessions, "alice", "password-123")
    task = await add_task(db, alice)
    for status in ("running", "failed"):
        async with db.sessions.begin() as session:
            await session.execute(update(Task).where(Task.id == task.id).values(status=status))
        row = await db.lookups.one(TASK.lookup, user_id=alice.id, task_id=task.id)
        assert row is not None and TASK.split(row)[1]["status"] == status  # type: ignore[index]
    await users.set_disabled(db.sessions, "alice")
    row = await db.lookups.one(users.USER_BY_ID, user_id=alice.id)
    assert row is not None and row["disabled"] is True


async def test_the_access_check_is_part_of_the_read(db: Db) -> None:
    """Admins see any task; others those of repositories granted to them, and their own
    tasks about no repository. Indexing a repository (``member``) or starting a task about
    it (``owner``) grants nothing."""
    make = users.create_user
    owner = await make(db.sessions, "owner", "password-123")
    admin = await make(db.sessions, "admin", "password-123", is_admin=True)
    granted = await make(db.sessions, "granted", "password-123")
    member = await make(db.sessions, "member", "password-123")
    stranger = await make(db.sessions, "stranger", "password-123")
    elsewhere = await make(db.sessions, "elsewhere", "password-123")
    await users.grant_owner(db.sessions, "granted", "acme")
    # The stranger has grants and repositories too, just not for this repository: a check
    # that lost its correlation to the caller would let them through.
    await users.grant_owner(db.sessions, "stranger", "other-org")
    repo = await local_repository(db, "acme", "tool", member)
    await local_repository(db, "other-org", "x", stranger)
    in_repo = await add_task(db, owner, repo.id)
    private = await add_task(db, owner)
    orphan = await add_task(db, None)

    async def sees(user: User, task: Task) -> bool:
        row = await db.lookups.one(TASK.lookup, user_id=user.id, task_id=task.id)
        assert row is not None, "the caller always comes back"
        caller, found = TASK.split(row)
        assert caller["id"] == user.id
        return found is not None and found["id"] == task.id

    expected = {
        (owner, in_repo): False, (owner, private): True, (owner, orphan): False,
        (admin, in_repo): True, (admin, private): True, (admin, orphan): True,
        (granted, in_repo): True, (granted, private): False, (granted, orphan): False,
        (member, in_repo): False, (member, private): False, (member, orphan): False,
        (stranger, in_repo): False, (stranger, private): False, (stranger, orphan): False,
        (elsewhere, in_repo): False, (elsewhere, private): False, (elsewhere, orphan): False,
    }  # fmt: skip
    seen = {pair: await sees(*pair) for pair in expected}
    assert seen == expected
    row = await db.lookups.one(TASK.lookup, user_id=stranger.id, task_id=uuid.uuid4())
    assert row is not None and TASK.split(row)[1] is None


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_locked_sqlite_file_moves_the_read_off_the_event_loop(db: Db) -> None:
    alice = await users.create_user(db.sessions, "alice", "password-123")
    path = make_url(str(db.engine.url)).database
    assert path
    # A writer in exclusive locking mode keeps every other connection out, even WAL readers;
    # it can only enter that mode while no other connection is open.
    await db.lookups.close()
    await db.engine.dispose()
    locker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    locker.execute("PRAGMA locking_mode=EXCLUSIVE")
    locker.execute("BEGIN EXCLUSIVE")
    locker.execute("UPDATE users SET full_name = 'Alice' WHERE username = 'alice'")
    released = threading.Event()

    def release_later() -> None:
        time.sleep(0.6)
        locker.execute("COMMIT")
        locker.close()  # an exclusive-mode connection keeps its lock until it closes
        released.set()

    threading.Thread(target=release_later, daemon=True).start()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while not released.is_set():
            ticks += 1
            await asyncio.sleep(0.02)

    ticking = asyncio.create_task(ticker())
    started = time.monotonic()
    row = await db.lookups.one(users.USER_BY_ID, user_id=alice.id)
    waited = time.monotonic() - started
    await ticking
    assert row is not None and row["full_name"] == "Alice"  # waited for the commit, read it
    assert waited >= 0.4
    assert ticks >= 10, "the event loop must keep running while the read waits"


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_dead_postgres_connections_are_replaced(db: Db, database_url: str) -> None:
    alice = await users.create_user(db.sessions, "alice", "password-123")
    for _ in range(3):  # put a few connections in the lookup pool
        await asyncio.gather(
            *(db.lookups.one(users.USER_BY_ID, user_id=alice.id) for _ in range(3))
        )
    url = make_url(database_url)
    admin = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, database=url.database
    )
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            url.database,
        )
    finally:
        await admin.close()
    assert killed >= 1
    for _ in range(5):  # every pooled connection is dead: each read retries on a fresh one
        row = await db.lookups.one(users.USER_BY_ID, user_id=alice.id)
        assert row is not None and row["username"] == "alice"
