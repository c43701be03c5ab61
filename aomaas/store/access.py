"""Who may see what: admins see all; others see the repositories of the owners granted
to them and those they indexed themselves. Anything else reads as absent (404).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from aomaas.errors import NotFound
from aomaas.store.models import OwnerGrant, Repository, RepositoryMember, Task, User


def visible_repositories(user: User) -> ColumnElement[bool]:
    """A WHERE clause selecting the repositories ``user`` may see."""
    if user.is_admin:
        return true()
    granted = exists().where(OwnerGrant.user_id == user.id, OwnerGrant.owner == Repository.owner)
    member = exists().where(
        RepositoryMember.user_id == user.id, RepositoryMember.repository_id == Repository.id
    )
    return or_(granted, member)


async def repository_for(session: AsyncSession, user: User, repository_id: uuid.UUID) -> Repository:
    """The repository if ``user`` may see it; NotFound otherwise (the same as a missing id)."""
    repo = await session.scalar(
        select(Repository).where(Repository.id == repository_id, visible_repositories(user))
    )
    if repo is None:
        raise NotFound("no repository with that id")
    return repo


async def can_see_repository(
    session: AsyncSession, user: User, repository_id: uuid.UUID | None
) -> bool:
    """Whether ``user`` may see the repository (False for None unless admin)."""
    if user.is_admin:
        return True
    if repository_id is None:
        return False
    found: Any = await session.scalar(
        select(Repository.id).where(Repository.id == repository_id, visible_repositories(user))
    )
    return found is not None


def visible_task(user: User, task_id: uuid.UUID) -> Select[Task]:
    """One statement selecting the task if ``user`` started it or may see its repository."""
    query = select(Task).where(Task.id == task_id)
    if user.is_admin:
        return query
    repository_visible = exists().where(
        Repository.id == Task.repository_id, visible_repositories(user)
    )
    return query.where(or_(Task.user_id == user.id, repository_visible))


async def task_for(connection: AsyncConnection, user: User, task_id: uuid.UUID) -> Task:
    """The task if ``user`` started it or may see its repository; NotFound otherwise (same answer)."""
    row = (await connection.execute(visible_task(user, task_id))).first()
    if row is None:
        raise NotFound("no task with that id")
    return Task(**row._mapping)
