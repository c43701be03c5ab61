"""Adds the GitHub face's routes to the app."""

from __future__ import annotations

from aiohttp import web

from aomaas.bot.webhook import github_webhook


def install(app: web.Application) -> None:
    """``POST /webhooks/github`` (and the setup pages when present)."""
    app.router.add_post("/webhooks/github", github_webhook)
