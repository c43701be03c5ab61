"""Reads of stored webhook deliveries (rows are written by the webhook view's group commit)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from aomaas.store.db import SessionMaker
from aomaas.store.models import WebhookDelivery

BATCH = 500  # ids per query, well under every backend's parameter limit


async def stored_delivery_ids(sessions: SessionMaker, delivery_ids: Iterable[str]) -> set[str]:
    """The subset of ``delivery_ids`` (``X-GitHub-Delivery`` values) already stored."""
    wanted = sorted(set(delivery_ids))
    found: set[str] = set()
    async with sessions() as session:
        for start in range(0, len(wanted), BATCH):
            query = select(WebhookDelivery.delivery_id).where(
                WebhookDelivery.delivery_id.in_(wanted[start : start + BATCH])
            )
            found.update((await session.scalars(query)).all())
    return found
