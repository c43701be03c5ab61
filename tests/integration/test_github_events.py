"""GitHub events replayed, signed, through the real webhook route against the live server.

Real payloads from tests/data/github/webhooks, moved onto the stand-in: installations and their
repositories kept in step (index tasks for what is new, inactive rows for what is gone), a
push to the default branch re-indexing only the changed file, and the bot's pull request
closing (merged → resolved; closed unmerged → dismissed and never proposed again). Every
request the bot makes is checked against GitHub's OpenAPI subset by the ``fake_github`` fixture.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from aomaas.store.models import Opportunity, PullRequest, Repository
from tests.fakegithub.server import FakeGitHub
from tests.integration.github_support import (
    REPO,
    Wired,
    bot_comments,
    comment_command,
    deliver,
    eventually,
    finished,
    indexed_at,
    installation_row,
    repository,
    tasks_of,
)
from tests.integration.repos import DEMO_FILES
from tests.support.live import LiveServer

pytestmark = pytest.mark.slow
GADGET: dict[str, str | bytes] = {**DEMO_FILES}  # a second repository of the installation


# ------------------------------------------------------------------ installations


async def test_installation_created_indexes_and_deleted_deactivates(wired: Wired) -> None:
    fake, installation, server = wired
    fake.add_repo("octo-org/gadget", installation=installation, files=GADGET)
    payload = fake.webhook_payload(
        "installation", "created.payload.json", installation=installation
    )
    await deliver(wired, "installation", payload)

    row = await installation_row(server, installation.id)
    assert row.account_login == "octo-org" and not row.deleted and not row.suspended
    for name in ("widget", "gadget"):
        repo = await indexed_at(server, name)
        assert repo.active and repo.installation_id == row.id and repo.provider == "github"
        assert repo.github_id == fake.repos[f"octo-org/{name}"].id
        assert repo.indexed_commit == fake.ref(f"octo-org/{name}", "refs/heads/main")
        index_tasks = await tasks_of(server, "index", repo.id)
        assert len(index_tasks) == 1
        assert (await finished(server, index_tasks[0].id)).status == "completed"

    await deliver(
        wired,
        "installation",
        fake.webhook_payload("installation", "deleted.payload.json", installation=installation),
    )
    assert (await installation_row(server, installation.id)).deleted
    async with server.sessions() as session:
        active = await session.scalar(
            select(func.count()).select_from(Repository).where(Repository.active.is_(True))
        )
    assert active == 0


async def test_suspend_unsuspend_and_new_permissions(installed: Wired) -> None:
    fake, installation, server = installed
    await deliver(
        installed,
        "installation",
        fake.webhook_payload("installation", "suspend.payload.json", installation=installation),
    )
    assert (await installation_row(server, installation.id)).suspended

    await deliver(
        installed,
        "installation",
        fake.webhook_payload("installation", "unsuspend.payload.json", installation=installation),
    )
    assert not (await installation_row(server, installation.id)).suspended
    assert fake.requests_to("apps/list-repos-accessible-to-installation"), (
        "unsuspend did not ask for the repositories"
    )

    accepted = fake.webhook_payload(
        "installation", "new_permissions_accepted.payload.json", installation=installation
    )
    accepted["installation"]["permissions"] = {
        **accepted["installation"]["permissions"],
        "checks": "write",
    }
    await deliver(installed, "installation", accepted)
    row = await installation_row(server, installation.id)
    assert row.permissions == accepted["installation"]["permissions"] and not row.suspended
    repo = await repository(server, "widget")
    assert repo is not None and repo.active


async def test_repositories_added_indexed_and_removed_inactive(installed: Wired) -> None:
    fake, installation, server = installed
    gadget = fake.add_repo("octo-org/gadget", installation=installation, files=GADGET)
    short = {
        "id": gadget.id,
        "node_id": f"R_{gadget.id}",
        "name": "gadget",
        "full_name": "octo-org/gadget",
        "private": False,
    }
    added = fake.webhook_payload(
        "installation_repositories",
        "added.payload.json",
        installation=installation,
        repositories_added=[short],
    )
    await deliver(installed, "installation_repositories", added)
    repo = await indexed_at(server, "gadget", fake.ref("octo-org/gadget", "refs/heads/main"))
    assert repo.active and repo.github_id == gadget.id
    widget = await repository(server, "widget")
    assert widget is not None and len(await tasks_of(server, "index", widget.id)) == 1, (
        "widget was indexed again"
    )

    widget_short = {**short, "id": fake.repos[REPO].id, "name": "widget", "full_name": REPO}
    removed = fake.webhook_payload(
        "installation_repositories",
        "removed.payload.json",
        installation=installation,
        repositories_removed=[widget_short],
    )
    await deliver(installed, "installation_repositories", removed)
    widget = await repository(server, "widget")
    gadget_row = await repository(server, "gadget")
    assert widget is not None and not widget.active
    assert gadget_row is not None and gadget_row.active

    before = fake.ref(REPO, "refs/heads/main")
    assert before is not None
    head = fake.commit(REPO, "main", {"README.md": "# demo\n\nMoved on.\n"}, "late push")
    await deliver(
        installed, "push", push_payload(fake, "main", before, head)
    )  # e.g. redelivered by hand
    widget = await repository(server, "widget")
    assert widget is not None and not widget.active and widget.indexed_commit == before
    assert len(await tasks_of(server, "index", widget.id)) == 1


# ------------------------------------------------------------------ pushes


def push_payload(fake: FakeGitHub, branch: str, before: str, after: str) -> dict[str, Any]:
    """The real push delivery moved onto ``branch`` of octo-org/widget, ``before`` → ``after``."""
    return fake.webhook_payload(
        "push",
        "with-new-branch.payload.json",
        repo=REPO,
        ref=f"refs/heads/{branch}",
        before=before,
        after=after,
        created=False,
        deleted=False,
        head_commit__id=after,
        base_ref=None,
    )


async def test_push_to_default_branch_reindexes_only_the_changed_file(installed: Wired) -> None:
    fake, _, server = installed
    before = fake.ref(REPO, "refs/heads/main")
    assert before is not None
    head = fake.commit(
        REPO,
        "main",
        {
            "src/acme/maths.py": '"""Arithmetic."""\n\n\ndef add(a, b):\n    """Sum."""\n    return a + b\n'
        },
        "reword maths",
    )

    await deliver(installed, "push", push_payload(fake, "main", before, head))
    repo = await indexed_at(server, "widget", head)
    assert repo.index_stats is not None and repo.index_stats["files_read"] == 1, repo.index_stats
    assert repo.index_stats["last_read_paths"] == ["src/acme/maths.py"]
    assert len(await tasks_of(server, "index", repo.id)) == 2


async def test_push_to_another_branch_does_nothing(installed: Wired) -> None:
    fake, _, server = installed
    main = fake.ref(REPO, "refs/heads/main")
    assert main is not None
    head = fake.commit(REPO, "feature/x", {"src/acme/maths.py": "X = 1\n"}, "elsewhere")
    task = await deliver(installed, "push", push_payload(fake, "feature/x", main, head))
    assert task.result is not None and task.result["data"]["handlers"] == 1
    repo = await repository(server, "widget")
    assert repo is not None and repo.indexed_commit == main
    assert len(await tasks_of(server, "index", repo.id)) == 1


# ------------------------------------------------------------------ the bot's pull requests closing


async def bot_pull(fake: FakeGitHub, server: LiveServer) -> int:
    """Mine security findings and have the bot open its pull request for #1 (the real path)."""
    issue = fake.add_issue(REPO, title="Maintenance")
    await comment_command(fake, server, issue.number, "/aomaas mine security")
    await eventually(
        lambda: [b for b in bot_comments(fake, issue.number) if b.startswith("🔎")],
        "the mine reply",
        60,
    )
    await comment_command(fake, server, issue.number, "/aomaas fix 1")
    done = await eventually(
        lambda: [b for b in bot_comments(fake, issue.number) if b.startswith(("✅", "❌"))],
        "the fix reply",
        120,
    )
    assert done[0].startswith("✅"), done[0]
    pulls = [p for p in fake.pulls(REPO) if p.user == fake.bot_login]
    assert len(pulls) == 1
    return pulls[0].number


