"""Shared set-up for tests of the GitHub client against the stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp

from aomaas.forges.github.client import GitHubClient, RetryPolicy
from tests.fakegithub import FakeGitHub

OWNER, NAME = "octo-org", "hello"
REPO = f"{OWNER}/{NAME}"
FILES = {
    "README.md": "# hello\n",
    "src/app.py": "import os\n\n\ndef main():\n    return os.getcwd()\n",
}


class RecordingSleep:
    """An injectable sleep that records how long the client wanted to wait, and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclass
class Setup:
    """A stand-in with one installation and repository, and a client for it."""

    fake: FakeGitHub
    client: GitHubClient
    sleep: RecordingSleep
    installation_id: int


def seed(fake: FakeGitHub) -> int:
    """One installation on ``octo-org`` holding ``octo-org/hello``; returns the installation id."""
    inst = fake.add_installation(OWNER)
    fake.add_repo(REPO, installation=inst, files=dict(FILES))
    return inst.id


@asynccontextmanager
async def github(fake: FakeGitHub, **policy: float) -> AsyncIterator[Setup]:
    """A seeded stand-in and a client with a recording sleep."""
    inst = seed(fake)
    sleep = RecordingSleep()
    async with aiohttp.ClientSession() as session:
        client = GitHubClient(
            session,
            fake.url,
            fake.app_id,
            fake.private_key_pem,
            web_url=fake.git_url,
            policy=RetryPolicy(sleep=sleep, **policy),
        )  # type: ignore[arg-type]
        yield Setup(fake, client, sleep, inst)
