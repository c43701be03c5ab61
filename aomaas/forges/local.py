"""The local forge: a git repository on this machine (a path or file:// URL).

Publishing pushes the proven branch into that repository; the pull request is
a record in our database (numbered per repository) whose URL points at the
repository and branch. Reviews are stored, not posted anywhere.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aomaas.engine.workspace import RepoSource, local_path_of
from aomaas.errors import ForgeError, InvalidRequest, WorkspaceError
from aomaas.forges.base import (
    OwnerFile,
    PublishedPullRequest,
    PullRef,
    PullRequestChanges,
    PullRequestSpec,
    RepoRef,
    ReviewComment,
)
from aomaas.forges.branchpush import Remote, push_commit
from aomaas.forges.gitfetch import fetch_for_review
from aomaas.store.states import Provider, PullRequestStatus

FILE_PROTOCOL = [("protocol.file.allow", "always")]


class LocalForge:
    """Forge over a local git repository."""

    async def source(self, repo: RepoRef) -> RepoSource:
        """Clone straight from the path."""
        return RepoSource(provider=Provider.LOCAL, url=repo.url, branch=repo.branch)

    async def publish(self, repo: RepoRef, spec: PullRequestSpec) -> PublishedPullRequest:
        """Push ``spec.branch`` into the repository; a branch that is not the app's is never
        overwritten (:mod:`aomaas.forges.branchpush`)."""
        target = local_path_of(repo.url)
        await asyncio.to_thread(_push, spec, target)
        number = str(spec.number_hint or 1)
        url = f"{target.as_uri()}?branch={quote(spec.branch)}&pr={number}"
        return PublishedPullRequest(
            number=number, url=url, status=PullRequestStatus.OPEN, head_sha=spec.commit
        )

    async def pull_request_changes(
        self, repo: RepoRef, pull: PullRef, workdir: Path
    ) -> PullRequestChanges:
        """Fetch the pull request's branch and its base from the repository; check out the head."""
        if not (pull.head_branch and pull.base_branch):
            raise InvalidRequest(f"local pull request {pull.number} has no branch recorded")
        checkout = workdir / "repo"
        diff, head = await asyncio.to_thread(
            fetch_for_review,
            checkout,
            local_path_of(repo.url).resolve().as_uri(),
            f"refs/heads/{pull.head_branch}",
            f"refs/heads/{pull.base_branch}",
            what=f"local pull request {pull.number}",
            config=FILE_PROTOCOL,
        )
        return PullRequestChanges(checkout=checkout, diff=diff, head_sha=head)

    async def post_review(
        self, repo: RepoRef, number: str, head_sha: str, summary: str, comments: list[ReviewComment]
    ) -> str | None:
        """Local reviews live only in our database."""
        return None

    async def community_profile(self, repo: RepoRef) -> dict[str, Any] | None:
        """Unknown: a local repository has no community profile."""
        return None

    async def owner_file(self, repo: RepoRef, path: str) -> OwnerFile:
        """Unknown: a local repository has no owner's ``.github`` repository."""
        return OwnerFile(known=False, why_unknown="a local repository has no organisation")


def _push(spec: PullRequestSpec, target: Path) -> None:
    remote = Remote(target.resolve().as_uri(), config=FILE_PROTOCOL)
    try:
        push_commit(spec.clone, remote, spec.commit, spec.branch, spec.app_heads)
    except WorkspaceError as exc:
        raise ForgeError(
            f"could not push branch {spec.branch} to the repository: {exc.detail}"
        ) from None
