"""The GitHub App end to end: the live service wired to the GitHub stand-in.

Install → indexed → ``/aomaas mine security`` → ranked reply → ``/aomaas fix N`` →
a proven pull request (its commit really changes the file in the bare repository)
with a check run → a human pull request gets ``/aomaas review security`` → one
review with an inline comment on the planted line. Every request the service made
is validated by the stand-in against GitHub's OpenAPI description (the fixture
fails the test otherwise). Plus the webhook route's refusals.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from sqlalchemy import func, select

from aomaas.forges.github.publish import marker_fingerprint
from aomaas.store.models import Opportunity, Repository, WebhookDelivery
from tests.engine.hands_util import PASSING_SUITE, shared_cache
from tests.fakegithub import FakeGitHub, events
from tests.fakegithub.webhooks import delivery
from tests.support.config import make_settings
from tests.support.live import LiveServer, live_server

REPO = "octo-org/calc"
NET = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
EVIL = "def run(expression):\n    value = expression.strip()\n    return eval(value)\n"
T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T | None]], what: str, timeout: float = 180
) -> T:
    """Poll ``probe`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


def bot_replies(fake: FakeGitHub, number: int) -> list[str]:
    return [c.body for c in fake.comments(REPO, number) if c.user == fake.bot_login]


async def say(fake: FakeGitHub, live: LiveServer, number: int, text: str) -> int:
    """A maintainer comments ``text``; the delivery reaches the service. Returns the comment id."""
    comment = fake.add_comment(REPO, number, text, user="alice", association="MEMBER")
    status, answer = await fake.deliver(
        live.url + "/webhooks/github", *events.issue_comment(fake, REPO, comment)
    )
    assert status == 202, answer
    return comment.id


async def _reply_matching(fake: FakeGitHub, number: int, marker: str) -> str | None:
    return next((body for body in bot_replies(fake, number) if marker in body), None)


@pytest.mark.slow
async def test_install_mine_fix_and_review(fake_github: FakeGitHub, tmp_path: Path) -> None:
    fake = fake_github
    inst = fake.add_installation("octo-org")
    fake.add_repo(REPO, installation=inst, files={**PASSING_SUITE, "calc/net.py": NET})
    settings = make_settings(
        tmp_path,
        f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}",
        AOMAAS_DATA_DIR=shared_cache() / "data-e2e",
        **fake.settings_env(),
    )
    async with live_server(settings) as live:
        status, answer = await fake.deliver(
            live.url + "/webhooks/github", *events.installation(fake, inst, "created")
        )
        assert status == 202, answer

        async def indexed() -> Repository | None:
            async with live.sessions() as session:
                repo = await session.scalar(select(Repository).where(Repository.name == "calc"))
            return repo if repo is not None and repo.indexed_commit else None

        repo = await eventually(indexed, "the installed repository to be indexed")
        assert repo.indexed_commit == fake.ref(REPO, "heads/main")

        issue = fake.add_issue(REPO, title="Maintenance", user="alice")
        asked = await say(fake, live, issue.number, "/aomaas mine security")
        table = await eventually(
            lambda: _reply_matching(fake, issue.number, "| # |"), "the ranked table"
        )
        state = fake.issue_state(REPO)
        assert any(r.comment_id == asked and r.content == "eyes" for r in state.reactions)
        async with live.sessions() as session:
            target = await session.scalar(
                select(Opportunity).where(
                    Opportunity.repository_id == repo.id, Opportunity.rule == "ruff:S113"
                )
            )
        assert target is not None and f"| {target.number} |" in table

        await say(fake, live, issue.number, f"/aomaas fix {target.number}")
        await eventually(lambda: _reply_matching(fake, issue.number, "✅"), "the fix", 300)
        [pull] = [p for p in fake.pulls(REPO) if p.user == fake.bot_login]
        assert marker_fingerprint(pull.body) == target.fingerprint
        fixed = fake.file_at(REPO, f"heads/{pull.head}", "calc/net.py") or b""
        assert (
            b"timeout=" in fixed and fake.file_at(REPO, "heads/main", "calc/net.py") == NET.encode()
        )
        runs = list(state.check_runs.values())
        assert [(r.head_sha, r.conclusion) for r in runs] == [
            (fake.ref(REPO, f"heads/{pull.head}"), "success")
        ]

        fake.commit(REPO, "feature/eval", {"calc/evil.py": EVIL}, "add an evaluator")
        human = fake.add_pull(REPO, "feature/eval", title="Evaluator", user="bob")
        await say(fake, live, human.number, "/aomaas review security")

        async def reviewed() -> Any:
            return [r for r in state.reviews.values() if r.pull_number == human.number]

        [review] = await eventually(reviewed, "the review", 240)
        assert review.user == fake.bot_login
        assert ("calc/evil.py", 3, "RIGHT") in {
            (c["path"], c["line"], c["side"]) for c in review.comments
        }
    assert fake.violations == []


async def test_webhook_route_refusals(fake_github: FakeGitHub, tmp_path: Path) -> None:
    fake = fake_github
    inst = fake.add_installation("octo-org")
    fake.add_repo(REPO, installation=inst, files=PASSING_SUITE)
    settings = make_settings(
        tmp_path,
        f"sqlite+aiosqlite:///{tmp_path / 'hooks.db'}",
        AOMAAS_WEBHOOK_MAX_BODY_BYTES=200_000,
        **fake.settings_env(),
    )
    async with live_server(settings, run_worker=False) as live, aiohttp.ClientSession() as http:
        url = live.url + "/webhooks/github"
        event, payload = events.installation(fake, inst, "created")
        body, headers = delivery(event, payload, fake.webhook_secret)

        async def post(data: bytes, sent: dict[str, str]) -> int:
            async with http.post(url, data=data, headers=sent) as response:
                return response.status

        assert await post(body, headers) == 202
        assert await post(body, headers) == 200  # redelivery: acknowledged, nothing new
        forged = {
            **headers,
            "X-GitHub-Delivery": "forged-1",
            "X-Hub-Signature-256": "sha256=" + "0" * 64,
        }
        assert await post(body, forged) == 401
        big, big_headers = delivery(
            event, {**payload, "padding": "x" * 300_000}, fake.webhook_secret
        )
        assert await post(big, {**big_headers, "X-GitHub-Delivery": "big-1"}) == 413
        broken, broken_headers = delivery(event, b"{not json", fake.webhook_secret)
        assert await post(broken, {**broken_headers, "X-GitHub-Delivery": "broken-1"}) == 400
        async with live.sessions() as session:
            stored = await session.scalar(select(func.count()).select_from(WebhookDelivery))
        assert stored == 1
    assert json.loads(body)["installation"]["id"] == inst.id
