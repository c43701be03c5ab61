"""Wires the /api/v1 resources, their OpenAPI document and docs page into an app."""

from __future__ import annotations

from aiohttp import web

from aomaas.api import auth, repositories, tasks, work
from aomaas.api.auth import authenticate
from aomaas.api.docs import OPENAPI_KEY, docs_page, openapi_json
from aomaas.api.routing import PREFIX, ApiTable

# The resources' route tables, in the order their routes are added.
RESOURCES = (auth.table, tasks.table, repositories.table, work.table)


def install_api(app: web.Application, version: str) -> None:
    """Add every resource's routes, ``/api/v1/openapi.json`` and ``/api/v1/docs``."""
    combined = ApiTable()
    for table in RESOURCES:
        combined.endpoints.extend(table.endpoints)
    combined.install(app, authenticate)
    app[OPENAPI_KEY] = combined.openapi("AOMaaS API", version)
    app.router.add_get(PREFIX + "/openapi.json", openapi_json)
    app.router.add_get(PREFIX + "/docs", docs_page)
