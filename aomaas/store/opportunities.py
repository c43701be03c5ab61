"""Opportunities: stored by fingerprint, numbered per repository, resolved when gone.

Mining stores every finding it sees. A finding already known (same fingerprint)
updates its row; a new one gets the repository's next number, never reused. A
known opportunity of a mined type that was not seen again becomes ``resolved``;
one a maintainer dismissed stays dismissed and is never selected again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from aomaas.engine.findings import Finding
from aomaas.store.db import SessionMaker
from aomaas.store.models import MineRun, Opportunity, Repository
from aomaas.store.states import OPEN_STATES, OpportunityStatus
from aomaas.store.types import utcnow

_PRIORITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
_EFFORT_ORDER = {"small": 0, "medium": 1, "large": 2}


def rank_order() -> list[Any]:
    """ORDER BY for the contract's ranking: priority, then effort, then number."""
    return [
        case(_PRIORITY_ORDER, value=Opportunity.priority, else_=9),
        case(_EFFORT_ORDER, value=Opportunity.effort_estimate, else_=9),
        Opportunity.number,
    ]


async def record_mine_run(
    sessions: SessionMaker,
    repository_id: uuid.UUID,
    findings: Sequence[Finding],
    *,
    types: Iterable[str],
    max_opportunities: int,
    commit: str | None,
    task_id: uuid.UUID | None,
) -> MineRun:
    """Store a mining pass: upsert findings, resolve vanished ones, select the top N."""
    mined_types = sorted(set(types))
    seen = {f.fingerprint: f for f in findings}
    now = utcnow()
    async with sessions.begin() as session:
        repo = await session.get(Repository, repository_id, with_for_update=True)
        assert repo is not None
        existing = {
            o.fingerprint: o
            for o in (
                await session.scalars(
                    select(Opportunity).where(
                        Opportunity.repository_id == repository_id,
                        Opportunity.type.in_(mined_types) | Opportunity.fingerprint.in_(list(seen)),
                    )
                )
            ).all()
        }
        for fingerprint, finding in seen.items():
            row = existing.get(fingerprint)
            if row is None:
                row = Opportunity(
                    id=uuid.uuid4(),
                    repository_id=repository_id,
                    number=repo.next_number,
                    fingerprint=fingerprint,
                    status=OpportunityStatus.OPEN,
                    first_seen_commit=commit,
                )
                repo.next_number += 1
                session.add(row)
            elif row.status == OpportunityStatus.RESOLVED:
                row.status = OpportunityStatus.OPEN
                row.resolved_at = None
            _copy_finding(row, finding)
            row.last_seen_commit = commit
        for fingerprint, row in existing.items():
            if fingerprint not in seen and row.type in mined_types and row.status in OPEN_STATES:
                row.status = OpportunityStatus.RESOLVED
                row.resolved_at = now
        await session.flush()
        selection = await session.scalars(
            select(Opportunity.id)
            .where(
                Opportunity.repository_id == repository_id,
                Opportunity.type.in_(mined_types),
                Opportunity.status.in_(OPEN_STATES),
            )
            .order_by(*rank_order())
            .limit(max_opportunities)
        )
        run = MineRun(
            id=uuid.uuid4(),
            repository_id=repository_id,
            task_id=task_id,
            commit=commit,
            types=mined_types,
            max_opportunities=max_opportunities,
            selection=[str(i) for i in selection.all()],
            found=len(seen),
        )
        session.add(run)
        repo.latest_mine_run_id = run.id
        return run


def _copy_finding(row: Opportunity, finding: Finding) -> None:
    row.rule = finding.rule
    row.type = str(finding.type)
    row.priority = str(finding.priority)
    row.effort_estimate = str(finding.effort)
    row.title = finding.title[:500]
    row.description = finding.description
    row.location = finding.location
    row.line = finding.line
    row.end_line = finding.end_line
    row.snippet = finding.snippet
    row.fixable = finding.fixable
    row.extra = finding.extra


def to_finding(row: Opportunity) -> Finding:
    """The engine's view of a stored opportunity."""
    return Finding.from_dict(
        {
            "fingerprint": row.fingerprint,
            "rule": row.rule,
            "type": row.type,
            "priority": row.priority,
            "effort": row.effort_estimate,
            "title": row.title,
            "description": row.description,
            "location": row.location,
            "line": row.line,
            "end_line": row.end_line,
            "snippet": row.snippet,
            "fixable": row.fixable,
            "extra": dict(row.extra or {}),
        }
    )


async def latest_selection(
    session: AsyncSession, repo: Repository
) -> tuple[list[Opportunity], MineRun | None]:
    """The latest mining run's selection, in its rank order (current rows)."""
    if repo.latest_mine_run_id is None:
        return [], None
    run = await session.get(MineRun, repo.latest_mine_run_id)
    if run is None:
        return [], None
    return await selected(session, run), run


async def selected(session: AsyncSession, run: MineRun) -> list[Opportunity]:
    """A mining run's selection, in its rank order (the rows as they are now)."""
    ids = [uuid.UUID(i) for i in run.selection]
    if not ids:
        return []
    found = await session.scalars(select(Opportunity).where(Opportunity.id.in_(ids)))
    rows = {o.id: o for o in found.all()}
    return [rows[i] for i in ids if i in rows]


async def filtered(
    session: AsyncSession,
    repository_id: uuid.UUID,
    *,
    types: list[str] | None,
    priorities: list[str] | None,
    statuses: list[str] | None,
    offset: int,
    limit: int,
) -> tuple[list[Opportunity], int]:
    """Opportunities matching the filters, ranked, one page, with the total count."""
    query = select(Opportunity).where(Opportunity.repository_id == repository_id)
    if types:
        query = query.where(Opportunity.type.in_(types))
    if priorities:
        query = query.where(Opportunity.priority.in_(priorities))
    if statuses:
        query = query.where(Opportunity.status.in_(statuses))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(*rank_order()).offset(offset).limit(limit))
    return list(rows.all()), int(total or 0)


async def find_ref(session: AsyncSession, repository_id: uuid.UUID, ref: str) -> Opportunity | None:
    """An opportunity of a repository by number ("3", "#3"), id or fingerprint (prefix of 8+)."""
    text = ref.strip().lstrip("#")
    query = select(Opportunity).where(Opportunity.repository_id == repository_id)
    if text.isdigit():
        return await session.scalar(query.where(Opportunity.number == int(text)))
    try:
        return await session.scalar(query.where(Opportunity.id == uuid.UUID(text)))
    except ValueError:
        pass
    if len(text) >= 8:
        rows = (
            await session.scalars(query.where(Opportunity.fingerprint.startswith(text)).limit(2))
        ).all()
        if len(rows) == 1:
            return rows[0]
    return None


async def set_status(
    sessions: SessionMaker, opportunity_id: uuid.UUID, status: OpportunityStatus
) -> None:
    """Move an opportunity to ``status`` (never out of dismissed)."""
    async with sessions.begin() as session:
        row = await session.get(Opportunity, opportunity_id)
        if row is not None and row.status != OpportunityStatus.DISMISSED:
            row.status = status
            if status == OpportunityStatus.RESOLVED:
                row.resolved_at = utcnow()


async def count_by_status(sessions: SessionMaker, repository_id: uuid.UUID) -> dict[str, int]:
    """How many opportunities of a repository are in each status."""
    async with sessions() as session:
        rows = await session.execute(
            select(Opportunity.status, func.count())
            .where(Opportunity.repository_id == repository_id)
            .group_by(Opportunity.status)
        )
        return {str(status): int(count) for status, count in rows.all()}
