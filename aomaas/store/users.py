"""User accounts and owner grants."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, fields
from typing import Any, cast

from sqlalchemy import Column, Table, bindparam, select
from sqlalchemy.exc import IntegrityError

from aomaas.errors import Conflict, NotFound
from aomaas.passwords import hash_password, verify_password
from aomaas.store.db import SessionMaker
from aomaas.store.lookups import Lookup
from aomaas.store.models import OwnerGrant, User


@dataclass(frozen=True, slots=True)
class Account:
    """A signed-in user as one request sees it: read fresh, detached from any session,
    and without the password hash (which only the login reads).
    """

    id: uuid.UUID
    username: str
    email: str | None
    full_name: str | None
    is_admin: bool
    disabled: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Account:
        """The account in a lookup row of :data:`ACCOUNT_COLUMNS`."""
        return cls(**row)


# The users columns an Account holds, in its field order.
ACCOUNT_COLUMNS: tuple[Column[Any], ...] = tuple(
    cast(Table, User.__table__).c[f.name] for f in fields(Account)
)

# The account behind a token, read on every authenticated request.
USER_BY_ID = Lookup(select(*ACCOUNT_COLUMNS).where(User.id == bindparam("user_id")))


async def create_user(
    sessions: SessionMaker,
    username: str,
    password: str,
    *,
    email: str | None = None,
    full_name: str | None = None,
    is_admin: bool = False,
) -> User:
    """Create an account; Conflict if the name is taken."""
    user = User(
        id=uuid.uuid4(),
        username=username,
        email=email,
        full_name=full_name,
        password_hash=hash_password(password),
        is_admin=is_admin,
    )
    try:
        async with sessions.begin() as session:
            session.add(user)
    except IntegrityError:
        raise Conflict(f"user {username!r} already exists") from None
    return user


async def get_user(sessions: SessionMaker, username: str) -> User | None:
    """The account with this name, if any."""
    async with sessions() as session:
        return await session.scalar(select(User).where(User.username == username))


#: The one answer to a failed sign-in, whatever the reason (for every face to show).
LOGIN_FAILED = "invalid username or password"


async def signed_in(sessions: SessionMaker, username: str, password: str) -> User | None:
    """The account if ``password`` is right and the account is enabled; None otherwise.

    The hash is verified in every case (against a dummy hash for an unknown name, in a
    thread), so neither the answer nor its time tells an unknown name, a wrong password
    and a disabled account apart.
    """
    user = await get_user(sessions, username)
    stored = user.password_hash if user else None
    ok = await asyncio.to_thread(verify_password, stored, password)
    return user if ok and user is not None and not user.disabled else None


async def list_users(sessions: SessionMaker) -> list[tuple[User, list[str]]]:
    """Every account with the owners granted to it."""
    async with sessions() as session:
        users = (await session.scalars(select(User).order_by(User.username))).all()
        grants = (await session.execute(select(OwnerGrant.user_id, OwnerGrant.owner))).all()
    owners: dict[uuid.UUID, list[str]] = {}
    for user_id, owner in grants:
        owners.setdefault(user_id, []).append(owner)
    return [(u, sorted(owners.get(u.id, []))) for u in users]


async def grant_owner(sessions: SessionMaker, username: str, owner: str) -> None:
    """Let ``username`` see every repository of ``owner`` (idempotent)."""
    async with sessions.begin() as session:
        user = await session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user {username!r}")
        owner_key = owner.strip().lower()
        existing = await session.scalar(
            select(OwnerGrant).where(OwnerGrant.user_id == user.id, OwnerGrant.owner == owner_key)
        )
        if existing is None:
            session.add(OwnerGrant(id=uuid.uuid4(), user_id=user.id, owner=owner_key))


async def owners_of(sessions: SessionMaker, user_id: uuid.UUID) -> list[str]:
    """The owners granted to a user."""
    async with sessions() as session:
        rows = await session.scalars(select(OwnerGrant.owner).where(OwnerGrant.user_id == user_id))
        return sorted(rows.all())


async def set_disabled(sessions: SessionMaker, username: str, disabled: bool = True) -> None:
    """Disable (or enable again) an account; its tokens stop working at once."""
    async with sessions.begin() as session:
        user = await session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user {username!r}")
        user.disabled = disabled
