"""The version a git-versioned project would have at a commit, read from its tags with git.

Build backends that take the version from git (setuptools-scm, hatch-vcs, pdm-backend,
poetry-dynamic-versioning) cannot see one in the copy the test environment builds from,
which has no ``.git``; they are given this one instead. Nothing of the repository runs.
"""

from __future__ import annotations

from pathlib import Path

from packaging.version import InvalidVersion, Version

from aomaas.engine.workspace import run_git

#: What a project without a release tag is built as.
UNRELEASED = "0.0.0"


def _release(tag: str) -> Version | None:
    """The version a release tag names (``v1.2``, ``2.9.0.post0``), None for other tags."""
    name = tag.strip()
    name = name[1:] if name[:1] in "vV" else name
    try:
        version = Version(name)
    except InvalidVersion:
        return None
    return None if version.is_devrelease or version.local else version


def release_version(root: Path) -> str:
    """The nearest release tag behind HEAD, else the highest release tag the clone has.

    A shallow clone without tags gives :data:`UNRELEASED`.
    """
    described = _release(run_git(["describe", "--tags", "--abbrev=0"], root, check=False))
    if described is not None:
        return str(described)
    tags = run_git(["tag", "--list"], root, check=False).split()
    releases = [v for v in map(_release, tags) if v is not None]
    return str(max(releases)) if releases else UNRELEASED
