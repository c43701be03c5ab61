"""The one place errors become HTTP answers: ``{"detail": ..., "type": ...}``.

Known errors keep their status and message. A backing service that is down (the
database, or Redis: see :mod:`aomaas.outages`) is a 503 with ``Retry-After`` naming the
part, logged once a minute at warning level. Anything else unexpected is a 500 whose
body names only a request id, while the log holds the stack trace.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import ValidationError

from aomaas.errors import AomaasError, RateLimited, ServiceUnavailable
from aomaas.outages import OutageLog, outage_of

log = logging.getLogger("aomaas.api")

# Headers every answer carries, errors too (set by the rate-limit middleware).
EXTRA_HEADERS: web.RequestKey[dict[str, str]] = web.RequestKey("aomaas.extra_headers", dict)

# Each app logs its own outages (once a minute per part); create_app sets it.
OUTAGE_LOG: web.AppKey[OutageLog] = web.AppKey("aomaas.outage_log", OutageLog)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_HTTP_TYPES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "invalid_request",
    429: "rate_limited",
}


def envelope(
    status: int, detail: str, type_: str, headers: dict[str, str] | None = None
) -> web.Response:
    """An error answer in the contract's envelope."""
    return web.json_response({"detail": detail, "type": type_}, status=status, headers=headers)


def describe_validation_error(exc: ValidationError) -> str:
    """A one-line message naming every field that is wrong and why."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{where}: {error['msg']}")
    return "invalid request: " + "; ".join(parts)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Map every failure of the API routes to the envelope."""
    try:
        return await handler(request)
    except RateLimited as exc:
        headers = {**request.get(EXTRA_HEADERS, {}), "Retry-After": str(exc.retry_after)}
        return envelope(exc.status, exc.detail, exc.type, headers)
    except ServiceUnavailable as exc:
        return unavailable(request, exc)
    except AomaasError as exc:
        return envelope(exc.status, exc.detail, exc.type, request.get(EXTRA_HEADERS))
    except ValidationError as exc:
        return envelope(400, describe_validation_error(exc), "invalid_request")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        detail = exc.text if exc.text and not exc.text.startswith(str(exc.status)) else exc.reason
        if exc.status == 404:
            detail = f"no route for {request.method} {request.path}"
        elif exc.status == 405:
            detail = f"method {request.method} is not allowed on {request.path}"
        headers = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "retry-after")}
        return envelope(exc.status, detail, _HTTP_TYPES.get(exc.status, "http_error"), headers)
    except Exception as exc:
        outage = outage_of(exc)
        if outage is not None:
            request.app[OUTAGE_LOG].report(outage, f"{request.method} {request.path}")
            return unavailable(request, outage)
        request_id = uuid.uuid4().hex
        log.exception(
            "internal error on %s %s (request id %s)", request.method, request.path, request_id
        )
        return envelope(500, f"internal error; request id {request_id}", "internal_error")


def unavailable(request: web.Request, exc: ServiceUnavailable) -> web.Response:
    """A 503 in the envelope, with ``Retry-After`` when the part is expected back."""
    headers = dict(request.get(EXTRA_HEADERS, {}))
    if exc.retry_after is not None:
        headers["Retry-After"] = str(exc.retry_after)
    return envelope(exc.status, exc.detail, exc.type, headers)
