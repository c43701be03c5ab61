"""Publish a proven branch and open (or update) its pull request on the repository's forge."""

from __future__ import annotations

import uuid

from aomaas.engine.proof import ProofLevel, proof_of
from aomaas.errors import InvalidRequest
from aomaas.forges.base import PullRequestSpec
from aomaas.jobs.context import JobContext, Outcome
from aomaas.jobs.repo_work import checkout_holding, forge, repo_ref
from aomaas.jobs.texts import proof_summary, pull_request_body
from aomaas.store import opportunities as opp_store
from aomaas.store.models import PullRequest
from aomaas.store.states import OpportunityStatus, Provider, WorkStatus
from aomaas.store.work import (
    app_commits_on_branch,
    implementation_bundle,
    next_local_pr_number,
    update_row,
)


async def handle(ctx: JobContext) -> Outcome:
    """Payload: ``{"pull_request_id"}``."""
    pr_id = uuid.UUID(ctx.payload["pull_request_id"])
    ctx.working_on((PullRequest, pr_id))
    async with ctx.sessions() as session:
        pr = await session.get(PullRequest, pr_id)
    if pr is None or pr.implementation_id is None:
        raise InvalidRequest("this pull request has no implementation to publish")
    bundle = await implementation_bundle(ctx.sessions, pr.implementation_id)
    impl, opp, repo = bundle.implementation, bundle.opportunity, bundle.repository
    if impl.status != WorkStatus.COMPLETED or not impl.commit_id:
        raise InvalidRequest("only a completed (proven) implementation can be published")
    report = impl.report or {}
    proof = proof_of(report)
    unproven = proof.level == ProofLevel.CHECKED
    if unproven and ctx.settings.open_unproven_pull_requests == "never":
        raise InvalidRequest(
            f"not opened: {proof.headline}; AOMAAS_OPEN_UNPROVEN_PULL_REQUESTS=never forbids "
            "opening the pull request of a fix whose tests did not run"
        )
    co = await checkout_holding(ctx, repo, impl.commit_id)
    opportunity = {
        "number": opp.number,
        "title": opp.title,
        "rule": opp.rule,
        "type": opp.type,
        "priority": opp.priority,
        "effort_estimate": opp.effort_estimate,
        "location": opp.location,
        "line": opp.line,
        "description": opp.description,
        "fingerprint": opp.fingerprint,
    }
    plan = {"description": bundle.plan.description, "steps": bundle.plan.steps}
    body = pull_request_body(
        opportunity=opportunity,
        plan=plan,
        report=report,
        diff=impl.diff,
        files=impl.files_changed,
        extra=pr.body or None,
    )
    spec = PullRequestSpec(
        clone=co.path,
        branch=impl.branch_name,
        commit=impl.commit_id,
        base=co.branch,
        title=pr.title or opp.title,
        body=body,
        draft=pr.draft or unproven,
        fingerprint=opp.fingerprint,
        number_hint=await next_local_pr_number(ctx.sessions, repo.id)
        if repo.provider == Provider.LOCAL
        else None,
        check_summary=proof_summary(report),
        proof=proof,
        app_heads=await app_commits_on_branch(ctx.sessions, repo.id, impl.branch_name),
    )
    await ctx.progress(f"publishing branch {impl.branch_name}")
    published = await forge(ctx, repo).publish(await repo_ref(ctx, repo), spec)
    await update_row(
        ctx.sessions,
        PullRequest,
        pr_id,
        provider_pr_number=published.number,
        url=published.url,
        status=published.status,
        head_branch=impl.branch_name,
        base_branch=co.branch,
        head_sha=published.head_sha,
        body=body,
        title=spec.title,
        draft=spec.draft,
    )
    await opp_store.set_status(ctx.sessions, opp.id, OpportunityStatus.PR_OPEN)
    verb = "updated" if published.updated_existing else "opened"
    return Outcome(
        f"{verb} pull request {published.number}: {published.url}",
        {
            "pr_id": str(pr_id),
            "provider_pr_number": published.number,
            "url": published.url,
            "status": published.status,
            "updated_existing": published.updated_existing,
        },
    )
