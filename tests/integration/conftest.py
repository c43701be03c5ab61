"""A live server whose local repository root is a test folder, with an admin and a stranger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakegithub.fixtures import fake_github
from tests.integration.repos import demo_repo
from tests.support.config import make_settings
from tests.support.live import LiveServer, live_server

__all__ = ["fake_github"]


@dataclass
class Flow:
    """The server, a demo repository and tokens of a maintainer and of a stranger."""

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
        await server.create_user("maintainer")
        await server.create_user("stranger")
        yield Flow(server, repo, await server.token("maintainer"), await server.token("stranger"))
