"""Pull requests closing: merged resolves the opportunity; closed unmerged dismisses it for good."""

from __future__ import annotations

from gidgethub import routing, sansio

from aomaas.bot.context import BotContext
from aomaas.store import installations as inst_store
from aomaas.store import opportunities as opp_store
from aomaas.store.models import PullRequest
from aomaas.store.states import OpportunityStatus, PullRequestStatus
from aomaas.store.work import implementation_bundle, pull_request_by_number, update_row

router = routing.Router()


@router.register("pull_request", action="closed")
async def pull_request_closed(event: sansio.Event, bot: BotContext) -> None:
    """Update the bot's pull request and its opportunity."""
    pull = event.data["pull_request"]
    repo = await inst_store.repository_by_github_id(
        bot.job.sessions, int(event.data["repository"]["id"])
    )
    if repo is None:
        return
    row = await pull_request_by_number(bot.job.sessions, repo.id, int(pull["number"]))
    if row is None:
        return
    merged = bool(pull.get("merged"))
    await update_row(
        bot.job.sessions,
        PullRequest,
        row.id,
        status=PullRequestStatus.MERGED if merged else PullRequestStatus.CLOSED,
    )
    if row.implementation_id is None:
        return
    bundle = await implementation_bundle(bot.job.sessions, row.implementation_id)
    await opp_store.set_status(
        bot.job.sessions,
        bundle.opportunity.id,
        OpportunityStatus.RESOLVED if merged else OpportunityStatus.DISMISSED,
    )
