"""Which handler runs each task kind, and on which queue.

``jobs/`` registers its own kinds here with plain imports. A face's kinds (the
GitHub deliveries and commands) are handed in by the composition root
(:func:`aomaas.app.wire_tasks`) through :func:`register`, so this package names
no face.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aomaas.jobs.context import JobContext, Outcome
from aomaas.jobs.handlers import implement, index, mine, plan, publish, review, selftest

Handler = Callable[[JobContext], Awaitable[Outcome]]

# kind -> (async def handle(ctx) -> Outcome, queue)
HANDLERS: dict[str, tuple[Handler, str]] = {
    "selftest": (selftest.handle, "light"),
    "index": (index.handle, "heavy"),
    "mine": (mine.handle, "heavy"),
    "plan": (plan.handle, "light"),
    "implement": (implement.handle, "heavy"),
    "publish": (publish.handle, "light"),
    "review": (review.handle, "heavy"),
}


def register(kind: str, handler: Handler, queue: str = "heavy") -> None:
    """Add (or replace) a task kind; call it before the actors are declared."""
    HANDLERS[kind] = (handler, queue)


def kinds() -> list[str]:
    """Every known task kind."""
    return sorted(HANDLERS)


def load_handler(kind: str) -> Handler:
    """The handler function for a kind."""
    return HANDLERS[kind][0]


def queue_name(kind: str) -> str:
    """The queue a kind's messages go to."""
    return "aomaas." + HANDLERS[kind][1]


def actor_name(kind: str) -> str:
    """The Dramatiq actor name for a kind."""
    return "aomaas." + kind
