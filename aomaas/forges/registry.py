"""Pick the forge for a provider name."""

from __future__ import annotations

from typing import Any

from aomaas.errors import InvalidRequest, ServiceUnavailable
from aomaas.forges.base import Forge
from aomaas.forges.local import LocalForge
from aomaas.settings import Settings


def forge_for(provider: str, settings: Settings, services: dict[str, Any]) -> Forge:
    """The forge for ``provider`` ("local" or "github")."""
    if provider == "local":
        return LocalForge()
    if provider == "github":
        if not (settings.github_app_id and settings.github_private_key_pem):
            raise ServiceUnavailable(
                "GitHub is not configured: set GITHUB_APP_ID and GITHUB_PRIVATE_KEY (or "
                "GITHUB_PRIVATE_KEY_PATH), or register the app through /setup"
            )
        from aomaas.forges.github.forge import GitHubForge

        return GitHubForge.from_settings(settings, services)
    raise InvalidRequest(f"unknown provider {provider!r}; use github or local")
