"""Index a repository: clone or update it, then read what changed since the last index."""

from __future__ import annotations

from aomaas.jobs.context import JobContext, Outcome
from aomaas.jobs.repo_work import checkout, load_repository, refresh_index


async def handle(ctx: JobContext) -> Outcome:
    """Payload: ``{"repository_id"}``."""
    repo = await load_repository(ctx, ctx.payload["repository_id"])
    co = await checkout(ctx, repo)
    index = await refresh_index(ctx, repo, co)
    stats = index.stats
    return Outcome(
        f"indexed {stats.get('files', len(index.files))} files of {repo.owner}/{repo.name} at {co.commit[:12]} "
        f"({stats.get('files_read', 0)} read)",
        {"repository_id": str(repo.id), "commit": co.commit, "branch": co.branch, "stats": stats},
    )
