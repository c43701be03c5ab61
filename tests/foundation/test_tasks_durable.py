"""Durable tasks on both backends: atomic claims, idempotent messages, retries, sweeps."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

from aomaas.jobs.runner import Runtime, execute
from aomaas.jobs.sweeper import sweep_once
from aomaas.settings import Settings
from aomaas.store import tasks as task_store
from aomaas.store.db import make_engine, make_sessionmaker
from aomaas.store.types import utcnow
from tests.support.live import LiveServer
from tests.support.workers import add_task, database_sessions, running_pool, wait_row


async def test_claim_is_atomic(settings: Settings, backend: str) -> None:
    async with database_sessions(settings) as sessions:
        # A second engine: its own connections, as another worker process would have.
        other_engine = make_engine(settings.effective_database_url)
        others = make_sessionmaker(other_engine)
        try:
            for _ in range(8):
                task = await add_task(sessions, "selftest")
                first, second = await asyncio.gather(
                    task_store.claim(sessions, task.id, "worker-a", 30),
                    task_store.claim(others, task.id, "worker-b", 30),
                )
                winners = [t for t in (first, second) if t is not None]
                assert len(winners) == 1, (first, second)
                row = await task_store.get(sessions, task.id)
                assert row is not None and row.status == "running" and row.attempts == 1
                assert row.worker_id == winners[0].worker_id
                assert row.lease_until is not None and row.lease_until > utcnow()
        finally:
            await other_engine.dispose()


async def test_message_for_finished_or_claimed_task_does_nothing(
    settings: Settings, backend: str
) -> None:
    async with database_sessions(settings) as sessions:
        result = {"success": True, "message": "done earlier", "data": None}
        done = await add_task(sessions, "selftest", status="completed", attempts=1, result=result)
        claimed = await add_task(
            sessions,
            "selftest",
            status="running",
            attempts=1,
            worker_id="alive:1",
            lease_until=utcnow() + timedelta(minutes=5),
        )
        before = {t.id: await task_store.get(sessions, t.id) for t in (done, claimed)}
        runtime = Runtime(settings)
        try:
            for task in (done, claimed):
                await execute(runtime, "selftest", str(task.id))
        finally:
            await runtime.close()
        for task_id, old in before.items():
            new = await task_store.get(sessions, task_id)
            assert old is not None and new is not None
            assert (new.status, new.attempts, new.result, new.worker_id, new.updated_at) == (
                old.status,
                old.attempts,
                old.result,
                old.worker_id,
                old.updated_at,
            )


async def test_transient_failures_retry_with_backoff(
    settings: Settings, backend: str, flaky_kind: str
) -> None:
    async with running_pool(settings) as (pool, sessions):
        task = await add_task(sessions, flaky_kind, {"fail_times": 2})
        started = time.monotonic()
        pool.enqueuer.send(task_store.TaskRef(task.id, task.kind))
        row = await wait_row(sessions, task.id)
        elapsed = time.monotonic() - started
    assert row.status == "completed", row.result
    assert row.attempts == 3
    assert row.result is not None
    assert row.result == {"success": True, "message": "flaky done", "data": row.result["data"]}
    assert row.result["data"]["attempts"] == 3
    assert elapsed >= 1.5, elapsed  # backoff: 0.5-1 s, then 1-2 s


async def test_exhausted_attempts_end_failed_with_a_readable_message(
    settings: Settings, backend: str, flaky_kind: str
) -> None:
    async with running_pool(settings) as (pool, sessions):
        task = await add_task(sessions, flaky_kind, {"fail_times": 99})
        pool.enqueuer.send(task_store.TaskRef(task.id, task.kind))
        row = await wait_row(sessions, task.id)
    assert row.status == "failed"
    assert row.attempts == settings.task_max_attempts == 3
    assert row.result is not None and row.result["success"] is False
    message = row.result["message"]
    assert "RuntimeError" in message and "gave up after 3 attempts" in message, message
    assert "Traceback" not in message
    assert row.error == "RuntimeError: flaky failure on attempt 3"


async def test_permanent_error_fails_at_once(settings: Settings, backend: str) -> None:
    async with running_pool(settings) as (pool, sessions):
        task = await add_task(sessions, "selftest", {"fail": True})
        pool.enqueuer.send(task_store.TaskRef(task.id, task.kind))
        row = await wait_row(sessions, task.id)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.result == {
        "success": False,
        "message": "self-test asked to fail",
        "data": {"type": "engine_error"},
    }


async def test_sweep_recovers_only_expired_leases(settings: Settings, backend: str) -> None:
    past, future = utcnow() - timedelta(seconds=30), utcnow() + timedelta(minutes=5)
    async with running_pool(settings) as (pool, sessions):
        orphan = await add_task(
            sessions,
            "selftest",
            status="running",
            attempts=1,
            worker_id="dead:1",
            lease_until=past,
        )
        worn_out = await add_task(
            sessions,
            "selftest",
            status="running",
            attempts=3,
            worker_id="dead:2",
            lease_until=past,
        )
        alive = await add_task(
            sessions,
            "selftest",
            status="running",
            attempts=1,
            worker_id="alive:1",
            lease_until=future,
        )
        sent = await sweep_once(
            sessions, pool.enqueuer, settings, stale_pending_after=timedelta(minutes=5)
        )
        assert sent == 1
        recovered = await wait_row(sessions, orphan.id)
        gave_up = await task_store.get(sessions, worn_out.id)
        untouched = await task_store.get(sessions, alive.id)
    assert (recovered.status, recovered.attempts) == ("completed", 2)
    assert recovered.result is not None and recovered.result["data"]["attempts"] == 2
    assert gave_up is not None and gave_up.status == "failed"
    assert gave_up.result is not None and "attempts are used up" in gave_up.result["message"]
    assert untouched is not None
    assert (untouched.status, untouched.worker_id, untouched.attempts) == ("running", "alive:1", 1)


async def test_server_sweeps_periodically(server: LiveServer, backend: str) -> None:
    user = await server.create_user("sweepy")
    token = await server.token("sweepy")
    orphan = await add_task(
        server.sessions,
        "selftest",
        status="running",
        attempts=1,
        worker_id="dead:1",
        lease_until=utcnow() - timedelta(seconds=1),
        user_id=user.id,
    )
    body = await server.wait_task(str(orphan.id), token, timeout=15)
    assert (body["status"], body["attempts"]) == ("completed", 2)
    assert body["result"]["data"]["worker_id"] != "dead:1"


async def test_unknown_task_message_is_harmless(settings: Settings, backend: str) -> None:
    async with database_sessions(settings):
        runtime = Runtime(settings)
        try:
            await execute(runtime, "selftest", str(uuid.uuid4()))  # no row: nothing to do
        finally:
            await runtime.close()


async def test_stopping_the_worker_disposes_of_its_engine(settings: Settings, backend: str) -> None:
    """The worker's engine (made in its event loop) is closed when the worker stops."""
    async with running_pool(settings) as (pool, sessions):
        task = await add_task(sessions, "selftest", {})
        pool.enqueuer.send(task_store.TaskRef(task.id, task.kind))
        assert (await wait_row(sessions, task.id)).status == "completed"
        assert pool.runtime.connected
    assert not pool.runtime.connected
