"""What a bot handler gets: the job context, the GitHub client, and helpers for "this repository"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aomaas.forges.github.client import GitHubClient
from aomaas.jobs.context import JobContext


@dataclass
class BotContext:
    """One delivery being handled (Probot's context, in our terms)."""

    job: JobContext
    github: GitHubClient
    delivery_id: str

    @property
    def bot_login(self) -> str:
        """The app's own login, e.g. ``aomaas[bot]``."""
        return self.job.settings.bot_name


def repo_of(payload: dict[str, Any]) -> tuple[str, str]:
    """(owner, name) of the payload's repository."""
    repository = payload["repository"]
    return str(repository["owner"]["login"]), str(repository["name"])


def installation_of(payload: dict[str, Any]) -> int | None:
    """The installation id a delivery came through (None when absent or not an object)."""
    installation = payload.get("installation")
    value = installation.get("id") if isinstance(installation, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
