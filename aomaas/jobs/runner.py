"""Run one task: claim it, keep its lease alive, call its handler, store the outcome.

Retries are the actor's business (Dramatiq's Retries middleware, with backoff):
a handler failing with an unexpected error gives the task back and raises so
the message is retried; once the attempts are used up, or when the error is a
readable :class:`~aomaas.errors.AomaasError`, the task ends ``failed``.

A task that ends ``failed`` (however it got there) leaves the objects it worked
on (its plan, implementation or pull request, and any a handler named with
:meth:`~aomaas.jobs.context.JobContext.working_on`) ``failed`` with the reason,
never ``running``; the sweep does the same for a task whose worker died for good.
Once a task has its final state, :func:`~aomaas.jobs.workflow.after_task` takes
the chain it belongs to (a fix: plan, implement, publish) one step on; the sweep
calls it too for a task it gave up on (:mod:`aomaas.jobs.sweeper`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid

from sqlalchemy.ext.asyncio import AsyncEngine

from aomaas.errors import AomaasError
from aomaas.jobs.context import JobContext, Outcome, Services
from aomaas.jobs.registry import load_handler
from aomaas.jobs.workflow import after_task
from aomaas.settings import Settings
from aomaas.store import tasks as task_store
from aomaas.store.db import SessionMaker, make_engine, make_sessionmaker
from aomaas.store.work import fail_unfinished, subject_of

log = logging.getLogger(__name__)


class Retry(Exception):
    """Raised to make Dramatiq retry the message after a transient failure."""


class Runtime:
    """The worker side's shared state, created lazily inside the worker's event loop."""

    def __init__(self, settings: Settings, services: Services | None = None) -> None:
        self.settings = settings
        self.worker_id = f"{socket.gethostname()}:{uuid.uuid4().hex[:12]}"
        self.services: Services = services if services is not None else Services()
        self._engine: AsyncEngine | None = None
        self._sessions: SessionMaker | None = None

    @property
    def sessions(self) -> SessionMaker:
        """Database sessions (the engine is made on first use, in the running loop)."""
        if self._sessions is None:
            self._engine = make_engine(self.settings.effective_database_url)
            self._sessions = make_sessionmaker(self._engine)
        return self._sessions

    @property
    def connected(self) -> bool:
        """Whether the runtime holds an engine (made on first use, disposed by :meth:`close`)."""
        return self._engine is not None

    async def close(self) -> None:
        """Dispose of the engine."""
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
            self._sessions = None


async def execute(runtime: Runtime, kind: str, task_id: str) -> None:
    """Run the task ``task_id`` if it is still pending; do nothing otherwise."""
    settings = runtime.settings
    sessions = runtime.sessions
    lease = settings.task_lease_seconds
    task = await task_store.claim(sessions, uuid.UUID(task_id), runtime.worker_id, lease)
    if task is None:
        log.info("task %s already claimed or finished; message ignored", task_id)
        return
    renewer = asyncio.create_task(_keep_lease(sessions, task.id, runtime.worker_id, lease))
    ctx = JobContext(settings, sessions, task, runtime.worker_id, runtime.services)
    subject = subject_of(kind, task.payload)
    if subject is not None:
        ctx.working_on(subject)
    try:
        outcome = await load_handler(kind)(ctx)
    except AomaasError as exc:
        await _end(
            ctx, Outcome(exc.detail, {"type": exc.type}, success=False), exc, retry=exc.retryable
        )
    except Exception as exc:  # unexpected: log with the task id, retry while attempts remain
        log.exception("task %s (%s) failed", task_id, kind)
        await _end(
            ctx,
            Outcome(
                f"internal error ({type(exc).__name__}); see the worker log for task {task_id}",
                None,
                False,
            ),
            exc,
            retry=True,
        )
    else:
        ours = await task_store.finish(
            sessions,
            task.id,
            runtime.worker_id,
            success=outcome.success,
            message=outcome.message,
            data=outcome.data,
        )
        if ours and not outcome.success:
            await _fail_subjects(ctx, outcome.message)
        if ours:
            await after_task(ctx, kind, outcome)
    finally:
        renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewer


async def _end(ctx: JobContext, outcome: Outcome, exc: BaseException, *, retry: bool) -> None:
    task = ctx.task
    if retry and task.attempts < task.max_attempts:
        await task_store.release(
            ctx.sessions, task.id, ctx.worker_id, f"{type(exc).__name__}: {exc}"
        )
        raise Retry(f"task {task.id} attempt {task.attempts} failed: {exc}") from exc
    message = outcome.message
    if retry:
        message = f"{message} (gave up after {task.attempts} attempts)"
    ours = await task_store.finish(
        ctx.sessions,
        task.id,
        ctx.worker_id,
        success=False,
        message=message,
        data=outcome.data,
        error=f"{type(exc).__name__}: {exc}",
    )
    if ours:
        await _fail_subjects(ctx, message)
        await after_task(ctx, task.kind, Outcome(message, outcome.data, success=False))


async def _fail_subjects(ctx: JobContext, reason: str) -> None:
    """The one place a failed task's objects get their final state (after the task's own)."""
    async with ctx.sessions.begin() as session:
        await fail_unfinished(session, ctx.subjects, reason)


async def _keep_lease(
    sessions: SessionMaker, task_id: uuid.UUID, worker_id: str, lease: int
) -> None:
    while True:
        await asyncio.sleep(max(lease / 3, 1))
        try:
            if not await task_store.renew_lease(sessions, task_id, worker_id, lease):
                log.warning("lost the lease of task %s", task_id)
                return
        except Exception:  # a passing database error: try again at the next beat
            log.exception("renewing the lease of task %s failed", task_id)
