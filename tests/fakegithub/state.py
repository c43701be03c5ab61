"""The stand-in's state: installations, repositories and what people and the bot did in them."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def now_iso() -> str:
    """Current time as GitHub prints it."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_ids = itertools.count(5_000_001)


def next_id() -> int:
    """A fresh object id (unique across the process, like GitHub's)."""
    return next(_ids)


@dataclass
class Installation:
    """One installation of the app on an account."""

    id: int
    account: str
    account_type: str = "Organization"
    account_id: int = field(default_factory=next_id)
    repositories: list[str] = field(default_factory=list)
    suspended: bool = False
    created_at: str = field(default_factory=now_iso)


@dataclass
class Comment:
    """An issue (or pull-request conversation) comment."""

    id: int
    issue_number: int
    body: str
    user: str
    user_type: str = "User"
    author_association: str = "OWNER"
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)


@dataclass
class Issue:
    """An issue or, with ``head``/``base``, a pull request (they share numbers)."""

    number: int
    title: str
    body: str | None
    user: str
    user_type: str = "User"
    id: int = field(default_factory=next_id)
    state: str = "open"
    labels: list[str] = field(default_factory=list)
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    closed_at: str | None = None
    head: str | None = None  # pull requests only: head branch
    base: str | None = None
    draft: bool = False
    merged: bool = False
    last_head_sha: str | None = None

    @property
    def is_pull(self) -> bool:
        """True for pull requests."""
        return self.head is not None


@dataclass
class Review:
    """A pull-request review with its inline comments."""

    id: int
    pull_number: int
    body: str
    state: str
    user: str
    commit_id: str
    comments: list[dict[str, Any]]
    submitted_at: str = field(default_factory=now_iso)


@dataclass
class CheckRun:
    """A check run on a commit."""

    id: int
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    output: dict[str, Any]
    details_url: str | None = None
    started_at: str = field(default_factory=now_iso)
    completed_at: str | None = None


@dataclass
class Reaction:
    """A reaction on an issue comment (``comment_id``) or an issue (``issue_number``)."""

    id: int
    content: str
    user: str
    comment_id: int | None = None
    issue_number: int | None = None


@dataclass
class Repo:
    """A repository backed by a real bare git repository."""

    id: int
    owner: str
    name: str
    bare: Path
    default_branch: str
    installation_id: int | None
    private: bool = False
    collaborators: dict[str, str] = field(default_factory=dict)  # login -> permission
    issues: dict[int, Issue] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    reviews: dict[int, Review] = field(default_factory=dict)
    check_runs: dict[int, CheckRun] = field(default_factory=dict)
    reactions: list[Reaction] = field(default_factory=list)
    sarifs: dict[str, SarifUpload] = field(default_factory=dict)
    description: str | None = None
    created_at: str = field(default_factory=now_iso)
    pushed_at: float = field(default_factory=time.time)

    @property
    def full_name(self) -> str:
        """``owner/name``."""
        return f"{self.owner}/{self.name}"

    def next_number(self) -> int:
        """The next issue/pull-request number."""
        return max(self.issues, default=0) + 1


@dataclass
class HookDelivery:
    """One attempt at delivering a webhook to the app's hook URL, as GitHub records it."""

    id: int
    guid: str  # the X-GitHub-Delivery value, shared by every attempt of one event
    event: str
    action: str | None
    installation_id: int | None
    repository_id: int | None
    url: str
    request_headers: dict[str, str]
    body: bytes
    redelivery: bool = False
    status_code: int = 0
    status: str = "pending"
    duration: float = 0.0
    delivered_at: str = field(default_factory=now_iso)
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str | None = None


@dataclass
class SarifUpload:
    """A SARIF analysis uploaded to a repository's code scanning."""

    id: str
    commit_sha: str
    ref: str
    processing_status: str
    errors: list[str]
    results: int
