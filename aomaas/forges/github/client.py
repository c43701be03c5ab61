"""GitHubClient: the REST calls the bot makes, as an installation of the app.

Built on gidgethub's aiohttp ``GitHubAPI``. App endpoints are called with the app
JWT; every other call goes through one place (:meth:`GitHubClient._call`, or
:meth:`GitHubClient._list` for every page of a list). Together they

* authenticate with an installation token, minted and cached through
  :class:`~aomaas.forges.github.appauth.InstallationTokens`, and on a 401
  forget the token and retry once with a fresh one;
* retry, through gidgethub's ``handle_rate_limit_error`` hook and the
  :class:`~aomaas.forges.github.transport.RetryPolicy`: ``retry-after``, the primary limit (``x-ratelimit-remaining:
  0`` until ``x-ratelimit-reset``), secondary-limit 403s (exponential back-off) and
  one retry on a 5xx, with bounded attempts and bounded total wait; the sleep
  function and the clock are injectable so tests stay fast;
* keep writes to one installation serial (an ``asyncio.Lock`` per installation);
* map failures onto :mod:`aomaas.errors` (404 → ``NotFound``, exhausted limits →
  ``RateLimited``, anything else → ``ForgeError``).

Public methods return GitHub's JSON objects as plain dicts (``JSON``); an answer that is
not a JSON object where one is due is a ``ForgeError``.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import aiohttp
import gidgethub

from aomaas.errors import ForgeError, NotFound, ServiceUnavailable
from aomaas.forges.github.appauth import InstallationTokens, make_app_jwt
from aomaas.forges.github.transport import (
    GitHubError,
    RetryingAPI,
    RetryPolicy,
    api_path,
    translate,
    unreachable,
)

__all__ = ["JSON", "GitHubClient", "GitHubError", "RetryPolicy", "git_auth_env"]

JSON = dict[str, Any]
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
ReviewEvent = Literal["COMMENT", "APPROVE", "REQUEST_CHANGES"]
Reaction = Literal["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]


def git_auth_env(token: str, url: str | None = None) -> dict[str, str]:
    """Environment that makes git send the token as a header, never in a URL or .git/config.

    ``http.extraHeader`` = ``Authorization: Basic base64("x-access-token:" + token)``,
    passed through ``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n``
    (git >= 2.31), so it is not visible in the process list either. With ``url`` the
    header is scoped to that URL's scheme and host (``http.<scheme>://<host>/.extraHeader``).
    """
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    key = "http.extraHeader"
    if url:
        parts = urlsplit(url)
        key = f"http.{parts.scheme}://{parts.netloc}/.extraHeader"
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": key,
        "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
        "GIT_TERMINAL_PROMPT": "0",
    }


def _path(value: str) -> str:
    return quote(value, safe="/")


class GitHubClient:
    """The app's view of GitHub: app endpoints with the JWT, the rest per installation."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_url: str,
        app_id: str | int | None,
        private_key: str | None,
        *,
        web_url: str = "https://github.com",
        policy: RetryPolicy | None = None,
        tokens: InstallationTokens | None = None,
        write_locks: dict[int, asyncio.Lock] | None = None,
    ) -> None:
        self.session = session
        self.api_url = api_url.rstrip("/")
        self.web_url = web_url.rstrip("/")
        self.app_id = None if app_id is None else str(app_id)
        self._private_key = private_key
        self.policy = policy or RetryPolicy()
        self.tokens = tokens or InstallationTokens(clock=self.policy.clock)
        # Shared by every client of the process (pass the same dict) so writes to one
        # installation stay serial across tasks, not only within one client.
        self._write_locks: dict[int, asyncio.Lock] = {} if write_locks is None else write_locks

    # ----------------------------------------------------------------- plumbing

    def app_jwt(self) -> str:
        """A fresh app JWT (cheap to make; GitHub allows at most 10 minutes)."""
        if not self.app_id or not self._private_key:
            raise ServiceUnavailable(
                "the GitHub App is not configured: set GITHUB_APP_ID and GITHUB_PRIVATE_KEY "
                "(or GITHUB_PRIVATE_KEY_PATH), or register one through /setup"
            )
        return make_app_jwt(self.app_id, self._private_key, now=self.policy.clock())

    async def installation_token(self, installation_id: int) -> str:
        """The cached (or freshly minted) installation token, e.g. for git over HTTPS."""
        return await self.tokens.get(installation_id, self._mint_token)

    def clone_url(self, owner: str, repo: str) -> str:
        """The repository's https clone URL (give git the token with :func:`git_auth_env`)."""
        return f"{self.web_url}/{_path(owner)}/{_path(repo)}.git"

    async def _mint_token(self, installation_id: int) -> JSON:
        return await self._app_call(
            "POST", f"/app/installations/{int(installation_id)}/access_tokens", data={}
        )

    def _api(self) -> RetryingAPI:
        return RetryingAPI(self.session, self.api_url, self.policy)

    async def _send(
        self,
        method: str,
        url: str,
        data: Any = b"",
        *,
        jwt: str | None = None,
        oauth_token: str | None = None,
        iterable_key: str | None = None,
    ) -> Any:
        """One logical call through gidgethub (``LIST`` = every page of a GET)."""
        api = self._api()
        tok = oauth_token
        try:
            if method == "LIST":
                pages = api.getiter(url, jwt=jwt, oauth_token=tok, iterable_key=iterable_key)
                return [item async for item in pages]
            if method == "GET":
                return await api.getitem(url, jwt=jwt, oauth_token=tok)
            if method == "DELETE":
                return await api.delete(url, jwt=jwt, oauth_token=tok)
            if method == "POST":
                return await api.post(url, data=data, jwt=jwt, oauth_token=tok)
            if method == "PATCH":
                return await api.patch(url, data=data, jwt=jwt, oauth_token=tok)
            return await api.put(url, data=data, jwt=jwt, oauth_token=tok)
        except gidgethub.HTTPException as exc:
            raise translate(method, url, exc) from exc
        except aiohttp.ClientError as exc:
            raise ForgeError(
                f"GitHub could not be reached ({method} {api_path(url)}): {unreachable(exc)}"
            ) from exc

    async def _app_call(self, method: str, url: str, data: Any = b"") -> JSON:
        return _object(method, url, await self._send(method, url, data, jwt=self.app_jwt()))

    async def _call(self, installation_id: int, method: str, url: str, data: Any = b"") -> JSON:
        """An installation call: writes serial per installation, one token refresh on 401."""
        if method in WRITE_METHODS:
            lock = self._write_locks.setdefault(installation_id, asyncio.Lock())
            async with lock:
                answer = await self._authed(installation_id, method, url, data, None)
        else:
            answer = await self._authed(installation_id, method, url, data, None)
        return _object(method, url, answer)

    async def _authed(
        self, installation_id: int, method: str, url: str, data: Any, key: str | None
    ) -> Any:
        token = await self.tokens.get(installation_id, self._mint_token)
        try:
            return await self._send(method, url, data, oauth_token=token, iterable_key=key)
        except GitHubError as exc:
            if exc.github_status != 401:
                raise
        self.tokens.invalidate(installation_id)
        token = await self.tokens.get(installation_id, self._mint_token)
        return await self._send(method, url, data, oauth_token=token, iterable_key=key)

    async def _list(self, installation_id: int, url: str, key: str | None = None) -> list[JSON]:
        """Every item of every page of a GET (``LIST`` is a read: no write lock)."""
        items = await self._authed(installation_id, "LIST", url, b"", key)
        return [_object("GET", url, item) for item in items]

    @staticmethod
    def _repo(owner: str, repo: str) -> str:
        return f"/repos/{_path(owner)}/{_path(repo)}"

    # ----------------------------------------------------------------- app

    async def list_installation_repositories(self, installation_id: int) -> list[JSON]:
        """``GET /installation/repositories``, every page."""
        return await self._list(
            installation_id, "/installation/repositories?per_page=100", "repositories"
        )

    async def webhook_deliveries(self, per_page: int = 100) -> AsyncIterator[JSON]:
        """``GET /app/hook/deliveries``: every recorded attempt, newest first, page by page.

        The pages follow the ``Link`` header's cursor; stop iterating to stop fetching.
        """
        url = f"/app/hook/deliveries?per_page={max(1, min(100, int(per_page)))}"
        try:
            async for item in self._api().getiter(url, jwt=self.app_jwt()):
                yield item
        except gidgethub.HTTPException as exc:
            raise translate("GET", url, exc) from exc
        except aiohttp.ClientError as exc:
            raise ForgeError(f"GitHub could not be reached (GET {url}): {exc}") from exc

    async def redeliver_webhook_delivery(self, delivery_id: int) -> None:
        """``POST /app/hook/deliveries/{id}/attempts``: GitHub sends that delivery again."""
        url = f"/app/hook/deliveries/{int(delivery_id)}/attempts"
        await self._send("POST", url, {}, jwt=self.app_jwt())  # 202, no object to read

    async def create_from_manifest(self, code: str) -> JSON:
        """``POST /app-manifests/{code}/conversions`` (unauthenticated): id, pem, webhook_secret."""
        url = f"/app-manifests/{_path(code)}/conversions"
        return _object("POST", url, await self._send("POST", url, {}))

    # ----------------------------------------------------------------- repositories

    async def get_community_profile(self, installation_id: int, owner: str, repo: str) -> JSON:
        """``GET /repos/{owner}/{repo}/community/profile``: the community files GitHub sees."""
        return await self._call(
            installation_id, "GET", f"{self._repo(owner, repo)}/community/profile"
        )

    async def get_content(
        self, installation_id: int, owner: str, repo: str, path: str, ref: str | None = None
    ) -> JSON:
        """``GET .../contents/{path}`` (a file, directory listing, symlink or submodule)."""
        url = f"{self._repo(owner, repo)}/contents/{_path(path)}"
        if ref:
            url += f"?ref={quote(ref, safe='')}"
        return await self._call(installation_id, "GET", url)

    async def get_file(
        self, installation_id: int, owner: str, repo: str, path: str, ref: str | None = None
    ) -> bytes:
        """The bytes of one file (``NotFound`` when absent or not a file)."""
        answer = await self.get_content(installation_id, owner, repo, path, ref)
        if not isinstance(answer, dict) or answer.get("type") != "file":
            raise NotFound(f"{path} is not a file in {owner}/{repo}")
        return base64.b64decode(answer.get("content") or "")

    async def get_collaborator_permission(
        self, installation_id: int, owner: str, repo: str, username: str
    ) -> str:
        """``admin``, ``write``, ``read`` or ``none`` for ``username`` on the repository."""
        url = f"{self._repo(owner, repo)}/collaborators/{_path(username)}/permission"
        try:
            answer = await self._call(installation_id, "GET", url)
        except NotFound:
            return "none"
        return str(answer.get("permission", "none"))

    # ----------------------------------------------------------------- pull requests

    async def create_pull(
        self,
        installation_id: int,
        owner: str,
        repo: str,
        *,
        title: str,
        head: str,
        base: str,
        body: str,
        draft: bool = False,
    ) -> JSON:
        """``POST .../pulls`` under the app identity."""
        data = {"title": title, "head": head, "base": base, "body": body, "draft": draft}
        return await self._call(installation_id, "POST", f"{self._repo(owner, repo)}/pulls", data)

    async def update_pull(
        self, installation_id: int, owner: str, repo: str, number: int, **fields: Any
    ) -> JSON:
        """``PATCH .../pulls/{number}`` with any of title, body, state, base."""
        url = f"{self._repo(owner, repo)}/pulls/{int(number)}"
        return await self._call(installation_id, "PATCH", url, fields)

    async def get_pull(self, installation_id: int, owner: str, repo: str, number: int) -> JSON:
        """``GET .../pulls/{number}``."""
        return await self._call(
            installation_id, "GET", f"{self._repo(owner, repo)}/pulls/{int(number)}"
        )

    async def list_pulls(
        self,
        installation_id: int,
        owner: str,
        repo: str,
        *,
        state: Literal["open", "closed", "all"] = "open",
        head: str | None = None,
    ) -> list[JSON]:
        """``GET .../pulls`` (every page); ``head`` is ``owner:branch``."""
        url = f"{self._repo(owner, repo)}/pulls?state={state}&per_page=100"
        if head:
            url += f"&head={quote(head, safe='')}"
        return await self._list(installation_id, url)

    async def find_pull(
        self,
        installation_id: int,
        owner: str,
        repo: str,
        *,
        head_branch: str | None = None,
        marker: str | None = None,
        state: Literal["open", "closed", "all"] = "open",
    ) -> JSON | None:
        """The bot's earlier pull request: same head branch, or ``marker`` in its body."""
        head = f"{owner}:{head_branch}" if head_branch else None
        if head is not None:
            for pull in await self.list_pulls(installation_id, owner, repo, state=state, head=head):
                return pull
        if marker is not None:
            for pull in await self.list_pulls(installation_id, owner, repo, state=state):
                if marker in (pull.get("body") or ""):
                    return pull
        return None

    async def create_review(
        self,
        installation_id: int,
        owner: str,
        repo: str,
        number: int,
        *,
        body: str,
        comments: list[JSON] | None = None,
        event: ReviewEvent = "COMMENT",
        commit_id: str | None = None,
    ) -> JSON:
        """``POST .../pulls/{number}/reviews``: one review; comments are ``{path, line, body}``.

        Each inline comment is placed on the new side (``side: RIGHT``) unless it says otherwise.
        """
        data: JSON = {
            "body": body,
            "event": event,
            "comments": [{"side": "RIGHT", **comment} for comment in comments or []],
        }
        if commit_id:
            data["commit_id"] = commit_id
        url = f"{self._repo(owner, repo)}/pulls/{int(number)}/reviews"
        return await self._call(installation_id, "POST", url, data)

    # ----------------------------------------------------------------- issues, comments, reactions

    async def create_issue_comment(
        self, installation_id: int, owner: str, repo: str, number: int, body: str
    ) -> JSON:
        """``POST .../issues/{number}/comments`` (issues and pull requests alike)."""
        url = f"{self._repo(owner, repo)}/issues/{int(number)}/comments"
        return await self._call(installation_id, "POST", url, {"body": body})

    async def update_issue_comment(
        self, installation_id: int, owner: str, repo: str, comment_id: int, body: str
    ) -> JSON:
        """``PATCH .../issues/comments/{comment_id}``: the bot edits its one reply as work moves."""
        url = f"{self._repo(owner, repo)}/issues/comments/{int(comment_id)}"
        return await self._call(installation_id, "PATCH", url, {"body": body})

    async def add_reaction_to_comment(
        self,
        installation_id: int,
        owner: str,
        repo: str,
        comment_id: int,
        content: Reaction = "eyes",
    ) -> JSON:
        """``POST .../issues/comments/{comment_id}/reactions``: the immediate acknowledgement."""
        url = f"{self._repo(owner, repo)}/issues/comments/{int(comment_id)}/reactions"
        return await self._call(installation_id, "POST", url, {"content": content})

    async def add_reaction_to_issue(
        self, installation_id: int, owner: str, repo: str, number: int, content: Reaction = "eyes"
    ) -> JSON:
        """``POST .../issues/{number}/reactions`` (a command in the issue body itself)."""
        url = f"{self._repo(owner, repo)}/issues/{int(number)}/reactions"
        return await self._call(installation_id, "POST", url, {"content": content})

    # ----------------------------------------------------------------- checks

    async def create_check_run(
        self,
        installation_id: int,
        owner: str,
        repo: str,
        *,
        name: str,
        head_sha: str,
        status: Literal["queued", "in_progress", "completed"] = "completed",
        conclusion: str | None = None,
        output: JSON | None = None,
        details_url: str | None = None,
    ) -> JSON:
        """``POST .../check-runs``; ``output`` is ``{title, summary, text}``."""
        data: JSON = {"name": name, "head_sha": head_sha, "status": status}
        if conclusion is not None:
            data["conclusion"] = conclusion
        if output is not None:
            data["output"] = output
        if details_url:
            data["details_url"] = details_url
        return await self._call(
            installation_id, "POST", f"{self._repo(owner, repo)}/check-runs", data
        )


def _object(method: str, url: str, answer: Any) -> JSON:
    """GitHub's answer as a JSON object; anything else is GitHub answering out of contract."""
    if not isinstance(answer, dict):
        raise ForgeError(f"GitHub answered {method} {api_path(url)} with no JSON object")
    return answer
