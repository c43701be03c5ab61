"""GitHub App identity: the RS256 app JWT and a cache of installation tokens.

GitHub asks for a JWT whose ``iat`` lies 60 seconds in the past (clock drift)
and whose ``exp`` is at most 10 minutes after the issue time; gidgethub's
``get_jwt`` sets ``iat`` to now, so the token is built here. Installation
tokens live one hour; they are cached until five minutes before ``expires_at``
and minted again on demand, or at once after :meth:`InstallationTokens.invalidate`
(the client calls it on a 401 and retries once).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt

from aomaas.errors import ServiceUnavailable

JWT_BACKDATE = 60
JWT_LIFETIME = 9 * 60
REFRESH_MARGIN = 5 * 60


def make_app_jwt(app_id: str | int, private_key_pem: str, now: float | None = None) -> str:
    """Return the app's JWT: ``iss`` = app id, ``iat`` = now - 60 s, ``exp`` = now + 9 min.

    Raises :class:`ServiceUnavailable` with a readable reason when the key is not a
    PEM RSA private key (the setting is wrong, not the request).
    """
    moment = int(time.time() if now is None else now)
    claims = {"iat": moment - JWT_BACKDATE, "exp": moment + JWT_LIFETIME, "iss": str(app_id)}
    try:
        return jwt.encode(claims, private_key_pem, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        raise ServiceUnavailable(
            "GITHUB_PRIVATE_KEY (or the file at GITHUB_PRIVATE_KEY_PATH) is not a PEM RSA "
            "private key: download the key from the GitHub App's settings page"
        ) from exc


@dataclass(frozen=True, slots=True)
class InstallationToken:
    """One minted installation token and when GitHub says it expires (epoch seconds)."""

    token: str
    expires_at: float


Minter = Callable[[int], Awaitable[dict[str, Any]]]


def parse_expiry(value: str) -> float:
    """Epoch seconds of an ISO 8601 ``expires_at`` such as ``2016-07-11T22:14:10Z``."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class InstallationTokens:
    """Per-installation token cache; ``mint(installation_id)`` returns GitHub's JSON answer.

    One cache can be shared by many short-lived clients (and event loops): each
    :meth:`get` may bring its own ``mint``; minting is serialised per installation
    within one event loop.
    """

    def __init__(
        self,
        mint: Minter | None = None,
        *,
        clock: Callable[[], float] = time.time,
        margin: float = REFRESH_MARGIN,
    ) -> None:
        self._mint = mint
        self._clock = clock
        self._margin = margin
        self._tokens: dict[int, InstallationToken] = {}
        self._locks: dict[tuple[int, int], asyncio.Lock] = {}

    async def get(self, installation_id: int, mint: Minter | None = None) -> str:
        """A token valid for at least ``margin`` more seconds, minting one if needed."""
        cached = self._fresh(installation_id)
        if cached is not None:
            return cached
        minter = mint or self._mint
        if minter is None:
            raise RuntimeError("InstallationTokens.get needs a mint function")
        key = (id(asyncio.get_running_loop()), installation_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            cached = self._fresh(installation_id)
            if cached is not None:
                return cached
            answer = await minter(installation_id)
            token = InstallationToken(answer["token"], parse_expiry(answer["expires_at"]))
            self._tokens[installation_id] = token
            return token.token

    def invalidate(self, installation_id: int) -> None:
        """Forget the cached token (GitHub refused it); the next :meth:`get` mints anew."""
        self._tokens.pop(installation_id, None)

    def _fresh(self, installation_id: int) -> str | None:
        token = self._tokens.get(installation_id)
        if token is not None and token.expires_at - self._margin > self._clock():
            return token.token
        return None
