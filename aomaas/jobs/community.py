"""Ask the forge what community files a repository already has (plain data).

The mine job asks it to leave out what the owner already covers, the plan job to say so.
"""

from __future__ import annotations

from typing import Any

from aomaas.engine.recipes.community import OWNER_FILES, CommunityFacts
from aomaas.forges.base import Forge, RepoRef


def _profile_files(profile: dict[str, Any]) -> dict[str, str | None]:
    files = profile.get("files") if isinstance(profile.get("files"), dict) else {}
    found: dict[str, str | None] = {}
    for key, value in (files or {}).items():
        found[str(key)] = str(value.get("html_url") or key) if isinstance(value, dict) else None
    return found


async def community_facts(forge: Forge, ref: RepoRef) -> CommunityFacts:
    """The community profile and the owner's ``.github`` files, or why they are unknown."""
    profile = await forge.community_profile(ref)
    owner_files: dict[str, str] = {}
    for path in OWNER_FILES:
        found = await forge.owner_file(ref, path)
        if not found.known:
            why = found.why_unknown or "the forge could not tell"
            return CommunityFacts(checked=False, why_unchecked=why)
        if found.content is not None:
            owner_files[path] = found.where
    if profile is None:
        return CommunityFacts(
            checked=False,
            why_unchecked="the forge gave no community profile",
            owner_files=owner_files,
        )
    return CommunityFacts(checked=True, profile=_profile_files(profile), owner_files=owner_files)
