"""The one reply comment a `/aomaas` command gets on GitHub, and what it says as work moves.

The GitHub face writes the reply when a command arrives; the workflow's chained
tasks (:mod:`aomaas.jobs.workflow`) edit it as each step ends, through the forge.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Any

from aomaas.forges.github.client import GitHubClient
from aomaas.forges.github.forge import GitHubForge, GitHubShared
from aomaas.settings import Settings

FAILED = "❌ `{command}` failed: {message}\n\n{hint}"
DEFAULT_HINT = "Fix what the message says and comment the command again, or `/aomaas help`."


@dataclass(frozen=True)
class ReplyRef:
    """Where the reply comment is: plain values that fit in a task payload."""

    installation: int
    owner: str
    name: str
    comment_id: int

    def to_payload(self) -> dict[str, Any]:
        """The reference as JSON-ready values."""
        return asdict(self)

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> ReplyRef:
        """The reference stored by :meth:`to_payload`."""
        return cls(
            int(data["installation"]),
            str(data["owner"]),
            str(data["name"]),
            int(data["comment_id"]),
        )


@dataclass
class Reply:
    """The bot's one reply comment for a command, on an open GitHub client."""

    github: GitHubClient
    ref: ReplyRef

    async def say(self, body: str) -> None:
        """Replace the reply's text."""
        ref = self.ref
        await self.github.update_issue_comment(
            ref.installation, ref.owner, ref.name, ref.comment_id, body
        )

    async def failed(self, command: str, message: str) -> None:
        """Say that ``command`` failed and why."""
        await self.say(FAILED.format(command=command, message=message, hint=DEFAULT_HINT))


@asynccontextmanager
async def open_reply(
    settings: Settings, services: GitHubShared, ref: ReplyRef
) -> AsyncIterator[Reply]:
    """A :class:`Reply` on a GitHub client that closes when the block ends."""
    async with GitHubForge.from_settings(settings, services).client() as github:
        yield Reply(github, ref)


def plan_text(number: int, title: str, plan: dict[str, Any]) -> str:
    """A plan as a numbered list."""
    steps = "\n".join(
        f"{s['id']}. **{s['title']}**: {s['description']}" for s in plan.get("steps", [])
    )
    head = f"📋 Plan for #{number}: {title}"
    if not plan.get("supported"):
        return f"{head}\n\n{plan.get('description', '')}"
    return f"{head}\n\n{steps}\n\nComment `/aomaas fix {number}` to carry it out."
