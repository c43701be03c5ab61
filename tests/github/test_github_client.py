"""GitHubClient against the GitHub stand-in over real HTTP: auth, retries, limits, calls."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from aomaas.errors import ForgeError, NotFound, RateLimited, ServiceUnavailable
from aomaas.forges.github.client import GitHubClient, GitHubError
from tests.fakegithub import FakeGitHub
from tests.github.helpers import NAME, OWNER, REPO, github

TOKENS = "apps/create-installation-access-token"


async def test_app_jwt_accepted_with_backdated_iat(fake_github: FakeGitHub) -> None:
    async with github(fake_github) as gh:
        deliveries = [d async for d in gh.client.webhook_deliveries()]
    assert deliveries == []
    claims = fake_github.authority.jwt_claims[-1]
    assert claims["verified_at"] - claims["iat"] >= 59
    assert claims["exp"] - claims["verified_at"] <= 540


async def test_installation_token_cached_across_calls(fake_github: FakeGitHub) -> None:
    async with github(fake_github) as gh:
        repos = await gh.client.list_installation_repositories(gh.installation_id)
        pulls = await gh.client.list_pulls(gh.installation_id, OWNER, NAME)
        permission = await gh.client.get_collaborator_permission(
            gh.installation_id, OWNER, NAME, "nobody"
        )
    assert [r["full_name"] for r in repos] == [REPO]
    assert (pulls, permission) == ([], "none")
    assert len(fake_github.requests_to(TOKENS)) == 1


async def test_expired_token_refreshed_once(fake_github: FakeGitHub) -> None:
    async with github(fake_github) as gh:
        await gh.client.list_pulls(gh.installation_id, OWNER, NAME)
        assert fake_github.expire_tokens() == 1
        assert await gh.client.list_pulls(gh.installation_id, OWNER, NAME) == []
        assert len(fake_github.requests_to(TOKENS)) == 2
        statuses = [entry.status for entry in fake_github.requests_to("pulls/list")]
        assert statuses == [200, 401, 200]


async def test_401_twice_gives_up_after_one_refresh(fake_github: FakeGitHub) -> None:
    async with github(fake_github) as gh:
        fake_github.fail_expired_token("pulls/list", times=5)
        with pytest.raises(GitHubError) as caught:
            await gh.client.list_pulls(gh.installation_id, OWNER, NAME)
    assert caught.value.github_status == 401
    assert len(fake_github.requests_to("pulls/list")) == 2
    assert len(fake_github.requests_to(TOKENS)) == 2


async def test_secondary_limit_honours_retry_after(fake_github: FakeGitHub) -> None:
    async with github(fake_github) as gh:
        issue = fake_github.add_issue(REPO, title="Dashboard")
        fake_github.fail_secondary_limit("issues/create-comment", retry_after=7)
        comment = await gh.client.create_issue_comment(
            gh.installation_id, OWNER, NAME, issue.number, "x"
        )
    assert comment["body"] == "x"
    assert gh.sleep.waits == [7.0]
    assert len(fake_github.comments(REPO, issue.number)) == 1  # refused once, created once


async def test_secondary_limit_without_retry_after_backs_off_exponentially(
    fake_github: FakeGitHub,
) -> None:
    async with github(fake_github, secondary_backoff=2.0) as gh:
        fake_github.fail_secondary_limit("pulls/list", retry_after=None, times=2)
        await gh.client.list_pulls(gh.installation_id, OWNER, NAME)
    assert gh.sleep.waits == [2.0, 4.0]


async def test_primary_limit_waits_until_reset(fake_github: FakeGitHub) -> None:
    async with github(fake_github) as gh:
        fake_github.fail_rate_limit("pulls/list", reset_in=5)
        await gh.client.list_pulls(gh.installation_id, OWNER, NAME)
    [wait] = gh.sleep.waits
    assert 4.0 <= wait <= 7.0


async def test_limits_are_bounded_in_attempts_and_total_wait(fake_github: FakeGitHub) -> None:
    async with github(fake_github, max_attempts=3, max_total_wait=100.0) as gh:
        fake_github.fail_secondary_limit("pulls/list", retry_after=10, times=10)
        with pytest.raises(RateLimited) as caught:
            await gh.client.list_pulls(gh.installation_id, OWNER, NAME)
        assert caught.value.retry_after == 10
        assert gh.sleep.waits == [10.0, 10.0]
        gh.sleep.waits.clear()
        fake_github.clear_faults()
        fake_github.fail_secondary_limit("pulls/list", retry_after=1000, times=1)
        with pytest.raises(RateLimited):
            await gh.client.list_pulls(gh.installation_id, OWNER, NAME)
        assert gh.sleep.waits == []  # longer than the budget: give up at once


async def test_one_retry_on_server_error(fake_github: FakeGitHub) -> None:
    async with github(fake_github) as gh:
        fake_github.fail_server_error("pulls/list", times=1)
        assert await gh.client.list_pulls(gh.installation_id, OWNER, NAME) == []
        assert gh.sleep.waits == [1.0]
        fake_github.fail_server_error("pulls/list", times=2, status=503)
        with pytest.raises(ForgeError) as caught:
            await gh.client.list_pulls(gh.installation_id, OWNER, NAME)
    assert isinstance(caught.value, GitHubError) and caught.value.github_status == 503


async def test_not_found_maps_to_not_found(fake_github: FakeGitHub) -> None:
    async with github(fake_github) as gh:
        with pytest.raises(NotFound):
            await gh.client.get_pull(gh.installation_id, OWNER, NAME, 999)
        with pytest.raises(NotFound):
            await gh.client.list_pulls(gh.installation_id, OWNER, "other")


async def test_writes_to_one_installation_are_serial(fake_github: FakeGitHub) -> None:
    async with github(fake_github) as gh:
        issue = fake_github.add_issue(REPO, title="t")
        fake_github.latency["issues/create-comment"] = 0.05
        fake_github.latency["pulls/list"] = 0.05
        started = time.monotonic()
        await asyncio.gather(
            *(
                gh.client.create_issue_comment(
                    gh.installation_id, OWNER, NAME, issue.number, f"c{i}"
                )
                for i in range(4)
            )
        )
        assert time.monotonic() - started >= 0.2
        await asyncio.gather(
            *(gh.client.list_pulls(gh.installation_id, OWNER, NAME) for _ in range(4))
        )
    assert fake_github.max_in_flight[(gh.installation_id, "POST")] == 1
    assert fake_github.max_in_flight[(gh.installation_id, "GET")] > 1  # reads are not serialised


async def test_lists_follow_pagination(fake_github: FakeGitHub) -> None:
    async with github(fake_github) as gh:
        for i in range(130):
            fake_github.commit(REPO, f"topic-{i}", {f"f{i}.txt": "x\n"})
            fake_github.add_pull(REPO, f"topic-{i}", title=f"change {i}")
        pulls = await gh.client.list_pulls(gh.installation_id, OWNER, NAME)
    assert sorted(p["title"] for p in pulls) == sorted(f"change {i}" for i in range(130))
    assert len(fake_github.requests_to("pulls/list")) == 2


async def test_comments_reactions_and_permissions(fake_github: FakeGitHub) -> None:
    async with github(fake_github) as gh:
        client, inst = gh.client, gh.installation_id
        issue = fake_github.add_issue(REPO, body="/aomaas mine")
        human = fake_github.add_comment(REPO, issue.number, "/aomaas help", association="MEMBER")
        reaction = await client.add_reaction_to_comment(inst, OWNER, NAME, human.id)
        await client.add_reaction_to_issue(inst, OWNER, NAME, issue.number, "rocket")
        reply = await client.create_issue_comment(inst, OWNER, NAME, issue.number, "Working on it")
        edited = await client.update_issue_comment(inst, OWNER, NAME, reply["id"], "Done")
        fake_github.issue_state(REPO).collaborators["alice"] = "write"
        assert await client.get_collaborator_permission(inst, OWNER, NAME, "alice") == "write"
        assert await client.get_collaborator_permission(inst, OWNER, NAME, "mallory") == "none"
    assert reaction["content"] == "eyes"
    assert edited["body"] == "Done" and edited["user"]["login"] == fake_github.bot_login
    state = fake_github.issue_state(REPO)
    assert {(r.content, r.comment_id, r.issue_number) for r in state.reactions} == {
        ("eyes", human.id, None),
        ("rocket", None, issue.number),
    }
    assert [c.body for c in fake_github.comments(REPO, issue.number)] == ["/aomaas help", "Done"]


async def test_manifest_conversion(fake_github: FakeGitHub) -> None:
    async with github(fake_github) as gh:
        answer = await gh.client.create_from_manifest(fake_github.new_manifest_code())
        with pytest.raises(NotFound):
            await gh.client.create_from_manifest("already-used-or-unknown")
    assert answer["id"] == fake_github.app_id
    assert answer["pem"] == fake_github.private_key_pem
    assert answer["webhook_secret"] == fake_github.webhook_secret


async def test_manifest_conversion_needs_no_app_credentials(fake_github: FakeGitHub) -> None:
    async with aiohttp.ClientSession() as session:
        client = GitHubClient(session, fake_github.url, None, None)
        answer = await client.create_from_manifest(fake_github.new_manifest_code())
        with pytest.raises(ServiceUnavailable, match="GITHUB_APP_ID"):
            await client.redeliver_webhook_delivery(1)
    assert answer["pem"] == fake_github.private_key_pem


async def test_stand_in_rejects_an_invalid_request(fake_github: FakeGitHub) -> None:
    inst = fake_github.add_installation(OWNER)
    fake_github.add_repo(REPO, installation=inst, files={"a.txt": "a"})
    token = fake_github.authority.mint(inst.id).token
    issue = fake_github.add_issue(REPO)
    headers = {"Authorization": f"token {token}", "Accept": "application/vnd.github+json"}
    async with aiohttp.ClientSession() as session:
        url = f"{fake_github.url}/repos/{REPO}/issues/{issue.number}/comments"
        async with session.post(url, json={"bdy": "typo"}, headers=headers) as bad:
            assert bad.status == 422
        async with session.get(
            f"{fake_github.url}/repos/{REPO}/no-such-endpoint", headers=headers
        ) as unknown:
            assert unknown.status == 404
    assert len(fake_github.violations) == 2
    assert "'body' is a required property" in fake_github.violations[0]
    assert "not an operation of the subset" in fake_github.violations[1]
    fake_github.violations.clear()  # expected here; any left would fail this test at teardown


async def test_stand_in_checks_its_own_answers(fake_github: FakeGitHub) -> None:
    async with github(fake_github) as gh:
        fake_github.shapes.comment = lambda repo, comment: {"id": "not-an-integer"}  # type: ignore[method-assign]
        issue = fake_github.add_issue(REPO)
        await gh.client.create_issue_comment(gh.installation_id, OWNER, NAME, issue.number, "hi")
    assert len(fake_github.violations) == 1
    assert "response 201" in fake_github.violations[0]
    fake_github.violations.clear()
