"""Outages over real HTTP: Redis killed, the database unreachable, the queue flushed.

A backing service that is down is a 503 with ``Retry-After`` naming the part (never a
500), the service works again once the part is back, and tasks whose messages were
lost are re-sent by the sweep and run exactly once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import signal
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from aomaas.bot.signature import sign
from aomaas.jobs.registry import queue_name
from aomaas.jobs.sweeper import lost_after, sweep_once
from aomaas.jobs.worker import WorkerPool
from aomaas.settings import Settings
from aomaas.store import tasks as task_store
from aomaas.store.types import utcnow
from tests.support.config import make_settings, migrate_database, settings_env
from tests.support.live import LiveServer, free_port, live_server
from tests.support.processes import start_process
from tests.support.services import postgres_database, private_redis, set_postgres_reachable
from tests.support.workers import add_task, database_sessions, wait_row

SECRET = "a-shared-secret-for-web-and-worker-processes-0123"
WEBHOOK_SECRET = "outage-webhook-secret"


async def _every_api_call(web: LiveServer, token: str) -> dict[str, tuple[int, Any, Any]]:
    """One call of each kind: login, authenticated reads, a write, the docs."""
    some_id = uuid.uuid4()
    calls = {
        "login": ("POST", "/auth/token", {"username": "olga", "password": "password123"}),
        "me": ("GET", "/auth/me", None),
        "task": ("GET", f"/tasks/{some_id}", None),
        "repositories": ("GET", "/repositories", None),
        "index": (
            "POST",
            "/repositories/index",
            {"repository_url": "https://github.com/o/r", "provider_type": "github"},
        ),
        "openapi": ("GET", "/openapi.json", None),
    }
    answers = {}
    for name, (method, path, body) in calls.items():
        answers[name] = await web.request(method, path, token=token, json=body)
    return answers


def _assert_unavailable(answer: tuple[int, Any, Any], type_: str, *, secrets: list[str]) -> None:
    status, body, headers = answer
    assert status == 503, answer
    assert int(headers["Retry-After"]) > 0, headers
    assert isinstance(body, dict) and set(body) == {"detail", "type"}, body
    assert body["type"] == type_, body
    for secret in secrets:  # no host, port, path or statement leaks into the answer
        assert secret not in body["detail"], body


@pytest.mark.redis
async def test_redis_down_answers_503_and_recovers(
    tmp_path: Path, database_url: str, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    await migrate_database(database_url)
    with private_redis(port) as redis_server:
        settings = make_settings(
            tmp_path,
            database_url,
            REDIS_URL=redis_server.url,
            AOMAAS_SECRET_KEY=SECRET,
            GITHUB_WEBHOOK_SECRET=WEBHOOK_SECRET,
        )
        async with live_server(settings, run_worker=False) as web:
            await web.create_user("olga")
            token = await web.token("olga")
            assert (await web.request("GET", "/auth/me", token=token))[0] == 200

            redis_server.kill()
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger="aomaas.outages"):
                answers = await _every_api_call(web, token)
            for answer in answers.values():
                _assert_unavailable(
                    answer, "rate_limit_store_unavailable", secrets=[str(port), "127.0.0.1"]
                )
            assert "Redis" in answers["login"][1]["detail"]
            warnings = [r for r in caplog.records if r.name == "aomaas.outages"]
            assert len(warnings) == 1, [r.getMessage() for r in warnings]  # once, not per call
            assert warnings[0].levelno == logging.WARNING and not warnings[0].exc_info
            status, health, _ = await web.request("GET", "/healthz")
            assert status == 503, health
            assert health["checks"]["broker"].startswith("error"), health
            assert health["checks"]["rate_limits"].startswith("error"), health
            assert health["checks"]["database"] == "ok", health
            body, headers = _signed_delivery()  # no per-IP limit: stored for the sweep to send
            status, accepted, _ = await web.request(
                "POST", "/webhooks/github", data=body, headers=headers
            )
            assert status == 202, accepted
            stored = await task_store.get(web.sessions, uuid.UUID(accepted["task_id"]))
            assert stored is not None and stored.status == "pending"

            redis_server.start()  # back, empty, on the same port
            status, body, _ = await web.request(
                "POST", "/auth/token", json={"username": "olga", "password": "password123"}
            )
            assert status == 200, body
            answers = await _every_api_call(web, token)
            assert answers["me"][0] == 200 and answers["repositories"][0] == 200, answers
            assert answers["task"][0] == 404 and answers["openapi"][0] == 200, answers
            assert (await web.request("GET", "/healthz"))[0] == 200


@asynccontextmanager
async def _database(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database URL whose database a test can take away (a SQLite file in its own folder)."""
    if backend == "sqlite":
        folder = tmp_path / "db"
        folder.mkdir()
        yield f"sqlite+aiosqlite:///{folder / 'aomaas.db'}"
        return
    async with postgres_database() as url:
        yield url


