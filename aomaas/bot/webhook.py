"""``POST /webhooks/github``: verify, deduplicate, store, enqueue, answer — in milliseconds.

The signature is checked over the raw body before anything parses it. A
delivery is stored (unique by ``X-GitHub-Delivery``) together with the task that
will process it, in one transaction, before the answer: a redelivery answers
200 and does nothing new; nothing is acknowledged before it is durable.
"""

from __future__ import annotations

import json
import uuid

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from aomaas import appkeys
from aomaas.bot.signature import verify_signature
from aomaas.errors import InvalidRequest, PayloadTooLarge, ServiceUnavailable
from aomaas.store.models import WebhookDelivery
from aomaas.store.tasks import TaskRef, new_task

DELIVERY_TASK = "github_delivery"


async def github_webhook(request: web.Request) -> web.Response:
    """Accept one GitHub delivery."""
    settings = request.app[appkeys.SETTINGS]
    secret = settings.github_webhook_secret
    if not secret:
        raise ServiceUnavailable(
            "GitHub webhooks are not configured: set GITHUB_WEBHOOK_SECRET (and GITHUB_APP_ID, "
            "GITHUB_PRIVATE_KEY) or register the app through /setup; no delivery is accepted without it"
        )
    limit = settings.webhook_max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"webhook body over {limit} bytes")
    body = await request.content.read(limit + 1)
    if len(body) > limit:
        raise PayloadTooLarge(f"webhook body over {limit} bytes")
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
    installation = payload.get("installation") or {}
    task = new_task(DELIVERY_TASK, {}, max_attempts=settings.task_max_attempts)
    delivery = WebhookDelivery(
        id=uuid.uuid4(),
        delivery_id=delivery_id,
        event=event,
        action=_text(payload.get("action")),
        installation_github_id=installation.get("id")
        if isinstance(installation.get("id"), int)
        else None,
        body=body.decode("utf-8"),
        task_id=task.id,
    )
    task.payload = {"delivery_id": str(delivery.id)}
    try:
        async with request.app[appkeys.SESSIONS].begin() as session:
            session.add_all([delivery, task])
    except IntegrityError:
        return web.json_response(
            {"ok": True, "duplicate": True, "delivery": delivery_id}, status=200
        )
    try:
        request.app[appkeys.ENQUEUER].send(TaskRef(task.id, DELIVERY_TASK))
    except Exception:  # stored and pending: the sweep sends it later
        request.app.logger.exception(
            "enqueue of delivery %s failed; the sweep will retry", delivery_id
        )
    return web.json_response(
        {"ok": True, "delivery": delivery_id, "task_id": str(task.id)}, status=202
    )


def _text(value: object) -> str | None:
    return value[:64] if isinstance(value, str) else None
