"""Periodic recovery: tasks whose worker died (lease expired) or whose message was lost.

A pending task that no worker claimed within one sweep interval of its last send (the
row's ``enqueued_at``) and whose message the broker no longer holds is sent again, so a
message lost with the queue (Redis restarted empty, a failed enqueue) is re-sent within
about one interval, while a task merely waiting in a busy queue gets no second message.
Should a duplicate still happen (a message a worker of the in-process broker had already
taken), the claim (a conditional update from ``pending``) lets exactly one run the task.

A running task whose worker died with its last attempt is given up: it ends ``failed``
with its objects, and then gets the follow-up of any failed task
(:func:`~aomaas.jobs.workflow.after_task`), so the reply comment of the `/aomaas`
command it served says that the command failed and why. A reply that cannot be edited
(GitHub down) is logged and the sweep goes on.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from aomaas.jobs.context import JobContext, Outcome, Services
from aomaas.jobs.queue import Enqueuer
from aomaas.jobs.workflow import after_task
from aomaas.outages import OutageLog, outage_of
from aomaas.settings import Settings
from aomaas.store import tasks as task_store
from aomaas.store.db import SessionMaker
from aomaas.store.models import Task

log = logging.getLogger(__name__)

#: The worker id a given-up task's follow-up runs under (no worker holds the task).
SWEEPER = "sweeper"


def lost_after(settings: Settings) -> timedelta:
    """How long a pending task may wait unclaimed after its last send before it is re-sent."""
    return timedelta(seconds=settings.sweep_interval_seconds)


async def sweep_once(
    sessions: SessionMaker,
    enqueuer: Enqueuer,
    settings: Settings,
    *,
    stale_pending_after: timedelta | None = None,
    all_running: bool = False,
    services: Services | None = None,
) -> int:
    """Re-enqueue what needs it and report what was given up; returns how many messages were sent.

    ``stale_pending_after`` defaults to :func:`lost_after` of the settings.

    ``services`` are the GitHub clients' shared state for the follow-ups, kept from
    sweep to sweep by the caller (one set per event loop: not the workers' own).
    """
    queued = await asyncio.to_thread(enqueuer.queued_task_ids)
    recovery = await task_store.recover(
        sessions,
        stale_pending_after=(
            lost_after(settings) if stale_pending_after is None else stale_pending_after
        ),
        all_running=all_running,
        still_queued=queued,
    )
    refs = recovery.resend
    for ref in refs:
        enqueuer.send(ref)
    if refs:
        log.info("re-enqueued %d task(s): %s", len(refs), ", ".join(str(r.id) for r in refs))
    if recovery.given_up:
        shared = services if services is not None else Services(enqueuer=enqueuer)
        await _follow_given_up(settings, sessions, shared, recovery.given_up)
    return len(refs)


async def _follow_given_up(
    settings: Settings, sessions: SessionMaker, services: Services, tasks: list[tuple[Task, str]]
) -> None:
    """The follow-up of a failed task, for each task the sweep gave up on (one at a time)."""
    log.warning("gave up on %d task(s): %s", len(tasks), ", ".join(str(t.id) for t, _ in tasks))
    for task, message in tasks:
        ctx = JobContext(settings, sessions, task, SWEEPER, services)
        # after_task logs a failure to report (GitHub down) and returns: the next one still runs
        await after_task(ctx, task.kind, Outcome(message, None, success=False))


async def sweep_forever(
    sessions: SessionMaker,
    enqueuer: Enqueuer,
    settings: Settings,
    services: Services,
) -> None:
    """Sweep every ``sweep_interval_seconds`` until cancelled."""
    outages = OutageLog()
    while True:
        await asyncio.sleep(settings.sweep_interval_seconds)
        try:
            await sweep_once(sessions, enqueuer, settings, services=services)
        except Exception as exc:  # keep sweeping: the next round tries again
            outage = outage_of(exc)
            if outage is None:
                log.exception("task sweep failed")
            else:  # the database or Redis is down: one line a minute, no stack
                outages.report(outage, "the task sweep")