async def _take_database_away(backend: str, url: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        shutil.rmtree(tmp_path / "db")  # the data file and its folder are gone
    else:
        await set_postgres_reachable(url, False)


def _signed_delivery() -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {"action": "opened", "installation": {"id": 1}, "zen": "outage test"}
    ).encode()
    headers = {
        "X-GitHub-Event": "issues",
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(body, WEBHOOK_SECRET),
        "Content-Type": "application/json",
    }
    return body, headers


async def test_database_down_answers_503(tmp_path: Path, backend: str) -> None:
    async with _database(backend, tmp_path) as url:
        settings = make_settings(tmp_path, url, GITHUB_WEBHOOK_SECRET=WEBHOOK_SECRET)
        async with live_server(settings) as web:
            await web.create_user("olga")
            token = await web.token("olga")
            assert (await web.request("GET", "/auth/me", token=token))[0] == 200

            await _take_database_away(backend, url, tmp_path)
            answers = await _every_api_call(web, token)
            secrets = [str(tmp_path), "aomaas.db", "SELECT", "Traceback"]
            for name in ("login", "me", "task", "repositories", "index"):
                _assert_unavailable(answers[name], "database_unavailable", secrets=secrets)
            assert answers["openapi"][0] == 200  # served from memory
            body, headers = _signed_delivery()
            webhook = await web.request("POST", "/webhooks/github", data=body, headers=headers)
            _assert_unavailable(webhook, "database_unavailable", secrets=secrets)
            status, health, _ = await web.request("GET", "/healthz")
            assert status == 503 and health["checks"]["database"].startswith("error"), health

            if backend == "postgres":  # back: the same calls work again
                await set_postgres_reachable(url, True)
                assert (await web.request("GET", "/auth/me", token=token))[0] == 200
                webhook = await web.request("POST", "/webhooks/github", data=body, headers=headers)
                assert webhook[0] == 202, webhook


@pytest.mark.redis
async def test_tasks_lost_with_the_queue_are_resent_within_a_sweep_interval(
    tmp_path: Path, database_url: str, redis_url: str, backend: str
) -> None:
    interval = 2.0
    settings = make_settings(
        tmp_path,
        database_url,
        REDIS_URL=redis_url,
        AOMAAS_SECRET_KEY=SECRET,
        AOMAAS_SWEEP_INTERVAL_SECONDS=interval,
    )
    await migrate_database(database_url)
    async with live_server(settings, run_worker=False) as web:
        user = await web.create_user("olga")
        token = await web.token("olga")
        ids = [await web.create_task("selftest", user_id=user.id) for _ in range(3)]
        client = aioredis.from_url(redis_url)
        try:
            assert await client.dbsize() > 0  # the messages are queued...
            await client.flushdb()  # ...and lost
        finally:
            await client.aclose()
        log = tmp_path / "worker.log"
        worker = start_process(["worker", "--threads", "2"], settings_env(settings), log)
        try:
            deadline = time.monotonic() + 30
            while "running" not in worker.output():
                assert worker.proc.poll() is None and time.monotonic() < deadline, worker.output()
                await asyncio.sleep(0.05)
            started = time.monotonic()
            done = [
                await web.wait_task(task_id, token, timeout=interval * 2 + 10) for task_id in ids
            ]
            took = time.monotonic() - started
            await asyncio.sleep(interval * 1.5)  # more sweeps: would anything run twice?
            again = [(await web.request("GET", f"/tasks/{t}", token=token))[1] for t in ids]
        finally:
            worker.stop(signal.SIGTERM)
    assert took < interval * 2 + 3, (took, worker.output())
    for body, later in zip(done, again, strict=True):
        assert (body["status"], body["attempts"]) == ("completed", 1), body
        assert body["result"]["data"]["attempts"] == 1
        assert later["updated_at"] == body["updated_at"] and later["attempts"] == 1


