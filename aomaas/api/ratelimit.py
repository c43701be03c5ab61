"""Rate limits with the ``limits`` package: per client IP, per user, and failed logins.

Counters live in memory in embedded mode and in Redis when REDIS_URL is set, so
several web processes share them. The webhook route is not limited per IP
(GitHub delivers from a few addresses); its signature protects it.

While Redis is down every limit fails closed: a hit raises
:class:`limits.errors.StorageError`, which the error middleware answers 503 with
``Retry-After`` (:mod:`aomaas.outages`). Logins must never escape their limit, and
the per-IP limit is the only brake in front of authentication; the webhook route
(no per-IP limit) keeps accepting deliveries.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from aomaas import appkeys
from aomaas.api.errors import EXTRA_HEADERS
from aomaas.errors import RateLimited
from aomaas.settings import Settings

EXEMPT_PREFIXES = ("/webhooks/", "/healthz")
REDIS_CONNECT_TIMEOUT = 5.0  # seconds: an unreachable Redis is an outage, not a hung request


@dataclass(frozen=True)
class Verdict:
    """The state of one limit after a hit."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: float

    def headers(self) -> dict[str, str]:
        """``X-RateLimit-*`` headers (and ``Retry-After`` when refused)."""
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.remaining, 0)),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers

    @property
    def retry_after(self) -> int:
        """Seconds until a new request may pass."""
        return seconds_until(self.reset_at)


def seconds_until(reset_at: float) -> int:
    """Whole seconds (at least 1) from now until the epoch time ``reset_at``."""
    return max(1, math.ceil(reset_at - time.time()))


class RateLimits:
    """The service's three limits over one storage."""

    def __init__(self, settings: Settings) -> None:
        storage: Storage
        if settings.redis_url:
            storage = storage_from_string(  # type: ignore[assignment]
                "async+" + settings.redis_url,
                wrap_exceptions=True,  # any storage failure is a StorageError: an outage
                connect_timeout=REDIS_CONNECT_TIMEOUT,
            )
        else:
            storage = MemoryStorage()
        self.storage = storage
        # Exact: a moving window counts every hit of the last period, so a burst across a
        # clock boundary cannot slip extra attempts through (as a sliding-window estimate can).
        self.limiter = MovingWindowRateLimiter(storage)
        self.per_ip: RateLimitItem = parse(settings.rate_limit_ip)
        self.per_user: RateLimitItem = parse(settings.rate_limit_user)
        self.login: RateLimitItem = parse(settings.rate_limit_login)
        self.trusted = [ipaddress.ip_network(p, strict=False) for p in settings.trusted_proxies]

    async def healthy(self) -> bool:
        """Whether the counters' storage answers (memory always does)."""
        try:
            return bool(await self.storage.check())
        except Exception:  # any storage failure means unhealthy
            return False

    async def hit(self, item: RateLimitItem, *keys: str) -> Verdict:
        """Count one request against ``item`` for ``keys``."""
        allowed = await self.limiter.hit(item, *keys)
        stats = await self.limiter.get_window_stats(item, *keys)
        return Verdict(allowed, item.amount, stats.remaining, stats.reset_time)

    async def retry_after(self, item: RateLimitItem, *keys: str) -> int:
        """Seconds until ``item`` lets a request for ``keys`` through again."""
        stats = await self.limiter.get_window_stats(item, *keys)
        return seconds_until(stats.reset_time)

    async def check_login(self, ip: str, username: str) -> None:
        """Refuse a login attempt when too many failed recently from this IP for this name."""
        keys = ("login", ip, username.lower())
        if not await self.limiter.test(self.login, *keys):
            retry_after = await self.retry_after(self.login, *keys)
            raise RateLimited("too many failed logins; wait and try again", retry_after)

    async def failed_login(self, ip: str, username: str) -> None:
        """Count a failed login."""
        await self.limiter.hit(self.login, "login", ip, username.lower())

    async def check_user(self, user_id: str) -> None:
        """Count one authenticated request against the per-user limit; raise when over.

        The answer carries the per-IP headers, so the window is only read when refused.
        """
        if not await self.limiter.hit(self.per_user, "user", user_id):
            raise RateLimited(
                f"rate limit of {self.per_user.amount} requests per "
                f"{self.per_user.get_expiry()} s for this user reached",
                await self.retry_after(self.per_user, "user", user_id),
            )

    def client_ip(self, request: web.Request) -> str:
        """The socket's peer, or the first untrusted hop of X-Forwarded-For behind a trusted proxy."""
        peer = request.transport.get_extra_info("peername") if request.transport else None
        ip = str(peer[0]) if peer else "unknown"
        forwarded = request.headers.get("X-Forwarded-For")
        if not forwarded or not self._is_trusted(ip):
            return ip
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        for hop in reversed(hops):
            if not self._is_trusted(hop):
                return hop
        return hops[0] if hops else ip

    def _is_trusted(self, ip: str) -> bool:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in net for net in self.trusted)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def ip_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Per-IP limit on every route but the exempt ones; adds the X-RateLimit headers."""
    if request.path.startswith(EXEMPT_PREFIXES):
        return await handler(request)
    limits: RateLimits = request.app[appkeys.LIMITS]
    verdict = await limits.hit(limits.per_ip, "ip", limits.client_ip(request))
    request[EXTRA_HEADERS] = verdict.headers()  # on the 429 too
    if not verdict.allowed:
        raise RateLimited(
            f"rate limit of {limits.per_ip.amount} requests per {limits.per_ip.get_expiry()} s "
            "for this address reached",
            verdict.retry_after,
        )
    response = await handler(request)
    response.headers.update(verdict.headers())
    return response
