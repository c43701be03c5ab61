"""Periodic recovery: tasks whose worker died (lease expired) or whose message was lost."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from aomaas.jobs.queue import Enqueuer
from aomaas.store import tasks as task_store
from aomaas.store.db import SessionMaker

log = logging.getLogger(__name__)


async def sweep_once(
    sessions: SessionMaker,
    enqueuer: Enqueuer,
    *,
    stale_pending_after: timedelta,
    all_running: bool = False,
) -> int:
    """Re-enqueue what needs it; returns how many messages were sent."""
    refs = await task_store.recover(
        sessions, stale_pending_after=stale_pending_after, all_running=all_running
    )
    for ref in refs:
        enqueuer.send(ref)
    if refs:
        log.info("re-enqueued %d task(s): %s", len(refs), ", ".join(str(r.id) for r in refs))
    return len(refs)


async def sweep_forever(
    sessions: SessionMaker, enqueuer: Enqueuer, interval: float, stale_pending_after: timedelta
) -> None:
    """Sweep every ``interval`` seconds until cancelled."""
    while True:
        await asyncio.sleep(interval)
        try:
            await sweep_once(sessions, enqueuer, stale_pending_after=stale_pending_after)
        except Exception:  # keep sweeping after a passing database error
            log.exception("task sweep failed")
