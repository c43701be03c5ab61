"""The stand-in's newer operations behave like GitHub on its real state (answers schema-checked).

Webhook deliveries (list with cursor pagination, get, redeliver), the community profile
(from the repository's files and the owner's ``.github`` repository), SARIF uploads, and
a pull request's commits and branch update.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
from typing import Any

import aiohttp
from aiohttp import web

from aomaas.forges.github.appauth import make_app_jwt
from tests.fakegithub import FakeGitHub
from tests.support.live import free_port

REPO = "octo-org/hello"
MIT = "MIT License\n\nPermission is hereby granted, free of charge, to any person...\n"


def _token(fake: FakeGitHub) -> dict[str, str]:
    inst = fake.add_installation("octo-org")
    fake.add_repo(REPO, installation=inst, files={"README.md": "# hello\n", "a.txt": "a\n"})
    token = fake.authority.mint(inst.id).token
    return {"Authorization": f"token {token}", "Accept": "application/vnd.github+json"}


def _jwt(fake: FakeGitHub) -> dict[str, str]:
    jwt = make_app_jwt(str(fake.app_id), fake.private_key_pem)
    return {"Authorization": f"Bearer {jwt}", "Accept": "application/vnd.github+json"}


async def _get(session: aiohttp.ClientSession, url: str) -> tuple[int, Any, Any]:
    async with session.get(url) as answer:
        return answer.status, await answer.json(content_type=None), answer.headers


async def test_deliveries_are_recorded_listed_and_redelivered(fake_github: FakeGitHub) -> None:
    fake = fake_github
    received: list[dict[str, str]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append({**request.headers, "body": (await request.read()).decode()})
        return web.json_response({"ok": True}, status=202 if len(received) > 1 else 500)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        url = f"http://127.0.0.1:{port}/hook"
        payload = {"action": "opened", "installation": {"id": 7}, "repository": {"id": 9}}
        assert (await fake.deliver(url, "issues", payload))[0] == 500
        for number in range(3):
            assert (await fake.deliver(url, "ping", {"zen": str(number)}))[0] == 202
        first = fake.hook_attempts()[0]
        async with aiohttp.ClientSession(headers=_jwt(fake)) as session:
            status, page, headers = await _get(
                session, f"{fake.url}/app/hook/deliveries?per_page=3"
            )
            assert status == 200 and len(page) == 3 and 'rel="next"' in headers["Link"]
            following = headers["Link"].split(">")[0].lstrip("<")
            status, rest, headers = await _get(session, following)
            assert [d["id"] for d in rest] == [first.id] and "Link" not in headers
            assert (rest[0]["guid"], rest[0]["status_code"], rest[0]["redelivery"]) == (
                first.guid,
                500,
                False,
            )
            assert (rest[0]["event"], rest[0]["action"], rest[0]["installation_id"]) == (
                "issues",
                "opened",
                7,
            )
            status, failed, _ = await _get(
                session, f"{fake.url}/app/hook/deliveries?status=failure"
            )
            assert [d["id"] for d in failed] == [first.id]
            status, full, _ = await _get(session, f"{fake.url}/app/hook/deliveries/{first.id}")
            assert full["request"]["payload"] == payload and full["response"]["payload"]
            async with session.post(
                f"{fake.url}/app/hook/deliveries/{first.id}/attempts"
            ) as answer:
                assert answer.status == 202
            async with session.post(f"{fake.url}/app/hook/deliveries/1/attempts") as missing:
                assert missing.status == 404
        for _ in range(100):
            again = fake.hook_attempts(first.guid)
            if len(again) == 2 and again[1].status_code:
                break
            await asyncio.sleep(0.05)
        assert [(a.redelivery, a.status_code) for a in again] == [(False, 500), (True, 202)]
        assert received[-1]["X-GitHub-Delivery"] == first.guid
        assert json.loads(received[-1]["body"]) == payload
        unreachable = f"http://127.0.0.1:{free_port()}/hook"
        assert (await fake.deliver(unreachable, "ping", {}))[0] == 502
        assert fake.hook_attempts()[-1].status == "failed to connect"
    finally:
        await runner.cleanup()


async def test_community_profile_from_files_and_the_owners_github_repository(
    fake_github: FakeGitHub,
) -> None:
    headers = _token(fake_github)
    url = f"{fake_github.url}/repos/{REPO}/community/profile"
    async with aiohttp.ClientSession(headers=headers) as session:
        status, bare, _ = await _get(session, url)
        assert status == 200
        assert bare["health_percentage"] == 14  # README only: 1 of 7
        assert bare["files"]["readme"]["url"].endswith(f"/repos/{REPO}/contents/README.md")
        assert bare["files"]["license"] is None and bare["files"]["contributing"] is None

        fake_github.commit(
            REPO,
            "main",
            {
                "LICENSE": MIT,
                "docs/CONTRIBUTING.md": "How to help\n",
                ".github/ISSUE_TEMPLATE/bug.md": "---\nname: Bug\n---\n",
            },
        )
        fake_github.add_repo(
            "octo-org/.github",
            files={
                "CODE_OF_CONDUCT.md": "# Contributor Covenant Code of Conduct\n",
                "CONTRIBUTING.md": "org-wide\n",
                ".github/PULL_REQUEST_TEMPLATE.md": "## What\n",
            },
        )
        fake_github.repos[REPO].description = "Says hello"
        status, full, _ = await _get(session, url)
    files = full["files"]
    assert full["health_percentage"] == 100
    assert full["description"] == "Says hello"
    assert (files["license"]["key"], files["license"]["spdx_id"]) == ("mit", "MIT")
    assert files["contributing"]["url"].endswith(f"/repos/{REPO}/contents/docs/CONTRIBUTING.md")
    assert files["issue_template"]["url"].endswith(f"/repos/{REPO}/contents/.github/ISSUE_TEMPLATE")
    assert files["code_of_conduct"]["key"] == "contributor_covenant"
    assert files["code_of_conduct_file"]["url"].endswith(
        "/repos/octo-org/.github/contents/CODE_OF_CONDUCT.md"
    )
    assert files["pull_request_template"]["url"].endswith(
        "/repos/octo-org/.github/contents/.github/PULL_REQUEST_TEMPLATE.md"
    )


def _sarif(log: Any) -> str:
    return base64.b64encode(gzip.compress(json.dumps(log).encode())).decode()


async def test_sarif_upload_and_status(fake_github: FakeGitHub) -> None:
    headers = _token(fake_github)
    head = fake_github.ref(REPO, "heads/main")
    url = f"{fake_github.url}/repos/{REPO}/code-scanning/sarifs"
    good = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "ruff"}}, "results": [{}]}]}
    async with aiohttp.ClientSession(headers=headers) as session:
        body = {"commit_sha": head, "ref": "refs/heads/main", "sarif": _sarif(good)}
        async with session.post(url, json=body) as answer:
            assert answer.status == 202
            receipt = await answer.json()
        status, done, _ = await _get(session, receipt["url"])
        assert (status, done["processing_status"]) == (200, "complete")
        async with session.post(url, json={**body, "sarif": _sarif({"version": "1"})}) as answer:
            wrong = await answer.json()
        status, failed, _ = await _get(session, wrong["url"])
        assert failed["processing_status"] == "failed" and len(failed["errors"]) == 2
        async with session.post(url, json={**body, "sarif": "not base64!"}) as answer:
            assert answer.status == 400
        async with session.post(url, json={**body, "commit_sha": "1" * 40}) as answer:
            assert answer.status == 404
        status, _, _ = await _get(session, f"{url}/no-such-upload")
        assert status == 404


async def test_pull_commits_and_update_branch(fake_github: FakeGitHub) -> None:
    headers = _token(fake_github)
    fake_github.commit(REPO, "topic", {"b.txt": "b\n"}, "add b")
    fake_github.commit(REPO, "topic", {"c.txt": "c\n"}, "add c")
    pull = fake_github.add_pull(REPO, "topic")
    api = f"{fake_github.url}/repos/{REPO}/pulls/{pull.number}"
    async with aiohttp.ClientSession(headers=headers) as session:
        _, commits, _ = await _get(session, f"{api}/commits")
        assert [c["commit"]["message"] for c in commits] == ["add b", "add c"]
        async with session.put(f"{api}/update-branch", json={}) as answer:
            assert answer.status == 422  # nothing new on the base
        base = fake_github.commit(REPO, "main", {"a.txt": "a2\n"}, "main moves")
        topic = fake_github.ref(REPO, "heads/topic")
        stale = {"expected_head_sha": "0" * 40}
        async with session.put(f"{api}/update-branch", json=stale) as answer:
            assert answer.status == 422
        async with session.put(f"{api}/update-branch", json={"expected_head_sha": topic}) as answer:
            assert answer.status == 202
        _status, commits, _ = await _get(session, f"{api}/commits?per_page=2&page=2")
    merged = fake_github.ref(REPO, "heads/topic")
    assert merged != topic
    assert fake_github.file_at(REPO, merged, "a.txt") == b"a2\n"
    assert fake_github.file_at(REPO, merged, "c.txt") == b"c\n"
    assert [c["sha"] for c in commits] == [merged]
    assert [p["sha"] for p in commits[0]["parents"]] == [topic, base]
