"""Large webhook bodies: read whole before the signature check, bounded by the limit.

Over real HTTP against the served app, on SQLite and PostgreSQL: signed deliveries of
1, 10 and 24 MB are accepted and stored byte for byte, sent with a ``Content-Length``
or chunked; 25 MB + 1 answers 413 both ways, and a chunked body that never ends is
cut off after ``limit + 1`` bytes instead of being waited for.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from aomaas.settings import Settings
from aomaas.store.models import WebhookDelivery
from tests.fakegithub.webhooks import delivery, load
from tests.support.config import make_settings
from tests.support.live import LiveServer, live_server

SECRET = "large-bodies-secret"
MB = 1024 * 1024
LIMIT = 25 * MB
CHUNK = 256 * 1024


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Embedded settings with a webhook secret (no GitHub App: deliveries are only stored)."""
    return make_settings(tmp_path, database_url, GITHUB_WEBHOOK_SECRET=SECRET)


def padded(size: int) -> bytes:
    """A real ``issues.labeled`` payload (an event the bot stores but does not act on),
    padded with an extra field to exactly ``size`` bytes."""
    payload = load("issues", "labeled")
    payload["padding"] = ""
    base = len(json.dumps(payload).encode())
    payload["padding"] = "x" * (size - base)
    body = json.dumps(payload).encode()
    assert len(body) == size
    return body


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), CHUNK):
        yield body[start : start + CHUNK]


async def post(server: LiveServer, body: bytes, *, chunked: bool) -> tuple[int, dict[str, str]]:
    """POST a signed delivery; (status, JSON answer)."""
    _, headers = delivery("issues", body, SECRET)
    data = _chunks(body) if chunked else body
    async with server.session.post(
        server.url + "/webhooks/github", data=data, headers=headers
    ) as response:
        answer = await response.json(content_type=None)
        if chunked:
            assert response.request_info.headers.get("Transfer-Encoding") == "chunked"
        return response.status, answer


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("size_mb", [1, 10, 24])
async def test_large_signed_bodies_are_read_whole(
    server: LiveServer, size_mb: int, chunked: bool
) -> None:
    body = padded(size_mb * MB)
    status, answer = await post(server, body, chunked=chunked)
    assert status == 202, answer
    async with server.sessions() as session:
        stored = await session.scalar(
            select(WebhookDelivery).where(WebhookDelivery.delivery_id == answer["delivery"])
        )
    assert stored is not None
    assert stored.body.encode() == body


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_ping_of_a_few_megabytes_answers_zen(settings: Settings, chunked: bool) -> None:
    payload = load("ping", "payload.json")
    payload["padding"] = "p" * (5 * MB)
    body = json.dumps(payload).encode()
    _, headers = delivery("ping", body, SECRET)
    async with live_server(settings) as server:
        data = _chunks(body) if chunked else body
        async with server.session.post(
            server.url + "/webhooks/github", data=data, headers=headers
        ) as response:
            assert response.status == 200, await response.text()
            assert (await response.json())["zen"] == payload["zen"]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_one_byte_over_the_limit_answers_413(server: LiveServer, chunked: bool) -> None:
    assert server.settings.webhook_max_body_bytes == LIMIT
    try:
        status, answer = await post(server, padded(LIMIT + 1), chunked=chunked)
    except aiohttp.ClientError:  # the server may close before the whole body is sent
        pytest.fail("the server closed the connection instead of answering 413")
    assert status == 413, answer
    assert answer["type"] == "payload_too_large"


async def test_endless_chunked_body_is_cut_off_after_limit_plus_one(server: LiveServer) -> None:
    """A chunked body that never ends: the answer (413) comes once limit + 1 bytes arrived."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    head = (
        "POST /webhooks/github HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\n"
        "Content-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n"
        "X-GitHub-Event: issues\r\n"
        "X-GitHub-Delivery: endless-1\r\n"
        f"X-Hub-Signature-256: sha256={'0' * 64}\r\n\r\n"
    )
    writer.write(head.encode())
    chunk = b"x" * CHUNK
    sent = 0
    while sent <= LIMIT:  # just past the limit, then stop sending without the final chunk
        writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        sent += len(chunk)
        await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=30)
    writer.close()
    assert status_line.startswith(b"HTTP/1.1 413"), status_line
