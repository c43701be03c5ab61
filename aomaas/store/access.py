"""Who may see what, and who may index what. The rule is written once, here.

* Seeing: admins see every repository; anyone else the repositories whose owner is
  granted to them (``aomaas user grant``). Indexing is never a grant: a user who indexes
  a repository sees it only through a grant. Anything else reads as absent (404).
* A task is visible with its repository; a task about no repository only to the user
  who started it (and admins). A task someone started about a repository they can no
  longer see is no longer visible to them.
* Indexing: admins anywhere; anyone else only under an owner granted to them (a local
  repository has the owner ``local``). Otherwise 403, decided from the caller's grants
  and the URL they sent alone, so the answer tells nothing about the repository.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    Table,
    and_,
    bindparam,
    exists,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from aomaas.errors import Forbidden, NotFound
from aomaas.store.lookups import Lookup, Row
from aomaas.store.models import OwnerGrant, Repository, Task, User
from aomaas.store.users import ACCOUNT_COLUMNS, Account


def visible_repositories(user: Account) -> ColumnElement[bool]:
    """A WHERE clause selecting the repositories ``user`` may see."""
    if user.is_admin:
        return true()
    return _visible_to(user.id)


def _granted(
    user_id: uuid.UUID | ColumnElement[uuid.UUID], owner: str | SQLColumnExpression[str]
) -> ColumnElement[bool]:
    """Whether ``owner`` (lower-cased) is granted to ``user_id``: the rule for non-admins,
    for seeing and for indexing alike."""
    # Correlated explicitly: nested in another subquery, automatic correlation would only
    # reach the nearest enclosing SELECT and turn the caller's column into a cross join.
    return (
        exists()
        .where(OwnerGrant.user_id == user_id, OwnerGrant.owner == owner)
        .correlate_except(OwnerGrant)
    )


def _visible_to(user_id: uuid.UUID | ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
    """Repositories whose owner is granted to ``user_id``."""
    return _granted(user_id, Repository.owner)


async def check_may_index(session: AsyncSession, user: Account, owner: str) -> None:
    """Forbidden unless ``user`` may index repositories of ``owner`` (admin, or granted)."""
    if user.is_admin or await session.scalar(select(_granted(user.id, owner.strip().lower()))):
        return
    raise Forbidden(
        f"you may index only repositories of owners granted to you, and {owner!r} is not "
        f"one of them: ask an admin to run `aomaas user grant {user.username} {owner}`"
    )


async def repository_for(
    session: AsyncSession, user: Account, repository_id: uuid.UUID
) -> Repository:
    """The repository if ``user`` may see it; NotFound otherwise (the same as a missing id)."""
    repo = await session.scalar(
        select(Repository).where(Repository.id == repository_id, visible_repositories(user))
    )
    if repo is None:
        raise NotFound("no repository with that id")
    return repo


async def can_see_repository(
    session: AsyncSession, user: Account, repository_id: uuid.UUID | None
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


CALLER_PREFIX = "caller_"


@dataclass(frozen=True)
class Subject:
    """An object a route names by a path id, read together with its caller in one statement.

    The lookup selects the caller's columns (prefixed ``caller_``) and, through an outer
    join whose condition is the access check, the object's columns: the caller comes back
    whenever the account exists, the object only if it exists and the caller may see it.
    """

    name: str  # what a 404 calls it
    param: str  # the path parameter holding the id (and the lookup's bind name)
    lookup: Lookup

    def split(self, row: Row) -> tuple[Row, Row | None]:
        """``(caller columns, object columns or None)`` of a row of :attr:`lookup`."""
        caller: Row = {}
        found: Row = {}
        for key, value in row.items():
            if key.startswith(CALLER_PREFIX):
                caller[key.removeprefix(CALLER_PREFIX)] = value
            else:
                found[key] = value
        return caller, found if found.get("id") is not None else None


def _with_caller(
    table: Table, param: str, visible: ColumnElement[bool], columns: Sequence[str]
) -> Lookup:
    users = cast(Table, User.__table__)
    caller = [column.label(CALLER_PREFIX + column.key) for column in ACCOUNT_COLUMNS]
    joined = users.outerjoin(table, and_(table.c.id == bindparam(param), visible))
    return Lookup(
        select(*caller, table.c.id, *(table.c[name] for name in columns if name != "id"))
        .select_from(joined)
        .where(users.c.id == bindparam("user_id"))
    )


def task_subject(*columns: str) -> Subject:
    """A task named by the path parameter ``task_id``, read with the named columns and its id.

    An admin sees any task; anyone else the tasks of the repositories they may see, and
    the tasks about no repository that they started.
    """
    tasks = cast(Table, Task.__table__)
    visible = or_(
        User.is_admin,
        and_(Task.repository_id.is_(None), Task.user_id == User.id),
        exists().where(Repository.id == Task.repository_id, _visible_to(User.__table__.c.id)),
    )
    return Subject("task", "task_id", _with_caller(tasks, "task_id", visible, columns))
