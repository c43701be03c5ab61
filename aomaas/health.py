"""``/healthz``: is the database reachable, and are the broker and the rate-limit store answering?"""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy import text

from aomaas import appkeys
from aomaas.jobs.broker import broker_is_healthy


async def healthz(request: web.Request) -> web.Response:
    """200 with each part's state when all are fine; 503 naming what is not."""
    checks: dict[str, str] = {}
    try:
        async with request.app[appkeys.SESSIONS]() as session:
            await session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # report, never raise: this is the health probe
        checks["database"] = f"error: {type(exc).__name__}"
    ok = await asyncio.to_thread(broker_is_healthy, request.app[appkeys.BROKER])
    checks["broker"] = "ok" if ok else "error: broker not reachable"
    limits_ok = await request.app[appkeys.LIMITS].healthy()
    checks["rate_limits"] = "ok" if limits_ok else "error: rate-limit store not reachable"
    healthy = all(v == "ok" for v in checks.values())
    settings = request.app[appkeys.SETTINGS]
    body = {
        "status": "ok" if healthy else "degraded",
        "checks": checks,
        "mode": "embedded" if settings.embedded else "scaled",
        "github": "configured" if settings.github_configured else "not configured",
    }
    return web.json_response(body, status=200 if healthy else 503)
