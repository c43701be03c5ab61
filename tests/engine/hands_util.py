"""Helpers for the engine's "hands" tests: real git repositories and hand-made findings."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from aomaas.engine.findings import Effort, Finding, OpportunityType, Priority, make_fingerprint

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` with a fixed identity; return stdout."""
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def make_repo(root: Path, files: dict[str, str]) -> str:
    """Create a git repository at ``root`` with ``files`` committed on main; return the commit."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return git(root, "rev-parse", "HEAD").strip()


def finding(
    rule: str, path: str, line: int | None = None, snippet: str = "", **extra: object
) -> Finding:
    """A finding as a miner would report it (for tests that do not need the miners)."""
    kind = (
        OpportunityType.SECURITY
        if ":S" in rule or rule.startswith("repo:")
        else OpportunityType.MAINTAINABILITY
    )
    return Finding(
        fingerprint=make_fingerprint(rule, path, snippet),
        rule=rule,
        type=kind,
        priority=Priority.HIGH,
        effort=Effort.SMALL,
        title=f"{rule} in {path}",
        description="test finding",
        location=path,
        line=line,
        snippet=snippet,
        fixable=True,
        extra={"code": rule.split(":", 1)[1]} if rule.startswith("ruff:") else dict(extra),
    )


def shared_cache() -> Path:
    """A venv/tools cache the sandbox user can read, shared by the test session."""
    path = Path(tempfile.gettempdir()) / f"aomaas-test-cache-{os.getuid()}"
    path.mkdir(exist_ok=True)
    path.chmod(0o755)
    return path


PASSING_SUITE = {
    "calc/__init__.py": "def add(a, b):\n    return a + b\n",
    "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
}


def commit_as(root: Path, email: str) -> str:
    """Commit everything under ``root`` (a repository made if needed) as ``email``: the
    address then counts as someone's who commits to the project."""
    if not (root / ".git").exists():
        git(root, "init", "-q", "-b", "main")
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_EMAIL": email}
    subprocess.run(["git", "add", "-A"], cwd=root, env=env, check=True)
    subprocess.run(["git", "commit", "-qm", "work"], cwd=root, env=env, check=True)
    return git(root, "rev-parse", "HEAD").strip()
