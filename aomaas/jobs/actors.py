"""One thin Dramatiq actor per task kind: it carries a task id and calls the runner."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import dramatiq

from aomaas.jobs.registry import actor_name, kinds, queue_name
from aomaas.jobs.runner import Retry, Runtime, execute


def declare_actors(broker: dramatiq.Broker, runtime: Runtime | None) -> dict[str, Any]:
    """Declare an actor for every kind on ``broker``.

    The web side declares them with ``runtime=None`` only so that the queues exist;
    its actors are never run there. Dramatiq retries a message only when the runner
    raises :class:`Retry`, which it does while the task row has attempts left
    (``Task.max_attempts``): the row, not the broker, counts the attempts.
    """
    actors: dict[str, Any] = {}
    for kind in kinds():
        decorate = dramatiq.actor(
            actor_name=actor_name(kind),
            queue_name=queue_name(kind),
            broker=broker,
            min_backoff=500,
            max_backoff=60_000,
            retry_when=lambda _retries, exc: isinstance(exc, Retry),
            time_limit=6 * 3600 * 1000,
        )
        actors[kind] = decorate(_make_fn(kind, runtime))
    return actors


def _make_fn(kind: str, runtime: Runtime | None) -> Callable[[str], Awaitable[None]]:
    async def run(task_id: str) -> None:
        if runtime is None:
            raise RuntimeError("this process only enqueues; run `aomaas worker`")
        await execute(runtime, kind, task_id)

    run.__name__ = f"run_{kind}"
    return run
