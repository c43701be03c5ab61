"""Community files against the GitHub stand-in: the owner's ``.github`` policy counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from aomaas.store.models import Opportunity
from aomaas.store.states import OpportunityStatus
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
from tests.support.live import LiveServer, live_server

ORG_POLICY = "# Security\n\nReport problems to security@octo.example.\n"
COVERED = "octo-org/.github SECURITY.md already provides the security policy for the organisation"


async def _reply(fake: FakeGitHub, number: int, start: str, count: int = 1) -> str:
    """The latest reply starting with ``start``, once there are ``count`` of them."""
    found = await eventually(
        lambda: [b for b in bot_comments(fake, number) if b.startswith(start)][count - 1 :],
        f"reply {count} starting {start}",
    )
    return found[-1]


async def _policy_status(server: LiveServer) -> OpportunityStatus:
    async with server.sessions() as session:
        row = await session.scalar(
            select(Opportunity).where(Opportunity.rule == "repo:missing-security-policy")
        )
    assert row is not None
    return row.status


async def test_organisation_security_policy_is_left_out_of_mining_and_needs_no_fix(
    fake_github: FakeGitHub, tmp_path: Path, database_url: str
) -> None:
    """Without the organisation's policy the finding is listed; once octo-org/.github has a
    SECURITY.md, fixing it needs nothing and mining again leaves it out, saying why."""
    installation = fake_github.add_installation("octo-org")
    files = {k: v for k, v in DEMO_FILES.items() if "SECURITY" not in k.upper()}
    # A network client: an attack surface, so a missing security policy is worth reporting.
    files["src/acme/fetch.py"] = '"""Fetching."""\n\nimport socket\n'
    fake_github.add_repo(REPO, installation=installation, files=files)
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
        assert "left out" not in table, table
        row = next(line for line in table.splitlines() if "SECURITY.md" in line)
        ref = row.split("|")[1].strip()

        fake_github.add_repo(
            "octo-org/.github", installation=installation, files={"SECURITY.md": ORG_POLICY}
        )
        await comment_command(fake_github, server, number, f"/aomaas fix {ref}")
        failed = await _reply(fake_github, number, "❌")
        assert f"No fix needed: {COVERED}" in failed, failed
        assert await _policy_status(server) == OpportunityStatus.OPEN

        await comment_command(fake_github, server, number, "/aomaas mine security")
        again = await _reply(fake_github, number, "🔎", count=2)
        assert f"; 1 left out: {COVERED}; selected the top " in again, again
        listed = again.split("\n\n", 1)[1]
        assert "| 1 | security |" in listed and "SECURITY.md" not in listed, again
        assert await _policy_status(server) == OpportunityStatus.RESOLVED
        commands = await tasks_of(server, "github_command")
        result = (await finished(server, commands[-1].id)).result
        assert result is not None
        left_out = result["data"]["left_out"]
        assert [(o["rule"], o["location"], o["reason"]) for o in left_out] == [
            ("repo:missing-security-policy", "SECURITY.md", COVERED)
        ]
    pulls = [i for i in fake_github.repos[REPO].issues.values() if i.is_pull]
    assert pulls == []
