"""The one place the per-concern routers are merged (bedevere's ``__main__`` pattern)."""

from __future__ import annotations

from functools import cache

from gidgethub.routing import Router

from aomaas.bot import comments, installations, pulls, pushes


@cache
def build_router() -> Router:
    """Every event the bot reacts to, one router per concern (merged once per process)."""
    return Router(installations.router, pushes.router, comments.router, pulls.router)
