"""Tasks across real processes: the Redis broker with `aomaas worker`, and restarts of `serve`."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from pathlib import Path

import pytest

from aomaas.store import users as user_store
from aomaas.store.db import SessionMaker, make_engine, make_sessionmaker
from aomaas.store.models import Task
from tests.support.config import make_settings, migrate_database, settings_env
from tests.support.live import free_port, live_server
from tests.support.processes import ServerProcess, start_process, start_server_process
from tests.support.workers import add_task, wait_row

SECRET = "a-shared-secret-for-web-and-worker-processes-0123"


@pytest.mark.redis
async def test_round_trip_through_redis_and_a_worker_process(
    tmp_path: Path, database_url: str, redis_url: str, backend: str
) -> None:
    settings = make_settings(tmp_path, database_url, REDIS_URL=redis_url, AOMAAS_SECRET_KEY=SECRET)
    await migrate_database(database_url)  # scaled mode: `aomaas migrate` is the operator's step
    worker = start_process(["worker"], settings_env(settings), tmp_path / "worker.log")
    try:
        async with live_server(settings, run_worker=False) as web:
            health = await web.request("GET", "/healthz")
            assert health[0] == 200 and health[1]["mode"] == "scaled", health
            user = await web.create_user("wanda")
            token = await web.token("wanda")
            task_id = await web.create_task("selftest", {"sleep": 0.2}, user_id=user.id)
            body = await web.wait_task(task_id, token, timeout=30)
        assert body["status"] == "completed", (body, worker.output())
        data = body["result"]["data"]
        assert data["pid"] == worker.pid != os.getpid()
        assert data["attempts"] == 1 and body["attempts"] == 1
        assert worker.proc.poll() is None, worker.output()
    finally:
        code = worker.stop(signal.SIGTERM)
    assert code == 0, worker.output()


async def _wait_status(sessions: SessionMaker, task_id: uuid.UUID, status: str) -> Task:
    return await wait_row(sessions, task_id, (status,), timeout=20)


@pytest.mark.slow
async def test_embedded_server_recovers_after_sigkill(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {"AOMAAS_DATA_DIR": str(data_dir), "AOMAAS_WORKER_THREADS": "1"}
    url = f"sqlite+aiosqlite:///{data_dir / 'aomaas.db'}"  # the embedded default location
    data_dir.mkdir()
    await migrate_database(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    port = free_port()
    server: ServerProcess | None = None
    try:
        user = await user_store.create_user(sessions, "ops", "password123")
        running = await add_task(sessions, "selftest", {"sleep": 2}, user_id=user.id)
        server = start_server_process(env, port)  # its start-up sweep enqueues the task
        first = await _wait_status(sessions, running.id, "running")
        assert first.attempts == 1
        # Written while the server runs but never enqueued: its message is lost with the server.
        pending = await add_task(sessions, "selftest", {}, user_id=user.id)
        server.stop(signal.SIGKILL)
        assert server.proc.returncode == -signal.SIGKILL
        killed = await wait_row(sessions, running.id, ("running",), timeout=1)
        assert killed.attempts == 1 and killed.result is None

        server = start_server_process(env, port)
        done = await wait_row(sessions, running.id, timeout=20)
        also_done = await wait_row(sessions, pending.id, timeout=20)
        await asyncio.sleep(1.5)  # would a second run show up?
        final = {t.id: await wait_row(sessions, t.id, timeout=1) for t in (done, also_done)}
        exit_code = server.stop(signal.SIGTERM)
    finally:
        if server is not None:
            server.stop(signal.SIGKILL)
        await engine.dispose()
    assert (done.status, done.attempts) == ("completed", 2), done.result
    assert done.result is not None and done.result["data"]["pid"] == server.pid
    assert (also_done.status, also_done.attempts) == ("completed", 1), also_done.result
    for task in final.values():
        assert task.status == "completed" and task.attempts in (1, 2)
    assert final[done.id].attempts == 2 and final[also_done.id].attempts == 1
    assert final[done.id].updated_at == done.updated_at  # ran exactly once more, not twice
    assert exit_code == 0, server.output()
