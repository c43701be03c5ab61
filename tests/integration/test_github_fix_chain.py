"""`/aomaas fix 1` from a comment runs as the workflow's chain: plan, implement, publish.

Over the GitHub stand-in: the command's task only starts the chain; each step is a task
of its own that a maintainer sees through ``GET /api/v1/tasks/{id}``, each starts after
the one before it ended, the pull request is opened, and the bot's one reply comment is
edited as each step ends. The pull request reuses the checkout the implementation was made in.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from aomaas.store.models import Task
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
STEPS = ["plan", "implement", "publish"]


def fetches_since(fake: FakeGitHub, start: int) -> int:
    """The git fetch requests (upload-pack) the stand-in answered after the ``start``-th git request."""
    return sum(
        1
        for e in fake.requests_to("git")[start:]
        if e.method == "POST" and e.path.endswith("/git-upload-pack")
    )


async def test_bot_fix_runs_plan_implement_publish_as_tasks(installed: Wired) -> None:
    fake, _, server = installed
    repo = await repository(server, "widget")
    assert repo is not None
    issue = fake.add_issue(REPO, title="Maintenance")
    git_before = len(fake.requests_to("git"))
    await comment_command(fake, server, issue.number, "/aomaas mine security")
    await eventually(
        lambda: [b for b in bot_comments(fake, issue.number) if b.startswith("🔎")],
        "the mine reply",
    )
    one_checkout = fetches_since(fake, git_before)  # mining checks the repository out once
    edits_before = len(fake.requests_to("issues/update-comment"))
    git_before = len(fake.requests_to("git"))

    await comment_command(fake, server, issue.number, "/aomaas fix 1")
    done = await eventually(
        lambda: [b for b in bot_comments(fake, issue.number) if b.startswith(("✅", "❌"))],
        "the fix reply",
        240,
    )
    assert done[0].startswith("✅ opened pull request"), done[0]
    assert "| check | outcome |" in done[0], "the reply does not show the proof"
    pulls = [p for p in fake.pulls(REPO) if p.user == fake.bot_login]
    assert len(pulls) == 1, pulls
    assert fetches_since(fake, git_before) == one_checkout, (
        "the pull request did not reuse the implementation's checkout"
    )

    async with server.sessions() as session:
        tasks = list(
            (
                await session.scalars(
                    select(Task)
                    .where(Task.repository_id == repo.id, Task.kind.in_(STEPS))
                    .order_by(Task.created_at)
                )
            ).all()
        )
    assert [t.kind for t in tasks] == STEPS, [(t.kind, t.status) for t in tasks]
    for earlier, later in itertools.pairwise(tasks):
        ended = await finished(server, earlier.id)
        assert ended.updated_at <= later.created_at, (
            f"{later.kind} started before {earlier.kind} ended"
        )

    await server.create_user("maintainer", owners=["octo-org"])
    token = await server.token("maintainer")
    for task in tasks:
        status, body, _ = await server.request("GET", f"/tasks/{task.id}", token)
        assert status == 200, body
        assert body["kind"] == task.kind and body["status"] == "completed", body
        assert body["result"]["success"] is True, body
    published = (await server.request("GET", f"/tasks/{tasks[-1].id}", token))[1]
    assert published["result"]["data"]["provider_pr_number"] == str(pulls[0].number), published

    reply_id = next(
        c.id
        for c in fake.comments(REPO, issue.number)
        if c.user == fake.bot_login and c.body.startswith("✅")
    )
    edits = [
        e
        for e in fake.requests_to("issues/update-comment")[edits_before:]
        if e.path.endswith(f"/comments/{reply_id}")
    ]
    # planning (the command), then as plan, implementation and pull request each end
    assert len(edits) == 4, [e.path for e in edits]
