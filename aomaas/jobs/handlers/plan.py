"""Plan a fix for one opportunity with the configured brain."""

from __future__ import annotations

import uuid

from aomaas.engine.brain import make_brain
from aomaas.engine.planner import make_plan
from aomaas.engine.plans import PlanContext
from aomaas.engine.recipes.community import COMMUNITY_RULES
from aomaas.jobs.community import community_facts
from aomaas.jobs.context import JobContext, Outcome
from aomaas.jobs.engine_settings import recipe_settings
from aomaas.jobs.repo_work import forge, repo_ref
from aomaas.store import opportunities as opp_store
from aomaas.store.models import Plan
from aomaas.store.states import OpportunityStatus, WorkStatus
from aomaas.store.work import plan_bundle, update_row


async def handle(ctx: JobContext) -> Outcome:
    """Payload: ``{"plan_id"}``; fills the plan row's title, description and steps."""
    plan_id = uuid.UUID(ctx.payload["plan_id"])
    ctx.working_on((Plan, plan_id))
    bundle = await plan_bundle(ctx.sessions, plan_id)
    await update_row(ctx.sessions, Plan, plan_id, status=WorkStatus.RUNNING)
    finding = opp_store.to_finding(bundle.opportunity)
    brain = make_brain(ctx.settings.brain)
    community = None
    if finding.rule in COMMUNITY_RULES:
        repo = bundle.repository
        community = await community_facts(forge(ctx, repo), await repo_ref(ctx, repo))
    plan = make_plan(
        finding,
        bundle.plan.max_steps,
        brain,
        PlanContext(recipe_settings=recipe_settings(ctx.settings), community=community),
    )
    data = plan.to_dict()
    await update_row(
        ctx.sessions,
        Plan,
        plan_id,
        status=WorkStatus.COMPLETED,
        title=plan.title,
        description=plan.description,
        steps=data["steps"],
        supported=plan.supported,
        recipe=plan.recipe,
        commit=bundle.repository.indexed_commit,
    )
    if plan.supported and bundle.opportunity.status == OpportunityStatus.OPEN:
        await opp_store.set_status(ctx.sessions, bundle.opportunity.id, OpportunityStatus.PLANNED)
    message = (
        f"planned {len(plan.steps)} step(s) with recipe {plan.recipe}"
        if plan.supported
        else f"no recipe can fix this: {plan.description}"
    )
    return Outcome(
        message, {"plan_id": str(plan_id), "supported": plan.supported, "steps": len(plan.steps)}
    )
