"""Carry out a plan on a new branch and prove it; a change that fails any check leaves no branch."""

from __future__ import annotations

import asyncio
import uuid

from aomaas.engine.implementer import implement
from aomaas.engine.plans import Plan as EnginePlan
from aomaas.jobs.context import JobContext, Outcome
from aomaas.jobs.engine_settings import identity, implement_settings
from aomaas.jobs.redaction import scrub, service_secrets
from aomaas.jobs.repo_work import checkout
from aomaas.store import opportunities as opp_store
from aomaas.store.models import Implementation
from aomaas.store.states import OpportunityStatus, WorkStatus
from aomaas.store.work import implementation_bundle, update_row


async def handle(ctx: JobContext) -> Outcome:
    """Payload: ``{"implementation_id"}``.

    The plan is carried out on the repository's current head: if the repository
    moved on since planning, the change is made (and proven) on the new head.
    """
    impl_id = uuid.UUID(ctx.payload["implementation_id"])
    ctx.working_on((Implementation, impl_id))
    bundle = await implementation_bundle(ctx.sessions, impl_id)
    await update_row(ctx.sessions, Implementation, impl_id, status=WorkStatus.RUNNING)
    co = await checkout(ctx, bundle.repository)
    moved = bool(bundle.plan.commit and bundle.plan.commit != co.commit)
    await ctx.progress("implementing and proving" + (" (rebased on the new head)" if moved else ""))
    plan = EnginePlan.from_dict(
        {
            "title": bundle.plan.title,
            "description": bundle.plan.description,
            "steps": bundle.plan.steps,
            "supported": bundle.plan.supported,
            "recipe": bundle.plan.recipe,
        }
    )
    result = await asyncio.to_thread(
        implement,
        co.path,
        co.commit,
        opp_store.to_finding(bundle.opportunity),
        plan,
        bundle.implementation.branch_name,
        identity(ctx.settings),
        implement_settings(ctx.settings),
    )
    secrets = service_secrets(ctx.settings)  # the proof quotes the repository's own output
    report = scrub(result.report.to_dict(), secrets) if result.report else None
    message = scrub(result.message, secrets)
    if report is not None:
        report["rebased"] = moved
    await update_row(
        ctx.sessions,
        Implementation,
        impl_id,
        status=WorkStatus.COMPLETED if result.success else WorkStatus.FAILED,
        branch_name=result.branch or bundle.implementation.branch_name,
        files_changed=result.files_changed,
        commit_id=result.commit_id if result.success else None,
        base_commit=co.commit,
        diff=result.diff,
        report=report,
        message=message,
    )
    if result.success:
        await opp_store.set_status(
            ctx.sessions, bundle.opportunity.id, OpportunityStatus.IMPLEMENTED
        )
    data = {
        "implementation_id": str(impl_id),
        "branch": result.branch,
        "commit_id": result.commit_id,
        "files_changed": result.files_changed,
        "validation": report,
    }
    return Outcome(message, data, success=result.success)
