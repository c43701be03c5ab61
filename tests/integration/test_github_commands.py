"""`/aomaas` slash commands as maintainers type them, replayed through the real webhook route.

Each test delivers the real ``issue_comment``/``issues`` payload, signed, to the live server
wired to the GitHub stand-in, and reads what the bot did there: its 👀 reaction, its one reply
comment (edited as the task moves), the tasks it started. Who may run commands (association,
or the collaborator permission API), what is ignored (bots, code blocks, edits that do not
change the body) and how the client rides out GitHub's failures (5xx, an expired token,
secondary and primary rate limits) are covered too. The ``fake_github`` fixture fails any
test whose requests broke GitHub's OpenAPI description.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from aomaas.bot.commands import HELP_TEXT
from aomaas.store.models import Task
from tests.fakegithub.server import FakeGitHub
from tests.integration.github_support import (
    REPO,
    Wired,
    bot_comments,
    comment_command,
    deliver,
    eventually,
    settled,
    tasks_of,
)

pytestmark = pytest.mark.slow
NOT_ALLOWED = "only repository owners, members and collaborators with write access"


def comment_payload(
    fake: FakeGitHub,
    number: int,
    body: str,
    *,
    login: str = "octocat",
    association: str = "OWNER",
    user_type: str = "User",
    file: str = "created.with-installation.payload.json",
    **rewrites: Any,
) -> dict[str, Any]:
    """The real ``issue_comment`` delivery for a new comment by ``login`` on issue ``number``."""
    comment = fake.add_comment(REPO, number, body, user=login, association=association)
    installation = fake.repos[REPO].installation_id
    return fake.webhook_payload(
        "issue_comment",
        file,
        repo=REPO,
        installation=installation,
        comment__id=comment.id,
        comment__body=body,
        comment__author_association=association,
        comment__user__login=login,
        comment__user__type=user_type,
        issue__number=number,
        **rewrites,
    )


def issue_payload(
    fake: FakeGitHub, file: str, number: int, body: str | None, **rewrites: Any
) -> dict[str, Any]:
    """The real ``issues`` delivery (``file``) for issue ``number`` opened by its owner, octocat."""
    return fake.webhook_payload(
        "issues",
        file,
        repo=REPO,
        installation=fake.repos[REPO].installation_id,
        issue__number=number,
        issue__body=body,
        issue__author_association="OWNER",
        issue__user__login="octocat",
        issue__user__type="User",
        **rewrites,
    )


async def reply(fake: FakeGitHub, number: int, *starts: str, timeout: float = 60) -> str:
    """The bot's reply on issue ``number`` once it starts with one of ``starts``."""
    found = await eventually(
        lambda: [b for b in bot_comments(fake, number) if b.startswith(starts)],
        f"a reply starting {starts}",
        timeout,
    )
    return found[-1]


def reactions_on(
    fake: FakeGitHub, *, comment_id: int | None = None, issue_number: int | None = None
) -> list[str]:
    """The contents of the reactions on one comment or one issue."""
    return [
        r.content
        for r in fake.issue_state(REPO).reactions
        if (comment_id is not None and r.comment_id == comment_id)
        or (issue_number is not None and r.issue_number == issue_number)
    ]


async def assert_ignored(wired: Wired, number: int, event: str, payload: dict[str, Any]) -> None:
    """Deliver ``payload`` and check the bot did nothing: no reaction, no reply, no command task."""
    fake, _, server = wired
    comment_id = (payload.get("comment") or {}).get("id")
    await deliver(wired, event, payload)
    assert (
        reactions_on(
            fake, comment_id=comment_id, issue_number=number if comment_id is None else None
        )
        == []
    )
    assert [c.id for c in fake.comments(REPO, number)] == ([comment_id] if comment_id else []), (
        "the bot answered"
    )
    assert await tasks_of(server, "github_command") == []


async def command_tasks(wired: Wired) -> list[Task]:
    """The command tasks started so far, once they all finished."""
    _, _, server = wired

    async def done() -> list[Task]:
        tasks = await tasks_of(server, "github_command")
        return tasks if all(t.status in ("completed", "failed") for t in tasks) else []

    return await settled(done, "the command tasks")


