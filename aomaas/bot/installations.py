"""Installations: keep installations and repositories in step, index what is new."""

from __future__ import annotations

from typing import Any

from gidgethub import routing, sansio

from aomaas.bot.context import BotContext
from aomaas.bot.repos import ensure_repository, start
from aomaas.store import installations as inst_store
from aomaas.store.states import TaskKind

router = routing.Router()


async def _add_repositories(
    bot: BotContext, installation_id: int, repositories: list[dict[str, Any]]
) -> None:
    for repository in repositories:
        repo = await ensure_repository(bot, repository, installation_id)
        await start(bot, TaskKind.INDEX, repo)


@router.register("installation", action="created")
@router.register("installation", action="new_permissions_accepted")
@router.register("installation", action="unsuspend")
async def installation_active(event: sansio.Event, bot: BotContext) -> None:
    """Record the installation and index every repository it grants."""
    installation = event.data["installation"]
    await inst_store.upsert_installation(
        bot.job.sessions,
        int(installation["id"]),
        installation.get("account") or {},
        installation.get("permissions"),
    )
    repositories = event.data.get("repositories")
    if repositories is None:
        repositories = await bot.github.list_installation_repositories(int(installation["id"]))
    await _add_repositories(bot, int(installation["id"]), repositories)


@router.register("installation", action="suspend")
async def installation_suspended(event: sansio.Event, bot: BotContext) -> None:
    """Stop acting for a suspended installation."""
    await inst_store.set_installation_state(
        bot.job.sessions, int(event.data["installation"]["id"]), suspended=True
    )


@router.register("installation", action="deleted")
async def installation_deleted(event: sansio.Event, bot: BotContext) -> None:
    """Forget an uninstalled installation's repositories (their data stays for the record)."""
    await inst_store.set_installation_state(
        bot.job.sessions, int(event.data["installation"]["id"]), deleted=True
    )


@router.register("installation_repositories", action="added")
async def repositories_added(event: sansio.Event, bot: BotContext) -> None:
    """Index repositories newly granted to the installation."""
    installation = event.data["installation"]
    await inst_store.upsert_installation(
        bot.job.sessions, int(installation["id"]), installation.get("account") or {}
    )
    await _add_repositories(
        bot, int(installation["id"]), event.data.get("repositories_added") or []
    )


@router.register("installation_repositories", action="removed")
async def repositories_removed(event: sansio.Event, bot: BotContext) -> None:
    """Stop maintaining repositories taken away from the installation."""
    ids = [int(r["id"]) for r in event.data.get("repositories_removed") or []]
    await inst_store.deactivate_repositories(bot.job.sessions, ids)
