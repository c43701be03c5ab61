"""A task that fails leaves its plan, implementation or pull request failed with the reason."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from aomaas.store import tasks as task_store
from aomaas.store.models import Implementation, PullRequest
from aomaas.store.types import utcnow
from tests.integration.conftest import Flow
from tests.integration.repos import demo_repo
from tests.support.config import make_settings
from tests.support.live import live_server


async def _planned(flow: Flow) -> tuple[str, dict[str, Any]]:
    repo_id = await flow.index()
    await flow.mine(repo_id, ["security"])
    finding = next(o for o in await flow.opportunities(repo_id) if o["rule"] == "ruff:S506")
    return repo_id, await flow.plan(finding["id"])


async def test_implementation_of_a_removed_repository_ends_failed_with_the_reason(
    flow: Flow,
) -> None:
    """The repository disappears after planning: the task fails and so does the implementation."""
    _, plan = await _planned(flow)
    shutil.rmtree(flow.repo)
    status, body = await flow.call(
        "POST", "/implementations/create", {"plan_id": plan["id"], "branch_name": "fix/gone"}
    )
    assert status == 202, body
    task = await flow.done(body["task_id"])
    assert task["status"] == "failed", task
    status, impl = await flow.call("GET", f"/implementations/{body['implementation_id']}")
    assert status == 200 and impl["status"] == "failed", impl
    assert impl["message"] == task["result"]["message"] and impl["message"], (impl, task)
    assert impl["commit_id"] is None


async def test_publishing_that_fails_leaves_the_pull_request_failed(flow: Flow) -> None:
    """A proven implementation whose repository is gone by publishing time: the pull request
    row ends ``failed`` and links the task that says why."""
    _, plan = await _planned(flow)
    status, body = await flow.call(
        "POST", "/implementations/create", {"plan_id": plan["id"], "branch_name": "fix/pr"}
    )
    assert (await flow.done(body["task_id"]))["status"] == "completed"
    shutil.rmtree(flow.repo)
    status, answer = await flow.call(
        "POST",
        "/pull-requests/create",
        {"implementation_id": body["implementation_id"], "title": "t", "provider_type": "local"},
    )
    async with flow.server.sessions() as session:
        pr_id = await session.scalar(
            select(PullRequest.id).where(
                PullRequest.implementation_id == uuid.UUID(body["implementation_id"])
            )
        )
    assert pr_id is not None
    pr = await _settled_pull_request(flow, str(pr_id))
    assert pr["status"] == "failed" and pr["task_id"], (answer, pr)
    task = await flow.done(pr["task_id"])
    assert task["status"] == "failed" and task["result"]["message"], task
    if status == 400:
        assert task["result"]["message"] in answer["detail"], answer


async def _settled_pull_request(flow: Flow, pr_id: str) -> dict[str, Any]:
    for _ in range(600):
        status, pr = await flow.call("GET", f"/pull-requests/{pr_id}")
        assert status == 200, pr
        if pr["status"] != "pending":
            return dict(pr)
        await asyncio.sleep(0.2)
    raise AssertionError(f"pull request {pr_id} still pending: {pr}")


async def test_a_plan_whose_brain_fails_ends_failed_with_the_reason(
    tmp_path: Path, database_url: str
) -> None:
    """Planning with a brain that cannot run: the plan is failed and its description says why."""
    repos = tmp_path / "repos"
    repo = demo_repo(repos)
    settings = make_settings(
        tmp_path, database_url, AOMAAS_LOCAL_REPO_ROOT=repos, AOMAAS_BRAIN="claude"
    )
    async with live_server(settings) as server:
        await server.create_user("maintainer", owners=["local"])  # indexing needs a grant
        flow = Flow(server, repo, await server.token("maintainer"), "")
        repo_id = await flow.index()
        await flow.mine(repo_id, ["security"])
        finding = next(o for o in await flow.opportunities(repo_id) if o["rule"] == "ruff:S506")
        status, body = await flow.call(
            "POST", "/plans/generate", {"opportunity_id": finding["id"], "max_steps": 5}
        )
        assert status == 202, body
        task = await flow.done(body["task_id"])
        assert task["status"] == "failed" and "Claude brain" in task["result"]["message"], task
        status, plan = await flow.call("GET", f"/plans/{body['plan_id']}")
        assert status == 200 and plan["status"] == "failed", plan
        assert plan["description"] == task["result"]["message"], plan


async def test_sweep_giving_up_on_a_dead_worker_fails_the_implementation(flow: Flow) -> None:
    """A worker died holding the last attempt of an implementation: the sweep fails both."""
    repo_id, plan = await _planned(flow)
    impl_id = uuid.uuid4()
    task = task_store.new_task(
        "implement",
        {"implementation_id": str(impl_id)},
        repository_id=uuid.UUID(repo_id),
        max_attempts=1,
    )
    task.status, task.attempts, task.worker_id = "running", 1, "dead-worker"
    task.lease_until = utcnow() - timedelta(minutes=1)
    async with flow.server.sessions.begin() as session:
        session.add(
            Implementation(
                id=impl_id, plan_id=uuid.UUID(plan["id"]), branch_name="b", status="running"
            )
        )
        session.add(task)
    shown = await flow.done(str(task.id))  # the server's own periodic sweep gives up on it
    assert shown["status"] == "failed", shown
    status, impl = await flow.call("GET", f"/implementations/{impl_id}")
    assert status == 200 and impl["status"] == "failed", impl
    assert impl["message"] == shown["result"]["message"] and "worker" in impl["message"], impl
