"""Plans, implementations and pull requests: from an opportunity to a proven pull request."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aomaas.api.routing import ApiTable, Call
from aomaas.api.schemas import (
    ImplementationAccepted,
    ImplementationIn,
    ImplementationOut,
    PlanAccepted,
    PlanIn,
    PlanOut,
    PlanStepOut,
    PullRequestIn,
    PullRequestOut,
    ReviewIn,
    TaskAccepted,
)
from aomaas.engine.proof import Proof, ProofLevel, proof_of
from aomaas.errors import InvalidRequest, NotFound
from aomaas.jobs import workflow
from aomaas.store import tasks as task_store
from aomaas.store.access import can_see_repository
from aomaas.store.models import Opportunity, PullRequest, Task
from aomaas.store.states import PullRequestStatus
from aomaas.store.work import (
    ImplementationBundle,
    PlanBundle,
    implementation_bundle,
    latest_review,
    plan_bundle,
)

table = ApiTable()

PUBLISH_WAIT_SECONDS = 15.0


async def _visible(call: Call[Any], repository_id: uuid.UUID, what: str) -> None:
    async with call.sessions() as session:
        if not await can_see_repository(session, call.me, repository_id):
            raise NotFound(f"no {what} with that id")


async def _plan(call: Call[Any], plan_id: uuid.UUID) -> PlanBundle:
    bundle = await plan_bundle(call.sessions, plan_id)
    await _visible(call, bundle.repository.id, "plan")
    return bundle


async def _implementation(call: Call[Any], implementation_id: uuid.UUID) -> ImplementationBundle:
    bundle = await implementation_bundle(call.sessions, implementation_id)
    await _visible(call, bundle.repository.id, "implementation")
    return bundle


@table.route(
    "POST",
    "/plans/generate",
    body=PlanIn,
    response=PlanAccepted,
    status=202,
    tag="plans",
    summary="Plan a fix for an opportunity; returns a task and the plan's id",
)
async def generate_plan(call: Call[PlanIn]) -> PlanAccepted:
    """Refuse resolved or dismissed opportunities; otherwise start planning."""
    body = call.body
    opp_id = call.body_id(body.opportunity_id, "opportunity")
    async with call.sessions() as session:
        opp = await session.get(Opportunity, opp_id)
        if opp is None or not await can_see_repository(session, call.me, opp.repository_id):
            raise NotFound("no opportunity with that id")
    task, plan = await workflow.start_plan(call.starter(), opp, body.max_steps)
    return PlanAccepted(task_id=str(task.id), status="pending", plan_id=str(plan.id))


@table.route(
    "GET", "/plans/{plan_id}", response=PlanOut, tag="plans", summary="A plan and its steps"
)
async def get_plan(call: Call[None]) -> PlanOut:
    """The plan, if its repository is visible."""
    bundle = await _plan(call, call.path_id("plan_id"))
    plan = bundle.plan
    return PlanOut(
        id=str(plan.id),
        opportunity_id=str(plan.opportunity_id),
        title=plan.title,
        description=plan.description,
        steps=[PlanStepOut.model_validate(s) for s in plan.steps],
        supported=plan.supported,
        status=plan.status,
    )


@table.route(
    "POST",
    "/implementations/create",
    body=ImplementationIn,
    response=ImplementationAccepted,
    status=202,
    tag="implementations",
    summary="Carry out a plan on a new branch and prove it; returns a task",
)
async def create_implementation(call: Call[ImplementationIn]) -> ImplementationAccepted:
    """Check the plan is ready and the branch name valid, then start the implementation."""
    body = call.body
    bundle = await _plan(call, call.body_id(body.plan_id, "plan"))
    task, impl = await workflow.start_implementation(call.starter(), bundle, body.branch_name)
    return ImplementationAccepted(
        task_id=str(task.id), status="pending", implementation_id=str(impl.id)
    )


@table.route(
    "GET",
    "/implementations/{implementation_id}",
    response=ImplementationOut,
    tag="implementations",
    summary="An implementation: branch, status, files changed, commit, the proof and the diff",
)
async def get_implementation(call: Call[None]) -> ImplementationOut:
    """The implementation, if its repository is visible."""
    impl = (await _implementation(call, call.path_id("implementation_id"))).implementation
    return ImplementationOut(
        id=str(impl.id),
        plan_id=str(impl.plan_id),
        branch_name=impl.branch_name,
        status=impl.status,
        files_changed=list(impl.files_changed or []),
        commit_id=impl.commit_id,
        base_commit=impl.base_commit,
        message=impl.message,
        validation=impl.report,
        diff=impl.diff,
        **_proof(impl.status, impl.report, impl.message),
    )


def _proof(status: str, report: dict[str, Any] | None, message: str | None) -> dict[str, Any]:
    """``proof_level`` and ``proof`` of a finished implementation (nothing while it runs)."""
    if status == "completed" or (status == "failed" and report):
        proof = proof_of(report)
    elif status == "failed":
        proof = Proof(ProofLevel.NOT_PROVEN, message or "the implementation failed")
    else:
        return {}
    return {"proof_level": proof.level.value, "proof": proof.headline}


async def _pr_out(call: Call[Any], pr: PullRequest) -> PullRequestOut:
    review = await latest_review(call.sessions, pr.id)
    return PullRequestOut(
        pr_id=str(pr.id),
        provider_type=pr.provider_type,
        provider_pr_number=pr.provider_pr_number or "",
        url=pr.url,
        status=pr.status,
        task_id=str(pr.task_id) if pr.task_id else None,
        title=pr.title,
        body=pr.body or None,
        draft=pr.draft,
        review=(
            {
                "review_type": review.review_type,
                "summary": review.summary,
                "comments": review.comments,
                "provider_review_id": review.provider_review_id,
            }
            if review
            else None
        ),
    )


@table.route(
    "POST",
    "/pull-requests/create",
    body=PullRequestIn,
    response=PullRequestOut,
    status=201,
    extra_statuses=(202,),
    tag="pull-requests",
    summary="Publish a proven implementation and open its pull request (201; 202 with a task if it takes long)",
)
async def create_pull_request(
    call: Call[PullRequestIn],
) -> PullRequestOut | tuple[int, PullRequestOut]:
    """Open (or update) the pull request of a completed implementation, waiting a bounded time."""
    body = call.body
    bundle = await _implementation(call, call.body_id(body.implementation_id, "implementation"))
    task, started = await workflow.start_publish(
        call.starter(),
        bundle,
        title=body.title,
        description=body.description,
        draft=body.draft,
        provider=body.provider_type,
    )
    done = await _wait(call, task.id, PUBLISH_WAIT_SECONDS)
    async with call.sessions() as session:
        pr = await session.get(PullRequest, started.id)
    assert pr is not None
    if done is None:
        out = await _pr_out(call, pr)
        out.status = PullRequestStatus.PENDING
        return 202, out
    if done.status == "failed":
        message = (done.result or {}).get("message", "publishing failed")
        raise InvalidRequest(f"publishing failed: {message}")
    return await _pr_out(call, pr)


async def _wait(call: Call[Any], task_id: uuid.UUID, seconds: float) -> Task | None:
    """The finished task, or None if it is still going after ``seconds``."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    delay = 0.05
    while loop.time() < end:
        task = await task_store.get(call.sessions, task_id)
        if task is not None and task_store.is_finished(task.status):
            return task
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, 0.5)
    return None


async def _pull_request(call: Call[Any]) -> PullRequest:
    pr_id = call.path_id("pr_id")
    async with call.sessions() as session:
        pr = await session.get(PullRequest, pr_id)
        if pr is None or not await can_see_repository(session, call.me, pr.repository_id):
            raise NotFound("no pull request with that id")
    return pr


@table.route(
    "GET",
    "/pull-requests/{pr_id}",
    response=PullRequestOut,
    tag="pull-requests",
    summary="A pull request with its number, URL, status and latest review",
)
async def get_pull_request(call: Call[None]) -> PullRequestOut:
    """The pull request, if visible."""
    return await _pr_out(call, await _pull_request(call))


@table.route(
    "POST",
    "/pull-requests/{pr_id}/review",
    body=ReviewIn,
    response=TaskAccepted,
    status=202,
    tag="pull-requests",
    summary="Review a pull request (comments on added lines); returns a task",
)
async def review_pull_request(call: Call[ReviewIn]) -> TaskAccepted:
    """Start a review task."""
    body = call.body
    pr = await _pull_request(call)
    task = await workflow.start_review(call.starter(), pr, body.review_type)
    return TaskAccepted(task_id=str(task.id), status="pending")
