"""Steps the repository jobs share: load rows, clone or update, index incrementally."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aomaas.engine.index import build_index
from aomaas.engine.index.model import RepoIndex
from aomaas.engine.workspace import Checkout, run_git, sync
from aomaas.errors import NotFound, WorkspaceError
from aomaas.forges.base import Forge, RepoRef
from aomaas.forges.registry import forge_for
from aomaas.jobs.context import JobContext
from aomaas.jobs.engine_settings import workspace_policy
from aomaas.store import repositories as repo_store
from aomaas.store.models import Installation, Repository


async def load_repository(ctx: JobContext, repository_id: str | uuid.UUID) -> Repository:
    """The repository row a task is about (NotFound if it was deleted meanwhile)."""
    repo = await repo_store.get(ctx.sessions, uuid.UUID(str(repository_id)))
    if repo is None:
        raise NotFound("the repository of this task no longer exists")
    return repo


async def repo_ref(ctx: JobContext, repo: Repository) -> RepoRef:
    """Plain values describing the repository for a forge."""
    installation_github_id = None
    if repo.installation_id is not None:
        async with ctx.sessions() as session:
            installation = await session.get(Installation, repo.installation_id)
            installation_github_id = installation.github_id if installation else None
    return RepoRef(
        provider=repo.provider,
        url=repo.url,
        owner=repo.owner,
        name=repo.name,
        branch=repo.branch,
        installation_github_id=installation_github_id,
    )


def forge(ctx: JobContext, repo: Repository) -> Forge:
    """The forge of the repository's provider."""
    return forge_for(repo.provider, ctx.settings, ctx.services)


async def checkout(ctx: JobContext, repo: Repository) -> Checkout:
    """Clone the repository into its cached workspace, or fetch and update it."""
    await ctx.progress(f"fetching {repo.owner}/{repo.name}")
    source = await forge(ctx, repo).source(await repo_ref(ctx, repo))
    return await asyncio.to_thread(sync, source, workspace_policy(ctx.settings), str(repo.id))


async def checkout_holding(ctx: JobContext, repo: Repository, commit: str) -> Checkout:
    """The repository's workspace as it is, when it already holds ``commit``; else :func:`checkout`.

    A pull request reuses the checkout its implementation was made in (no second
    fetch); a worker that never saw the commit fetches the repository first.
    """
    dest = workspace_policy(ctx.settings).cache_dir / str(repo.id)

    def held() -> Checkout | None:
        if not (dest / ".git").is_dir():
            return None
        try:
            run_git(["cat-file", "-e", f"{commit}^{{commit}}"], dest)
            branch = run_git(["symbolic-ref", "--short", "HEAD"], dest).strip()
            head = run_git(["rev-parse", "--verify", "HEAD^{commit}"], dest).strip()
        except WorkspaceError:
            return None
        return Checkout(path=dest, commit=head, branch=branch)

    found = await asyncio.to_thread(held)
    return found if found is not None else await checkout(ctx, repo)


async def refresh_index(ctx: JobContext, repo: Repository, co: Checkout) -> RepoIndex:
    """Index ``co`` (only the files changed since the stored index) and store it."""
    stored = await repo_store.load_index(ctx.sessions, repo.id)
    previous = RepoIndex.from_dict(stored) if stored else None
    await ctx.progress(f"indexing {co.commit[:12]}")
    index = await asyncio.to_thread(build_index, co.path, co.commit, previous)
    stats: dict[str, Any] = dict(index.stats)
    stats["last_read_paths"] = index.last_read_paths[:200]
    await repo_store.save_index(ctx.sessions, repo.id, co.commit, index.to_dict(), stats)
    return index
