"""Task rows: create, claim atomically, renew the lease, finish, and sweep orphans.

A task moves pending → running → completed | failed. Only a conditional update
from ``pending`` claims it, so two workers can never both run one task.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update

from aomaas.store.db import SessionMaker
from aomaas.store.models import Task
from aomaas.store.states import FINISHED, TaskStatus
from aomaas.store.types import utcnow
from aomaas.store.work import fail_unfinished, subject_of

PENDING, RUNNING, COMPLETED, FAILED = (
    TaskStatus.PENDING,
    TaskStatus.RUNNING,
    TaskStatus.COMPLETED,
    TaskStatus.FAILED,
)


@dataclass(frozen=True)
class TaskRef:
    """What the queue needs to carry a task: its id and kind."""

    id: uuid.UUID
    kind: str


@dataclass(frozen=True)
class Recovery:
    """What a sweep found: tasks to send (again), and tasks it gave up on (now ``failed``)."""

    resend: list[TaskRef]
    #: Tasks whose worker died with their last attempt, each with the reason it failed.
    given_up: list[tuple[Task, str]]


def new_task(
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    user_id: uuid.UUID | None = None,
    repository_id: uuid.UUID | None = None,
    max_attempts: int = 3,
) -> Task:
    """A pending task row, to be added to a session by the caller."""
    now = utcnow()
    return Task(
        id=uuid.uuid4(),
        kind=kind,
        status=PENDING,
        payload=payload or {},
        user_id=user_id,
        repository_id=repository_id,
        max_attempts=max_attempts,
        enqueued_at=now,
        created_at=now,
        updated_at=now,
    )


async def claim(
    sessions: SessionMaker, task_id: uuid.UUID, worker_id: str, lease_seconds: int
) -> Task | None:
    """Claim a pending task for ``worker_id``; None when it is not pending any more."""
    now = utcnow()
    async with sessions.begin() as session:
        result = await session.execute(
            update(Task)
            .where(Task.id == task_id, Task.status == PENDING)
            .values(
                status=RUNNING,
                worker_id=worker_id,
                attempts=Task.attempts + 1,
                lease_until=now + timedelta(seconds=lease_seconds),
                started_at=now,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return await session.get(Task, task_id)


async def _update_own(
    sessions: SessionMaker, task_id: uuid.UUID, owner: str, **values: Any
) -> bool:
    """Set ``values`` on a task this worker is running; False when it is no longer ours."""
    async with sessions.begin() as session:
        result = await session.execute(
            update(Task)
            .where(Task.id == task_id, Task.status == RUNNING, Task.worker_id == owner)
            .values(updated_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        )
        return cast(CursorResult[Any], result).rowcount == 1


async def renew_lease(
    sessions: SessionMaker, task_id: uuid.UUID, worker_id: str, lease_seconds: int
) -> bool:
    """Extend the lease of a task this worker runs; False when it is no longer ours."""
    lease_until = utcnow() + timedelta(seconds=lease_seconds)
    return await _update_own(sessions, task_id, worker_id, lease_until=lease_until)


async def set_progress(
    sessions: SessionMaker, task_id: uuid.UUID, worker_id: str, message: str
) -> None:
    """Record a human-readable progress line on a running task."""
    await _update_own(sessions, task_id, worker_id, progress=message[:2000])


async def finish(
    sessions: SessionMaker,
    task_id: uuid.UUID,
    worker_id: str,
    *,
    success: bool,
    message: str,
    data: Any = None,
    error: str | None = None,
) -> bool:
    """Store the result and end the task (completed or failed); False if not ours."""
    return await _update_own(
        sessions,
        task_id,
        worker_id,
        status=COMPLETED if success else FAILED,
        result={"success": success, "message": message, "data": data},
        error=error,
        lease_until=None,
        finished_at=utcnow(),
    )


async def release(sessions: SessionMaker, task_id: uuid.UUID, worker_id: str, error: str) -> bool:
    """Give a running task back (pending) for a retry; False if not ours."""
    return await _update_own(
        sessions,
        task_id,
        worker_id,
        status=PENDING,
        worker_id=None,
        lease_until=None,
        error=error,
        enqueued_at=utcnow(),
    )


async def recover(
    sessions: SessionMaker,
    *,
    stale_pending_after: timedelta,
    all_running: bool = False,
    still_queued: Collection[uuid.UUID] = (),
) -> Recovery:
    """Find work that needs a (new) message and prepare it; returns what to enqueue.

    Running tasks whose lease expired (or every running task, when this process
    knows it is the only worker, as in embedded mode at start) go back to pending,
    or to failed when their attempts are used up: their objects fail with them, in
    the same transaction, and they are returned as given up. Pending tasks whose message may
    be lost (enqueued longer ago than ``stale_pending_after``, and not among
    ``still_queued``, the task ids the broker still holds a message for) are sent again.
    """
    now = utcnow()
    refs: list[TaskRef] = []
    given_up: list[tuple[Task, str]] = []
    async with sessions.begin() as session:
        running = select(Task).where(Task.status == RUNNING)
        if not all_running:
            running = running.where(or_(Task.lease_until.is_(None), Task.lease_until < now))
        for task in (await session.scalars(running.with_for_update(skip_locked=True))).all():
            if task.attempts >= task.max_attempts:
                message = (
                    f"the worker running this task stopped and all {task.max_attempts} "
                    "attempts are used up; start it again with a new request"
                )
                task.status = FAILED
                task.finished_at = now
                task.lease_until = None
                task.result = {"success": False, "message": message, "data": None}
                subject = subject_of(task.kind, task.payload)
                await fail_unfinished(session, [subject] if subject else [], message)
                given_up.append((task, message))
            else:
                task.status = PENDING
                task.worker_id = None
                task.lease_until = None
                task.enqueued_at = now
                refs.append(TaskRef(task.id, task.kind))
        stale = select(Task).where(
            Task.status == PENDING,
            or_(Task.enqueued_at.is_(None), Task.enqueued_at < now - stale_pending_after),
        )
        for task in (await session.scalars(stale.with_for_update(skip_locked=True))).all():
            if task.id in still_queued:
                continue
            task.enqueued_at = now
            refs.append(TaskRef(task.id, task.kind))
    return Recovery(refs, given_up)


async def get(sessions: SessionMaker, task_id: uuid.UUID) -> Task | None:
    """A task by id (no access check: callers check the owner)."""
    async with sessions() as session:
        return await session.get(Task, task_id)


def is_finished(status: TaskStatus | str) -> bool:
    """Whether a status is final."""
    return status in FINISHED


async def kinds_in_progress(
    sessions: SessionMaker, repository_id: uuid.UUID, *, besides: uuid.UUID | None = None
) -> list[str]:
    """The kinds of a repository's tasks still pending or running (``besides`` one task)."""
    query = select(Task.kind).where(
        Task.repository_id == repository_id, Task.status.in_(["pending", "running"])
    )
    if besides is not None:
        query = query.where(Task.id != besides)
    async with sessions() as session:
        return list((await session.scalars(query)).all())
