"""The stand-in's side of app identity: its RSA key pair, JWT checks, installation tokens."""

from __future__ import annotations

import base64
import functools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

TOKEN_LIFETIME = 3600
MAX_JWT_LIFETIME = 600


@functools.cache
def _key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


class AuthError(Exception):
    """The request's credentials are refused (answered 401 ``Bad credentials``)."""


@dataclass
class MintedToken:
    """An installation token the stand-in minted."""

    token: str
    installation_id: int
    expires_at: float


@dataclass
class Authority:
    """Verifies app JWTs and mints/verifies installation tokens for one app."""

    app_id: int
    private_key_pem: str = field(default_factory=lambda: _key_pair()[0])
    public_key_pem: str = field(default_factory=lambda: _key_pair()[1])
    tokens: dict[str, MintedToken] = field(default_factory=dict)
    jwt_claims: list[dict[str, Any]] = field(default_factory=list)
    token_lifetime: float = TOKEN_LIFETIME

    def verify_jwt(self, header: str | None) -> dict[str, Any]:
        """Check ``Authorization: Bearer <jwt>``: RS256, our app, iat in the past, exp <= 10 min."""
        if not header or not header.lower().startswith("bearer "):
            raise AuthError("app endpoints need 'Authorization: Bearer <app JWT>'")
        token = header.split(None, 1)[1]
        try:
            claims = jwt.decode(
                token,
                self.public_key_pem,
                algorithms=["RS256"],
                options={"require": ["iat", "exp", "iss"]},
                leeway=0,
            )
        except jwt.PyJWTError as exc:
            raise AuthError(
                f"'Expiration time' claim ('exp') or signature is invalid: {exc}"
            ) from exc
        now = time.time()
        if str(claims["iss"]) != str(self.app_id):
            raise AuthError(f"JWT iss {claims['iss']!r} is not this app ({self.app_id})")
        if claims["iat"] > now + 1:
            raise AuthError(
                "'Issued at' claim ('iat') must be an Integer representing a time in the past"
            )
        if (
            claims["exp"] - now > MAX_JWT_LIFETIME
            or claims["exp"] - claims["iat"] > MAX_JWT_LIFETIME + 60
        ):
            raise AuthError("'Expiration time' claim ('exp') is too far in the future")
        self.jwt_claims.append({**claims, "verified_at": now})
        return claims

    def mint(self, installation_id: int) -> MintedToken:
        """A new installation token valid for ``token_lifetime`` seconds."""
        minted = MintedToken(
            token="ghs_" + secrets.token_hex(18),
            installation_id=installation_id,
            expires_at=time.time() + self.token_lifetime,
        )
        self.tokens[minted.token] = minted
        return minted

    def verify_token(self, header: str | None) -> MintedToken:
        """Check ``Authorization: token|Bearer <installation token>``: minted here, not expired."""
        if not header or " " not in header:
            raise AuthError("Requires authentication")
        scheme, value = header.split(None, 1)
        if scheme.lower() == "basic":
            user, _, value = base64.b64decode(value).decode(errors="replace").partition(":")
            if user != "x-access-token":
                raise AuthError("git needs the user 'x-access-token'")
        elif scheme.lower() not in ("token", "bearer"):
            raise AuthError("Bad credentials")
        minted = self.tokens.get(value.strip())
        if minted is None or minted.expires_at <= time.time():
            raise AuthError("Bad credentials")
        return minted

    def expire_tokens(self, installation_id: int | None = None) -> int:
        """Expire every token (or those of one installation) now; returns how many."""
        count = 0
        for minted in self.tokens.values():
            if installation_id is None or minted.installation_id == installation_id:
                minted.expires_at = 0.0
                count += 1
        return count

    def revoke(self, token: str) -> None:
        """Forget a token (``DELETE /installation/token``)."""
        self.tokens.pop(token, None)
