"""Pick the forge for a provider name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aomaas.errors import InvalidRequest
from aomaas.forges.base import Forge
from aomaas.forges.local import LocalForge
from aomaas.settings import Settings
from aomaas.store.states import Provider

if TYPE_CHECKING:
    from aomaas.forges.github.forge import GitHubShared


def forge_for(provider: str, settings: Settings, services: GitHubShared) -> Forge:
    """The forge for ``provider`` ("local" or "github")."""
    if provider == Provider.LOCAL:
        return LocalForge()
    if provider == Provider.GITHUB:
        from aomaas.forges.github.forge import GitHubForge

        return GitHubForge.from_settings(settings, services)
    raise InvalidRequest(f"unknown provider {provider!r}; use github or local")
