"""Wires the /api/v1 resources, their OpenAPI document and docs page into an app."""

from __future__ import annotations

import importlib

from aiohttp import web

from aomaas.api.auth import authenticate
from aomaas.api.docs import OPENAPI_KEY, docs_page, openapi_json
from aomaas.api.routing import PREFIX, ApiTable

# Resource modules, each exposing `table: ApiTable`.
RESOURCES = (
    "aomaas.api.auth",
    "aomaas.api.tasks",
    "aomaas.api.repositories",
    "aomaas.api.work",
)


def install_api(app: web.Application, version: str) -> None:
    """Add every resource's routes, ``/api/v1/openapi.json`` and ``/api/v1/docs``."""
    combined = ApiTable()
    for name in RESOURCES:
        table: ApiTable = importlib.import_module(name).table
        combined.endpoints.extend(table.endpoints)
    combined.install(app, authenticate)
    app[OPENAPI_KEY] = combined.openapi("AOMaaS API", version)
    app.router.add_get(PREFIX + "/openapi.json", openapi_json)
    app.router.add_get(PREFIX + "/docs", docs_page)
