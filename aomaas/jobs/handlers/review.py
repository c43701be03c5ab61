"""Review a pull request: mine the files it changes, comment on the lines it adds."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from pathlib import Path

from aomaas.engine.reviewer import review_diff
from aomaas.errors import InvalidRequest
from aomaas.forges.base import PullRef, ReviewComment
from aomaas.jobs.context import JobContext, Outcome
from aomaas.jobs.repo_work import forge, load_repository, repo_ref
from aomaas.store.models import PullRequest, Review


async def handle(ctx: JobContext) -> Outcome:
    """Payload: ``{"pull_request_id", "review_type"}``; stores one review (and posts it on GitHub)."""
    pr_id = uuid.UUID(ctx.payload["pull_request_id"])
    review_type = ctx.payload.get("review_type", "general")
    async with ctx.sessions() as session:
        pr = await session.get(PullRequest, pr_id)
    if pr is None or not pr.provider_pr_number:
        raise InvalidRequest("this pull request is not open on its forge yet")
    repo = await load_repository(ctx, pr.repository_id)
    ref = await repo_ref(ctx, repo)
    pull = PullRef(pr.provider_pr_number, pr.head_branch, pr.base_branch)
    await ctx.progress(f"reviewing pull request {pr.provider_pr_number} ({review_type})")
    scratch = Path(tempfile.mkdtemp(prefix="aomaas-review-"))
    try:
        changes = await forge(ctx, repo).pull_request_changes(ref, pull, scratch)
        review = await asyncio.to_thread(review_diff, changes.checkout, changes.diff, review_type)
    finally:
        await asyncio.to_thread(shutil.rmtree, scratch, True)
    comments = [ReviewComment(c.path, c.line, c.body) for c in review.comments]
    posted = await forge(ctx, repo).post_review(
        ref, pr.provider_pr_number, changes.head_sha, review.summary, comments
    )
    review_id = uuid.uuid4()
    async with ctx.sessions.begin() as session:
        session.add(
            Review(
                id=review_id,
                pull_request_id=pr_id,
                review_type=review_type,
                summary=review.summary,
                comments=[
                    {
                        "path": c.path,
                        "line": c.line,
                        "body": c.body,
                        "rule": c.rule,
                        "priority": c.priority,
                    }
                    for c in review.comments
                ],
                provider_review_id=posted,
                task_id=ctx.task_id,
            )
        )
    return Outcome(
        review.summary,
        {
            "review_id": str(review_id),
            "pull_request_id": str(pr_id),
            "comments": len(review.comments),
            "provider_review_id": posted,
        },
    )
