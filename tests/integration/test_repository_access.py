"""Who may index and see a repository, one row per repository, and what errors reveal.

Over real HTTP on SQLite and PostgreSQL: indexing is never a grant, concurrent and
differently spelled index requests give one repository row, hostile branch names are
refused by the API, and error texts name no server path or address.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from aomaas.store import users as user_store
from aomaas.store.models import Repository
from tests.integration.conftest import Flow
from tests.integration.github_support import REPO, Wired, indexed_at
from tests.support.live import LiveServer

HOSTILE_BRANCHES = ["--upload-pack=touch x", "main;id", "../../x", "-x", "main.lock"]


async def _index(
    server: LiveServer, token: str, url: str, provider: str = "local", branch: str | None = None
) -> tuple[int, Any]:
    body = {"repository_url": url, "provider_type": provider, "branch": branch}
    status, answer, _ = await server.request("POST", "/repositories/index", token=token, json=body)
    return status, answer


async def _rows(server: LiveServer) -> int:
    async with server.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Repository)) or 0)


async def test_indexing_someone_elses_repository_reveals_nothing(flow: Flow) -> None:
    """A user without the owner's grant who indexes the same path is refused and sees nothing
    of its opportunities, plans, implementations or tasks; granted the owner, they may."""
    server = flow.server
    repo_id = await flow.index()
    mined = await flow.mine(repo_id, ["security"])
    finding = next(o for o in await flow.opportunities(repo_id) if o["type"] == "security")
    plan = await flow.plan(finding["id"])
    status, impl = await flow.call("POST", "/implementations/create", {"plan_id": plan["id"]})
    assert status == 202, impl
    await flow.done(impl["task_id"])

    status, body = await _index(server, flow.stranger, str(flow.repo), branch="main")
    assert status == 403 and body["type"] == "forbidden", body
    assert repo_id not in str(body) and "local" in body["detail"]
    for path in (
        f"/repositories/{repo_id}",
        f"/repositories/{repo_id}/opportunities",
        f"/plans/{plan['id']}",
        f"/implementations/{impl['implementation_id']}",
        f"/tasks/{mined['id']}",
        f"/tasks/{impl['task_id']}",
    ):
        status, body = await flow.call("GET", path, token=flow.stranger)
        assert status == 404 and body["type"] == "not_found", (path, body)
    status, listing = await flow.call("GET", "/repositories", token=flow.stranger)
    assert listing == {"repositories": [], "total": 0}

    await user_store.grant_owner(server.sessions, "stranger", "local")
    status, body = await _index(server, flow.stranger, str(flow.repo), branch="main")
    assert status == 202 and body["repository_id"] == repo_id, body
    status, body = await flow.call("GET", f"/plans/{plan['id']}", token=flow.stranger)
    assert status == 200, body


async def test_local_repositories_need_admin_or_the_local_grant(flow: Flow) -> None:
    """Without the ``local`` grant: 403 before the path is looked at; an admin may."""
    server = flow.server
    for url in (str(flow.repo), str(flow.repo.parent / "no-such-repo")):
        status, body = await _index(server, flow.stranger, url)
        assert status == 403, body
    assert await _rows(server) == 0
    await server.create_user("root", admin=True)
    status, body = await _index(server, await server.token("root"), str(flow.repo))
    assert status == 202, body


async def test_github_index_needs_a_grant_on_the_owner(installed: Wired) -> None:
    """A repository the app was installed on: an ungranted user's index is refused (and shows
    nothing); a user granted its owner gets the same row, however the URL is spelled."""
    fake, _installation, server = installed
    existing = await indexed_at(server, "widget")
    await server.create_user("outsider", owners=["someone-else"])
    await server.create_user("insider", owners=["octo-org"])
    outsider, insider = await server.token("outsider"), await server.token("insider")

    status, body = await _index(server, outsider, f"{fake.git_url}/{REPO}", "github")
    assert status == 403 and "octo-org" in body["detail"], body
    status, listing, _ = await server.request("GET", "/repositories", token=outsider)
    assert listing["total"] == 0
    status, body, _ = await server.request("GET", f"/repositories/{existing.id}", token=outsider)
    assert status == 404

    spelled = f"{fake.git_url}/Octo-Org/Widget.git/"
    status, body = await _index(server, insider, spelled, "github")
    assert status == 202 and body["repository_id"] == str(existing.id), body
    assert await _rows(server) == 1


async def test_ten_parallel_index_requests_make_one_row(flow: Flow) -> None:
    """The unique identity holds for the default branch (NULL) under concurrency."""
    answers = await asyncio.gather(
        *(_index(flow.server, flow.token, str(flow.repo)) for _ in range(10))
    )
    assert all(status == 202 for status, _ in answers), answers
    assert len({body["repository_id"] for _, body in answers}) == 1
    assert await _rows(flow.server) == 1
    for task_id in {body["task_id"] for _, body in answers}:
        await flow.done(task_id)


async def test_url_spellings_name_one_repository(flow: Flow) -> None:
    """A trailing newline, blanks or slash name the same repository; a control character
    inside the URL is refused."""
    ids = set()
    for url in (str(flow.repo), f"{flow.repo}\n", f"  {flow.repo}/ ", f"{flow.repo}/."):
        status, body = await _index(flow.server, flow.token, url)
        assert status == 202, (url, body)
        ids.add(body["repository_id"])
        await flow.done(body["task_id"])
    assert len(ids) == 1 and await _rows(flow.server) == 1
    status, body = await _index(flow.server, flow.token, f"{flow.repo}\nx")
    assert status == 400 and "repository_url" in body["detail"], body


async def test_branch_names_are_checked_by_the_api(flow: Flow) -> None:
    """Hostile names answer 400 naming the field; ordinary ones are accepted."""
    for branch in HOSTILE_BRANCHES:
        status, body = await _index(flow.server, flow.token, str(flow.repo), branch=branch)
        assert status == 400 and body["detail"].startswith("invalid request: branch:"), (
            branch,
            body,
        )
        status, body = await flow.call(
            "POST",
            "/implementations/create",
            {"plan_id": "00000000-0000-0000-0000-000000000000", "branch_name": branch},
        )
        assert status == 400 and "branch_name" in body["detail"], (branch, body)
    assert await _rows(flow.server) == 0
    for branch in ("feature/x", "fix-1.2"):
        status, body = await _index(flow.server, flow.token, str(flow.repo), branch=branch)
        assert status == 202, (branch, body)


async def test_the_local_root_is_not_shown(flow: Flow, tmp_path: Path) -> None:
    """Outside the root: 400 saying which setting decides, without the root's path."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    status, body = await _index(flow.server, flow.token, str(outside))
    assert status == 400, body
    assert "AOMAAS_LOCAL_REPO_ROOT" in body["detail"]
    assert str(flow.repo.parent) not in body["detail"] and str(tmp_path) not in body["detail"]