# ------------------------------------------------------------------ the commands


async def test_help_reacts_and_answers_in_one_reply(wired: Wired) -> None:
    fake, _, server = wired
    issue = fake.add_issue(REPO, title="How?")
    await comment_command(fake, server, issue.number, "/aomaas help")
    text = await reply(fake, issue.number, "### AOMaaS commands")
    assert text == HELP_TEXT
    assert len(bot_comments(fake, issue.number)) == 1, "the bot wrote more than one reply"
    comment_id = next(c.id for c in fake.comments(REPO, issue.number) if c.user == "octocat")
    assert reactions_on(fake, comment_id=comment_id) == ["eyes"]
    assert fake.requests_to("issues/update-comment"), "the reply was not edited in place"


async def test_index_mine_plan_ignore_status(installed: Wired) -> None:
    fake, _, server = installed
    issue = fake.add_issue(REPO, title="Maintenance")
    number = issue.number

    await comment_command(fake, server, number, "/aomaas index")
    assert "indexed 6 files of octo-org/widget" in await reply(fake, number, "📚")

    await comment_command(fake, server, number, "/aomaas mine documentation --max 2")
    table = await reply(fake, number, "🔎")
    rows = [
        line
        for line in table.splitlines()
        if line.startswith("| ") and not line.startswith(("| #", "| ---"))
    ]
    assert len(rows) == 2 and all("| documentation |" in row for row in rows), table
    assert "| high |" in rows[0] and "| low |" not in rows[1], "the table is not ranked by priority"

    await comment_command(fake, server, number, "/aomaas mine security")
    security = await eventually(
        lambda: [
            b
            for b in bot_comments(fake, number)
            if b.startswith("🔎") and "security" in b and "src/acme/config.py" in b
        ],
        "the security table",
    )
    first = next(line for line in security[0].splitlines() if "src/acme/config.py" in line)
    ref = first.split("|")[1].strip()

    await comment_command(fake, server, number, f"/aomaas plan {ref}")
    plan = await reply(fake, number, "📋")
    assert (
        plan.startswith(f"📋 Plan for #{ref}:")
        and "\n1. **" in plan
        and f"/aomaas fix {ref}" in plan
    ), plan

    await comment_command(fake, server, number, f"/aomaas ignore {ref}")
    assert f"#{ref}" in await reply(fake, number, "🙈")
    await comment_command(fake, server, number, f"/aomaas plan {ref}")
    failed = await reply(fake, number, "❌")
    assert failed.startswith(f"❌ `/aomaas plan {ref}` failed: opportunity #{ref} is dismissed"), (
        failed
    )

    await command_tasks(installed)  # every earlier command finished: none shows as in progress
    await comment_command(fake, server, number, "/aomaas status")
    status = await reply(fake, number, "📊")
    assert "1 dismissed" in status and "open" in status and "Tasks in progress: none" in status, (
        status
    )
    tasks = await command_tasks(installed)
    assert [t.status for t in tasks].count("failed") == 1 and len(tasks) == 7


async def test_unknown_command_explains_and_suggests(wired: Wired) -> None:
    fake, _, server = wired
    issue = fake.add_issue(REPO)
    await comment_command(fake, server, issue.number, "/aomaas mien security")
    text = await reply(fake, issue.number, "❓")
    assert (
        "unknown command 'mien'" in text
        and "did you mean `/aomaas mine`?" in text
        and "/aomaas help" in text
    ), text
    assert await tasks_of(server, "github_command") == []


async def test_review_in_a_plain_issue_says_it_works_in_pull_requests(wired: Wired) -> None:
    fake, _, server = wired
    issue = fake.add_issue(REPO)
    await comment_command(fake, server, issue.number, "/aomaas review security")
    text = await reply(fake, issue.number, "❌")
    assert "works in pull requests" in text, text
    assert fake.issue_state(REPO).reviews == {}


