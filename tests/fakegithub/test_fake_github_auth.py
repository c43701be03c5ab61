"""The stand-in checks the app JWT and installation tokens the way GitHub does."""

from __future__ import annotations

import time

import aiohttp
import jwt

from tests.fakegithub import FakeGitHub

REPO = "octo-org/hello"


def _jwt(
    fake: FakeGitHub, iat: float, exp: float, iss: object = None, key: str | None = None
) -> str:
    claims = {"iat": int(iat), "exp": int(exp), "iss": str(iss or fake.app_id)}
    return jwt.encode(claims, key or fake.private_key_pem, algorithm="RS256")


async def _status(url: str, auth: str | None) -> int:
    headers = {"Accept": "application/vnd.github+json"}
    if auth:
        headers["Authorization"] = auth
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        return response.status


async def test_app_endpoints_need_a_sane_rs256_jwt(fake_github: FakeGitHub) -> None:
    now = time.time()
    url = f"{fake_github.url}/app"
    assert await _status(url, "Bearer " + _jwt(fake_github, now - 60, now + 540)) == 200
    assert await _status(url, None) == 401
    assert await _status(url, "Bearer " + _jwt(fake_github, now - 700, now - 100)) == 401  # expired
    assert (
        await _status(url, "Bearer " + _jwt(fake_github, now + 120, now + 500)) == 401
    )  # iat in the future
    assert (
        await _status(url, "Bearer " + _jwt(fake_github, now - 60, now + 3600)) == 401
    )  # exp too far
    assert (
        await _status(url, "Bearer " + _jwt(fake_github, now - 60, now + 540, iss=1)) == 401
    )  # other app
    hs256 = jwt.encode(
        {"iat": int(now), "exp": int(now) + 60, "iss": str(fake_github.app_id)},
        "s" * 32,
        algorithm="HS256",
    )
    assert await _status(url, "Bearer " + hs256) == 401
    inst = fake_github.add_installation()
    token = fake_github.authority.mint(inst.id).token
    assert await _status(url, f"token {token}") == 401  # an installation token is not an app JWT


async def test_installation_endpoints_need_a_live_token_of_that_installation(
    fake_github: FakeGitHub,
) -> None:
    inst = fake_github.add_installation("octo-org")
    other = fake_github.add_installation("someone-else")
    fake_github.add_repo(REPO, installation=inst, files={"a.txt": "a"})
    url = f"{fake_github.url}/repos/{REPO}"
    token = fake_github.authority.mint(inst.id).token
    now = time.time()
    assert await _status(url, f"token {token}") == 200
    assert await _status(url, f"Bearer {token}") == 200
    assert await _status(url, None) == 401
    assert await _status(url, "Bearer " + _jwt(fake_github, now - 60, now + 540)) == 401
    assert await _status(url, f"token {fake_github.authority.mint(other.id).token}") == 404
    fake_github.expire_tokens(inst.id)
    assert await _status(url, f"token {token}") == 401
