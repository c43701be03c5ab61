"""HTTP transport for the GitHub client: gidgethub's aiohttp API with our retry policy.

:class:`RetryPolicy` decides, from GitHub's answer, whether and how long to wait
before sending a request again (``retry-after``, the primary limit's
``x-ratelimit-reset``, secondary-limit back-off, one retry on a 5xx), within a
bounded number of attempts and a bounded total wait; its ``sleep`` and ``clock``
are injectable so tests run fast. :func:`translate` maps what is left onto
:mod:`aomaas.errors`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp
import gidgethub
import gidgethub.aiohttp

from aomaas.errors import ForgeError, NotFound, RateLimited, without_locations

Sleep = Callable[[float], Awaitable[None]]
REQUESTER = "aomaas"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how long to wait before sending a refused request again."""

    max_attempts: int = 4
    max_total_wait: float = 180.0
    server_error_delay: float = 1.0
    secondary_backoff: float = 60.0
    sleep: Sleep = field(default=asyncio.sleep)
    clock: Callable[[], float] = field(default=time.time)

    def delay(self, exc: gidgethub.HTTPException, attempt: int, waited: float) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None to give up."""
        if attempt >= self.max_attempts:
            return None
        wait = self._wanted(exc, attempt)
        if wait is None or waited + wait > self.max_total_wait:
            return None
        return wait

    def _wanted(self, exc: gidgethub.HTTPException, attempt: int) -> float | None:
        status = int(exc.status_code)
        headers: Mapping[str, str] = exc.headers or {}
        if status >= 500:
            return self.server_error_delay if attempt == 1 else None
        if status not in (403, 429):
            return None
        retry_after = headers.get("retry-after")
        if retry_after is not None and retry_after.strip().isdigit():
            return float(retry_after.strip())
        if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
            return max(0.0, float(headers["x-ratelimit-reset"]) - self.clock()) + 1.0
        if "secondary rate limit" in str(exc).lower() or status == 429:
            return self.secondary_backoff * 2.0 ** (attempt - 1)
        return None


class RetryingAPI(gidgethub.aiohttp.GitHubAPI):
    """gidgethub's aiohttp client with our retry policy; one instance per logical call."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, policy: RetryPolicy) -> None:
        super().__init__(session, REQUESTER, base_url=base_url)
        self._policy = policy
        self._waited = 0.0

    async def sleep(self, seconds: float) -> None:
        await self._policy.sleep(seconds)

    async def handle_rate_limit_error(
        self, *, method: str, url: str, exception: gidgethub.HTTPException, attempt: int
    ) -> bool:
        wait = self._policy.delay(exception, attempt, self._waited)
        if wait is None:
            return False
        self._waited += wait
        await self.sleep(wait)
        return True


class GitHubError(ForgeError):
    """GitHub answered with an error status; ``github_status`` is that status."""

    def __init__(self, detail: str, github_status: int) -> None:
        super().__init__(detail)
        self.github_status = github_status


def api_path(url: str) -> str:
    """The REST route of ``url`` (``/repos/o/r/pulls``): no host, no query.

    Messages name GitHub's route, never the address the service reaches GitHub at
    (``GITHUB_API_URL``, an internal address for a stand-in or GitHub Enterprise).
    """
    return urlsplit(url).path or "/"


def unreachable(exc: aiohttp.ClientError) -> str:
    """What went wrong reaching GitHub, without the address (aiohttp's text names it)."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "could not connect"
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return "timed out"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the connection was closed"
    return type(exc).__name__


def translate(method: str, url: str, exc: gidgethub.HTTPException) -> Exception:
    """The project error for GitHub's error answer (404, limits, anything else)."""
    status = int(exc.status_code)
    reason = f"GitHub answered {status} to {method} {api_path(url)}: {without_locations(str(exc))}"
    if status == 404:
        return NotFound(reason)
    headers: Mapping[str, str] = exc.headers or {}
    if status in (403, 429) and (
        isinstance(exc, gidgethub.RateLimitExceeded)
        or "retry-after" in headers
        or "rate limit" in str(exc).lower()
    ):
        retry = headers.get("retry-after", "60")
        return RateLimited(reason, retry_after=int(retry) if retry.isdigit() else 60)
    return GitHubError(reason, status)
