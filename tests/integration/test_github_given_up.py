"""A `/aomaas fix` step whose worker died with its last attempt: the sweep answers in the reply.

A worker that dies holding a task leaves it ``running`` until its lease expires; the server's
own periodic sweep then gives up on it when its attempts are used up. For a step of a chain
started by a comment, the bot's one reply comment must then say that the command failed and
why, as it does when a step fails in a live worker, and never stay "⏳" forever. A reply that
cannot be edited (GitHub down) is logged, and the sweep goes on with the next one.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from aomaas.jobs.replies import ReplyRef
from aomaas.jobs.workflow import FOLLOW, Follow
from aomaas.store import tasks as task_store
from aomaas.store.models import Opportunity, Plan
from aomaas.store.types import utcnow
from tests.fakegithub.server import FakeGitHub
from tests.integration.github_support import (
    REPO,
    Wired,
    bot_comments,
    comment_command,
    eventually,
    finished,
    repository,
)

pytestmark = pytest.mark.slow
COMMAND = "/aomaas fix 1"
WORKING = "⏳ Planning a fix for #1…"
FAILED = f"❌ `{COMMAND}` failed: "


@dataclass(frozen=True)
class DeadStep:
    """A plan step of a fix left ``running`` by a dead worker, and the reply it reports to."""

    task_id: uuid.UUID
    plan_id: uuid.UUID
    reply_id: int


async def _mined(wired: Wired) -> tuple[int, Opportunity]:
    """An issue where `/aomaas mine security` ran through the bot, and opportunity #1."""
    fake, _, server = wired
    issue = fake.add_issue(REPO, title="Maintenance").number
    await comment_command(fake, server, issue, "/aomaas mine security")
    await eventually(
        lambda: [b for b in bot_comments(fake, issue) if b.startswith("🔎")], "the mine reply"
    )
    repo = await repository(server, "widget")
    assert repo is not None
    async with server.sessions() as session:
        opp = await session.scalar(
            select(Opportunity).where(Opportunity.repository_id == repo.id, Opportunity.number == 1)
        )
    assert opp is not None, "mining found no opportunity #1"
    return issue, opp


def _dead_plan_step(wired: Wired, issue: int, opp: Opportunity) -> tuple[DeadStep, list[object]]:
    """The rows of a fix's plan step whose worker died holding its last attempt.

    The bot's reply says the work is under way; the task carries the chain's follow
    (as ``start_fix`` stores it), is ``running`` with every attempt used and its lease
    expired, and its plan is ``running``. Returns the step and the rows to store.
    """
    fake, installation, _ = wired
    reply = fake.add_comment(REPO, issue, WORKING, user=fake.bot_login, association="NONE")
    owner, name = REPO.split("/")
    where = ReplyRef(installation.id, owner, name, reply.id)
    follow = Follow("fix", COMMAND, where, "octocat", issue)
    plan = Plan(id=uuid.uuid4(), opportunity_id=opp.id, max_steps=5, status="running")
    task = task_store.new_task(
        "plan",
        {"plan_id": str(plan.id), FOLLOW: follow.to_payload()},
        repository_id=opp.repository_id,
        max_attempts=3,
    )
    task.status, task.attempts, task.worker_id = "running", 3, "dead-worker"
    task.lease_until = utcnow() - timedelta(minutes=1)
    return DeadStep(task.id, plan.id, reply.id), [plan, task]


def _body(fake: FakeGitHub, comment_id: int) -> str:
    return next(c.body for c in fake.comments(REPO) if c.id == comment_id)


def _edited(fake: FakeGitHub, comment_id: int) -> str:
    """The comment's text once it no longer says the work is under way ("" until then)."""
    body = _body(fake, comment_id)
    return "" if body == WORKING else body


def _edits(fake: FakeGitHub, comment_id: int) -> int:
    """How many times the bot asked GitHub to edit the comment (answered or refused)."""
    return sum(
        1
        for e in fake.requests_to("issues/update-comment")
        if e.path.endswith(f"/comments/{comment_id}")
    )


async def test_sweep_giving_up_on_a_fix_step_says_so_in_the_reply(installed: Wired) -> None:
    fake, _, server = installed
    issue, opp = await _mined(installed)
    step, rows = _dead_plan_step(installed, issue, opp)
    async with server.sessions.begin() as session:
        session.add_all(rows)

    task = await finished(server, step.task_id)  # the server's own periodic sweep gives up
    assert task.status == "failed" and task.result is not None, task.result
    reason = task.result["message"]
    assert "attempts are used up" in reason, reason
    body = await eventually(lambda: _edited(fake, step.reply_id), "the reply's edit", 30)
    assert body.startswith(FAILED + reason), body
    async with server.sessions() as session:
        plan = await session.get(Plan, step.plan_id)
    assert plan is not None and plan.status == "failed" and plan.description == reason

    await asyncio.sleep(3 * server.settings.sweep_interval_seconds)
    assert _edits(fake, step.reply_id) == 1, "the reply was edited by more than one sweep"


async def test_a_reply_github_refuses_is_logged_and_the_sweep_goes_on(
    installed: Wired, caplog: pytest.LogCaptureFixture
) -> None:
    """GitHub is down for the first reply the sweep edits (the client tries a 5xx twice):
    that one is logged and stays as it was, the other dead step's reply still says why."""
    fake, _, server = installed
    issue, opp = await _mined(installed)
    first, first_rows = _dead_plan_step(installed, issue, opp)
    second, second_rows = _dead_plan_step(installed, issue, opp)
    fake.fail_server_error("issues/update-comment", times=2)
    caplog.set_level(logging.ERROR, logger="aomaas")
    async with server.sessions.begin() as session:  # one sweep sees both
        session.add_all(first_rows + second_rows)

    for step in (first, second):
        assert (await finished(server, step.task_id)).status == "failed"
    steps = (first, second)
    await eventually(lambda: any(_edited(fake, s.reply_id) for s in steps), "a reply's edit", 30)
    refused = [s for s in steps if _body(fake, s.reply_id) == WORKING]
    assert len(refused) == 1, [_body(fake, s.reply_id) for s in steps]
    assert _edits(fake, refused[0].reply_id) == 2, "the refused edit was not the sweep's first"
    logged = [r for r in caplog.records if str(refused[0].task_id) in r.getMessage()]
    assert logged and logged[0].exc_info is not None, caplog.text
    async with server.sessions() as session:
        plans = [await session.get(Plan, s.plan_id) for s in steps]
    assert [p.status if p else None for p in plans] == ["failed", "failed"]
