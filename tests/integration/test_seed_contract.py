"""The whole /api/v1 contract, walked field for field against a real `aomaas serve`.

An embedded `aomaas serve` (subprocess, in-process worker) on SQLite and on PostgreSQL, a real
git repository under the configured local root: every check of our own walk
(:mod:`tests.support.contract`) must hold, and the fix it makes must really be on a branch of
that repository. The suite reads nothing outside the repository: the seed's own check
(the seed contract check of the design documents) is for running by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aomaas.settings import Settings
from tests.integration.repos import demo_repo
from tests.support.config import settings_env
from tests.support.contract import Target, walk_contract
from tests.support.git import git
from tests.support.live import free_port
from tests.support.processes import ServerProcess, run_cli, start_server_process

pytestmark = pytest.mark.slow


@pytest.fixture
def serving(settings: Settings, tmp_path: Path) -> Iterator[tuple[ServerProcess, Path]]:
    """`aomaas serve` with the account maintainer/password123 and a demo repository it may index."""
    repos = tmp_path / "repos"
    repo = demo_repo(repos)
    env = {**settings_env(settings), "AOMAAS_LOCAL_REPO_ROOT": str(repos)}
    created = run_cli(
        ["user", "create", "maintainer", "--password-stdin"], env, input="password123\n"
    )
    assert created.returncode == 0, created.stderr
    granted = run_cli(["user", "grant", "maintainer", "local"], env)  # may index local repositories
    assert granted.returncode == 0, granted.stderr
    server = start_server_process(env, free_port(), log=tmp_path / "serve.log")
    try:
        yield server, repo
    finally:
        server.stop()


def _fixed_on_branch(repo: Path, pattern: str) -> None:
    """The proven fix is a branch of ``repo`` changing the one file the finding is in."""
    branches = git(repo, "branch", "--list", pattern).split()
    assert branches, "the proven fix was not pushed to the repository"
    changed = git(repo, "diff", "--name-only", "main", branches[-1]).split()
    assert changed == ["src/acme/config.py"]
    assert "safe_load" in git(repo, "show", f"{branches[-1]}:src/acme/config.py")


async def test_contract_local(serving: tuple[ServerProcess, Path]) -> None:
    """Every check of our contract walk holds with provider_type local."""
    server, repo = serving
    target = Target("maintainer", "password123", str(repo), branch_name="fix/contract-walk-1")
    report = await walk_contract(server.url, target)
    assert report.failures == [], (
        report.summary() + "\n--- server log ---\n" + server.output()[-4000:]
    )
    assert len(report.checks) > 150, report.summary()
    _fixed_on_branch(repo, "fix/contract-walk-*")