async def test_command_in_an_issue_body_is_handled(wired: Wired) -> None:
    fake, _, _ = wired
    issue = fake.add_issue(REPO, title="Help me", body="Please:\n\n/aomaas help\n")
    payload = issue_payload(fake, "opened.payload.json", issue.number, issue.body)
    await deliver(wired, "issues", payload)
    assert await reply(fake, issue.number, "### AOMaaS commands") == HELP_TEXT
    assert reactions_on(fake, issue_number=issue.number) == ["eyes"]


# ------------------------------------------------------------------ who may run them, what is ignored


async def test_command_in_a_fenced_code_block_is_ignored(wired: Wired) -> None:
    fake, _, _ = wired
    issue = fake.add_issue(REPO)
    body = "To list them, one writes:\n\n```\n/aomaas mine security\n```\n\n> /aomaas fix 1\n"
    await assert_ignored(
        wired, issue.number, "issue_comment", comment_payload(fake, issue.number, body)
    )


@pytest.mark.parametrize("permission", ["read", "none", None], ids=["read", "none", "not-a-user"])
async def test_outsider_is_refused(wired: Wired, permission: str | None) -> None:
    fake, _, server = wired
    if permission is not None:
        with fake.lock:
            fake.repos[REPO].collaborators["passer-by"] = permission
    issue = fake.add_issue(REPO)
    payload = comment_payload(
        fake, issue.number, "/aomaas mine", login="passer-by", association="NONE"
    )
    await deliver(wired, "issue_comment", payload)
    assert fake.requests_to("repos/get-collaborator-permission-level"), (
        "the permission API was not asked"
    )
    texts = bot_comments(fake, issue.number)
    assert len(texts) == 1 and NOT_ALLOWED in texts[0] and "@passer-by" in texts[0], texts
    assert await tasks_of(server, "github_command") == []


async def test_collaborator_with_write_permission_is_allowed(wired: Wired) -> None:
    fake, _, _ = wired
    with fake.lock:
        fake.repos[REPO].collaborators["helper"] = "write"
    issue = fake.add_issue(REPO)
    await deliver(
        wired,
        "issue_comment",
        comment_payload(fake, issue.number, "/aomaas help", login="helper", association="NONE"),
    )
    assert await reply(fake, issue.number, "### AOMaaS commands") == HELP_TEXT
    assert not any(NOT_ALLOWED in b for b in bot_comments(fake, issue.number))


@pytest.mark.parametrize("login", ["dependabot[bot]", "self"], ids=["other-bot", "itself"])
async def test_bots_are_ignored(wired: Wired, login: str) -> None:
    fake, _, _ = wired
    login = fake.bot_login if login == "self" else login
    issue = fake.add_issue(REPO)
    payload = comment_payload(
        fake, issue.number, "/aomaas help", login=login, association="NONE", user_type="Bot"
    )
    await assert_ignored(wired, issue.number, "issue_comment", payload)


async def test_own_login_is_ignored_whatever_its_type(wired: Wired) -> None:
    fake, _, _ = wired
    issue = fake.add_issue(REPO)
    payload = comment_payload(
        fake, issue.number, "/aomaas help", login=fake.bot_login, association="OWNER"
    )
    await assert_ignored(wired, issue.number, "issue_comment", payload)


async def test_edit_without_body_change_is_ignored(wired: Wired) -> None:
    fake, _, _ = wired
    issue = fake.add_issue(REPO)
    payload = comment_payload(
        fake, issue.number, "/aomaas help", file="edited.payload.json", changes={}
    )
    await assert_ignored(wired, issue.number, "issue_comment", payload)


async def test_issue_edit_without_body_change_is_ignored(wired: Wired) -> None:
    fake, _, _ = wired
    issue = fake.add_issue(REPO, title="Renamed", body="/aomaas help\n")
    changes = {"title": {"from": "Old title"}}
    payload = issue_payload(fake, "edited.payload.json", issue.number, issue.body, changes=changes)
    await assert_ignored(wired, issue.number, "issues", payload)


