"""App JWT claims and the installation-token cache."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import jwt
import pytest

from aomaas.errors import ServiceUnavailable
from aomaas.forges.github.appauth import InstallationTokens, make_app_jwt, parse_expiry
from tests.fakegithub.auth import Authority


def test_jwt_is_rs256_backdated_and_short_lived() -> None:
    authority = Authority(app_id=99)
    token = make_app_jwt("99", authority.private_key_pem, now=1_700_000_000)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    claims = jwt.decode(
        token,
        authority.public_key_pem,
        algorithms=["RS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims == {"iss": "99", "iat": 1_700_000_000 - 60, "exp": 1_700_000_000 + 540}
    assert claims["exp"] - claims["iat"] <= 600


def test_jwt_made_now_passes_the_stand_in_check() -> None:
    authority = Authority(app_id=7)
    claims = authority.verify_jwt("Bearer " + make_app_jwt(7, authority.private_key_pem))
    assert claims["iss"] == "7"


def test_bad_private_key_says_what_to_fix() -> None:
    with pytest.raises(ServiceUnavailable, match="GITHUB_PRIVATE_KEY"):
        make_app_jwt("1", "not a key")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_tokens_cached_until_five_minutes_before_expiry() -> None:
    clock = Clock()
    minted: list[int] = []

    async def mint(installation_id: int) -> dict[str, str]:
        minted.append(installation_id)
        return {"token": f"t{len(minted)}", "expires_at": _iso(clock.now + 3600)}

    tokens = InstallationTokens(mint, clock=clock)
    assert await tokens.get(5) == "t1"
    clock.now += 3600 - 301
    assert await tokens.get(5) == "t1"
    clock.now += 2  # now inside the 5-minute margin
    assert await tokens.get(5) == "t2"
    assert await tokens.get(6) == "t3"  # per installation
    tokens.invalidate(5)
    assert await tokens.get(5) == "t4"
    assert minted == [5, 5, 6, 5]


async def test_concurrent_gets_mint_once() -> None:
    calls = 0

    async def mint(installation_id: int) -> dict[str, str]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return {"token": "one", "expires_at": "2999-01-01T00:00:00Z"}

    tokens = InstallationTokens(mint)
    assert await asyncio.gather(*(tokens.get(1) for _ in range(5))) == ["one"] * 5
    assert calls == 1


def test_parse_expiry() -> None:
    assert parse_expiry("1970-01-01T00:01:40Z") == 100.0
