"""Helpers the GitHub integration tests share: the stand-in's repository, polling, deliveries."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import select

from aomaas.store.models import Installation, Repository, Task
from tests.fakegithub.server import FakeGitHub
from tests.fakegithub.state import Installation as FakeInstallation
from tests.support.live import LiveServer

T = TypeVar("T")
REPO = "octo-org/widget"
FINAL = ("completed", "failed")
Wired = tuple[FakeGitHub, FakeInstallation, LiveServer]


async def eventually(probe: Callable[[], T], what: str, timeout: float = 120) -> T:
    """Poll ``probe`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def bot_comments(fake: FakeGitHub, number: int) -> list[str]:
    return [c.body for c in fake.comments(REPO, number) if c.user == fake.bot_login]


async def comment_command(
    fake: FakeGitHub, server: LiveServer, number: int, body: str, *, pull: bool = False
) -> None:
    """A maintainer comments ``body``; the real webhook for it is delivered, signed."""
    comment = fake.add_comment(REPO, number, body)
    extra: dict[str, Any] = {}
    if pull:
        extra["issue__pull_request"] = {
            "url": f"{fake.url}/repos/{REPO}/pulls/{number}",
            "html_url": f"{fake.url}/{REPO}/pull/{number}",
        }
    payload = fake.webhook_payload(
        "issue_comment",
        "created.with-installation.payload.json",
        repo=REPO,
        comment__id=comment.id,
        comment__body=body,
        comment__author_association="OWNER",
        comment__user__login="octocat",
        comment__user__type="User",
        issue__number=number,
        **extra,
    )
    status, answer = await fake.deliver(server.url + "/webhooks/github", "issue_comment", payload)
    assert status == 202, answer


async def settled(probe: Callable[[], Awaitable[T | None]], what: str, timeout: float = 60) -> T:
    """Poll the async ``probe`` (a database read) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while not (value := await probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    return value


async def finished(server: LiveServer, task_id: str | uuid.UUID, timeout: float = 60) -> Task:
    """The task row once it is completed or failed."""

    async def probe() -> Task | None:
        async with server.sessions() as session:
            task = await session.get(Task, uuid.UUID(str(task_id)))
        return task if task is not None and task.status in FINAL else None

    return await settled(probe, f"task {task_id}", timeout)


async def deliver(wired: Wired, event: str, payload: dict[str, Any]) -> Task:
    """Deliver ``payload`` signed to ``/webhooks/github`` and wait until the bot handled it."""
    fake, _, server = wired
    status, answer = await fake.deliver(server.url + "/webhooks/github", event, payload)
    assert status == 202, answer
    task = await finished(server, answer["task_id"])
    assert task.status == "completed", (task.error, task.result)
    return task


async def tasks_of(
    server: LiveServer, kind: str, repository_id: uuid.UUID | None = None
) -> list[Task]:
    """Every task of ``kind`` (about one repository when given), oldest first."""
    query = select(Task).where(Task.kind == kind).order_by(Task.created_at)
    if repository_id is not None:
        query = query.where(Task.repository_id == repository_id)
    async with server.sessions() as session:
        return list((await session.scalars(query)).all())


async def repository(server: LiveServer, name: str) -> Repository | None:
    """The repository row named ``name`` (any owner)."""
    async with server.sessions() as session:
        return await session.scalar(select(Repository).where(Repository.name == name))


async def indexed_at(server: LiveServer, name: str, commit: str | None = None) -> Repository:
    """The repository row once it is indexed (at ``commit`` when given)."""

    async def probe() -> Repository | None:
        repo = await repository(server, name)
        if repo is None or repo.indexed_commit is None:
            return None
        return repo if commit is None or repo.indexed_commit == commit else None

    return await settled(probe, f"{name} indexed at {commit or 'any commit'}")


async def installation_row(server: LiveServer, github_id: int) -> Installation:
    """The stored installation (it must exist)."""
    async with server.sessions() as session:
        row = await session.scalar(select(Installation).where(Installation.github_id == github_id))
    assert row is not None
    return row
