"""Authentication: ``POST /auth/token``, ``GET /auth/me`` and the bearer check every route uses."""

from __future__ import annotations

import uuid

from aiohttp import web

from aomaas import appkeys
from aomaas.api.routing import ApiTable, Authenticated, Call
from aomaas.api.schemas import TokenIn, TokenOut, UserOut
from aomaas.errors import Forbidden, Unauthorized
from aomaas.store import users as user_store
from aomaas.store.access import Subject
from aomaas.store.lookups import Row
from aomaas.tokens import issue_token, verify_token

table = ApiTable()


async def authenticate(request: web.Request, subject: Subject | None) -> Authenticated:
    """The user behind the bearer token; 401 without a valid one, 403 if disabled.

    The user is read fresh on every request (a disabled account stops at once), by key
    on the raw driver (:mod:`aomaas.store.lookups`). A route that names a ``subject``
    gets it read in the same statement, already checked against the caller.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token; get one at POST /api/v1/auth/token")
    settings = request.app[appkeys.SETTINGS]
    assert settings.secret_key is not None
    claims = verify_token(settings.secret_key, token.strip())
    lookups = request.app[appkeys.LOOKUPS]
    subject_id = _subject_id(request, subject)
    found: Row | None = None
    if subject is not None and subject_id is not None:
        row = await lookups.one(
            subject.lookup, user_id=claims.user_id, **{subject.param: subject_id}
        )
        caller, found = subject.split(row) if row is not None else (None, None)
    else:
        caller = await lookups.one(user_store.USER_BY_ID, user_id=claims.user_id)
    if caller is None:
        raise Unauthorized("invalid token")
    user = user_store.Account.from_row(caller)
    if user.disabled:
        raise Forbidden("this account is disabled")
    await request.app[appkeys.LIMITS].check_user(str(user.id))
    return Authenticated(user, found)


def _subject_id(request: web.Request, subject: Subject | None) -> uuid.UUID | None:
    """The subject's id from the path; None if there is none or it is malformed (then 404)."""
    if subject is None:
        return None
    try:
        return uuid.UUID(request.match_info[subject.param])
    except ValueError:
        return None


@table.route(
    "POST",
    "/auth/token",
    body=TokenIn,
    response=TokenOut,
    auth=False,
    allow_form=True,
    summary="Exchange a username and password for a bearer token (JSON or OAuth2 form)",
    tag="auth",
)
async def create_token(call: Call[TokenIn]) -> TokenOut:
    """Check the password (Argon2id, in a thread) and issue a token; 401 for any failure."""
    body = call.body
    limits = call.request.app[appkeys.LIMITS]
    ip = limits.client_ip(call.request)
    await limits.check_login(ip, body.username)
    user = await user_store.signed_in(call.sessions, body.username, body.password)
    if user is None:  # unknown name, wrong password or disabled account: one answer
        await limits.failed_login(ip, body.username)
        raise Unauthorized(user_store.LOGIN_FAILED)
    ttl = call.settings.token_ttl_minutes * 60
    assert call.settings.secret_key is not None
    return TokenOut(
        access_token=issue_token(call.settings.secret_key, user.id, user.username, ttl),
        expires_in=ttl,
    )


@table.route("GET", "/auth/me", response=UserOut, summary="The caller's account", tag="auth")
async def me(call: Call[None]) -> UserOut:
    """Who the token belongs to, and which owners they may see."""
    user = call.me
    owners = await user_store.owners_of(call.sessions, user.id)
    return UserOut(
        username=user.username,
        email=user.email,
        full_name=user.full_name,
        disabled=user.disabled,
        is_admin=user.is_admin,
        owners=owners,
    )
