"""The web page GitHub shows in the manifest flow, reduced to what a test needs.

``POST /settings/apps/new?state=…`` (or ``/organizations/{org}/settings/apps/new``)
with a form field ``manifest`` (JSON). GitHub asks the user to confirm, creates
the app and sends the browser to the manifest's ``redirect_url`` with
``?code=…&state=…``; the stand-in checks the manifest the way GitHub does
(an object with ``url``, ``hook_attributes.url`` and ``redirect_url``), keeps it
in ``fake.manifests`` and redirects at once. A bad manifest is a violation.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from aiohttp import web

if TYPE_CHECKING:
    from tests.fakegithub.server import FakeGitHub


def install(app: web.Application, fake: FakeGitHub) -> None:
    """Add the two manifest-flow pages (before the stand-in's catch-all route)."""

    async def new_app(request: web.Request) -> web.StreamResponse:
        form = await request.post()
        manifest, problem = _read_manifest(form.get("manifest"))
        if problem:
            with fake.lock:
                fake.violations.append(f"manifest flow page {request.path}: {problem}")
            return web.Response(status=422, text=f"Invalid GitHub App manifest: {problem}")
        with fake.lock:
            fake.manifests.append({"org": request.match_info.get("org"), **manifest})
        query = {"code": fake.new_manifest_code()}
        if "state" in request.query:
            query["state"] = request.query["state"]
        raise web.HTTPFound(f"{manifest['redirect_url']}?{urlencode(query)}")

    app.router.add_post("/settings/apps/new", new_app)
    app.router.add_post("/organizations/{org}/settings/apps/new", new_app)


def _read_manifest(field: object) -> tuple[dict[str, Any], str | None]:
    """The manifest and, when GitHub would refuse it, why."""
    if not isinstance(field, str):
        return {}, "no manifest form field"
    try:
        manifest = json.loads(field)
    except ValueError as exc:
        return {}, f"manifest is not JSON ({exc})"
    if not isinstance(manifest, dict):
        return {}, "manifest is not an object"
    hook = manifest.get("hook_attributes") or {}
    for name, value in (
        ("url", manifest.get("url")),
        ("redirect_url", manifest.get("redirect_url")),
        ("hook_attributes.url", hook.get("url")),
    ):
        if not isinstance(value, str) or not value.startswith(("http://", "https://")):
            return manifest, f"{name} must be an http(s) URL, got {value!r}"
    if not isinstance(manifest.get("default_permissions"), dict):
        return manifest, "default_permissions must be an object"
    return manifest, None
