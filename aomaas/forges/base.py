"""The one interface every code host implements (GitHub, local git)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from aomaas.engine.proof import Proof
from aomaas.engine.workspace import RepoSource
from aomaas.store.states import PullRequestStatus


@dataclass(frozen=True)
class RepoRef:
    """Which repository a forge call is about (plain values from the store)."""

    provider: str
    url: str
    owner: str
    name: str
    branch: str | None
    installation_github_id: int | None = None


@dataclass(frozen=True)
class PullRequestSpec:
    """What to open: a proven branch in a local clone and the text around it."""

    clone: Path
    branch: str
    commit: str
    base: str
    title: str
    body: str
    draft: bool
    fingerprint: str
    number_hint: int | None = None  # the local forge's next number
    check_summary: str | None = None  # the proof, for a check run where the forge has them
    proof: Proof | None = None  # the proof level; the check run's title and conclusion
    #: commits the app made earlier for ``branch``: a branch holding one of them is the app's
    app_heads: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PublishedPullRequest:
    """A pull request as the forge holds it."""

    number: str
    url: str
    status: PullRequestStatus
    head_sha: str
    updated_existing: bool = False


@dataclass(frozen=True)
class PullRef:
    """Which pull request: its number, and (where the forge keeps no record) its branches."""

    number: str
    head_branch: str | None = None
    base_branch: str | None = None


@dataclass
class PullRequestChanges:
    """A pull request's head checked out, and its diff against the base."""

    checkout: Path
    diff: str
    head_sha: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReviewComment:
    """A comment on one added line."""

    path: str
    line: int
    body: str


@dataclass(frozen=True)
class OwnerFile:
    """A file of the owner's ``.github`` repository: whether the forge could tell, and where."""

    known: bool
    content: bytes | None = None
    where: str = ""
    why_unknown: str = ""


class Forge(Protocol):
    """A code host."""

    async def source(self, repo: RepoRef) -> RepoSource:
        """How to clone the repository (with a short-lived credential if needed)."""
        ...

    async def publish(self, repo: RepoRef, spec: PullRequestSpec) -> PublishedPullRequest:
        """Publish the branch and open (or update the earlier) pull request for it."""
        ...

    async def pull_request_changes(
        self, repo: RepoRef, pull: PullRef, workdir: Path
    ) -> PullRequestChanges:
        """Check out a pull request's head under ``workdir`` and return its diff against the base."""
        ...

    async def post_review(
        self, repo: RepoRef, number: str, head_sha: str, summary: str, comments: list[ReviewComment]
    ) -> str | None:
        """Post one review (summary and line comments); returns the forge's review id, if any."""
        ...

    async def community_profile(self, repo: RepoRef) -> dict[str, Any] | None:
        """The forge's community profile of the repository (None: the forge cannot tell)."""
        ...

    async def owner_file(self, repo: RepoRef, path: str) -> OwnerFile:
        """A file of the owner's ``.github`` repository (``known=False``: cannot tell)."""
        ...
