"""The app's webhook on the stand-in: deliveries sent to the bot, recorded with their outcome.

Like GitHub, every attempt is recorded (``GET /app/hook/deliveries``, newest first,
cursor-paginated with a ``Link`` header; ``GET /app/hook/deliveries/{id}`` with the
request and response), and ``POST /app/hook/deliveries/{id}/attempts`` answers 202 and
sends the same delivery again in the background: same body, same ``X-GitHub-Delivery``
(guid), recorded with ``redelivery: true``.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import aiohttp

from tests.fakegithub.routes import Answer, Ctx, Fail, handles
from tests.fakegithub.state import HookDelivery, next_id

if TYPE_CHECKING:
    from tests.fakegithub.server import FakeGitHub

TIMEOUT = aiohttp.ClientTimeout(total=10)  # GitHub gives the hook 10 seconds
CURSOR = "v1_"


def record(
    fake: FakeGitHub, url: str, body: bytes, headers: dict[str, str], *, redelivery: bool = False
) -> HookDelivery:
    """A pending attempt of the delivery ``headers``/``body`` to ``url``."""
    try:
        payload = json.loads(body)
    except ValueError:
        payload = {}
    payload = payload if isinstance(payload, dict) else {}
    action = payload.get("action")
    installation = payload.get("installation")
    repository = payload.get("repository")
    attempt = HookDelivery(
        id=next_id(),
        guid=headers["X-GitHub-Delivery"],
        event=headers["X-GitHub-Event"],
        action=action if isinstance(action, str) else None,
        installation_id=_id_of(installation),
        repository_id=_id_of(repository),
        url=url,
        request_headers=dict(headers),
        body=body,
        redelivery=redelivery,
    )
    with fake.lock:
        fake.hook_deliveries[attempt.id] = attempt
    return attempt


async def send(fake: FakeGitHub, attempt: HookDelivery) -> tuple[int, Any]:
    """POST the attempt to its URL and record the outcome; (status code, answer)."""
    started = time.monotonic()
    try:
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as session,
            session.post(attempt.url, data=attempt.body, headers=attempt.request_headers) as answer,
        ):
            text = await answer.text()
            code, status, headers = answer.status, _status_text(answer.status), dict(answer.headers)
    except TimeoutError:
        code, status, text, headers = 504, "timed out", "", {}
    except aiohttp.ClientError:
        code, status, text, headers = 502, "failed to connect", "", {}  # as GitHub's example
    with fake.lock:
        attempt.status_code, attempt.status = code, status
        attempt.response_body, attempt.response_headers = text, headers
        attempt.duration = round(time.monotonic() - started, 3)
    try:
        return code, json.loads(text)
    except ValueError:
        return code, text or status


def _status_text(code: int) -> str:
    return "OK" if 200 <= code < 300 else f"Invalid HTTP Response: {code}"


def _id_of(value: object) -> int | None:
    found = value.get("id") if isinstance(value, dict) else None
    return found if isinstance(found, int) else None


def item(attempt: HookDelivery) -> dict[str, Any]:
    """A ``hook-delivery-item``."""
    return {
        "id": attempt.id,
        "guid": attempt.guid,
        "delivered_at": attempt.delivered_at,
        "redelivery": attempt.redelivery,
        "duration": attempt.duration,
        "status": attempt.status,
        "status_code": attempt.status_code,
        "event": attempt.event,
        "action": attempt.action,
        "installation_id": attempt.installation_id,
        "repository_id": attempt.repository_id,
        "throttled_at": None,
    }


def _find(fake: FakeGitHub, ctx: Ctx) -> HookDelivery:
    attempt = fake.hook_deliveries.get(int(ctx.params["delivery_id"]))
    if attempt is None:
        raise Fail(404, "Not Found")
    return attempt


@handles("apps/list-webhook-deliveries")
def list_deliveries(fake: FakeGitHub, ctx: Ctx) -> Answer:
    per_page = max(1, min(100, int(ctx.query.get("per_page", "30"))))
    attempts = sorted(fake.hook_deliveries.values(), key=lambda a: a.id, reverse=True)
    wanted = ctx.query.get("status")
    if wanted == "success":
        attempts = [a for a in attempts if 200 <= a.status_code <= 399]
    elif wanted == "failure":
        attempts = [a for a in attempts if 400 <= a.status_code <= 599]
    cursor = ctx.query.get("cursor")
    if cursor:
        if not cursor.startswith(CURSOR) or not cursor[len(CURSOR) :].isdigit():
            raise Fail(400, "Bad request: invalid cursor")
        start = int(cursor[len(CURSOR) :])
        attempts = [a for a in attempts if a.id <= start]
    page, rest = attempts[:per_page], attempts[per_page:]
    if rest:
        query = {**ctx.query, "per_page": str(per_page), "cursor": f"{CURSOR}{rest[0].id}"}
        ctx.headers["Link"] = f'<{fake.url}/app/hook/deliveries?{urlencode(query)}>; rel="next"'
    return 200, [item(a) for a in page]


@handles("apps/get-webhook-delivery")
def get_delivery(fake: FakeGitHub, ctx: Ctx) -> Answer:
    attempt = _find(fake, ctx)
    try:
        payload = json.loads(attempt.body)
    except ValueError:
        payload = None
    return 200, {
        **item(attempt),
        "url": attempt.url,
        "request": {"headers": attempt.request_headers, "payload": payload},
        "response": {"headers": attempt.response_headers, "payload": attempt.response_body},
    }


@handles("apps/redeliver-webhook-delivery")
def redeliver(fake: FakeGitHub, ctx: Ctx) -> Answer:
    original = _find(fake, ctx)
    again = record(fake, original.url, original.body, original.request_headers, redelivery=True)
    fake.in_background(send(fake, again))
    return 202, {}
