"""The whole /api/v1 contract, walked by ../shared/checks/seed_contract.py against a real server.

An embedded `aomaas serve` (subprocess, in-process worker) on SQLite and on
PostgreSQL, a real git repository under the configured local root: every check
of the seed contract must hold, and the fix it makes must really be on a branch
of that repository.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aomaas.settings import Settings
from tests.integration.repos import demo_repo
from tests.support.config import settings_env
from tests.support.git import git
from tests.support.live import free_port
from tests.support.processes import run_cli, start_server_process

# ../shared beside the checkout (as laid out for developers and CI).
SEED = Path(__file__).resolve().parents[2].parent / "shared" / "checks" / "seed_contract.py"

pytestmark = pytest.mark.slow


def _seed_path() -> Path:
    if not SEED.is_file():
        pytest.fail(f"../shared/checks/seed_contract.py not found (looked at {SEED})")
    return SEED


def test_seed_contract_local(settings: Settings, tmp_path: Path) -> None:
    """Every check of the seed contract holds with --provider local."""
    repos = tmp_path / "repos"
    repo = demo_repo(repos)
    env = {**settings_env(settings), "AOMAAS_LOCAL_REPO_ROOT": str(repos)}
    created = run_cli(
        ["user", "create", "maintainer", "--password-stdin"], env, input="password123\n"
    )
    assert created.returncode == 0, created.stderr
    granted = run_cli(["user", "grant", "maintainer", "local"], env)  # indexing needs a grant
    assert granted.returncode == 0, granted.stderr
    server = start_server_process(env, free_port(), log=tmp_path / "serve.log")
    try:
        result = subprocess.run(
            [
                sys.executable,
                str(_seed_path()),
                server.url,
                "maintainer",
                "password123",
                str(repo),
                "--provider",
                "local",
                "--timeout",
                "240",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    finally:
        server.stop()
    assert result.returncode == 0, (
        result.stdout[-4000:] + "\n--- server log ---\n" + server.output()[-4000:]
    )
    last = result.stdout.strip().splitlines()[-1]
    held, total = last.split(": ")[1].split(" ")[0].split("/")
    assert held == total and int(total) > 100, last
    branches = git(repo, "branch", "--list", "fix/contract-check-*").split()
    assert branches, "the proven fix was not pushed to the repository"
    changed = git(repo, "diff", "--name-only", "main", branches[-1]).split()
    assert changed == ["src/acme/config.py"]
    assert "safe_load" in git(repo, "show", f"{branches[-1]}:src/acme/config.py")
