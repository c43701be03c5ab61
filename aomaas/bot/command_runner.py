"""Runs one `/aomaas` command as a task, editing the bot's single reply comment as it goes.

Quick commands (help, index, mine, ignore, status) run here. Plan, fix and review
are started through the workflow (:mod:`aomaas.jobs.workflow`): each step is a task
of its own, and the chain edits the reply as each step ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aomaas.bot import commands as cmd
from aomaas.bot import messages
from aomaas.errors import AomaasError, InvalidRequest, NotFound
from aomaas.jobs import workflow
from aomaas.jobs.context import JobContext, Outcome
from aomaas.jobs.handlers import index as index_job
from aomaas.jobs.handlers import mine as mine_job
from aomaas.jobs.replies import Reply, ReplyRef, open_reply
from aomaas.store import opportunities as opp_store
from aomaas.store import repositories as repo_store
from aomaas.store import tasks as task_store
from aomaas.store.models import Opportunity
from aomaas.store.states import OpportunityStatus

DEFAULT_MINE_MAX = 10


Runner = Callable[[JobContext, Any, Reply], Awaitable[Outcome]]


async def handle(ctx: JobContext) -> Outcome:
    """Payload: the command line, where it was written and the reply comment's id."""
    p = ctx.payload
    parsed = cmd.parse_commands(p["command"])
    if not parsed or isinstance(parsed[0], cmd.CommandError):
        raise InvalidRequest(f"not a command: {p['command']}")
    command = parsed[0]
    where = ReplyRef(int(p["installation"]), p["owner"], p["name"], int(p["reply_id"]))
    async with open_reply(ctx.settings, ctx.services, where) as reply:
        try:
            return await RUNNERS[type(command)](ctx, command, reply)
        except Exception as exc:
            why = exc.detail if isinstance(exc, AomaasError) else "an internal error stopped it"
            await reply.failed(p["command"], why)
            raise


def _follow(ctx: JobContext, goal: str, reply: Reply) -> workflow.Follow:
    """The chain's report address: this command's reply comment."""
    p = ctx.payload
    return workflow.Follow(
        goal,
        p["command"],
        reply.ref,
        str(p.get("author") or "a maintainer"),
        int(p["issue_number"]),
    )


def _repo_payload(ctx: JobContext, **values: Any) -> dict[str, Any]:
    return {"repository_id": ctx.payload["repository_id"], **values}


async def _help(ctx: JobContext, command: cmd.Help, reply: Reply) -> Outcome:
    await reply.say(cmd.HELP_TEXT)
    return Outcome("help shown")


async def _index(ctx: JobContext, command: cmd.Index, reply: Reply) -> Outcome:
    outcome = await index_job.handle(ctx.derive(_repo_payload(ctx)))
    await reply.say(f"📚 {outcome.message}.")
    return outcome


async def _mine(ctx: JobContext, command: cmd.Mine, reply: Reply) -> Outcome:
    await reply.say("⏳ Mining" + (f" ({', '.join(command.types)})" if command.types else "") + "…")
    outcome = await mine_job.handle(
        ctx.derive(
            _repo_payload(
                ctx,
                types=list(command.types) or None,
                max_opportunities=command.max_opportunities or DEFAULT_MINE_MAX,
            )
        )
    )
    await reply.say(
        f"🔎 {outcome.message}.\n\n{messages.opportunity_table(outcome.data['selected'])}"
    )
    return outcome


async def _opportunity(ctx: JobContext, ref: cmd.Ref) -> Opportunity:
    repo_id = uuid.UUID(ctx.payload["repository_id"])
    async with ctx.sessions() as session:
        opp = await opp_store.find_ref(
            session, repo_id, str(ref.number) if ref.number is not None else str(ref.key)
        )
    if opp is None:
        raise NotFound(
            f"no opportunity {ref} in this repository; comment `/aomaas mine` to list them"
        )
    workflow.check_workable(opp)
    return opp


async def _plan(ctx: JobContext, command: cmd.Plan, reply: Reply) -> Outcome:
    opp = await _opportunity(ctx, command.ref)
    await reply.say(f"⏳ Planning #{opp.number}: {opp.title}…")
    task, plan = await workflow.start_plan(
        workflow.starter_of(ctx),
        opp,
        command.max_steps or workflow.DEFAULT_MAX_STEPS,
        _follow(ctx, "plan", reply),
    )
    return Outcome(
        f"planning #{opp.number} in task {task.id}",
        {"plan_id": str(plan.id), "task_id": str(task.id)},
    )


async def _fix(ctx: JobContext, command: cmd.Fix, reply: Reply) -> Outcome:
    opp = await _opportunity(ctx, command.ref)
    await reply.say(f"⏳ Planning a fix for #{opp.number}: {opp.title}…")
    task = await workflow.start_fix(workflow.starter_of(ctx), opp, _follow(ctx, "fix", reply))
    return Outcome(
        f"fixing #{opp.number}: plan, implement and publish run as tasks, the first {task.id}",
        {"task_id": str(task.id)},
    )


async def _ignore(ctx: JobContext, command: cmd.Ignore, reply: Reply) -> Outcome:
    opp = await _opportunity(ctx, command.ref)
    await opp_store.set_status(ctx.sessions, opp.id, OpportunityStatus.DISMISSED)
    await reply.say(f"🙈 #{opp.number} ({opp.title}) is dismissed and will not be proposed again.")
    return Outcome(f"dismissed #{opp.number}")


async def _review(ctx: JobContext, command: cmd.Review, reply: Reply) -> Outcome:
    p = ctx.payload
    if not p.get("is_pull_request"):
        raise InvalidRequest(messages.REVIEW_ONLY_ON_PULLS)
    repo = await repo_store.get(ctx.sessions, uuid.UUID(p["repository_id"]))
    if repo is None:
        raise NotFound("the repository of this command no longer exists")
    number = int(p["issue_number"])
    url = f"{ctx.settings.github_web_url.rstrip('/')}/{p['owner']}/{p['name']}/pull/{number}"
    starter = workflow.starter_of(ctx)
    pr = await workflow.pull_request_for_review(starter, repo, number, url)
    await reply.say(f"⏳ Reviewing ({command.review_type})…")
    task = await workflow.start_review(
        starter, pr, command.review_type, _follow(ctx, "review", reply)
    )
    return Outcome(f"reviewing in task {task.id}", {"task_id": str(task.id)})


async def _status(ctx: JobContext, command: cmd.Status, reply: Reply) -> Outcome:
    repo_id = uuid.UUID(ctx.payload["repository_id"])
    counts = await opp_store.count_by_status(ctx.sessions, repo_id)
    running = await task_store.kinds_in_progress(ctx.sessions, repo_id, besides=ctx.task_id)
    lines = [
        "📊 Opportunities: "
        + (
            ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
            or "none yet (comment `/aomaas mine`)"
        )
    ]
    lines.append("Tasks in progress: " + (", ".join(running) if running else "none"))
    await reply.say("\n\n".join(lines))
    return Outcome("status shown", {"opportunities": counts, "tasks": list(running)})


RUNNERS: dict[type, Runner] = {
    cmd.Help: _help,
    cmd.Index: _index,
    cmd.Mine: _mine,
    cmd.Plan: _plan,
    cmd.Fix: _fix,
    cmd.Ignore: _ignore,
    cmd.Review: _review,
    cmd.Status: _status,
}
