"""Real webhook payloads moved onto the stand-in stay valid against GitHub's webhook schemas."""

from __future__ import annotations

import json

import pytest

from aomaas.bot.signature import verify_signature
from tests.fakegithub import FakeGitHub, webhook_payload
from tests.fakegithub.schemas import validate_webhook

REPO = "octo-org/hello"


@pytest.mark.parametrize(
    ("event", "file"),
    [
        ("installation", "created.payload.json"),
        ("installation_repositories", "added.payload.json"),
        ("issue_comment", "created.payload.json"),
        ("issues", "opened.payload.json"),
        ("pull_request", "closed.payload.json"),
        ("push", "payload.json"),
    ],
)
def test_payloads_rewritten_onto_the_stand_in(
    fake_github: FakeGitHub, event: str, file: str
) -> None:
    inst = fake_github.add_installation("octo-org")
    repo = fake_github.add_repo(REPO, installation=inst, files={"a.txt": "a"})
    payload = fake_github.webhook_payload(event, file, repo=REPO)
    validate_webhook(event, payload)
    assert payload["installation"]["id"] == inst.id
    text = json.dumps(payload)
    assert "https://api.github.com" not in text
    if "repository" in payload:
        assert payload["repository"]["full_name"] == REPO
        assert payload["repository"]["id"] == repo.id
        assert payload["repository"]["clone_url"] == f"{fake_github.git_url}/{REPO}.git"
    for key in ("repositories", "repositories_added"):
        if key in payload:
            assert [r["full_name"] for r in payload[key]] == [REPO]
    body, headers = fake_github.delivery(event, payload)
    verify_signature(body, headers["X-Hub-Signature-256"], fake_github.webhook_secret)
    assert headers["X-GitHub-Event"] == event


def test_field_rewrites_and_module_function() -> None:
    payload = webhook_payload(
        "issue_comment",
        "created",
        installation_id=77,
        comment__body="/aomaas mine security",
        comment__author_association="MEMBER",
    )
    assert payload["installation"]["id"] == 77
    assert payload["comment"]["body"] == "/aomaas mine security"
    assert payload["comment"]["author_association"] == "MEMBER"
