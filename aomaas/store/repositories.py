"""Repositories and their stored index."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from aomaas.store.db import SessionMaker
from aomaas.store.models import Repository, RepositoryIndex
from aomaas.store.states import Provider
from aomaas.store.types import utcnow


def canonical_url(provider: str, url: str) -> str:
    """The form a repository's URL is stored (and compared) in.

    GitHub: lower-cased (GitHub's owner and repository names ignore case), without a
    trailing ``/`` or ``.git``. Local: the path as given, without surrounding blanks (the
    API hands in a resolved absolute path).
    """
    url = url.strip()
    if provider != Provider.GITHUB:
        return url
    url = url.lower().rstrip("/")
    return url.removesuffix(".git").rstrip("/")


async def get_or_create(
    sessions: SessionMaker,
    *,
    provider: Provider,
    url: str,
    branch: str | None,
    owner: str,
    name: str,
    created_by: uuid.UUID | None = None,
    github_id: int | None = None,
    installation_id: uuid.UUID | None = None,
) -> Repository:
    """The repository row for (provider, url, branch), created if new.

    The URL is stored in :func:`canonical_url` form and an empty branch as ``None`` (the
    default branch); the unique identity index covers every spelling, so concurrent calls
    for the same repository get the same row.
    """
    url = canonical_url(provider, url)
    branch = branch or None
    for _attempt in range(3):
        try:
            async with sessions.begin() as session:
                repo = await session.scalar(
                    select(Repository).where(
                        Repository.provider == provider,
                        Repository.url == url,
                        _branch_is(branch),
                    )
                )
                if repo is None:
                    repo = Repository(
                        id=uuid.uuid4(),
                        provider=provider,
                        url=url,
                        branch=branch,
                        owner=owner.lower(),
                        name=name,
                        github_id=github_id,
                        installation_id=installation_id,
                        created_by=created_by,
                    )
                    session.add(repo)
                    await session.flush()
                else:
                    repo.active = True
                    if installation_id is not None:
                        repo.installation_id = installation_id
                    if github_id is not None:
                        repo.github_id = github_id
                return repo
        except IntegrityError:
            continue  # another request created it at the same moment: read it again
    raise RuntimeError("could not create the repository row")


def _branch_is(branch: str | None) -> Any:
    return Repository.branch.is_(None) if branch is None else Repository.branch == branch


async def get(sessions: SessionMaker, repository_id: uuid.UUID) -> Repository | None:
    """A repository by id (no access check)."""
    async with sessions() as session:
        return await session.get(Repository, repository_id)


async def load_index(sessions: SessionMaker, repository_id: uuid.UUID) -> dict[str, Any] | None:
    """The stored index document of a repository, if it was indexed."""
    async with sessions() as session:
        row = await session.scalar(
            select(RepositoryIndex).where(RepositoryIndex.repository_id == repository_id)
        )
        return row.data if row else None


async def save_index(
    sessions: SessionMaker,
    repository_id: uuid.UUID,
    commit: str,
    data: dict[str, Any],
    stats: dict[str, Any],
) -> None:
    """Replace the stored index and record the indexed commit on the repository."""
    async with sessions.begin() as session:
        row = await session.scalar(
            select(RepositoryIndex).where(RepositoryIndex.repository_id == repository_id)
        )
        if row is None:
            session.add(
                RepositoryIndex(
                    id=uuid.uuid4(), repository_id=repository_id, commit=commit, data=data
                )
            )
        else:
            row.commit = commit
            row.data = data
        repo = await session.get(Repository, repository_id)
        assert repo is not None
        repo.indexed_commit = commit
        repo.index_stats = stats
        repo.indexed_at = utcnow()


async def list_visible(
    session: AsyncSession, where: Any, offset: int, limit: int
) -> tuple[list[Repository], int]:
    """A page of repositories matching ``where`` and their total count."""
    total = await session.scalar(select(func.count()).select_from(Repository).where(where))
    rows = await session.scalars(
        select(Repository)
        .where(where)
        .order_by(Repository.created_at, Repository.id)
        .offset(offset)
        .limit(limit)
    )
    return list(rows.all()), int(total or 0)
