"""An AOMaaS app served in-process over real HTTP on 127.0.0.1, with a client for tests."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp import web

from aomaas import appkeys
from aomaas.app import create_app
from aomaas.settings import Settings
from aomaas.store import tasks as task_store
from aomaas.store import users as user_store
from aomaas.store.db import SessionMaker
from aomaas.store.models import User

FINAL = ("completed", "failed")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """A running app: its URLs, settings, app object and an HTTP client session."""

    def __init__(self, app: web.Application, settings: Settings, port: int) -> None:
        self.app = app
        self.settings = settings
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.api = self.url + "/api/v1"
        self.session = aiohttp.ClientSession()

    @property
    def sessions(self) -> SessionMaker:
        """The app's database sessions."""
        return self.app[appkeys.SESSIONS]

    async def create_user(
        self,
        username: str,
        password: str = "password123",
        admin: bool = False,
        owners: Iterable[str] = (),
    ) -> User:
        """An account in the app's database, with grants on ``owners``."""
        user = await user_store.create_user(self.sessions, username, password, is_admin=admin)
        for owner in owners:
            await user_store.grant_owner(self.sessions, username, owner)
        return user

    async def token(self, username: str, password: str = "password123") -> str:
        """A bearer token from ``POST /api/v1/auth/token``."""
        status, body, _ = await self.request(
            "POST", "/auth/token", json={"username": username, "password": password}
        )
        assert status == 200, body
        token: str = body["access_token"]
        return token

    async def request(
        self,
        method: str,
        path: str,
        token: str | None = None,
        json: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, Any]:
        """One HTTP call; ``path`` is under /api/v1 unless it starts with ``http`` or ``/healthz``.

        Returns (status, body parsed as JSON or text, response headers).
        """
        url = self._url(path)
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        async with self.session.request(method, url, json=json, data=data, headers=sent) as resp:
            text = await resp.text()
            try:
                body: Any = await resp.json(content_type=None) if text else None
            except ValueError:
                body = text
            return resp.status, body, resp.headers

    def _url(self, path: str) -> str:
        if path.startswith("http"):
            return path
        if path.startswith(("/healthz", "/webhooks", "/setup", "/api/")):
            return self.url + path
        return self.api + path

    async def create_task(
        self,
        kind: str = "selftest",
        payload: dict[str, Any] | None = None,
        *,
        user_id: uuid.UUID | None = None,
        repository_id: uuid.UUID | None = None,
        enqueue: bool = True,
    ) -> str:
        """A task row written through the store and (unless told not to) enqueued."""
        task = task_store.new_task(
            kind,
            payload,
            user_id=user_id,
            repository_id=repository_id,
            max_attempts=self.settings.task_max_attempts,
        )
        async with self.sessions.begin() as session:
            session.add(task)
        if enqueue:
            self.app[appkeys.ENQUEUER].send(task_store.TaskRef(task.id, task.kind))
        return str(task.id)

    async def wait_task(self, task_id: str, token: str, timeout: float = 120) -> dict[str, Any]:
        """Poll ``GET /api/v1/tasks/{id}`` until the task is completed or failed."""
        deadline = time.monotonic() + timeout
        delay = 0.1  # backing off to 1 s: a long task (an install) stays under the rate limit
        while True:
            status, body, _ = await self.request("GET", f"/tasks/{task_id}", token=token)
            assert status == 200, body
            if body["status"] in FINAL:
                task: dict[str, Any] = body
                return task
            if time.monotonic() > deadline:
                raise AssertionError(f"task {task_id} still {body['status']} after {timeout} s")
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 1.0)

    async def close(self) -> None:
        """Close the client session."""
        await self.session.close()


@asynccontextmanager
async def live_server(
    settings: Settings,
    *,
    run_worker: bool | None = None,
    configure: Callable[[web.Application], None] | None = None,
    port: int | None = None,
) -> AsyncIterator[LiveServer]:
    """Serve ``create_app(settings)`` on a free port (or ``port``) until the block ends.

    ``configure`` may add test-only routes to the app before it starts; ``port`` serves
    again where an earlier server was (a restart, as webhook senders know one address).
    """
    app = create_app(settings, run_worker=run_worker)
    if configure is not None:
        configure(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port or 0))  # the port is ours from here on: no race for it
        site = web.SockSite(runner, sock)
        await site.start()
        server = LiveServer(app, settings, sock.getsockname()[1])
        try:
            yield server
        finally:
            await server.close()
    finally:
        await runner.cleanup()
