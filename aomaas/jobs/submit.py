"""How a face starts background work: write the task row (with any rows it goes with), then enqueue.

The row is committed first; if the broker is unreachable the task stays pending
and the sweep sends it later, so nothing is lost.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

from aomaas.jobs.queue import Enqueuer
from aomaas.store.db import SessionMaker
from aomaas.store.models import Task
from aomaas.store.tasks import TaskRef, new_task

log = logging.getLogger(__name__)


async def submit_task(
    sessions: SessionMaker,
    enqueuer: Enqueuer,
    kind: str,
    payload: dict[str, Any],
    *,
    user_id: uuid.UUID | None,
    repository_id: uuid.UUID | None,
    max_attempts: int,
    rows: Iterable[Any] = (),
) -> Task:
    """Store ``rows`` and a new pending task atomically, then send its id to the queue."""
    task = new_task(
        kind, payload, user_id=user_id, repository_id=repository_id, max_attempts=max_attempts
    )
    async with sessions.begin() as session:
        session.add_all([*rows, task])
    try:
        enqueuer.send(TaskRef(task.id, kind))
    except Exception:  # the sweep re-sends pending tasks whose message may be lost
        log.exception("could not enqueue task %s; the sweep will retry", task.id)
    return task
