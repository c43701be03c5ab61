"""GitHubForge: the :class:`~aomaas.forges.base.Forge` interface on GitHub, as the app.

Each call opens a short-lived HTTP session; installation tokens are cached in a
:class:`~aomaas.forges.github.appauth.InstallationTokens` kept in the process's
shared services (:class:`GitHubShared`), so jobs share them. Clones get the token as an HTTP header
(:class:`~aomaas.engine.workspace.RepoSource.token`); publishing pushes the proven
commit, opens or updates the pull request for the opportunity's fingerprint and
adds a check run with the proof; reviews are posted as one review with inline
comments on the new side of the diff.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypedDict

import aiohttp

from aomaas.engine.workspace import RepoSource
from aomaas.errors import ForgeError, InvalidRequest, NotFound, ServiceUnavailable
from aomaas.forges.base import (
    OwnerFile,
    PublishedPullRequest,
    PullRef,
    PullRequestChanges,
    PullRequestSpec,
    RepoRef,
    ReviewComment,
)
from aomaas.forges.gitfetch import fetch_for_review
from aomaas.forges.github.appauth import InstallationTokens
from aomaas.forges.github.client import GitHubClient, RetryPolicy, git_auth_env
from aomaas.forges.github.publish import publish
from aomaas.settings import Settings
from aomaas.store.states import Provider, PullRequestStatus

HTTP_TIMEOUT = aiohttp.ClientTimeout(total=120, connect=15)


class GitHubShared(TypedDict, total=False):
    """What every GitHub forge of one process shares, created on first use."""

    #: The installation tokens minted so far (one cache for every job of the process).
    github_installation_tokens: InstallationTokens
    #: Installation id -> the lock that keeps that installation's writes serial.
    github_write_locks: dict[int, asyncio.Lock]


class GitHubForge:
    """Forge over GitHub (or a GitHub stand-in at ``api_url``/``web_url``)."""

    def __init__(
        self,
        *,
        api_url: str,
        web_url: str,
        app_id: str,
        private_key: str,
        tokens: InstallationTokens | None = None,
        write_locks: dict[int, asyncio.Lock] | None = None,
        allow_http: bool = False,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.api_url = api_url
        self.web_url = web_url
        self.app_id = app_id
        self._private_key = private_key
        self.tokens = tokens or InstallationTokens()
        self.write_locks: dict[int, asyncio.Lock] = {} if write_locks is None else write_locks
        self.allow_http = allow_http
        self.policy = policy

    @classmethod
    def from_settings(cls, settings: Settings, services: GitHubShared) -> GitHubForge:
        """The forge for the configured app; the token cache lives in ``services``."""
        key = settings.github_private_key_pem
        if not settings.github_app_id or not key:
            raise ServiceUnavailable(
                "GitHub is not configured: set GITHUB_APP_ID and GITHUB_PRIVATE_KEY (or "
                "GITHUB_PRIVATE_KEY_PATH), or register the app through /setup"
            )
        tokens = services.setdefault("github_installation_tokens", InstallationTokens())
        write_locks = services.setdefault("github_write_locks", {})
        return cls(
            api_url=settings.github_api_url,
            web_url=settings.github_web_url,
            app_id=settings.github_app_id,
            private_key=key,
            tokens=tokens,
            write_locks=write_locks,
            allow_http=settings.github_allow_http,
        )

    @asynccontextmanager
    async def client(self) -> AsyncIterator[GitHubClient]:
        """A :class:`GitHubClient` on a session that closes when the block ends."""
        async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session:
            yield GitHubClient(
                session,
                self.api_url,
                self.app_id,
                self._private_key,
                web_url=self.web_url,
                policy=self.policy,
                tokens=self.tokens,
                write_locks=self.write_locks,
            )

    @staticmethod
    def _installation(repo: RepoRef) -> int:
        if repo.installation_github_id is None:
            raise InvalidRequest(
                f"{repo.owner}/{repo.name} is not in an installation of the GitHub App: "
                "install the app on the repository first"
            )
        return repo.installation_github_id

    async def source(self, repo: RepoRef) -> RepoSource:
        """The clone URL with a fresh installation token (sent as a header by the workspace)."""
        async with self.client() as client:
            token = await client.installation_token(self._installation(repo))
            url = client.clone_url(repo.owner, repo.name)
        return RepoSource(provider=Provider.GITHUB, url=url, branch=repo.branch, token=token)

    async def publish(self, repo: RepoRef, spec: PullRequestSpec) -> PublishedPullRequest:
        """Push the proven commit, open or update the pull request, add the proof check run."""
        async with self.client() as client:
            pull = await publish(
                client,
                self._installation(repo),
                repo.owner,
                repo.name,
                local_repo=spec.clone,
                branch=spec.branch,
                base=spec.base,
                title=spec.title,
                body=spec.body,
                fingerprint=spec.fingerprint,
                draft=spec.draft,
                commit=spec.commit,
                app_heads=spec.app_heads,
                allow_http=self.allow_http,
                proof=spec.proof if spec.check_summary is not None else None,
                proof_summary=spec.check_summary or "",
            )
        return PublishedPullRequest(
            number=str(pull.number),
            url=pull.html_url,
            status=PullRequestStatus.OPEN,
            head_sha=pull.head_sha,
            updated_existing=not pull.created,
        )

    async def pull_request_changes(
        self, repo: RepoRef, pull_ref: PullRef, workdir: Path
    ) -> PullRequestChanges:
        """Fetch the pull request's head and base into ``workdir/repo``; check out the head."""
        installation = self._installation(repo)
        number = pull_ref.number
        async with self.client() as client:
            pull = await client.get_pull(installation, repo.owner, repo.name, int(number))
            token = await client.installation_token(installation)
            url = client.clone_url(repo.owner, repo.name)
        if url.startswith("http://") and not self.allow_http:
            raise ForgeError(
                "refusing to fetch over plain http from the GitHub host; use https "
                "(GITHUB_ALLOW_HTTP is only for a local stand-in)"
            )
        checkout = workdir / "repo"
        env = git_auth_env(token, url)
        diff, head = await asyncio.to_thread(
            fetch_for_review,
            checkout,
            url,
            f"refs/pull/{int(number)}/head",
            f"refs/heads/{pull['base']['ref']}",
            what=f"pull request {number}",
            env=env,
            config=[("protocol.http.allow", "always")] if url.startswith("http://") else [],
            secrets=[token, env["GIT_CONFIG_VALUE_0"]],
        )
        if head != pull["head"]["sha"]:
            raise ForgeError(f"pull request {number} moved while it was fetched; try again")
        return PullRequestChanges(
            checkout=checkout,
            diff=diff,
            head_sha=head,
            extra={"base_ref": pull["base"]["ref"], "html_url": pull["html_url"]},
        )

    async def post_review(
        self, repo: RepoRef, number: str, head_sha: str, summary: str, comments: list[ReviewComment]
    ) -> str | None:
        """One review: the summary and an inline comment per finding, on the new side."""
        async with self.client() as client:
            review = await client.create_review(
                self._installation(repo),
                repo.owner,
                repo.name,
                int(number),
                body=summary,
                comments=[{"path": c.path, "line": c.line, "body": c.body} for c in comments],
                commit_id=head_sha,
            )
        return str(review["id"])

    async def community_profile(self, repo: RepoRef) -> dict[str, Any] | None:
        """``GET /repos/{owner}/{repo}/community/profile`` (None when GitHub will not say)."""
        try:
            async with self.client() as client:
                return await client.get_community_profile(
                    self._installation(repo), repo.owner, repo.name
                )
        except (NotFound, ForgeError):
            return None

    async def owner_file(self, repo: RepoRef, path: str) -> OwnerFile:
        """A file of ``{owner}/.github`` (absent when GitHub answers 404)."""
        where = f"{repo.owner}/.github {path}"
        try:
            async with self.client() as client:
                content = await client.get_file(
                    self._installation(repo), repo.owner, ".github", path
                )
        except NotFound:
            return OwnerFile(known=True, content=None, where=where)
        except ForgeError as exc:
            return OwnerFile(known=False, where=where, why_unknown=exc.detail)
        return OwnerFile(known=True, content=content, where=where)
