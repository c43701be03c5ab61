"""How work starts: plan, implement, publish, fix (the three chained) and review.

Both faces call these functions; neither writes the rows below nor a task of
its own for them. Each ``start_*`` checks the rule its step has (an open
opportunity, a completed plan, a proven implementation, an open pull request),
stores the row the step works on together with its task in one transaction and
enqueues the task (:func:`~aomaas.jobs.submit.submit_task`).

A fix is a chain of three tasks, each with its own row in ``/tasks``: the plan
task's end starts the implementation, the implementation's end starts the pull
request. :func:`after_task` takes the chain one step on; the runner calls it
once a task has its final state, and the sweep once it gave up on a task whose
worker died with its last attempt. A chain started by a `/aomaas` comment carries
its reply comment (:class:`Follow`) and edits it as each step ends.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aomaas.engine.refnames import default_branch_name
from aomaas.errors import AomaasError, InvalidRequest
from aomaas.jobs.context import JobContext, Outcome
from aomaas.jobs.queue import Enqueuer
from aomaas.jobs.replies import ReplyRef, open_reply, plan_text
from aomaas.jobs.submit import submit_task
from aomaas.jobs.texts import proof_summary
from aomaas.store.db import SessionMaker
from aomaas.store.models import Implementation, Opportunity, Plan, PullRequest, Repository, Task
from aomaas.store.work import (
    ImplementationBundle,
    PlanBundle,
    implementation_bundle,
    plan_bundle,
    pull_request_by_number,
    pull_request_of,
    update_row,
)

log = logging.getLogger(__name__)

#: The payload key a chained task carries its :class:`Follow` under.
FOLLOW = "follow"
#: How many steps a plan started without a number gets.
DEFAULT_MAX_STEPS = 5


@dataclass(frozen=True)
class Starter:
    """Who starts work: database sessions, the queue, the attempts a task gets, the user (if any)."""

    sessions: SessionMaker
    enqueuer: Enqueuer
    max_attempts: int
    user_id: uuid.UUID | None = None

    async def submit(
        self,
        kind: str,
        payload: dict[str, Any],
        repository_id: uuid.UUID | None,
        *,
        rows: Iterable[Any] = (),
        max_attempts: int | None = None,
    ) -> Task:
        """Store ``rows`` and a task of ``kind``, then enqueue it."""
        return await submit_task(
            self.sessions,
            self.enqueuer,
            kind,
            payload,
            user_id=self.user_id,
            repository_id=repository_id,
            max_attempts=max_attempts or self.max_attempts,
            rows=rows,
        )


def starter_of(ctx: JobContext) -> Starter:
    """A :class:`Starter` for work a running task starts (on behalf of the task's user)."""
    return Starter(
        ctx.sessions, ctx.services["enqueuer"], ctx.settings.task_max_attempts, ctx.task.user_id
    )


@dataclass(frozen=True)
class Follow:
    """What a chain started from a comment is for and where it reports.

    ``goal`` is ``plan`` (stop after planning and show the plan), ``fix`` (plan,
    implement, publish) or ``review``; ``command`` is the comment's line.
    """

    goal: str
    command: str
    reply: ReplyRef
    author: str
    issue_number: int

    def to_payload(self) -> dict[str, Any]:
        """The follow as JSON-ready values (a task payload holds only small values)."""
        return {
            "goal": self.goal,
            "command": self.command,
            "reply": self.reply.to_payload(),
            "author": self.author,
            "issue_number": self.issue_number,
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Follow:
        """The follow stored by :meth:`to_payload`."""
        return cls(
            str(data["goal"]),
            str(data["command"]),
            ReplyRef.from_payload(data["reply"]),
            str(data["author"]),
            int(data["issue_number"]),
        )


def _with_follow(payload: dict[str, Any], follow: Follow | None) -> dict[str, Any]:
    return {**payload, FOLLOW: follow.to_payload()} if follow is not None else payload


# ----------------------------------------------------------------------------- the rules


def check_workable(opp: Opportunity) -> None:
    """Refuse an opportunity that is resolved or dismissed, saying why."""
    if opp.status not in ("resolved", "dismissed"):
        return
    why = (
        "it was not found in the latest mining run"
        if opp.status == "resolved"
        else "a maintainer dismissed it"
    )
    raise InvalidRequest(
        f"opportunity #{opp.number} is {opp.status}: {why}; mine again to see current opportunities"
    )


def check_plan_ready(plan: Plan) -> None:
    """Refuse a plan that is not completed or that no recipe can carry out."""
    if plan.status != "completed":
        raise InvalidRequest(f"the plan is {plan.status}; wait for its task to complete")
    if not plan.supported:
        raise InvalidRequest(f"this plan cannot be carried out: {plan.description}")


# ----------------------------------------------------------------------------- starting work


async def start_plan(
    starter: Starter, opp: Opportunity, max_steps: int, follow: Follow | None = None
) -> tuple[Task, Plan]:
    """Plan a fix for ``opp`` (refused when resolved or dismissed)."""
    check_workable(opp)
    plan = Plan(
        id=uuid.uuid4(), opportunity_id=opp.id, max_steps=max_steps, created_by=starter.user_id
    )
    task = await starter.submit(
        "plan", _with_follow({"plan_id": str(plan.id)}, follow), opp.repository_id, rows=[plan]
    )
    return task, plan


async def start_implementation(
    starter: Starter,
    bundle: PlanBundle,
    branch_name: str | None = None,
    follow: Follow | None = None,
) -> tuple[Task, Implementation]:
    """Carry out a ready plan on ``branch_name`` (by default the opportunity's branch name)."""
    check_plan_ready(bundle.plan)
    opp = bundle.opportunity
    impl = Implementation(
        id=uuid.uuid4(),
        plan_id=bundle.plan.id,
        branch_name=branch_name or default_branch_name(opp.number, opp.rule),
        created_by=starter.user_id,
    )
    task = await starter.submit(
        "implement",
        _with_follow({"implementation_id": str(impl.id)}, follow),
        bundle.repository.id,
        rows=[impl],
        max_attempts=1,  # a failed proof is an answer, not a transient failure
    )
    return task, impl


async def start_publish(
    starter: Starter,
    bundle: ImplementationBundle,
    *,
    title: str | None = None,
    description: str | None = None,
    draft: bool = False,
    provider: str | None = None,
    follow: Follow | None = None,
) -> tuple[Task, PullRequest]:
    """Open (or update) the pull request of a proven implementation; returns its task and row."""
    impl, repo = bundle.implementation, bundle.repository
    if impl.status != "completed":
        raise InvalidRequest(
            f"the implementation is {impl.status}; only a proven (completed) one can be published"
        )
    provider = provider or repo.provider
    if provider != repo.provider:
        raise InvalidRequest(f"this repository is on {repo.provider}, not {provider}")
    pr = await pull_request_of(starter.sessions, impl.id)
    rows = []
    if pr is None:
        pr = PullRequest(
            id=uuid.uuid4(),
            repository_id=repo.id,
            implementation_id=impl.id,
            provider_type=provider,
            title=title or bundle.opportunity.title,
            body=description or "",
            draft=draft,
            created_by=starter.user_id,
        )
        rows.append(pr)
    task = await starter.submit(
        "publish", _with_follow({"pull_request_id": str(pr.id)}, follow), repo.id, rows=rows
    )
    await update_row(starter.sessions, PullRequest, pr.id, task_id=task.id)
    return task, pr


async def start_fix(starter: Starter, opp: Opportunity, follow: Follow) -> Task:
    """Plan, implement and publish a fix for ``opp``: three chained tasks; returns the first."""
    task, _plan = await start_plan(starter, opp, DEFAULT_MAX_STEPS, follow)
    return task


async def start_review(
    starter: Starter, pr: PullRequest, review_type: str, follow: Follow | None = None
) -> Task:
    """Review an open pull request (comments on the lines it adds)."""
    if not pr.provider_pr_number:
        raise InvalidRequest("this pull request is not open yet; wait for its publish task")
    return await starter.submit(
        "review",
        _with_follow({"pull_request_id": str(pr.id), "review_type": review_type}, follow),
        pr.repository_id,
    )


async def pull_request_for_review(
    starter: Starter, repo: Repository, number: int, url: str
) -> PullRequest:
    """The stored pull request ``number`` of ``repo``; a human one is stored (open) on first use."""
    pr = await pull_request_by_number(starter.sessions, repo.id, number)
    if pr is not None:
        return pr
    pr = PullRequest(
        id=uuid.uuid4(),
        repository_id=repo.id,
        provider_type=repo.provider,
        provider_pr_number=str(number),
        status="open",
        url=url,
    )
    async with starter.sessions.begin() as session:
        session.add(pr)
    return pr


# ----------------------------------------------------------------------------- chains


async def after_task(ctx: JobContext, kind: str, outcome: Outcome) -> None:
    """Take a followed chain one step on after a task of ``kind`` ended with ``outcome``.

    Starts the next task of a fix and edits the reply comment to say where the
    work is, or what stopped it. Tasks that carry no :class:`Follow` are left alone.
    A failure to report is logged, never raised: the task's own result is already
    stored, and the caller (a worker, or the sweep) goes on.
    """
    raw = ctx.task.payload.get(FOLLOW)
    if not isinstance(raw, dict):
        return
    try:
        follow = Follow.from_payload(raw)
        async with open_reply(ctx.settings, ctx.services, follow.reply) as reply:
            try:
                text = await _advance(ctx, kind, outcome, follow)
            except AomaasError as exc:
                await reply.failed(follow.command, exc.detail)
            else:
                await reply.say(text)
    except Exception:
        log.exception("task %s (%s): taking its chain on failed", ctx.task_id, kind)


async def _advance(ctx: JobContext, kind: str, outcome: Outcome, follow: Follow) -> str:
    """Start the chain's next step, if any; the reply's new text (AomaasError: what stopped it)."""
    payload = ctx.task.payload
    if kind == "implement" and not outcome.success:
        report = (outcome.data or {}).get("validation")
        raise InvalidRequest(
            "the fix was not proven, so nothing was published: "
            f"{outcome.message}\n\n{proof_summary(report)}"
        )
    if not outcome.success:
        raise InvalidRequest(outcome.message)
    if kind == "plan":
        bundle = await plan_bundle(ctx.sessions, uuid.UUID(payload["plan_id"]))
        plan, opp = bundle.plan, bundle.opportunity
        if follow.goal == "plan":
            return plan_text(
                opp.number,
                opp.title,
                {"supported": plan.supported, "steps": plan.steps, "description": plan.description},
            )
        if not plan.supported:
            raise InvalidRequest(
                f"no proven fix is available for #{opp.number}: {plan.description}"
            )
        await start_implementation(starter_of(ctx), bundle, follow=follow)
        return f"⏳ Implementing and proving the fix for #{opp.number}…"
    if kind == "implement":
        impl_bundle = await implementation_bundle(
            ctx.sessions, uuid.UUID(payload["implementation_id"])
        )
        await start_publish(
            starter_of(ctx),
            impl_bundle,
            title=impl_bundle.opportunity.title,
            description=f"Asked for by @{follow.author} in #{follow.issue_number}.",
            follow=follow,
        )
        return f"⏳ Proven; opening the pull request for #{impl_bundle.opportunity.number}…"
    if kind == "publish":
        report = None
        async with ctx.sessions() as session:
            pr = await session.get(PullRequest, uuid.UUID(payload["pull_request_id"]))
            if pr is not None and pr.implementation_id is not None:
                impl = await session.get(Implementation, pr.implementation_id)
                report = impl.report if impl is not None else None
        return f"✅ {outcome.message}\n\n{proof_summary(report)}"
    return f"🔍 {outcome.message}" if kind == "review" else f"✅ {outcome.message}"
