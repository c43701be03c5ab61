"""Keeping repository rows in step with GitHub, and starting their work."""

from __future__ import annotations

import uuid
from typing import Any

from aomaas.bot.context import BotContext
from aomaas.jobs.submit import submit_task
from aomaas.store import installations as inst_store
from aomaas.store import repositories as repo_store
from aomaas.store.models import Repository
from aomaas.store.states import Provider, TaskKind


async def ensure_repository(
    bot: BotContext, repository: dict[str, Any], installation_github_id: int | None
) -> Repository:
    """The row of a GitHub repository named in a payload, created (or reactivated) as needed."""
    installation_id = None
    if installation_github_id is not None:
        installation = await inst_store.installation_by_github_id(
            bot.job.sessions, installation_github_id
        )
        installation_id = installation.id if installation else None
    full_name = str(repository.get("full_name") or "")
    owner, _, name = full_name.partition("/")
    if not name:
        owner, name = str(repository["owner"]["login"]), str(repository["name"])
    url = f"{bot.job.settings.github_web_url.rstrip('/')}/{owner}/{name}"
    return await repo_store.get_or_create(
        bot.job.sessions,
        provider=Provider.GITHUB,
        url=url,
        branch=None,
        owner=owner,
        name=name,
        github_id=int(repository["id"]),
        installation_id=installation_id,
    )


async def start(
    bot: BotContext,
    kind: TaskKind,
    repo: Repository,
    payload: dict[str, Any] | None = None,
    max_attempts: int | None = None,
) -> uuid.UUID:
    """Submit a task of ``kind`` about ``repo``; returns its id."""
    task = await submit_task(
        bot.job.sessions,
        bot.job.services["enqueuer"],
        kind,
        {"repository_id": str(repo.id), **(payload or {})},
        user_id=None,
        repository_id=repo.id,
        max_attempts=max_attempts or bot.job.settings.task_max_attempts,
    )
    return task.id
