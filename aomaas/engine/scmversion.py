"""The version a git-versioned project would have at a commit, read from its tags with git.

Build backends that take the version from git (setuptools-scm, hatch-vcs, pdm-backend,
poetry-dynamic-versioning) cannot see one in the copy the test environment builds from,
which has no ``.git``; they are given this one instead. Nothing of the repository runs.
"""

from __future__ import annotations

from pathlib import Path

from aomaas.engine.releases import highest_release, release
from aomaas.engine.workspace import REMOTE_RELEASE_KEY, run_git

#: What a project without a release tag is built as.
UNRELEASED = "0.0.0"


def release_version(root: Path) -> str:
    """The nearest release tag behind HEAD, else the highest release tag the clone has,
    else the highest the remote had when the workspace fetched (shallow clones have no
    tags), else :data:`UNRELEASED`.
    """
    described = release(run_git(["describe", "--tags", "--abbrev=0"], root, check=False))
    if described is not None:
        return str(described)
    local = highest_release(run_git(["tag", "--list"], root, check=False).split())
    if local is not None:
        return local
    remote = run_git(["config", "--get", REMOTE_RELEASE_KEY], root, check=False).strip()
    return str(release(remote) or UNRELEASED)
