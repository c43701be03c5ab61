"""Plans, implementations, pull requests and reviews: loading a row with what it hangs on."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from aomaas.errors import NotFound
from aomaas.store.db import SessionMaker
from aomaas.store.models import Implementation, Opportunity, Plan, PullRequest, Repository, Review
from aomaas.store.states import UNFINISHED, PullRequestStatus, TaskKind, WorkStatus


@dataclass
class PlanBundle:
    """A plan with its opportunity and repository."""

    plan: Plan
    opportunity: Opportunity
    repository: Repository


@dataclass
class ImplementationBundle(PlanBundle):
    """An implementation with its plan, opportunity and repository."""

    implementation: Implementation


async def plan_bundle(sessions: SessionMaker, plan_id: uuid.UUID) -> PlanBundle:
    """A plan and what it belongs to."""
    async with sessions() as session:
        row = (
            await session.execute(
                select(Plan, Opportunity, Repository)
                .join(Opportunity, Plan.opportunity_id == Opportunity.id)
                .join(Repository, Opportunity.repository_id == Repository.id)
                .where(Plan.id == plan_id)
            )
        ).first()
    if row is None:
        raise NotFound("no plan with that id")
    return PlanBundle(*row)


async def implementation_bundle(
    sessions: SessionMaker, implementation_id: uuid.UUID
) -> ImplementationBundle:
    """An implementation and what it belongs to."""
    async with sessions() as session:
        impl = await session.get(Implementation, implementation_id)
    if impl is None:
        raise NotFound("no implementation with that id")
    bundle = await plan_bundle(sessions, impl.plan_id)
    return ImplementationBundle(bundle.plan, bundle.opportunity, bundle.repository, impl)


async def update_row(
    sessions: SessionMaker, model: type[Any], row_id: uuid.UUID, **values: Any
) -> None:
    """Set columns of one row."""
    async with sessions.begin() as session:
        row = await session.get(model, row_id)
        if row is None:
            raise NotFound(f"no {model.__tablename__[:-1]} with that id")
        for key, value in values.items():
            setattr(row, key, value)


WorkModel = type[Plan] | type[Implementation] | type[PullRequest]
#: An object a task works on: its model and id.
Subject = tuple[WorkModel, uuid.UUID]
#: The object each task kind works on, named by this payload key.
SUBJECT_OF_KIND: dict[str, tuple[WorkModel, str]] = {
    TaskKind.PLAN: (Plan, "plan_id"),
    TaskKind.IMPLEMENT: (Implementation, "implementation_id"),
    TaskKind.PUBLISH: (PullRequest, "pull_request_id"),
}


def subject_of(kind: str, payload: Mapping[str, Any]) -> Subject | None:
    """The object a task of ``kind`` with ``payload`` works on (None for other kinds)."""
    named = SUBJECT_OF_KIND.get(kind)
    if named is None or not payload.get(named[1]):
        return None
    try:
        return named[0], uuid.UUID(str(payload[named[1]]))
    except ValueError:
        return None


async def fail_unfinished(session: AsyncSession, subjects: Iterable[Subject], reason: str) -> None:
    """Mark each subject still pending or running ``failed``, keeping the reason where it fits.

    An implementation keeps it in ``message``, a plan in its (still empty)
    ``description``; a pull request links its publishing task (``task_id``),
    whose result holds the reason. Objects already in a final state are left alone.
    """
    for model, row_id in subjects:
        row: Plan | Implementation | PullRequest | None = await session.get(
            model, row_id, with_for_update=True
        )
        if row is None or row.status not in UNFINISHED:
            continue
        if isinstance(row, PullRequest):
            row.status = PullRequestStatus.FAILED
            continue
        row.status = WorkStatus.FAILED
        if isinstance(row, Implementation):
            row.message = reason
        elif isinstance(row, Plan) and not row.description:
            row.description = reason


async def next_local_pr_number(sessions: SessionMaker, repository_id: uuid.UUID) -> int:
    """The next local pull-request number of a repository."""
    async with sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(PullRequest)
            .where(
                PullRequest.repository_id == repository_id,
                PullRequest.provider_pr_number.is_not(None),
            )
        )
    return int(count or 0) + 1


async def app_commits_on_branch(
    sessions: SessionMaker, repository_id: uuid.UUID, branch: str
) -> frozenset[str]:
    """The commits the app made for ``branch`` of a repository (its proven implementations).

    A branch whose head is one of them is the app's: publishing may replace it.
    """
    async with sessions() as session:
        found = await session.scalars(
            select(Implementation.commit_id)
            .join(Plan, Implementation.plan_id == Plan.id)
            .join(Opportunity, Plan.opportunity_id == Opportunity.id)
            .where(
                Opportunity.repository_id == repository_id,
                Implementation.branch_name == branch,
                Implementation.commit_id.is_not(None),
            )
        )
        return frozenset(sha for sha in found if sha)


async def pull_request_by_number(
    sessions: SessionMaker, repository_id: uuid.UUID, number: str | int
) -> PullRequest | None:
    """The stored pull request of a repository with the forge's number ``number``."""
    async with sessions() as session:
        return await session.scalar(
            select(PullRequest).where(
                PullRequest.repository_id == repository_id,
                PullRequest.provider_pr_number == str(number),
            )
        )


async def pull_request_of(
    sessions: SessionMaker, implementation_id: uuid.UUID
) -> PullRequest | None:
    """The pull request opened (or being opened) for an implementation, if any."""
    async with sessions() as session:
        return await session.scalar(
            select(PullRequest).where(PullRequest.implementation_id == implementation_id)
        )


async def latest_review(sessions: SessionMaker, pull_request_id: uuid.UUID) -> Review | None:
    """The newest review stored for a pull request."""
    async with sessions() as session:
        return await session.scalar(
            select(Review)
            .where(Review.pull_request_id == pull_request_id)
            .order_by(Review.created_at.desc())
            .limit(1)
        )
