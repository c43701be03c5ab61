"""``POST /webhooks/github``: verify, deduplicate, store, enqueue, answer — in milliseconds.

The whole body is read (bounded by ``AOMAAS_WEBHOOK_MAX_BODY_BYTES``) and the
signature is checked over those raw bytes before anything parses them. A
delivery is stored (unique by ``X-GitHub-Delivery``) together with the task that
will process it, in one transaction, before the answer: a redelivery answers
200 and does nothing new; nothing is acknowledged before it is durable.

Group commit (:class:`DeliveryWriter`): deliveries that arrive while a transaction
is being committed wait and are written together in the next one (``INSERT … ON
CONFLICT (delivery_id) DO NOTHING RETURNING``, then their tasks), so a burst costs
a few commits instead of one per delivery; each request still answers only after
the commit that holds its row.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlalchemy.dialects import postgresql, sqlite

from aomaas import appkeys
from aomaas.bot.context import installation_of
from aomaas.bot.signature import verify_signature
from aomaas.errors import InvalidRequest, ServiceUnavailable
from aomaas.httpbody import read_limited
from aomaas.store.db import SessionMaker
from aomaas.store.models import WebhookDelivery
from aomaas.store.states import TaskKind
from aomaas.store.tasks import TaskRef, new_task

DELIVERY_TASK = TaskKind.GITHUB_DELIVERY


async def github_webhook(request: web.Request) -> web.Response:
    """Accept one GitHub delivery."""
    settings = request.app[appkeys.SETTINGS]
    secret = settings.github_webhook_secret
    if not secret:
        raise ServiceUnavailable(
            "GitHub webhooks are not configured: set GITHUB_WEBHOOK_SECRET (and GITHUB_APP_ID, "
            "GITHUB_PRIVATE_KEY) or register the app through /setup; no delivery is accepted without it"
        )
    body = await read_limited(request, settings.webhook_max_body_bytes, "webhook body")
    verify_signature(body, request.headers.get("X-Hub-Signature-256"), secret)
    event = request.headers.get("X-GitHub-Event", "")
    delivery_id = request.headers.get("X-GitHub-Delivery", "")
    if not event or not delivery_id or len(delivery_id) > 100:
        raise InvalidRequest("X-GitHub-Event and X-GitHub-Delivery headers are required")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidRequest(f"malformed JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise InvalidRequest("malformed payload: a JSON object is expected")
    if event == "ping":
        return web.json_response({"ok": True, "zen": payload.get("zen")})
    row = {
        "id": uuid.uuid4(),
        "delivery_id": delivery_id,
        "event": event,
        "action": _text(payload.get("action")),
        "installation_github_id": installation_of(payload),
        "body": body.decode("utf-8"),
    }
    writer = request.app[DELIVERY_WRITER]
    task_id = await writer.store(request.app[appkeys.SESSIONS], row, settings.task_max_attempts)
    if task_id is None:
        return web.json_response(
            {"ok": True, "duplicate": True, "delivery": delivery_id}, status=200
        )
    task = TaskRef(task_id, DELIVERY_TASK)
    try:
        request.app[appkeys.ENQUEUER].send(task)
    except Exception:  # stored and pending: the sweep sends it later
        request.app.logger.exception(
            "enqueue of delivery %s failed; the sweep will retry", delivery_id
        )
    return web.json_response(
        {"ok": True, "delivery": delivery_id, "task_id": str(task.id)}, status=202
    )


def _text(value: object) -> str | None:
    return value[:64] if isinstance(value, str) else None


@dataclass
class _Waiting:
    row: dict[str, Any]
    max_attempts: int
    done: asyncio.Future[uuid.UUID | None]


@dataclass
class DeliveryWriter:
    """Stores deliveries with group commit: one transaction for all that arrived meanwhile.

    One transaction at a time: the deliveries that arrive while it commits go into
    the next one, so under load each commit carries many deliveries.
    """

    _queue: list[_Waiting] = field(default_factory=list)
    _flushing: asyncio.Task[None] | None = None

    async def store(
        self, sessions: SessionMaker, row: dict[str, Any], max_attempts: int
    ) -> uuid.UUID | None:
        """Store ``row`` and its task durably; the task id, or None for a redelivery."""
        loop = asyncio.get_running_loop()
        waiting = _Waiting(row, max_attempts, loop.create_future())
        self._queue.append(waiting)
        if self._flushing is None:
            self._flushing = loop.create_task(self._flush(sessions))
        return await waiting.done

    async def _flush(self, sessions: SessionMaker) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    task_ids = await _write(sessions, batch)
                except Exception as exc:  # every request of the batch answers the failure
                    for waiting in batch:
                        if not waiting.done.done():
                            waiting.done.set_exception(exc)
                    continue
                for waiting, task_id in zip(batch, task_ids, strict=True):
                    if not waiting.done.done():
                        waiting.done.set_result(task_id)
        finally:  # in the same step as the empty-queue check: no delivery is left waiting
            self._flushing = None


DELIVERY_WRITER = web.AppKey("delivery_writer", DeliveryWriter)


async def _write(sessions: SessionMaker, batch: list[_Waiting]) -> list[uuid.UUID | None]:
    """One transaction: the new deliveries (a redelivery is skipped) and a task for each."""
    first: dict[str, _Waiting] = {}
    for waiting in batch:
        first.setdefault(waiting.row["delivery_id"], waiting)
    tasks = {}
    async with sessions.begin() as session:
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        statement = (
            insert(WebhookDelivery)
            .on_conflict_do_nothing(index_elements=["delivery_id"])
            .returning(WebhookDelivery.delivery_id)
        )
        rows = []
        for key in sorted(first):  # one lock order, should two processes write the same ids
            waiting = first[key]
            task = new_task(
                DELIVERY_TASK,
                {"delivery_id": str(waiting.row["id"])},
                max_attempts=waiting.max_attempts,
            )
            tasks[waiting.row["delivery_id"]] = task
            rows.append({**waiting.row, "task_id": task.id})
        stored = set((await session.execute(statement, rows)).scalars())
        session.add_all(task for key, task in tasks.items() if key in stored)
    return [
        tasks[w.row["delivery_id"]].id
        if w.row["delivery_id"] in stored and first[w.row["delivery_id"]] is w
        else None
        for w in batch
    ]
