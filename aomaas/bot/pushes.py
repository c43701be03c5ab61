"""Pushes: a push to the default branch re-indexes incrementally (only the changed files)."""

from __future__ import annotations

from gidgethub import routing, sansio

from aomaas.bot.context import BotContext, installation_of
from aomaas.bot.repos import ensure_repository, start
from aomaas.store import installations as inst_store
from aomaas.store.states import TaskKind

router = routing.Router()


@router.register("push")
async def pushed(event: sansio.Event, bot: BotContext) -> None:
    """Index again when the default branch moves."""
    repository = event.data.get("repository") or {}
    default = repository.get("default_branch") or repository.get("master_branch")
    if event.data.get("deleted") or event.data.get("ref") != f"refs/heads/{default}":
        return
    known = await inst_store.repository_by_github_id(bot.job.sessions, int(repository["id"]))
    if known is not None and not known.active:
        return  # removed from the installation: a late (or redelivered) push must not revive it
    repo = await ensure_repository(bot, repository, installation_of(event.data))
    await start(bot, TaskKind.INDEX, repo)