async def test_edit_runs_only_the_commands_it_adds(wired: Wired) -> None:
    fake, _, _ = wired
    issue = fake.add_issue(REPO)
    before, after = "/aomaas mien", "/aomaas mien\n/aomaas help"
    payload = comment_payload(
        fake, issue.number, after, file="edited.payload.json", changes={"body": {"from": before}}
    )
    await deliver(wired, "issue_comment", payload)
    assert await reply(fake, issue.number, "### AOMaaS commands") == HELP_TEXT
    texts = bot_comments(fake, issue.number)
    assert len(texts) == 1, f"the unchanged line was answered again: {texts}"


# ------------------------------------------------------------------ GitHub failing under the command


async def test_command_survives_a_502_and_an_expired_token(wired: Wired) -> None:
    fake, _, server = wired
    fake.fail_server_error("issues/create-comment")
    fake.fail_expired_token("issues/update-comment")
    minted = len(fake.requests_to("apps/create-installation-access-token"))
    issue = fake.add_issue(REPO)
    await comment_command(fake, server, issue.number, "/aomaas help")
    assert await reply(fake, issue.number, "### AOMaaS commands") == HELP_TEXT
    assert [e.status for e in fake.requests_to("issues/create-comment")] == [502, 201]
    assert [e.status for e in fake.requests_to("issues/update-comment")] == [401, 200]
    assert len(fake.requests_to("apps/create-installation-access-token")) > minted
    assert [t.status for t in await command_tasks(wired)] == ["completed"]


async def test_really_expired_tokens_are_minted_again(wired: Wired) -> None:
    fake, installation, server = wired
    issue = fake.add_issue(REPO)
    await comment_command(fake, server, issue.number, "/aomaas help")
    await reply(fake, issue.number, "### AOMaaS commands")
    assert fake.expire_tokens(installation.id) >= 1
    await comment_command(fake, server, issue.number, "/aomaas status")
    assert (await reply(fake, issue.number, "📊")).startswith("📊 Opportunities: none yet")
    assert 401 in [e.status for e in fake.requests_to("reactions/create-for-issue-comment")]


@pytest.mark.parametrize("limit", ["secondary", "primary"])
async def test_rate_limits_are_waited_out(wired: Wired, limit: str) -> None:
    fake, _, server = wired
    if limit == "secondary":
        fake.fail_secondary_limit("reactions/create-for-issue-comment", retry_after=2)
    else:
        fake.fail_rate_limit("reactions/create-for-issue-comment", reset_in=2)
    issue = fake.add_issue(REPO)
    started = time.monotonic()
    await comment_command(fake, server, issue.number, "/aomaas help")
    comment_id = next(c.id for c in fake.comments(REPO, issue.number) if c.user == "octocat")
    await eventually(lambda: reactions_on(fake, comment_id=comment_id), "the reaction", 30)
    assert time.monotonic() - started >= 1.9, "the retry did not wait for the limit to pass"

    # The stand-in logs a request once its answer is validated, just after its state changed.
    def statuses() -> list[int] | None:
        logged = [e.status for e in fake.requests_to("reactions/create-for-issue-comment")]
        return logged if len(logged) >= 2 else None

    logged = await eventually(statuses, "both reaction requests logged", 10)
    assert logged == [403, 201], [(e.method, e.path, e.status) for e in fake.log]
    assert await reply(fake, issue.number, "### AOMaaS commands") == HELP_TEXT


async def test_writes_to_one_installation_stay_serial_across_tasks(wired: Wired) -> None:
    """Three commands in one comment run as three tasks; their comment edits never overlap."""
    fake, installation, server = wired
    fake.latency["issues/update-comment"] = 0.3
    issue = fake.add_issue(REPO, title="Many at once")
    await comment_command(fake, server, issue.number, "/aomaas help\n/aomaas status\n/aomaas help")
    await eventually(
        lambda: len(fake.requests_to("issues/update-comment")) >= 3, "three edited replies", 60
    )
    assert fake.max_in_flight.get((installation.id, "PATCH"), 0) == 1, fake.max_in_flight
