"""Real webhook deliveries from tests/data/github/webhooks, moved onto the stand-in and signed."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import aiohttp

from aomaas.bot.signature import sign
from tests.fakegithub.objects import relocate
from tests.fakegithub.spec import GITHUB_DATA

WEBHOOKS = GITHUB_DATA / "webhooks"


def load(event: str, file: str) -> dict[str, Any]:
    """The recorded payload ``webhooks/<event>/<file>`` (``.payload.json`` may be left off)."""
    path = WEBHOOKS / event / file
    if not path.exists():
        path = WEBHOOKS / event / f"{file}.payload.json"
    return json.loads(Path(path).read_text())  # type: ignore[no-any-return]


def webhook_payload(
    event: str,
    file: str,
    *,
    api_url: str | None = None,
    web_url: str | None = None,
    installation_id: int | None = None,
    app_id: int | None = None,
    account: str | None = None,
    repository: dict[str, Any] | None = None,
    repositories: list[dict[str, Any]] | None = None,
    **rewrites: Any,
) -> dict[str, Any]:
    """Load a real payload and rewrite it onto the stand-in.

    * ``api_url``/``web_url``: replace ``https://api.github.com`` / ``https://github.com``;
    * ``installation_id``: the ``installation.id`` (added when the example has none);
      ``app_id``: the installation's ``app_id``; ``account``: the installation's account login;
    * ``repository``: ``{id, name, full_name, owner, default_branch, private}`` of the stand-in's
      repository (its URLs follow);
    * ``repositories``: the list an ``installation``/``installation_repositories`` event carries;
    * any other keyword, with ``__`` as the path separator, sets one field:
      ``comment__body="/aomaas help"``, ``comment__author_association="MEMBER"``.
    """
    payload = load(event, file)
    old_repo = (payload.get("repository") or {}).get("full_name")
    if repository is not None and old_repo:
        pairs = [
            (f"/repos/{old_repo}", f"/repos/{repository['full_name']}"),
            (f"github.com/{old_repo}", f"github.com/{repository['full_name']}"),
        ]
        payload = relocate(payload, pairs)
        repo = payload["repository"]
        repo.update(
            {
                k: v
                for k, v in repository.items()
                if k in ("id", "name", "full_name", "default_branch", "private")
            }
        )
        repo["owner"]["login"] = repository["owner"]
        repo["clone_url"] = f"https://github.com/{repository['full_name']}.git"
    pairs = []
    if api_url:
        pairs.append(("https://api.github.com", api_url.rstrip("/")))
    if web_url:
        pairs.append(("https://github.com", web_url.rstrip("/")))
    payload = relocate(payload, pairs)
    if installation_id is not None:
        if "installation" in payload:
            payload["installation"]["id"] = installation_id
            if "app_id" in payload["installation"] and app_id is not None:
                payload["installation"]["app_id"] = app_id
        else:  # a repository webhook's example: add the installation-lite an app receives
            payload["installation"] = {
                "id": installation_id,
                "node_id": f"MDIzOkluc3RhbGxhdGlvbg{installation_id}",
            }
    if account is not None and isinstance(payload.get("installation", {}).get("account"), dict):
        payload["installation"]["account"]["login"] = account
    if repositories is not None:
        short = [
            {
                "id": r["id"],
                "node_id": f"R_{r['id']}",
                "name": r["name"],
                "full_name": r["full_name"],
                "private": bool(r.get("private")),
            }
            for r in repositories
        ]
        for key in ("repositories", "repositories_added"):
            if key in payload:
                payload[key] = short
    for dotted, value in rewrites.items():
        target = payload
        *parents, last = dotted.split("__")
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = value
    return payload


def delivery(
    event: str, payload: dict[str, Any] | bytes, secret: str
) -> tuple[bytes, dict[str, str]]:
    """(body, headers) exactly as GitHub would POST the delivery, signed with ``secret``."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/fake",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-GitHub-Hook-ID": "1",
        "X-Hub-Signature-256": sign(body, secret),
    }
    return body, headers


async def post_delivery(
    url: str, event: str, payload: dict[str, Any] | bytes, secret: str
) -> tuple[int, Any]:
    """POST a signed delivery to ``url`` (the bot's ``/webhooks/github``); (status, JSON or text)."""
    body, headers = delivery(event, payload, secret)
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        text = await response.text()
        try:
            return response.status, json.loads(text)
        except json.JSONDecodeError:
            return response.status, text


__all__ = ["delivery", "load", "post_delivery", "sign", "webhook_payload"]
