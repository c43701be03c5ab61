"""GitHub App installations and the repositories they grant."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update

from aomaas.store.db import SessionMaker
from aomaas.store.models import Installation, Repository
from aomaas.store.states import Provider


async def upsert_installation(
    sessions: SessionMaker,
    github_id: int,
    account: dict[str, Any],
    permissions: dict[str, Any] | None = None,
) -> Installation:
    """Create or refresh an installation row (and clear deleted/suspended)."""
    async with sessions.begin() as session:
        row = await session.scalar(select(Installation).where(Installation.github_id == github_id))
        if row is None:
            row = Installation(id=uuid.uuid4(), github_id=github_id, account_login="")
            session.add(row)
        row.account_login = str(account.get("login", ""))
        row.account_type = str(account.get("type", "")) or None
        row.deleted = False
        row.suspended = False
        if permissions is not None:
            row.permissions = permissions
        return row


async def set_installation_state(
    sessions: SessionMaker,
    github_id: int,
    *,
    suspended: bool | None = None,
    deleted: bool | None = None,
) -> Installation | None:
    """Mark an installation suspended or deleted; a deleted one's repositories go inactive."""
    async with sessions.begin() as session:
        row = await session.scalar(select(Installation).where(Installation.github_id == github_id))
        if row is None:
            return None
        if suspended is not None:
            row.suspended = suspended
        if deleted is not None:
            row.deleted = deleted
            if deleted:
                await session.execute(
                    update(Repository)
                    .where(Repository.installation_id == row.id)
                    .values(active=False)
                )
        return row


async def installation_by_github_id(sessions: SessionMaker, github_id: int) -> Installation | None:
    """The installation row for a GitHub installation id."""
    async with sessions() as session:
        return await session.scalar(select(Installation).where(Installation.github_id == github_id))


async def installation_for_owner(sessions: SessionMaker, owner: str) -> Installation | None:
    """The live installation on an account (login compared case-insensitively)."""
    async with sessions() as session:
        return await session.scalar(
            select(Installation).where(
                func.lower(Installation.account_login) == owner.lower(),
                Installation.deleted.is_(False),
                Installation.suspended.is_(False),
            )
        )


async def repository_by_github_id(sessions: SessionMaker, github_id: int) -> Repository | None:
    """The (default-branch) repository row for a GitHub repository id."""
    async with sessions() as session:
        return await session.scalar(
            select(Repository)
            .where(Repository.github_id == github_id, Repository.provider == Provider.GITHUB)
            .order_by(Repository.branch.is_not(None), Repository.created_at)
            .limit(1)
        )


async def deactivate_repositories(sessions: SessionMaker, github_ids: list[int]) -> None:
    """Repositories removed from an installation stop being maintained."""
    if not github_ids:
        return
    async with sessions.begin() as session:
        await session.execute(
            update(Repository).where(Repository.github_id.in_(github_ids)).values(active=False)
        )
