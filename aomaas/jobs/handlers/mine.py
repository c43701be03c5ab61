"""Mine a repository: bring its index up to date, run the miners, store every finding.

A finding of a missing community file is asked about on the forge first: what the owner's
``.github`` repository or GitHub's community profile already provides is left out, and the
outcome says why.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from aomaas.engine.findings import Finding, OpportunityType
from aomaas.engine.miners import mine
from aomaas.engine.recipes.community import COMMUNITY_RULES
from aomaas.engine.recipes.covered import LeftOut, describe, leave_out_covered
from aomaas.engine.scan import rank
from aomaas.jobs.community import community_facts
from aomaas.jobs.context import JobContext, Outcome
from aomaas.jobs.repo_work import checkout, forge, load_repository, refresh_index, repo_ref
from aomaas.store import opportunities as opp_store
from aomaas.store.models import Repository

ALL_TYPES = [t.value for t in OpportunityType]


async def handle(ctx: JobContext) -> Outcome:
    """Payload: ``{"repository_id", "types": [...] | null, "max_opportunities"}``."""
    repo = await load_repository(ctx, ctx.payload["repository_id"])
    types = ctx.payload.get("types") or ALL_TYPES
    limit = int(ctx.payload.get("max_opportunities") or 20)
    co = await checkout(ctx, repo)
    index = await refresh_index(ctx, repo, co)
    await ctx.progress(f"mining {', '.join(types)}")
    found = await asyncio.to_thread(mine, co.path, index, [OpportunityType(t) for t in types])
    # new findings are numbered in rank order, as ``aomaas scan`` does
    findings, left_out = await _leave_out_covered(ctx, repo, rank(found))
    run = await opp_store.record_mine_run(
        ctx.sessions,
        repo.id,
        findings,
        types=types,
        max_opportunities=limit,
        commit=co.commit,
        task_id=ctx.task_id,
    )
    async with ctx.sessions() as session:
        rows = await opp_store.selected(session, run)
    counts = Counter(str(f.type) for f in findings)
    return Outcome(
        f"found {len(findings)} opportunities ({', '.join(f'{n} {t}' for t, n in sorted(counts.items())) or 'none'}); "
        + (f"{describe(left_out)}; " if left_out else "")
        + f"selected the top {len(rows)}",
        {
            "repository_id": str(repo.id),
            "mine_run_id": str(run.id),
            "commit": co.commit,
            "found": len(findings),
            "counts": dict(counts),
            "left_out": [item.to_dict() for item in left_out],
            "selected": [
                {
                    "id": str(o.id),
                    "number": o.number,
                    "title": o.title,
                    "type": o.type,
                    "priority": o.priority,
                    "effort_estimate": o.effort_estimate,
                    "location": o.location,
                    "line": o.line,
                    "fixable": o.fixable,
                }
                for o in rows
            ],
        },
    )


async def _leave_out_covered(
    ctx: JobContext, repo: Repository, findings: list[Finding]
) -> tuple[list[Finding], list[LeftOut]]:
    """The findings the owner's files do not cover, and those left out (the forge is asked
    only when a missing community file was found)."""
    if not any(f.rule in COMMUNITY_RULES for f in findings):
        return findings, []
    facts = await community_facts(forge(ctx, repo), await repo_ref(ctx, repo))
    return leave_out_covered(findings, facts)
