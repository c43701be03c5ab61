"""Bad input over real HTTP: every failure answers the ``{detail, type}`` envelope."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from aiohttp import web

from tests.support.config import make_settings
from tests.support.live import LiveServer, live_server
from tests.support.services import postgres_database

SECRET_MARK = "secret-internal-detail-7d3f"


async def _post_token(server: LiveServer, data: bytes | str, content_type: str) -> tuple[int, dict]:
    status, body, _ = await server.request(
        "POST", "/auth/token", data=data, headers={"Content-Type": content_type}
    )
    return status, body


async def test_malformed_json(server: LiveServer, backend: str) -> None:
    for raw in (b"{", b"{'username': 'a'}", b"[1, 2]", b"", b"null", b"\xff\xfe"):
        status, body = await _post_token(server, raw, "application/json")
        assert status == 400, (raw, body)
        assert body["type"] == "invalid_request"
        assert "JSON" in body["detail"] or "json" in body["detail"], (raw, body)


async def test_wrong_content_type(server: LiveServer) -> None:
    status, body = await _post_token(server, "username=a&password=b", "text/plain")
    assert (status, body["type"]) == (400, "invalid_request")
    assert "Content-Type" in body["detail"]


async def test_missing_fields_and_wrong_types_name_the_field(server: LiveServer) -> None:
    cases = [
        ({"username": "alice"}, "password"),
        ({"password": "password123"}, "username"),
        ({"username": 12, "password": "password123"}, "username"),
        ({"username": "alice", "password": ["x"]}, "password"),
        ({"username": "", "password": "password123"}, "username"),
        ({"username": "alice", "password": "x", "admin": True}, "admin"),
    ]
    for sent, field in cases:
        status, body, _ = await server.request("POST", "/auth/token", json=sent)
        assert status == 400, (sent, body)
        assert body["type"] == "invalid_request"
        assert field in body["detail"], (sent, body)
    status, body, _ = await server.request("POST", "/auth/token", data={"username": "alice"})
    assert status == 400 and "password" in body["detail"], body


async def test_huge_body_is_413(server: LiveServer) -> None:
    limit = server.settings.max_body_bytes
    big = b'{"username": "' + b"a" * (limit + 10) + b'", "password": "x"}'
    status, body = await _post_token(server, big, "application/json")
    assert (status, body["type"]) == (413, "payload_too_large"), body

    async def chunks():  # no Content-Length: the limit holds while streaming too
        for _ in range(limit // 65536 + 2):
            yield b"a" * 65536

    status, body, _ = await server.request(
        "POST", "/auth/token", data=chunks(), headers={"Content-Type": "application/json"}
    )
    assert (status, body["type"]) == (413, "payload_too_large"), body


async def test_body_arriving_in_pieces_is_read_whole(server: LiveServer) -> None:
    await server.create_user("alice")
    raw = b'{"username": "alice", "password": "password123"}'

    async def pieces():
        for start in range(0, len(raw), 7):
            yield raw[start : start + 7]
            await asyncio.sleep(0.02)

    status, body, _ = await server.request(
        "POST", "/auth/token", data=pieces(), headers={"Content-Type": "application/json"}
    )
    assert status == 200, body


async def test_unknown_route_and_wrong_method(server: LiveServer) -> None:
    status, body, _ = await server.request("GET", "/no/such/route")
    assert status == 404
    assert body == {"detail": "no route for GET /api/v1/no/such/route", "type": "not_found"}
    status, body, _ = await server.request("GET", "/nowhere")
    assert (status, body["type"]) == (404, "not_found")
    status, body, headers = await server.request("DELETE", "/auth/me")
    assert (status, body["type"]) == (405, "method_not_allowed"), body
    assert "GET" in headers["Allow"]
    status, body, _ = await server.request("GET", "/auth/token")
    assert (status, body["type"]) == (405, "method_not_allowed")


def _add_failing_route(app: web.Application) -> None:
    async def boom(_request: web.Request) -> web.Response:
        raise RuntimeError(SECRET_MARK)

    app.router.add_get("/api/v1/test-only/boom", boom)


async def test_internal_error_hides_the_stack(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path, database_url)
    async with live_server(settings, configure=_add_failing_route) as server:
        with caplog.at_level(logging.ERROR, logger="aomaas.api"):
            status, body, _ = await server.request("GET", "/test-only/boom")
    assert status == 500
    assert set(body) == {"detail", "type"} and body["type"] == "internal_error"
    assert SECRET_MARK not in body["detail"] and "Traceback" not in body["detail"]
    request_id = body["detail"].rsplit(" ", 1)[-1]
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the log has the stack


@pytest.mark.postgres
async def test_unreachable_database_and_redis_give_503(tmp_path: Path) -> None:
    async with postgres_database() as url:
        closed = url.replace(":5432/", ":9/")  # nothing listens on port 9
        settings = make_settings(
            tmp_path,
            closed,
            REDIS_URL="redis://127.0.0.1:9/0",
            AOMAAS_SECRET_KEY="k" * 40,
        )
        async with live_server(settings, run_worker=False) as server:
            status, body, _ = await server.request("GET", "/healthz")
            assert status == 503
            assert body["checks"]["database"].startswith("error")
            assert body["checks"]["broker"].startswith("error")
            assert body["checks"]["rate_limits"].startswith("error")
            status, body, headers = await server.request(
                "POST", "/auth/token", json={"username": "a", "password": "password123"}
            )
            # An outage, not a bug: 503 naming the part (the limiter is asked first), no 500.
            assert (status, body["type"]) == (503, "rate_limit_store_unavailable"), body
            assert int(headers["Retry-After"]) > 0 and ":9" not in body["detail"]
