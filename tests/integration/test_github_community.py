"""Community files against the GitHub stand-in: the owner's ``.github`` policy counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.fakegithub.server import FakeGitHub
from tests.integration.github_support import (
    REPO,
    bot_comments,
    comment_command,
    deliver,
    eventually,
    finished,
    indexed_at,
    tasks_of,
)
from tests.integration.repos import DEMO_FILES
from tests.support.config import make_settings
from tests.support.live import live_server

ORG_POLICY = "# Security\n\nReport problems to security@octo.example.\n"


async def _reply(fake: FakeGitHub, number: int, start: str) -> str:
    found = await eventually(
        lambda: [b for b in bot_comments(fake, number) if b.startswith(start)], f"a {start} reply"
    )
    return found[-1]


async def test_organisation_security_policy_means_no_security_pull_request(
    fake_github: FakeGitHub, tmp_path: Path, database_url: str
) -> None:
    installation = fake_github.add_installation("octo-org")
    files = {k: v for k, v in DEMO_FILES.items() if "SECURITY" not in k.upper()}
    # A network client: an attack surface, so a missing security policy is worth reporting.
    files["src/acme/fetch.py"] = '"""Fetching."""\n\nimport socket\n'
    fake_github.add_repo(REPO, installation=installation, files=files)
    fake_github.add_repo(
        "octo-org/.github", installation=installation, files={"SECURITY.md": ORG_POLICY}
    )
    settings = make_settings(
        tmp_path, database_url, **fake_github.settings_env(), AOMAAS_BOT_NAME=fake_github.bot_login
    )
    async with live_server(settings) as server:
        wired: Any = (fake_github, installation, server)
        await deliver(
            wired,
            "installation",
            fake_github.webhook_payload(
                "installation", "created.payload.json", installation=installation
            ),
        )
        repo = await indexed_at(server, "widget")
        for task in await tasks_of(server, "index", repo.id):
            assert (await finished(server, task.id)).status == "completed"
        number = fake_github.add_issue(REPO, title="Maintenance").number
        await comment_command(fake_github, server, number, "/aomaas mine security")
        table = await _reply(fake_github, number, "🔎")
        row = next(line for line in table.splitlines() if "SECURITY.md" in line)
        ref = row.split("|")[1].strip()
        await comment_command(fake_github, server, number, f"/aomaas fix {ref}")
        failed = await _reply(fake_github, number, "❌")
        assert (
            "No fix needed: octo-org/.github SECURITY.md already provides the security policy "
            "for the organisation" in failed
        ), failed
    pulls = [i for i in fake_github.repos[REPO].issues.values() if i.is_pull]
    assert pulls == []
