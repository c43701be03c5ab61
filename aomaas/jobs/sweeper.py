"""Periodic recovery: tasks whose worker died (lease expired) or whose message was lost.

A pending task that no worker claimed within one sweep interval of its last send (the
row's ``enqueued_at``) and whose message the broker no longer holds is sent again, so a
message lost with the queue (Redis restarted empty, a failed enqueue) is re-sent within
about one interval, while a task merely waiting in a busy queue gets no second message.
Should a duplicate still happen (a message a worker of the in-process broker had already
taken), the claim (a conditional update from ``pending``) lets exactly one run the task.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from aomaas.jobs.queue import Enqueuer
from aomaas.outages import OutageLog, outage_of
from aomaas.settings import Settings
from aomaas.store import tasks as task_store
from aomaas.store.db import SessionMaker

log = logging.getLogger(__name__)


def lost_after(settings: Settings) -> timedelta:
    """How long a pending task may wait unclaimed after its last send before it is re-sent."""
    return timedelta(seconds=settings.sweep_interval_seconds)


async def sweep_once(
    sessions: SessionMaker,
    enqueuer: Enqueuer,
    *,
    stale_pending_after: timedelta,
    all_running: bool = False,
) -> int:
    """Re-enqueue what needs it; returns how many messages were sent."""
    queued = await asyncio.to_thread(enqueuer.queued_task_ids)
    refs = await task_store.recover(
        sessions,
        stale_pending_after=stale_pending_after,
        all_running=all_running,
        still_queued=queued,
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
    outages = OutageLog()
    while True:
        await asyncio.sleep(interval)
        try:
            await sweep_once(sessions, enqueuer, stale_pending_after=stale_pending_after)
        except Exception as exc:  # keep sweeping: the next round tries again
            outage = outage_of(exc)
            if outage is None:
                log.exception("task sweep failed")
            else:  # the database or Redis is down: one line a minute, no stack
                outages.report(outage, "the task sweep")
