"""Who is calling: password sign-in and the bearer-token check, the one rule every face uses.

The API (:mod:`aomaas.api.auth`) and the GitHub App's ``/setup`` pages
(:mod:`aomaas.bot.manifest_flow`) both sign people in here, so a password or a
token is judged the same way wherever it is shown: failed sign-ins are counted
and slowed by the rate limits, an unknown name, a wrong password and a disabled
account get one answer, a token is checked (signature, expiry, issuer) before the
account behind it is read, fresh, and a disabled account stops at once.
"""

from __future__ import annotations

from aiohttp import web

from aomaas import appkeys
from aomaas.errors import Forbidden, ServiceUnavailable, Unauthorized
from aomaas.store import users as user_store
from aomaas.store.lookups import Row
from aomaas.store.models import User
from aomaas.tokens import TokenClaims, verify_token


async def sign_in(request: web.Request, username: str, password: str) -> User:
    """The active user with this name and password; :class:`Unauthorized` for any failure.

    Attempts are limited per client address and per name; a failure counts against both.
    """
    limits = request.app[appkeys.LIMITS]
    ip = limits.client_ip(request)
    await limits.check_login(ip, username)
    user = await user_store.signed_in(request.app[appkeys.SESSIONS], username, password)
    if user is None:  # unknown name, wrong password or disabled account: one answer
        await limits.failed_login(ip, username)
        raise Unauthorized(user_store.LOGIN_FAILED)
    return user


def bearer_token(request: web.Request) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or None when there is none."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def token_claims(request: web.Request, token: str) -> TokenClaims:
    """The claims of a valid access token; :class:`Unauthorized` for a bad or expired one."""
    secret = request.app[appkeys.SETTINGS].secret_key
    if not secret:
        raise ServiceUnavailable("AOMAAS_SECRET_KEY is not set")
    return verify_token(secret, token)


def active_account(row: Row | None) -> user_store.Account:
    """The account in a lookup row: :class:`Unauthorized` if none, :class:`Forbidden` if disabled."""
    if row is None:
        raise Unauthorized("invalid token")
    account = user_store.Account.from_row(row)
    if account.disabled:
        raise Forbidden("this account is disabled")
    return account


async def bearer_account(request: web.Request, token: str) -> user_store.Account:
    """The active account behind a bearer token, read fresh."""
    claims = token_claims(request, token)
    row = await request.app[appkeys.LOOKUPS].one(user_store.USER_BY_ID, user_id=claims.user_id)
    return active_account(row)
