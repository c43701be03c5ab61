"""In-process Dramatiq workers on a migrated database, and waiting on task rows."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aomaas.jobs.worker import WorkerPool
from aomaas.settings import Settings
from aomaas.store import tasks as task_store
from aomaas.store.db import SessionMaker, make_engine, make_sessionmaker
from aomaas.store.models import Task
from tests.support.config import migrate_database


@asynccontextmanager
async def database_sessions(settings: Settings) -> AsyncIterator[SessionMaker]:
    """Sessions on the settings' database, migrated to the newest schema."""
    await migrate_database(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


@asynccontextmanager
async def running_pool(settings: Settings) -> AsyncIterator[tuple[WorkerPool, SessionMaker]]:
    """A started WorkerPool (the broker the settings choose) and sessions of its database."""
    async with database_sessions(settings) as sessions:
        pool = WorkerPool(settings)
        pool.start()
        try:
            yield pool, sessions
        finally:
            await asyncio.to_thread(pool.stop)


async def add_task(
    sessions: SessionMaker, kind: str, payload: dict[str, Any] | None = None, **values: Any
) -> Task:
    """Write a task row (pending unless ``values`` say otherwise) and return it."""
    task = task_store.new_task(kind, payload)
    for name, value in values.items():
        setattr(task, name, value)
    async with sessions.begin() as session:
        session.add(task)
    return task


async def wait_row(
    sessions: SessionMaker,
    task_id: uuid.UUID,
    statuses: tuple[str, ...] = task_store.FINISHED,
    timeout: float = 30,
) -> Task:
    """Poll the task row until its status is one of ``statuses``."""
    deadline = time.monotonic() + timeout
    while True:
        task = await task_store.get(sessions, task_id)
        assert task is not None, f"task {task_id} vanished"
        if task.status in statuses:
            return task
        if time.monotonic() > deadline:
            raise AssertionError(f"task {task_id} still {task.status} after {timeout} s")
        await asyncio.sleep(0.05)
