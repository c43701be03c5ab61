"""Auth abuse and rate limits over real HTTP: forged tokens, brute force, floods, proxies."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest

from aomaas.store import users as user_store
from tests.support.config import make_settings, migrate_database
from tests.support.live import LiveServer, live_server
from tests.support.services import postgres_database


def _claims(user_id: uuid.UUID, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "name": "x",
        "iat": now,
        "exp": now + 600,
        "iss": "aomaas",
        "typ": "access",
    }
    claims.update(changes)
    return claims


async def _me(server: LiveServer, authorization: str | None) -> tuple[int, Any]:
    headers = {"Authorization": authorization} if authorization is not None else {}
    status, body, _ = await server.request("GET", "/auth/me", headers=headers)
    return status, body


async def test_forged_and_broken_tokens_are_refused(server: LiveServer, backend: str) -> None:
    user = await server.create_user("alice")
    secret = server.settings.secret_key
    assert secret
    good = jwt.encode(_claims(user.id), secret, algorithm="HS256")
    assert (await _me(server, f"Bearer {good}"))[0] == 200  # the forgeries below differ only so

    header, payload, _sig = good.split(".")
    none_header = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
    forged = {
        "alg none": f"{none_header}.{payload}.",
        "wrong key": jwt.encode(_claims(user.id), "another-secret-" * 4, algorithm="HS256"),
        "tampered payload": f"{header}.{jwt.encode(_claims(uuid.uuid4()), secret).split('.')[1]}.{_sig}",
        "expired": jwt.encode(
            _claims(user.id, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600), secret
        ),
        "unknown user": jwt.encode(_claims(uuid.uuid4()), secret, algorithm="HS256"),
        "wrong type": jwt.encode(_claims(user.id, typ="refresh"), secret, algorithm="HS256"),
        "not a uuid": jwt.encode(_claims(user.id, sub="alice"), secret, algorithm="HS256"),
        "no expiry": jwt.encode(
            {k: v for k, v in _claims(user.id).items() if k != "exp"}, secret, algorithm="HS256"
        ),
        "HS512": jwt.encode(_claims(user.id), secret, algorithm="HS512"),
    }
    for name, token in forged.items():
        status, body = await _me(server, f"Bearer {token}")
        assert status == 401, (name, body)
        assert set(body) == {"detail", "type"} and body["type"] == "unauthorized", name
    assert "expired" in (await _me(server, f"Bearer {forged['expired']}"))[1]["detail"]

    for header_value in (
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic YWxpY2U6cGFzc3dvcmQxMjM=",
        "Bearer garbage",
        "Bearer a.b.c",
        good,
    ):
        status, body = await _me(server, header_value)
        if header_value == good:
            continue
        assert status == 401, (header_value, body)
        assert body["type"] == "unauthorized"


async def test_disabled_user_is_refused(server: LiveServer, backend: str) -> None:
    """A token of a disabled account stops at once (403); its login fails like a wrong
    password (401, the same body), so the login does not tell a right password apart."""
    await server.create_user("bob")
    token = await server.token("bob")
    await user_store.set_disabled(server.sessions, "bob")
    status, body = await _me(server, f"Bearer {token}")
    assert (status, body["type"]) == (403, "forbidden")
    status, body, _ = await server.request(
        "POST", "/auth/token", json={"username": "bob", "password": "password123"}
    )
    assert (status, body["type"]) == (401, "unauthorized")


async def test_failed_logins_are_limited(server: LiveServer) -> None:
    await server.create_user("carol")
    wrong = {"username": "carol", "password": "wrong-password"}
    for attempt in range(10):
        status, body, _ = await server.request("POST", "/auth/token", json=wrong)
        assert status == 401, (attempt, body)
    status, body, headers = await server.request("POST", "/auth/token", json=wrong)
    assert status == 429, body
    assert body["type"] == "rate_limited"
    assert 1 <= int(headers["Retry-After"]) <= 60
    # Even the right password is refused now: the attacker cannot keep guessing.
    right = {"username": "carol", "password": "password123"}
    assert (await server.request("POST", "/auth/token", json=right))[0] == 429


async def test_101st_request_in_a_minute_gets_429(server: LiveServer) -> None:
    await server.create_user("dave")
    token = await server.token("dave")  # request 1
    remaining = []
    for _ in range(99):  # requests 2..100
        status, body, headers = await server.request("GET", "/auth/me", token=token)
        assert status == 200, body
        assert headers["X-RateLimit-Limit"] == "100"
        remaining.append(int(headers["X-RateLimit-Remaining"]))
    assert remaining[0] == 98 and remaining[-1] == 0
    status, body, headers = await server.request("GET", "/auth/me", token=token)
    assert status == 429, body
    assert body == {"detail": body["detail"], "type": "rate_limited"}
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert headers["X-RateLimit-Limit"] == "100"
    assert headers["X-RateLimit-Remaining"] == "0"
    assert int(headers["X-RateLimit-Reset"]) >= int(time.time())
    # Unauthenticated routes share the per-IP limit; the health probe is exempt.
    assert (await server.request("GET", "/docs"))[0] == 429
    assert (await server.request("GET", "/healthz"))[0] == 200


async def test_per_user_limit(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url, AOMAAS_RATE_LIMIT_USER="3/minute")
    async with live_server(settings) as server:
        await server.create_user("erin")
        await server.create_user("fred")
        erin, fred = await server.token("erin"), await server.token("fred")
        for _ in range(3):
            assert (await server.request("GET", "/auth/me", token=erin))[0] == 200
        status, body, headers = await server.request("GET", "/auth/me", token=erin)
        assert (status, body["type"]) == (429, "rate_limited"), body
        assert "user" in body["detail"] and int(headers["Retry-After"]) >= 1
        assert (await server.request("GET", "/auth/me", token=fred))[0] == 200


@pytest.mark.redis
@pytest.mark.postgres
async def test_limits_are_shared_through_redis(tmp_path: Path, redis_url: str) -> None:
    # Two web processes of the scaled setup: one PostgreSQL database, one Redis.
    async with postgres_database() as database_url:
        await _two_web_processes_share_counters(tmp_path, redis_url, database_url)


async def _two_web_processes_share_counters(
    tmp_path: Path, redis_url: str, database_url: str
) -> None:
    await migrate_database(database_url)
    common = {
        "REDIS_URL": redis_url,
        "AOMAAS_SECRET_KEY": "shared-secret-for-two-web-processes-0123456789",
        "AOMAAS_RATE_LIMIT_IP": "6/minute",
    }
    one = make_settings(tmp_path / "one", database_url, **common)
    two = make_settings(tmp_path / "two", database_url, **common)
    async with live_server(one, run_worker=False) as a, live_server(two, run_worker=False) as b:
        health = await a.request("GET", "/healthz")
        assert health[0] == 200 and health[1]["checks"]["broker"] == "ok"
        assert health[1]["mode"] == "scaled"
        await a.create_user("gail")
        token = await a.token("gail")  # request 1, on a
        assert (await b.request("GET", "/auth/me", token=token))[0] == 200  # 2: same secret
        seen = []
        for server in (a, b, a, b):  # 3..6, alternating
            status, _, headers = await server.request("GET", "/auth/me", token=token)
            seen.append((status, headers["X-RateLimit-Remaining"]))
        assert seen == [(200, "3"), (200, "2"), (200, "1"), (200, "0")]
        status, body, headers = await a.request("GET", "/auth/me", token=token)  # 7: over
        assert status == 429, body
        assert "Retry-After" in headers


async def test_forwarded_for_only_from_trusted_proxy(tmp_path: Path, database_url: str) -> None:
    for trusted in (False, True):
        overrides: dict[str, object] = {"AOMAAS_RATE_LIMIT_IP": "2/minute"}
        if trusted:
            overrides["AOMAAS_TRUSTED_PROXIES"] = "127.0.0.1/32, 10.0.0.0/8"
        settings = make_settings(tmp_path / str(trusted), database_url, **overrides)
        async with live_server(settings) as server:

            async def docs(client: str, server: LiveServer = server) -> int:
                headers = {"X-Forwarded-For": f"{client}, 10.1.2.3"}
                return (await server.request("GET", "/docs", headers=headers))[0]

            assert [await docs("203.0.113.1"), await docs("203.0.113.1")] == [200, 200]
            third = await docs("203.0.113.1")
            other_client = await docs("198.51.100.7")
            assert third == 429
            # Behind a trusted proxy each client has its own budget; otherwise the
            # header is ignored and every request counts against the socket's peer.
            assert other_client == (200 if trusted else 429), trusted
