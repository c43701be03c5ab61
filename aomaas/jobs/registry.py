"""Which handler runs each task kind, and on which queue.

Handlers are imported lazily by dotted path, so declaring the actors costs
nothing and no module has side effects at import.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aomaas.jobs.context import JobContext, Outcome

Handler = Callable[["JobContext"], Awaitable["Outcome"]]

# kind -> (module holding `async def handle(ctx) -> Outcome`, queue)
HANDLERS: dict[str, tuple[str, str]] = {
    "selftest": ("aomaas.jobs.handlers.selftest", "light"),
    "index": ("aomaas.jobs.handlers.index", "heavy"),
    "mine": ("aomaas.jobs.handlers.mine", "heavy"),
    "plan": ("aomaas.jobs.handlers.plan", "light"),
    "implement": ("aomaas.jobs.handlers.implement", "heavy"),
    "publish": ("aomaas.jobs.handlers.publish", "light"),
    "review": ("aomaas.jobs.handlers.review", "heavy"),
    # The GitHub face's own work, run by the workers like any task (named by path, not imported).
    "github_delivery": ("aomaas.bot.deliveries", "light"),
    "github_command": ("aomaas.bot.command_runner", "heavy"),
}


def register(kind: str, module: str, queue: str = "heavy") -> None:
    """Add a task kind (before the actors are declared)."""
    HANDLERS[kind] = (module, queue)


def kinds() -> list[str]:
    """Every known task kind."""
    return sorted(HANDLERS)


def load_handler(kind: str) -> Handler:
    """The handler function for a kind."""
    module, _queue = HANDLERS[kind]
    handler: Handler = importlib.import_module(module).handle
    return handler


def queue_name(kind: str) -> str:
    """The queue a kind's messages go to."""
    return "aomaas." + HANDLERS[kind][1]


def actor_name(kind: str) -> str:
    """The Dramatiq actor name for a kind."""
    return "aomaas." + kind
