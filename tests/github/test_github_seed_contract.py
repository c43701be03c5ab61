"""The seed's /api/v1 contract with ``--provider github``: ``aomaas serve`` wired to the stand-in.

The app is installed (a real ``installation.created`` delivery), then
../shared/checks/seed_contract.py walks index → mine → plan → implement → pull
request → review through the API; every check must hold, the pull request must
exist in the stand-in with the proven change, and every request the service
made must match GitHub's OpenAPI description (the fixture checks that).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakegithub import FakeGitHub, events
from tests.integration.repos import demo_repo
from tests.support.config import make_settings, settings_env
from tests.support.live import free_port
from tests.support.processes import run_cli, start_server_process

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "checks" / "seed_contract.py"


@pytest.mark.slow
async def test_seed_contract_github(fake_github: FakeGitHub, tmp_path: Path) -> None:
    fake = fake_github
    inst = fake.add_installation("octo-org")
    fake.add_repo("octo-org/demo", installation=inst, source=demo_repo(tmp_path / "src"))
    settings = make_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'seed.db'}")
    env = {**settings_env(settings), **{k: str(v) for k, v in fake.settings_env().items()}}
    created = run_cli(
        ["user", "create", "maintainer", "--password-stdin"], env, input="password123\n"
    )
    assert created.returncode == 0, created.stderr
    server = start_server_process(env, free_port(), log=tmp_path / "serve.log")
    try:
        status, answer = await fake.deliver(
            server.url + "/webhooks/github", *events.installation(fake, inst, "created")
        )
        assert status == 202, answer
        command = [
            sys.executable,
            str(SEED),
            server.url,
            "maintainer",
            "password123",
            f"{fake.git_url}/octo-org/demo",
            "--provider",
            "github",
            "--timeout",
            "240",
        ]
        result = await asyncio.to_thread(
            subprocess.run, command, capture_output=True, text=True, timeout=900, check=False
        )
    finally:
        server.stop()
    assert result.returncode == 0, (
        result.stdout[-4000:] + "\n--- server log ---\n" + server.output()[-4000:]
    )
    last = result.stdout.strip().splitlines()[-1]
    held, total = last.split(": ")[1].split(" ")[0].split("/")
    assert held == total and int(total) > 100, last
    [pull] = fake.pulls("octo-org/demo")
    assert pull.user == fake.bot_login
    assert b"safe_load" in (
        fake.file_at("octo-org/demo", f"heads/{pull.head}", "src/acme/config.py") or b""
    )
    assert fake.issue_state("octo-org/demo").reviews, "the review was not posted on GitHub"
