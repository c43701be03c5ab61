"""The worker side of a webhook delivery: load it, check its shape, hand it to the merged router.

A payload that does not fit the shape its handlers rely on (:mod:`aomaas.bot.payloads`)
fails the task at once with the reason: it would fail the same way on every retry.
"""

from __future__ import annotations

import json
import uuid

from gidgethub import sansio

from aomaas.bot.context import BotContext
from aomaas.bot.payloads import check_payload
from aomaas.bot.router import build_router
from aomaas.errors import NotFound
from aomaas.forges.github.forge import GitHubForge
from aomaas.jobs.context import JobContext, Outcome
from aomaas.store.models import WebhookDelivery


async def handle(ctx: JobContext) -> Outcome:
    """Payload: ``{"delivery_id"}`` (our row id)."""
    async with ctx.sessions() as session:
        delivery = await session.get(WebhookDelivery, uuid.UUID(ctx.payload["delivery_id"]))
    if delivery is None:
        raise NotFound("the delivery of this task is gone")
    event = sansio.Event(
        json.loads(delivery.body), event=delivery.event, delivery_id=delivery.delivery_id
    )
    router = build_router()
    handled = len(router.fetch(event))
    if handled:
        check_payload(delivery.event, event.data)
        async with GitHubForge.from_settings(ctx.settings, ctx.services).client() as github:
            await router.dispatch(
                event, BotContext(job=ctx, github=github, delivery_id=delivery.delivery_id)
            )
    action = f".{delivery.action}" if delivery.action else ""
    return Outcome(
        f"{delivery.event}{action}: {handled} handler(s) ran",
        {"event": delivery.event, "handlers": handled},
    )
