"""Runs one `/aomaas` command as a task, editing the bot's single reply comment as it goes."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from aomaas.bot import commands as cmd
from aomaas.bot import messages
from aomaas.engine.refnames import default_branch_name
from aomaas.errors import AomaasError, InvalidRequest, NotFound
from aomaas.forges.github.client import GitHubClient
from aomaas.forges.github.forge import GitHubForge
from aomaas.jobs.context import JobContext, Outcome
from aomaas.jobs.handlers import implement as implement_job
from aomaas.jobs.handlers import index as index_job
from aomaas.jobs.handlers import mine as mine_job
from aomaas.jobs.handlers import plan as plan_job
from aomaas.jobs.handlers import publish as publish_job
from aomaas.jobs.handlers import review as review_job
from aomaas.jobs.texts import proof_summary
from aomaas.store import opportunities as opp_store
from aomaas.store.models import Implementation, Opportunity, Plan, PullRequest, Task
from aomaas.store.work import plan_bundle

DEFAULT_MINE_MAX = 10


@dataclass
class Reply:
    """The bot's one reply comment for a command."""

    github: GitHubClient
    installation: int
    owner: str
    name: str
    comment_id: int

    async def say(self, body: str) -> None:
        """Replace the reply's text."""
        await self.github.update_issue_comment(
            self.installation, self.owner, self.name, self.comment_id, body
        )


Runner = Callable[[JobContext, Any, Reply], Awaitable[Outcome]]


async def handle(ctx: JobContext) -> Outcome:
    """Payload: the command line, where it was written and the reply comment's id."""
    p = ctx.payload
    parsed = cmd.parse_commands(p["command"])
    if not parsed or isinstance(parsed[0], cmd.CommandError):
        raise InvalidRequest(f"not a command: {p['command']}")
    command = parsed[0]
    async with GitHubForge.from_settings(ctx.settings, ctx.services).client() as github:
        reply = Reply(github, int(p["installation"]), p["owner"], p["name"], int(p["reply_id"]))
        try:
            return await RUNNERS[type(command)](ctx, command, reply)
        except Exception as exc:
            why = exc.detail if isinstance(exc, AomaasError) else "an internal error stopped it"
            await reply.say(
                messages.FAILED.format(
                    command=p["command"], message=why, hint=messages.DEFAULT_HINT
                )
            )
            raise


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
    if opp.status in ("resolved", "dismissed"):
        raise InvalidRequest(f"opportunity #{opp.number} is {opp.status}")
    return opp


async def _make_plan(ctx: JobContext, opp: Opportunity, max_steps: int) -> Plan:
    plan = Plan(id=uuid.uuid4(), opportunity_id=opp.id, max_steps=max_steps)
    async with ctx.sessions.begin() as session:
        session.add(plan)
    await plan_job.handle(ctx.derive({"plan_id": str(plan.id)}))
    return (await plan_bundle(ctx.sessions, plan.id)).plan


async def _plan(ctx: JobContext, command: cmd.Plan, reply: Reply) -> Outcome:
    opp = await _opportunity(ctx, command.ref)
    plan = await _make_plan(ctx, opp, command.max_steps or 5)
    await reply.say(
        messages.plan_text(
            opp.number,
            opp.title,
            {"supported": plan.supported, "steps": plan.steps, "description": plan.description},
        )
    )
    return Outcome(f"planned #{opp.number}", {"plan_id": str(plan.id), "supported": plan.supported})


async def _fix(ctx: JobContext, command: cmd.Fix, reply: Reply) -> Outcome:
    opp = await _opportunity(ctx, command.ref)
    await reply.say(f"⏳ Planning a fix for #{opp.number}: {opp.title}…")
    plan = await _make_plan(ctx, opp, 5)
    if not plan.supported:
        raise InvalidRequest(f"no proven fix is available for #{opp.number}: {plan.description}")
    impl = Implementation(
        id=uuid.uuid4(), plan_id=plan.id, branch_name=default_branch_name(opp.number, opp.rule)
    )
    async with ctx.sessions.begin() as session:
        session.add(impl)
    await reply.say(f"⏳ Implementing and proving the fix for #{opp.number}…")
    outcome = await implement_job.handle(ctx.derive({"implementation_id": str(impl.id)}))
    report = (outcome.data or {}).get("validation")
    if not outcome.success:
        raise InvalidRequest(
            f"the fix was not proven, so nothing was published: {outcome.message}\n\n{proof_summary(report)}"
        )
    pr = PullRequest(
        id=uuid.uuid4(),
        repository_id=opp.repository_id,
        implementation_id=impl.id,
        provider_type="github",
        title=opp.title,
        body=f"Asked for by @{ctx.payload.get('author', 'a maintainer')} in #{ctx.payload['issue_number']}.",
    )
    async with ctx.sessions.begin() as session:
        session.add(pr)
    await reply.say(f"⏳ Proven; opening the pull request for #{opp.number}…")
    published = await publish_job.handle(ctx.derive({"pull_request_id": str(pr.id)}))
    await reply.say(f"✅ {published.message}\n\n{proof_summary(report)}")
    return published


async def _ignore(ctx: JobContext, command: cmd.Ignore, reply: Reply) -> Outcome:
    opp = await _opportunity(ctx, command.ref)
    await opp_store.set_status(ctx.sessions, opp.id, "dismissed")
    await reply.say(f"🙈 #{opp.number} ({opp.title}) is dismissed and will not be proposed again.")
    return Outcome(f"dismissed #{opp.number}")


async def _review(ctx: JobContext, command: cmd.Review, reply: Reply) -> Outcome:
    if not ctx.payload.get("is_pull_request"):
        raise InvalidRequest(messages.REVIEW_ONLY_ON_PULLS)
    repo_id = uuid.UUID(ctx.payload["repository_id"])
    number = str(ctx.payload["issue_number"])
    async with ctx.sessions.begin() as session:
        pr = await session.scalar(
            select(PullRequest).where(
                PullRequest.repository_id == repo_id, PullRequest.provider_pr_number == number
            )
        )
        if pr is None:
            pr = PullRequest(
                id=uuid.uuid4(),
                repository_id=repo_id,
                provider_type="github",
                provider_pr_number=number,
                status="open",
                url=f"{ctx.settings.github_web_url.rstrip('/')}/{ctx.payload['owner']}/{ctx.payload['name']}/pull/{number}",
            )
            session.add(pr)
    await reply.say(f"⏳ Reviewing ({command.review_type})…")
    outcome = await review_job.handle(
        ctx.derive({"pull_request_id": str(pr.id), "review_type": command.review_type})
    )
    await reply.say(f"🔍 {outcome.message}")
    return outcome


async def _status(ctx: JobContext, command: cmd.Status, reply: Reply) -> Outcome:
    repo_id = uuid.UUID(ctx.payload["repository_id"])
    async with ctx.sessions() as session:
        counts = dict(
            (
                await session.execute(
                    select(Opportunity.status, func.count())
                    .where(Opportunity.repository_id == repo_id)
                    .group_by(Opportunity.status)
                )
            ).all()
        )
        running = (
            await session.scalars(
                select(Task.kind).where(
                    Task.repository_id == repo_id,
                    Task.status.in_(["pending", "running"]),
                    Task.id != ctx.task_id,
                )
            )
        ).all()
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
