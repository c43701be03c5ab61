"""Which git tags name releases, and the highest of them (pure: no git, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable

from packaging.version import InvalidVersion, Version


def release(tag: str) -> Version | None:
    """The version a release tag names (``v1.2``, ``2.9.0.post0``), None for other tags.

    Development releases and local versions are not releases.
    """
    name = tag.strip()
    name = name[1:] if name[:1] in "vV" else name
    try:
        version = Version(name)
    except InvalidVersion:
        return None
    return None if version.is_devrelease or version.local else version


def highest_release(tags: Iterable[str]) -> str | None:
    """The highest version among the release tags of ``tags``, None without one."""
    releases = [v for v in map(release, tags) if v is not None]
    return str(max(releases)) if releases else None
