"""Pushes: a push to the default branch re-indexes incrementally (only the changed files)."""

from __future__ import annotations

from gidgethub import routing, sansio

from aomaas.bot.context import BotContext, installation_of
from aomaas.bot.repos import ensure_repository, start

router = routing.Router()


@router.register("push")
async def pushed(event: sansio.Event, bot: BotContext) -> None:
    """Index again when the default branch moves."""
    repository = event.data.get("repository") or {}
    default = repository.get("default_branch") or repository.get("master_branch")
    if event.data.get("deleted") or event.data.get("ref") != f"refs/heads/{default}":
        return
    repo = await ensure_repository(bot, repository, installation_of(event.data))
    if repo.active:
        await start(bot, "index", repo)
