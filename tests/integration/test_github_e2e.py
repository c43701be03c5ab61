"""The product as maintainers meet it, against the GitHub stand-in (every request schema-checked).

Install → indexed → `/aomaas mine security` lists real findings → `/aomaas fix 1` opens a pull
request whose commit really changes the file in the bare repository, with a check run →
`/aomaas review security` on a human pull request posts one review with an inline comment on
the right line. Plus: duplicate delivery, bad signature, oversize body, malformed JSON.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from aomaas.store.models import Repository, Task, WebhookDelivery
from tests.integration.github_support import REPO, bot_comments, comment_command, eventually
from tests.support.contract import Target, walk_contract

pytestmark = pytest.mark.slow
SHELL = '"""Shell helpers."""\nimport subprocess\n\n\ndef run(cmd):\n    """Run a command."""\n    return subprocess.call(cmd, shell=True)\n'


async def test_install_mine_fix_review(wired: Any) -> None:
    fake, installation, server = wired
    payload = fake.webhook_payload(
        "installation", "created.payload.json", installation=installation
    )
    status, _ = await fake.deliver(server.url + "/webhooks/github", "installation", payload)
    assert status == 202

    async def indexed() -> Repository | None:
        async with server.sessions() as session:
            return await session.scalar(
                select(Repository).where(
                    Repository.name == "widget", Repository.indexed_commit.is_not(None)
                )
            )

    deadline = time.monotonic() + 120
    while (repo := await indexed()) is None:
        assert time.monotonic() < deadline, "installation did not index the repository"
        await asyncio.sleep(0.2)
    assert repo.owner == "octo-org" and repo.provider == "github"

    issue = fake.add_issue(REPO, title="Maintenance")
    await comment_command(fake, server, issue.number, "/aomaas mine security")
    table = await eventually(
        lambda: [b for b in bot_comments(fake, issue.number) if b.startswith("🔎")],
        "the mine reply",
    )
    assert "| 1 | security | critical |" in table[0] and "src/acme/config.py:9" in table[0], table[
        0
    ]
    assert any(r.content == "eyes" for r in fake.issue_state(REPO).reactions)

    await comment_command(fake, server, issue.number, "/aomaas fix 1")
    done = await eventually(
        lambda: [b for b in bot_comments(fake, issue.number) if b.startswith(("✅", "❌"))],
        "the fix reply",
        240,
    )
    assert done[0].startswith("✅"), done[0]
    pulls = [p for p in fake.pulls(REPO) if p.user == fake.bot_login]
    assert len(pulls) == 1
    pull = pulls[0]
    fixed = fake.file_at(REPO, f"refs/heads/{pull.head}", "src/acme/config.py")
    assert fixed is not None and b"yaml.safe_load(handle)" in fixed and b"yaml.load(" not in fixed
    assert "<!-- aomaas:fingerprint=" in (pull.body or "") and "### Proof" in (pull.body or "")
    checks = list(fake.issue_state(REPO).check_runs.values())
    assert (
        checks
        and checks[0].conclusion == "success"
        and checks[0].head_sha == fake.ref(REPO, f"refs/heads/{pull.head}")
    )

    fake.commit(REPO, "feature/shell", {"src/acme/shell.py": SHELL}, "add a shell helper")
    human = fake.add_pull(REPO, "feature/shell", title="Shell helper")
    await comment_command(fake, server, human.number, "/aomaas review security", pull=True)
    await eventually(
        lambda: [b for b in bot_comments(fake, human.number) if b.startswith("🔍")],
        "the review reply",
        180,
    )
    reviews = [r for r in fake.issue_state(REPO).reviews.values() if r.pull_number == human.number]
    assert len(reviews) == 1
    lines = [(c["path"], c["line"]) for c in reviews[0].comments]
    assert ("src/acme/shell.py", 7) in lines, reviews[0].comments


async def test_deliveries_are_verified_deduplicated_and_bounded(wired: Any) -> None:
    fake, installation, server = wired
    hook = server.url + "/webhooks/github"
    body, headers = fake.delivery(
        "installation",
        fake.webhook_payload("installation", "suspend.payload.json", installation=installation),
    )
    async with aiohttp.ClientSession() as http:
        async with http.post(hook, data=body, headers=headers) as first:
            assert first.status == 202
        async with http.post(hook, data=body, headers=headers) as again:
            assert again.status == 200 and (await again.json())["duplicate"] is True
        bad = {
            **headers,
            "X-Hub-Signature-256": "sha256=" + "0" * 64,
            "X-GitHub-Delivery": "forged-1",
        }
        async with http.post(hook, data=body, headers=bad) as forged:
            assert forged.status == 401
        huge = b"{" + b" " * (25 * 1024 * 1024) + b"}"
        async with http.post(
            hook, data=huge, headers={**headers, "X-GitHub-Delivery": "huge-1"}
        ) as too_big:
            assert too_big.status == 413
        junk, junk_headers = fake.delivery("push", b"{not json")
        async with http.post(hook, data=junk, headers=junk_headers) as malformed:
            assert malformed.status == 400
    async with server.sessions() as session:
        stored = await session.scalar(select(func.count()).select_from(WebhookDelivery))
        tasks = await session.scalar(
            select(func.count()).select_from(Task).where(Task.kind == "github_delivery")
        )
    assert stored == 1 and tasks == 1


async def test_contract_with_github_provider(wired: Any) -> None:
    """Our contract walk with provider_type github: every check holds against the stand-in."""
    fake, installation, server = wired
    payload = fake.webhook_payload(
        "installation", "created.payload.json", installation=installation
    )
    assert (await fake.deliver(server.url + "/webhooks/github", "installation", payload))[0] == 202
    await server.create_user("maintainer", owners=["octo-org"])
    target = Target(
        "maintainer",
        "password123",
        f"{fake.git_url}/{REPO}",
        provider="github",
        pr_title="Contract check",
    )
    report = await walk_contract(server.url, target)
    assert report.failures == [], report.summary()
    assert len(report.checks) > 150, report.summary()
    pulls = [p for p in fake.pulls(REPO) if p.user == fake.bot_login]
    assert len(pulls) == 1 and pulls[0].title == "Contract check"
    assert any(r.pull_number == pulls[0].number for r in fake.issue_state(REPO).reviews.values())
