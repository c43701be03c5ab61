"""Bearer tokens: HS256 JWTs signed with AOMAAS_SECRET_KEY, with an expiry."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import jwt

from aomaas.errors import Unauthorized

ALGORITHM = "HS256"
ISSUER = "aomaas"


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says."""

    user_id: uuid.UUID
    username: str
    expires_at: int


def issue_token(secret: str, user_id: uuid.UUID, username: str, ttl_seconds: int) -> str:
    """A signed access token for the user."""
    now = int(time.time())
    claims = {
        "sub": str(user_id),
        "name": username,
        "iat": now,
        "exp": now + ttl_seconds,
        "iss": ISSUER,
        "typ": "access",
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(secret: str, token: str) -> TokenClaims:
    """Check signature (HS256 only: ``alg: none`` and others are refused), expiry and claims."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("token expired; ask for a new one at POST /api/v1/auth/token") from None
    except jwt.InvalidTokenError:
        raise Unauthorized("invalid token") from None
    if claims.get("typ") != "access":
        raise Unauthorized("invalid token")
    try:
        return TokenClaims(
            uuid.UUID(claims["sub"]), str(claims.get("name", "")), int(claims["exp"])
        )
    except (ValueError, TypeError):
        raise Unauthorized("invalid token") from None