async def test_a_failed_task_names_no_github_address(installed: Wired) -> None:
    """A clone that fails says what failed, not the address the service reaches GitHub at."""
    fake, _installation, server = installed
    await server.create_user("insider", owners=["octo-org"])
    token = await server.token("insider")
    status, body = await _index(server, token, f"{fake.git_url}/octo-org/missing", "github")
    assert status == 202, body
    task = await server.wait_task(body["task_id"], token)
    assert task["status"] == "failed", task
    message = task["result"]["message"]
    # GitHub answers a repository it will not show with an authentication failure.
    assert message.startswith(("authentication failed", "repository not found")), message
    for address in (fake.git_url, fake.url, fake.git_url.split("//")[1].split("/")[0]):
        assert address not in str(task), (address, task)


async def test_a_disabled_account_answers_like_a_wrong_password(server: LiveServer) -> None:
    """Same status and body for the right and a wrong password; the hash is still verified."""
    await server.create_user("dora")
    await user_store.set_disabled(server.sessions, "dora")

    async def login(password: str) -> tuple[int, Any, float]:
        started = time.monotonic()
        status, body, _ = await server.request(
            "POST", "/auth/token", json={"username": "dora", "password": password}
        )
        return status, body, time.monotonic() - started

    right = [await login("password123") for _ in range(3)]
    wrong = [await login("wrong-password") for _ in range(3)]
    assert {(s, str(b)) for s, b, _ in right} == {(s, str(b)) for s, b, _ in wrong}
    assert right[0][:2] == (401, {"detail": "invalid username or password", "type": "unauthorized"})
    fastest_right = min(t for _, _, t in right)
    slowest_wrong = max(t for _, _, t in wrong)
    assert fastest_right > slowest_wrong / 5, (right, wrong)
