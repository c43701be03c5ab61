"""Deliveries lost while the bot was down are asked again from GitHub, once, and processed once.

End to end over real HTTP: the stand-in delivers while the bot is up (stored), then
while it is down (GitHub records ``failed to connect``: a new delivery twice, and the
stored one once more); when the bot starts again on the same address its redelivery
sweep asks GitHub for the lost delivery only, the stand-in sends it again with the same
guid, and the bot stores and processes it once. The stored one is never asked again.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from aomaas.bot.redelivery import MAX_REDELIVERIES, sweep_redeliveries
from aomaas.store.models import Task, WebhookDelivery
from tests.fakegithub import FakeGitHub
from tests.integration.github_support import finished
from tests.support.config import make_settings
from tests.support.live import LiveServer, free_port, live_server

REDELIVER = "apps/redeliver-webhook-delivery"


async def _rows(server: LiveServer) -> list[WebhookDelivery]:
    async with server.sessions() as session:
        return list((await session.scalars(select(WebhookDelivery))).all())


async def _row(server: LiveServer, guid: str, timeout: float = 30) -> WebhookDelivery:
    deadline = time.monotonic() + timeout
    while True:
        for row in await _rows(server):
            if row.delivery_id == guid:
                return row
        assert time.monotonic() < deadline, f"delivery {guid} was never stored"
        await asyncio.sleep(0.1)


async def test_lost_delivery_is_redelivered_once_and_a_stored_one_never(
    fake_github: FakeGitHub, tmp_path: Path, database_url: str
) -> None:
    fake = fake_github
    installation = fake.add_installation("octo-org")
    settings = make_settings(
        tmp_path, database_url, **fake.settings_env(), AOMAAS_REDELIVERY_INTERVAL_SECONDS=0.5
    )
    port = free_port()
    hook = f"http://127.0.0.1:{port}/webhooks/github"

    def labeled(label: str) -> dict[str, Any]:
        return fake.webhook_payload(
            "issues", "labeled.payload.json", installation=installation, label__name=label
        )

    async with live_server(settings, port=port) as server:
        status, answer = await fake.deliver(hook, "issues", labeled("kept"))
        assert status == 202, answer
        kept = answer["delivery"]
        await asyncio.sleep(3)  # the start sweep and a few periodic ones: nothing failed
        assert fake.requests_to("apps/list-webhook-deliveries")
        assert not fake.requests_to(REDELIVER)

    # The bot is down: GitHub records each attempt as failed.
    assert (await fake.deliver(hook, "issues", labeled("lost")))[0] == 502
    lost = fake.hook_attempts()[-1].guid
    assert (await fake.deliver(hook, "issues", labeled("lost"), guid=lost))[0] == 502
    assert (await fake.deliver(hook, "issues", labeled("kept"), guid=kept))[0] == 502

    async with live_server(settings, port=port) as server:
        row = await _row(server, lost)
        assert row.task_id is not None
        task = await finished(server, row.task_id)
        assert task.status == "completed", task.result
        await asyncio.sleep(3)  # more sweeps: the lost one is stored now, nothing else to ask
        asked = fake.requests_to(REDELIVER)
        assert len(asked) == 1
        lost_attempts = fake.hook_attempts(lost)
        assert asked[0].path == f"/app/hook/deliveries/{lost_attempts[1].id}/attempts"
        assert [(a.redelivery, a.status_code) for a in lost_attempts] == [
            (False, 502),
            (False, 502),
            (True, 202),
        ]
        assert [(a.redelivery, a.status_code) for a in fake.hook_attempts(kept)] == [
            (False, 202),
            (False, 502),
        ]
        assert sorted(r.delivery_id for r in await _rows(server)) == sorted([kept, lost])
        async with server.sessions() as session:
            tasks = (await session.scalars(select(Task))).all()
        assert len(tasks) == 2 and all(t.attempts == 1 for t in tasks)


async def test_no_github_app_means_no_sweep(
    fake_github: FakeGitHub, tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url, GITHUB_API_URL=fake_github.url)
    async with live_server(settings) as server:
        assert await sweep_redeliveries(settings, server.sessions, {}) is None
        await asyncio.sleep(2.5)  # past the start sweep's delay
    assert fake_github.log == []


async def test_a_delivery_that_keeps_failing_is_asked_a_bounded_number_of_times(
    fake_github: FakeGitHub, tmp_path: Path, database_url: str
) -> None:
    """GitHub is asked MAX_REDELIVERIES times for a delivery that never gets through, then no more."""
    fake = fake_github
    installation = fake.add_installation("octo-org")
    down = f"http://127.0.0.1:{free_port()}/webhooks/github"  # nothing listens there
    payload = fake.webhook_payload("issues", "labeled.payload.json", installation=installation)
    assert (await fake.deliver(down, "issues", payload))[0] == 502
    guid = fake.hook_attempts()[-1].guid
    settings = make_settings(
        tmp_path, database_url, **fake.settings_env(), AOMAAS_REDELIVERY_INTERVAL_SECONDS=3600
    )
    async with live_server(settings) as server:
        await asyncio.sleep(2.5)  # past the start sweep
        for _ in range(MAX_REDELIVERIES + 2):
            await _attempts_settled(fake, guid)
            await sweep_redeliveries(settings, server.sessions, {})
        await _attempts_settled(fake, guid)
    assert len(fake.requests_to(REDELIVER)) == MAX_REDELIVERIES
    assert [a.redelivery for a in fake.hook_attempts(guid)] == [False] + [True] * MAX_REDELIVERIES


async def _attempts_settled(fake: FakeGitHub, guid: str) -> None:
    """Wait until every redelivery asked for has been attempted (and recorded) by the stand-in."""
    deadline = time.monotonic() + 20
    while len(fake.hook_attempts(guid)) < 1 + len(fake.requests_to(REDELIVER)):
        assert time.monotonic() < deadline, "the stand-in never attempted a redelivery"
        await asyncio.sleep(0.05)
