"""State-matching webhook deliveries stay valid against GitHub's webhook schemas."""

from __future__ import annotations

from aiohttp import web

from aomaas.bot.signature import verify_signature
from tests.fakegithub import FakeGitHub, events
from tests.fakegithub.schemas import validate_webhook

REPO = "octo-org/hello"


def _seed(fake: FakeGitHub):  # type: ignore[no-untyped-def]
    inst = fake.add_installation("octo-org")
    fake.add_repo(REPO, installation=inst, files={"a.py": "x = 1\n"})
    return inst


def test_installation_events(fake_github: FakeGitHub) -> None:
    inst = _seed(fake_github)
    for action in ("created", "deleted", "suspend", "unsuspend", "new_permissions_accepted"):
        event, payload = events.installation(fake_github, inst, action)
        validate_webhook(event, payload)
        assert payload["installation"]["id"] == inst.id
        assert payload["installation"]["app_id"] == fake_github.app_id
    assert [r["full_name"] for r in events.installation(fake_github, inst)[1]["repositories"]] == [
        REPO
    ]
    fake_github.add_repo("octo-org/second", installation=inst, files={"b.py": "y = 2\n"})
    event, payload = events.installation_repositories(fake_github, inst, added=["octo-org/second"])
    validate_webhook(event, payload)
    assert [r["full_name"] for r in payload["repositories_added"]] == ["octo-org/second"]
    event, payload = events.installation_repositories(fake_github, inst, removed=[REPO])
    validate_webhook(event, payload)
    assert (
        payload["action"] == "removed" and payload["repositories_removed"][0]["full_name"] == REPO
    )


def test_comment_issue_pull_and_push_events(fake_github: FakeGitHub) -> None:
    _seed(fake_github)
    issue = fake_github.add_issue(REPO, body="/aomaas mine security")
    comment = fake_github.add_comment(
        REPO, issue.number, "/aomaas fix 1", user="alice", association="MEMBER"
    )
    event, payload = events.issue_comment(fake_github, REPO, comment)
    validate_webhook(event, payload)
    assert (payload["comment"]["id"], payload["comment"]["body"]) == (comment.id, "/aomaas fix 1")
    assert payload["comment"]["user"]["login"] == "alice"
    assert payload["comment"]["author_association"] == "MEMBER"
    assert payload["issue"]["number"] == issue.number and "pull_request" not in payload["issue"]

    event, payload = events.issues(fake_github, REPO, issue)
    validate_webhook(event, payload)
    assert payload["issue"]["body"] == "/aomaas mine security"

    before = fake_github.ref(REPO, "heads/main")
    fake_github.commit(REPO, "topic", {"a.py": "x = 2\n"})
    pull = fake_github.add_pull(REPO, "topic")
    on_pull = fake_github.add_comment(REPO, pull.number, "/aomaas review security")
    event, payload = events.issue_comment(fake_github, REPO, on_pull)
    validate_webhook(event, payload)
    assert payload["issue"]["pull_request"]["url"].endswith(f"/pulls/{pull.number}")

    fake_github.close_pull(REPO, pull.number, merge=True)
    event, payload = events.pull_request(fake_github, REPO, pull, "closed")
    validate_webhook(event, payload)
    assert (
        payload["pull_request"]["merged"] is True
        and payload["pull_request"]["head"]["ref"] == "topic"
    )
    after = fake_github.ref(REPO, "heads/main")
    assert after != before and fake_github.file_at(REPO, "main", "a.py") == b"x = 2\n"

    event, payload = events.push(fake_github, REPO, before or "", after or "")
    validate_webhook(event, payload)
    assert (payload["ref"], payload["before"], payload["after"]) == (
        "refs/heads/main",
        before,
        after,
    )


async def test_deliver_posts_a_signed_delivery(fake_github: FakeGitHub) -> None:
    received: list[tuple[bytes, str]] = []

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        verify_signature(
            body, request.headers.get("X-Hub-Signature-256"), fake_github.webhook_secret
        )
        received.append((body, request.headers["X-GitHub-Event"]))
        return web.json_response({"ok": True}, status=202)

    app = web.Application()
    app.router.add_post("/webhooks/github", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        inst = _seed(fake_github)
        status, answer = await fake_github.deliver(
            f"http://127.0.0.1:{port}/webhooks/github", *events.installation(fake_github, inst)
        )
    finally:
        await runner.cleanup()
    assert (status, answer) == (202, {"ok": True})
    assert received[0][1] == "installation"
