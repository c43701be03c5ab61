"""Authentication: ``POST /auth/token``, ``GET /auth/me`` and the bearer check every route uses.

The rules themselves (sign-in, token, active account) are :mod:`aomaas.auth`, shared with ``/setup``.
"""

from __future__ import annotations

import uuid

from aiohttp import web

from aomaas import appkeys
from aomaas.api.routing import ApiTable, Authenticated, Call
from aomaas.api.schemas import TokenIn, TokenOut, UserOut
from aomaas.auth import active_account, bearer_token, sign_in, token_claims
from aomaas.errors import Unauthorized
from aomaas.store import users as user_store
from aomaas.store.access import Subject
from aomaas.store.lookups import Row
from aomaas.tokens import issue_token

table = ApiTable()


async def authenticate(request: web.Request, subject: Subject | None) -> Authenticated:
    """The user behind the bearer token; 401 without a valid one, 403 if disabled.

    The user is read fresh on every request (a disabled account stops at once), by key
    on the raw driver (:mod:`aomaas.store.lookups`). A route that names a ``subject``
    gets it read in the same statement, already checked against the caller.
    """
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("missing bearer token; get one at POST /api/v1/auth/token")
    claims = token_claims(request, token)
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
    user = active_account(caller)
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
    user = await sign_in(call.request, body.username, body.password)
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