async def test_a_duplicate_message_runs_the_task_once(
    tmp_path: Path, backend: str, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Two messages for one task (a re-send racing the first): the claim lets one run it."""
    settings = make_settings(tmp_path, database_url)
    async with database_sessions(settings) as sessions:
        pool = WorkerPool(settings)  # not started yet: both messages wait in the queue
        try:
            waiting = await add_task(sessions, "selftest")
            for _ in range(2):
                pool.enqueuer.send(task_store.TaskRef(waiting.id, waiting.kind))
            with caplog.at_level(logging.INFO, logger="aomaas.jobs.runner"):
                pool.start()
                done = await wait_row(sessions, waiting.id)
                await asyncio.to_thread(pool.broker.join, queue_name("selftest"))
        finally:
            await asyncio.to_thread(pool.stop)
    assert (done.status, done.attempts) == ("completed", 1), done.result
    assert done.result is not None and done.result["data"]["attempts"] == 1
    ignored = [r for r in caplog.records if "already claimed or finished" in r.getMessage()]
    assert len(ignored) == 1, [r.getMessage() for r in caplog.records]


async def test_a_task_waiting_in_the_in_process_queue_is_not_sent_again(
    tmp_path: Path, database_url: str
) -> None:
    """Embedded broker: no second message while the first waits; one once it is lost."""
    await _busy_queue_is_not_swept(make_settings(tmp_path, database_url))


@pytest.mark.redis
async def test_a_task_waiting_in_the_redis_queue_is_not_sent_again(
    tmp_path: Path, database_url: str, redis_url: str
) -> None:
    """Redis broker: no second message while the first waits; one once it is lost."""
    settings = make_settings(tmp_path, database_url, REDIS_URL=redis_url, AOMAAS_SECRET_KEY=SECRET)
    await _busy_queue_is_not_swept(settings)


async def _busy_queue_is_not_swept(settings: Settings) -> None:
    """Past the sweep interval, a task whose message is still queued gets no second message;
    once that message is lost, the next sweep sends one."""
    async with database_sessions(settings) as sessions:
        pool = WorkerPool(settings)  # never started: a busy queue nobody takes from
        try:
            old = utcnow() - 2 * lost_after(settings)
            waiting = [await add_task(sessions, "selftest", enqueued_at=old) for _ in range(3)]
            for task in waiting:
                pool.enqueuer.send(task_store.TaskRef(task.id, task.kind))
            for _ in range(3):
                assert (
                    await sweep_once(
                        sessions, pool.enqueuer, settings, stale_pending_after=lost_after(settings)
                    )
                    == 0
                )
            queued = await asyncio.to_thread(pool.enqueuer.queued_task_ids)
            assert queued == {t.id for t in waiting}
            await asyncio.to_thread(pool.broker.flush_all)  # the messages are lost
            assert (
                await sweep_once(
                    sessions, pool.enqueuer, settings, stale_pending_after=lost_after(settings)
                )
                == 3
            )
            assert await asyncio.to_thread(pool.enqueuer.queued_task_ids) == queued
        finally:
            await asyncio.to_thread(pool.stop)
