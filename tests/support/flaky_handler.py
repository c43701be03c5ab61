"""A test-owned task handler that fails with an unexpected error for its first attempts.

Payload: ``{"fail_times": N}``: attempts 1..N raise RuntimeError, later ones succeed.
Register it with ``aomaas.jobs.registry.register("test_flaky", handle)``.
"""

from __future__ import annotations

import os

from aomaas.jobs.context import JobContext, Outcome


async def handle(ctx: JobContext) -> Outcome:
    """Raise RuntimeError while ``attempts <= fail_times``, then succeed."""
    if ctx.task.attempts <= int(ctx.payload.get("fail_times", 0)):
        raise RuntimeError(f"flaky failure on attempt {ctx.task.attempts}")
    return Outcome("flaky done", {"attempts": ctx.task.attempts, "pid": os.getpid()})
