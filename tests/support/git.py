"""Real git repositories made by tests (no global git configuration needed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

IDENTITY = ("-c", "user.name=AOMaaS Tests", "-c", "user.email=tests@aomaas.invalid")


def git(repo: Path, *args: str) -> str:
    """Run ``git ARGS`` in ``repo`` with a local identity; returns stdout (raises on failure)."""
    result = subprocess.run(
        ["git", *IDENTITY, "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def git_repo(
    tmp_path: Path, files: dict[str, str], branch: str = "main", name: str = "repo"
) -> Path:
    """A git repository at ``tmp_path/name`` with ``files`` committed on ``branch``."""
    repo = tmp_path / name
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", branch)
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", "initial commit")
    return repo
