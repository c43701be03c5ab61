"""Repositories: index, mine, list, show, and their opportunities."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlsplit

from aomaas.api.routing import ApiTable, Call
from aomaas.api.schemas import (
    IndexAccepted,
    IndexIn,
    MineIn,
    OpportunityList,
    OpportunityOut,
    RepositoryList,
    RepositoryOut,
    TaskAccepted,
)
from aomaas.engine.opportunity import places_of
from aomaas.engine.workspace import RepoSource, check_source, local_path_of
from aomaas.errors import InvalidRequest
from aomaas.jobs.engine_settings import workspace_policy
from aomaas.settings import Settings
from aomaas.store import opportunities as opp_store
from aomaas.store import repositories as repo_store
from aomaas.store.access import check_may_index, repository_for, visible_repositories
from aomaas.store.installations import installation_for_owner
from aomaas.store.models import Opportunity, Repository
from aomaas.store.repositories import canonical_url
from aomaas.store.states import OpportunityStatus, Provider, TaskKind, TaskStatus
from aomaas.store.types import isoformat_z

table = ApiTable()

LOCAL_OWNER = "local"


def owner_of(provider: str, url: str) -> str:
    """The owner a repository URL names, read from its text alone (nothing is fetched).

    Local repositories all have the owner ``local``; a GitHub URL names its owner in
    the first part of its path (400 if it does not look like ``https://HOST/OWNER/NAME``).
    """
    if provider == Provider.LOCAL:
        return LOCAL_OWNER
    parts = PurePosixPath(urlsplit(url).path).parts[1:]
    if len(parts) != 2 or not all(parts):
        raise InvalidRequest("a GitHub repository URL looks like https://HOST/OWNER/NAME")
    return parts[0].lower()


def parse_repository_url(provider: str, url: str, settings: Settings) -> tuple[str, str]:
    """Check the URL against the settings; return (canonical url, name)."""
    check_source(RepoSource(provider=provider, url=url), workspace_policy(settings))
    if provider == Provider.LOCAL:
        path = local_path_of(url).resolve()
        return str(path), path.name.removesuffix(".git") or "repository"
    split = urlsplit(url)
    owner, name = PurePosixPath(split.path).parts[1:]
    name = name.removesuffix(".git")
    return canonical_url(provider, f"{split.scheme}://{split.netloc}/{owner}/{name}"), name


def repository_out(repo: Repository) -> RepositoryOut:
    """The API view of a repository."""
    return RepositoryOut(
        id=str(repo.id),
        provider_type=repo.provider,
        url=repo.url,
        owner=repo.owner,
        name=repo.name,
        branch=repo.branch,
        indexed_commit=repo.indexed_commit,
        indexed_at=isoformat_z(repo.indexed_at),
        index_stats=repo.index_stats,
        created_at=isoformat_z(repo.created_at) or "",
    )


def opportunity_out(o: Opportunity) -> OpportunityOut:
    """The API view of an opportunity."""
    return OpportunityOut(
        id=str(o.id),
        number=o.number,
        title=o.title,
        description=o.description,
        type=o.type,
        priority=o.priority,
        effort_estimate=o.effort_estimate,
        location=o.location,
        line=o.line,
        end_line=o.end_line,
        rule=o.rule,
        snippet=o.snippet,
        status=o.status,
        fingerprint=o.fingerprint,
        fixable=o.fixable,
        locations=places_of(o.location, o.line, o.extra or {}),
    )


@table.route(
    "POST",
    "/repositories/index",
    body=IndexIn,
    response=IndexAccepted,
    status=202,
    summary="Index a repository (clone or update it, then read it); returns a task",
    tag="repositories",
)
async def index_repository(call: Call[IndexIn]) -> IndexAccepted:
    """Start an index task for a repository under an owner granted to the caller.

    403 for an owner not granted to the caller (admins may index anything; local
    repositories need the owner ``local``); indexing grants nothing by itself.
    """
    body = call.body
    owner = owner_of(body.provider_type, body.repository_url)
    # A GitHub URL is checked from its text alone, before the grant; a local path is looked
    # at on disk only once the caller may index local repositories: a refusal (403) is
    # decided from the caller's grants and the URL's text, and tells nothing else.
    checked = (
        parse_repository_url(body.provider_type, body.repository_url, call.settings)
        if body.provider_type == Provider.GITHUB
        else None
    )
    async with call.sessions() as session:
        await check_may_index(session, call.me, owner)
    url, name = checked or parse_repository_url(
        body.provider_type, body.repository_url, call.settings
    )
    installation_id = None
    if body.provider_type == Provider.GITHUB:
        installation = await installation_for_owner(call.sessions, owner)
        if installation is None:
            raise InvalidRequest(
                f"the GitHub App is not installed on {owner}: install it on the repository, then index again"
            )
        installation_id = installation.id
    repo = await repo_store.get_or_create(
        call.sessions,
        provider=body.provider_type,
        url=url,
        branch=body.branch,
        owner=owner,
        name=name,
        created_by=call.me.id,
        installation_id=installation_id,
    )
    task = await call.starter().submit(TaskKind.INDEX, {"repository_id": str(repo.id)}, repo.id)
    return IndexAccepted(
        task_id=str(task.id), status=TaskStatus.PENDING, repository_id=str(repo.id)
    )


@table.route(
    "POST",
    "/repositories/mine-opportunities",
    body=MineIn,
    response=TaskAccepted,
    status=202,
    summary="Mine a repository for maintenance opportunities; returns a task",
    tag="repositories",
)
async def mine_opportunities(call: Call[MineIn]) -> TaskAccepted:
    """Start a mine task for a repository the caller may see."""
    body = call.body
    repo_id = call.body_id(body.repository_id, "repository")
    async with call.sessions() as session:
        repo = await repository_for(session, call.me, repo_id)
    payload = {
        "repository_id": str(repo.id),
        "types": list(dict.fromkeys(body.opportunity_types)) if body.opportunity_types else None,
        "max_opportunities": body.max_opportunities,
    }
    task = await call.starter().submit(TaskKind.MINE, payload, repo.id)
    return TaskAccepted(task_id=str(task.id), status=TaskStatus.PENDING)


@table.route(
    "GET",
    "/repositories",
    response=RepositoryList,
    summary="Repositories the caller may see",
    tag="repositories",
    query={"offset": "first row (default 0)", "limit": "rows (default 50, at most 200)"},
)
async def list_repositories(call: Call[None]) -> RepositoryList:
    """A page of visible repositories."""
    offset = call.query_int("offset", 0, 0, 10**9)
    limit = call.query_int("limit", 50, 1, 200)
    async with call.sessions() as session:
        rows, total = await repo_store.list_visible(
            session, visible_repositories(call.me), offset, limit
        )
    return RepositoryList(repositories=[repository_out(r) for r in rows], total=total)


@table.route(
    "GET",
    "/repositories/{repository_id}",
    response=RepositoryOut,
    summary="One repository: provider, URL, branch, indexed commit, index stats",
    tag="repositories",
)
async def get_repository(call: Call[None]) -> RepositoryOut:
    """The repository, if visible."""
    async with call.sessions() as session:
        repo = await repository_for(session, call.me, call.path_id("repository_id"))
    return repository_out(repo)


def _list_param(call: Call[None], name: str, allowed: set[str]) -> list[str] | None:
    values = [v for raw in call.request.query.getall(name, []) for v in raw.split(",") if v]
    bad = [v for v in values if v not in allowed]
    if bad:
        raise InvalidRequest(
            f"query parameter {name}: unknown value(s) {', '.join(bad)}; use {', '.join(sorted(allowed))}"
        )
    return values or None


TYPES = {"security", "performance", "documentation", "maintainability", "dependencies", "testing"}
PRIORITIES = {"low", "medium", "high", "critical"}
STATUSES = {str(status) for status in OpportunityStatus}


@table.route(
    "GET",
    "/repositories/{repository_id}/opportunities",
    response=OpportunityList,
    tag="repositories",
    summary="Without parameters: the latest mining run's selection, ranked. With filters or "
    "pagination: every stored opportunity that matches.",
    query={
        "type": "comma-separated types",
        "priority": "comma-separated priorities",
        "status": "comma-separated statuses",
        "offset": "first row",
        "limit": "rows (at most 500)",
    },
)
async def list_opportunities(call: Call[None]) -> OpportunityList:
    """Opportunities of a visible repository."""
    types = _list_param(call, "type", TYPES)
    priorities = _list_param(call, "priority", PRIORITIES)
    statuses = _list_param(call, "status", STATUSES)
    offset = call.query_int("offset", 0, 0, 10**9)
    limit = call.query_int("limit", 100, 1, 500)
    async with call.sessions() as session:
        repo = await repository_for(session, call.me, call.path_id("repository_id"))
        if not (
            types
            or priorities
            or statuses
            or "offset" in call.request.query
            or "limit" in call.request.query
        ):
            rows, run = await opp_store.latest_selection(session, repo)
            return OpportunityList(
                opportunities=[opportunity_out(o) for o in rows],
                total=len(rows),
                mine_run_id=str(run.id) if run else None,
            )
        rows, total = await opp_store.filtered(
            session,
            repo.id,
            types=types,
            priorities=priorities,
            statuses=statuses,
            offset=offset,
            limit=limit,
        )
    return OpportunityList(opportunities=[opportunity_out(o) for o in rows], total=total)
