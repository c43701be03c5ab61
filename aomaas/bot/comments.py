"""Slash commands in issue and pull-request comments (and in issue bodies).

Only OWNER, MEMBER or COLLABORATOR authors (or anyone with write permission)
may run them; bots, this app included, are ignored. Each command gets an
immediate 👀 reaction and one reply comment that its task edits as it moves. An
edit runs only the command lines it adds; one that leaves the body alone runs nothing.
"""

from __future__ import annotations

from typing import Any

from gidgethub import routing, sansio

from aomaas.bot import messages
from aomaas.bot.commands import CommandError, command_lines, is_allowed, parse_commands
from aomaas.bot.context import BotContext, installation_of, repo_of
from aomaas.bot.repos import ensure_repository, start
from aomaas.store.states import TaskKind

router = routing.Router()

WRITE_PERMISSIONS = {"admin", "maintain", "write"}
#: The task kind that runs one command (:mod:`aomaas.bot.command_runner`).
COMMAND_TASK = TaskKind.GITHUB_COMMAND


@router.register("issue_comment", action="created")
@router.register("issue_comment", action="edited")
async def comment(event: sansio.Event, bot: BotContext) -> None:
    """Commands in a comment on an issue or a pull request."""
    data = event.data
    if _unchanged(data):
        return
    await _run(bot, data, data["comment"], data["issue"], comment_id=int(data["comment"]["id"]))


@router.register("issues", action="opened")
@router.register("issues", action="edited")
async def issue(event: sansio.Event, bot: BotContext) -> None:
    """Commands in the body of an issue."""
    data = event.data
    if _unchanged(data):
        return
    await _run(bot, data, data["issue"], data["issue"], comment_id=None)


def _unchanged(data: dict[str, Any]) -> bool:
    """An edit that left the body alone (a title or label change): nothing new to run."""
    return data["action"] == "edited" and (data.get("changes") or {}).get("body") is None


def _previous_lines(data: dict[str, Any]) -> set[str]:
    """The command lines the body held before an edit: they ran already, so they are not repeated."""
    if data["action"] != "edited":
        return set()
    before = ((data.get("changes") or {}).get("body") or {}).get("from")
    return set(command_lines(before if isinstance(before, str) else None))


async def _run(
    bot: BotContext,
    data: dict[str, Any],
    source: dict[str, Any],
    issue: dict[str, Any],
    comment_id: int | None,
) -> None:
    user = source.get("user") or {}
    login = str(user.get("login", ""))
    if user.get("type") == "Bot" or login == bot.bot_login or login.endswith("[bot]"):
        return
    body = source.get("body")
    previous = _previous_lines(data)
    found = [
        (item, text)
        for item, text in zip(parse_commands(body), command_lines(body), strict=True)
        if text not in previous
    ]
    if not found:
        return
    installation = installation_of(data)
    if installation is None:
        return
    owner, name = repo_of(data)
    number = int(issue["number"])
    gh = bot.github
    if comment_id is not None:
        await gh.add_reaction_to_comment(installation, owner, name, comment_id, "eyes")
    else:
        await gh.add_reaction_to_issue(installation, owner, name, number, "eyes")
    if not await _may_run(
        bot, installation, owner, name, login, str(source.get("author_association", ""))
    ):
        await gh.create_issue_comment(
            installation, owner, name, number, messages.NOT_ALLOWED.format(login=login)
        )
        return
    repo = await ensure_repository(bot, data["repository"], installation)
    is_pull = "pull_request" in issue
    for item, text in found:
        if isinstance(item, CommandError):
            await gh.create_issue_comment(
                installation,
                owner,
                name,
                number,
                messages.NOT_UNDERSTOOD.format(line=item.line, message=item.message),
            )
            continue
        reply = await gh.create_issue_comment(
            installation, owner, name, number, messages.WORKING.format(command=text)
        )
        await start(
            bot,
            COMMAND_TASK,
            repo,
            {
                "command": text,
                "installation": installation,
                "owner": owner,
                "name": name,
                "issue_number": number,
                "is_pull_request": is_pull,
                "reply_id": int(reply["id"]),
                "author": login,
            },
            max_attempts=1,  # a command is not repeated behind the maintainer's back; its reply says what failed
        )


async def _may_run(
    bot: BotContext, installation: int, owner: str, name: str, login: str, association: str
) -> bool:
    if is_allowed(association):
        return True
    permission = await bot.github.get_collaborator_permission(installation, owner, name, login)
    return permission in WRITE_PERMISSIONS
