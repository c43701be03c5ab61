"""The API's own description: ``/api/v1/openapi.json`` and a human page at ``/api/v1/docs``."""

from __future__ import annotations

import html
import json
from typing import Any

from aiohttp import web

OPENAPI_KEY: web.AppKey[dict[str, Any]] = web.AppKey("openapi")


async def openapi_json(request: web.Request) -> web.Response:
    """The generated OpenAPI document."""
    return web.json_response(request.app[OPENAPI_KEY])


async def docs_page(request: web.Request) -> web.Response:
    """A self-contained HTML page listing every operation with its request and answer schemas."""
    doc = request.app[OPENAPI_KEY]
    rows = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            body = (
                op.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema")
            )
            ok: dict[str, Any] = next(iter(op["responses"].values()), {})
            answer = ok.get("content", {}).get("application/json", {}).get("schema")
            rows.append(
                f"<section><h2><code>{method.upper()} {html.escape(path)}</code></h2>"
                f"<p>{html.escape(op.get('summary', ''))} "
                f"(<code>{html.escape(op.get('operationId', ''))}</code>)</p>"
                + (f"<p>{html.escape(op['description'])}</p>" if op.get("description") else "")
                + (
                    f"<h3>Request</h3><pre>{html.escape(json.dumps(body, indent=2))}</pre>"
                    if body
                    else ""
                )
                + (
                    f"<h3>Answer</h3><pre>{html.escape(json.dumps(answer, indent=2))}</pre>"
                    if answer
                    else ""
                )
                + "</section>"
            )
    schemas = "".join(
        f"<h3 id='{html.escape(name)}'>{html.escape(name)}</h3><pre>{html.escape(json.dumps(s, indent=2))}</pre>"
        for name, s in doc["components"]["schemas"].items()
    )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>AOMaaS API</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}pre{background:#f4f4f4;padding:.5em;overflow:auto}</style>"
        "</head><body><h1>AOMaaS API v1</h1><p>Machine-readable: <a href='openapi.json'>openapi.json</a>. "
        "Authenticate with <code>POST /api/v1/auth/token</code>, then send <code>Authorization: Bearer TOKEN</code>. "
        'Errors are <code>{"detail", "type"}</code>.</p>'
        + "".join(rows)
        + "<h2>Schemas</h2>"
        + schemas
        + "</body></html>"
    )
    return web.Response(text=page, content_type="text/html")