async def pull_and_opportunity(server: LiveServer, number: int) -> tuple[PullRequest, Opportunity]:
    """The stored pull request ``number`` and its opportunity."""
    async with server.sessions() as session:
        pull = await session.scalar(
            select(PullRequest).where(PullRequest.provider_pr_number == str(number))
        )
        assert pull is not None
        opp = await session.scalar(select(Opportunity).where(Opportunity.number == 1))
        assert opp is not None
    return pull, opp


@pytest.mark.parametrize("merged", [True, False], ids=["merged", "closed-unmerged"])
async def test_bot_pull_request_closed(installed: Wired, merged: bool) -> None:
    fake, installation, server = installed
    number = await bot_pull(fake, server)
    pull = fake.close_pull(REPO, number, merge=merged)
    payload = fake.webhook_payload(
        "pull_request",
        "closed.payload.json",
        repo=REPO,
        installation=installation,
        number=number,
        pull_request__number=number,
        pull_request__merged=merged,
        pull_request__head__ref=pull.head,
        pull_request__state="closed",
    )
    await deliver(installed, "pull_request", payload)
    row, opp = await pull_and_opportunity(server, number)
    assert row.status == ("merged" if merged else "closed")
    assert opp.status == ("resolved" if merged else "dismissed")
    if merged:
        return

    issue = fake.add_issue(REPO, title="Again")
    await comment_command(fake, server, issue.number, "/aomaas mine security")
    table = await eventually(
        lambda: [b for b in bot_comments(fake, issue.number) if b.startswith("🔎")],
        "the second mine reply",
        60,
    )
    assert "src/acme/config.py" not in table[0], table[0]
    _, opp = await pull_and_opportunity(server, number)
    assert opp.status == "dismissed"
    async with server.sessions() as session:
        repo = await session.scalar(select(Repository).where(Repository.name == "widget"))
        assert repo is not None and repo.latest_mine_run_id is not None
        mine_tasks = await tasks_of(server, "github_command", repo.id)
    selected = [row["number"] for row in (mine_tasks[-1].result or {})["data"]["selected"]]
    assert 1 not in selected
