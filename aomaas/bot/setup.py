"""Adds the GitHub face's routes to the app."""

from __future__ import annotations

from aiohttp import web

from aomaas.bot import manifest_flow
from aomaas.bot.webhook import DELIVERY_WRITER, DeliveryWriter, github_webhook


def install(app: web.Application) -> None:
    """``POST /webhooks/github`` and the manifest flow's ``/setup`` pages."""
    app[DELIVERY_WRITER] = DeliveryWriter()
    app.router.add_post("/webhooks/github", github_webhook)
    manifest_flow.install(app)
