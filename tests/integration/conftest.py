"""Integration fixtures: a live server over a local repository root (``flow``), and the service
wired to the GitHub stand-in (``wired``, ``installed``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakegithub.fixtures import fake_github
from tests.fakegithub.server import FakeGitHub
from tests.integration.github_support import (
    REPO,
    Wired,
    deliver,
    finished,
    indexed_at,
    tasks_of,
)
from tests.integration.repos import DEMO_FILES, demo_repo
from tests.support.config import make_settings
from tests.support.live import LiveServer, live_server

__all__ = ["fake_github"]


@dataclass
class Flow:
    """The server, a demo repository and tokens of a maintainer (granted the owner ``local``)
    and of a stranger (no grant)."""

    server: LiveServer
    repo: Path
    token: str
    stranger: str

    async def call(
        self, method: str, path: str, json: Any = None, token: str | None = None
    ) -> tuple[int, Any]:
        """One API call as the maintainer (or with ``token``)."""
        status, body, _ = await self.server.request(
            method, path, token=token or self.token, json=json
        )
        return status, body

    async def done(self, task_id: str) -> dict[str, Any]:
        """Wait for a task and return it."""
        return await self.server.wait_task(task_id, self.token, timeout=240)

    async def index(self) -> str:
        """Index the demo repository; returns its id."""
        status, body = await self.call(
            "POST",
            "/repositories/index",
            {"repository_url": str(self.repo), "provider_type": "local", "branch": "main"},
        )
        assert status == 202, body
        task = await self.done(body["task_id"])
        assert task["status"] == "completed", task
        return str(body["repository_id"])

    async def mine(
        self, repo_id: str, types: list[str] | None = None, limit: int = 20
    ) -> dict[str, Any]:
        """Mine and return the finished task."""
        status, body = await self.call(
            "POST",
            "/repositories/mine-opportunities",
            {"repository_id": repo_id, "opportunity_types": types, "max_opportunities": limit},
        )
        assert status == 202, body
        task = await self.done(body["task_id"])
        assert task["status"] == "completed", task
        return task

    async def opportunities(self, repo_id: str, query: str = "") -> list[dict[str, Any]]:
        """The opportunity list (with an optional query string)."""
        status, body = await self.call("GET", f"/repositories/{repo_id}/opportunities{query}")
        assert status == 200, body
        rows: list[dict[str, Any]] = body["opportunities"]
        return rows

    async def plan(self, opportunity_id: str) -> dict[str, Any]:
        """Plan and return the plan."""
        status, body = await self.call(
            "POST", "/plans/generate", {"opportunity_id": opportunity_id, "max_steps": 5}
        )
        assert status == 202, body
        assert (await self.done(body["task_id"]))["status"] == "completed"
        status, plan = await self.call("GET", f"/plans/{body['plan_id']}")
        assert status == 200, plan
        return dict(plan)


@pytest.fixture
async def flow(tmp_path: Path, database_url: str) -> AsyncIterator[Flow]:
    """A live embedded server with a demo repository under its local root."""
    repos = tmp_path / "repos"
    repo = demo_repo(repos)
    settings = make_settings(tmp_path, database_url, AOMAAS_LOCAL_REPO_ROOT=repos)
    async with live_server(settings) as server:
        await server.create_user("maintainer", owners=["local"])
        await server.create_user("stranger")
        yield Flow(server, repo, await server.token("maintainer"), await server.token("stranger"))


@pytest.fixture
async def wired(fake_github: FakeGitHub, tmp_path: Path, database_url: str) -> Any:
    """The service wired to the stand-in, with one installation on octo-org/widget."""
    installation = fake_github.add_installation("octo-org")
    fake_github.add_repo(REPO, installation=installation, files=DEMO_FILES)
    settings = make_settings(
        tmp_path, database_url, **fake_github.settings_env(), AOMAAS_BOT_NAME=fake_github.bot_login
    )
    async with live_server(settings) as server:
        yield fake_github, installation, server


@pytest.fixture
async def installed(wired: Wired) -> AsyncIterator[Wired]:
    """``wired`` after the real ``installation.created`` delivery, with octo-org/widget indexed."""
    fake, installation, server = wired
    await deliver(
        wired,
        "installation",
        fake.webhook_payload("installation", "created.payload.json", installation=installation),
    )
    repo = await indexed_at(server, "widget")
    for task in await tasks_of(server, "index", repo.id):
        assert (await finished(server, task.id)).status == "completed"
    yield wired
