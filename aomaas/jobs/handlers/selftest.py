"""A diagnostic task: proves the queue, a worker and the database work end to end.

Payload: ``{"sleep": seconds (≤ 60), "fail": bool}``; the result echoes the
worker that ran it and how many attempts it took.
"""

from __future__ import annotations

import asyncio
import os

from aomaas.errors import EngineError
from aomaas.jobs.context import JobContext, Outcome


async def handle(ctx: JobContext) -> Outcome:
    """Sleep as asked, then answer with who ran the task."""
    seconds = min(float(ctx.payload.get("sleep", 0)), 60.0)
    if seconds:
        await ctx.progress(f"sleeping {seconds:g} s")
        await asyncio.sleep(seconds)
    if ctx.payload.get("fail"):
        raise EngineError("self-test asked to fail")
    return Outcome(
        "self-test done",
        {"worker_id": ctx.worker_id, "pid": os.getpid(), "attempts": ctx.task.attempts},
    )
