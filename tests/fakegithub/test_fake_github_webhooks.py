"""Real webhook payloads moved onto the stand-in stay valid against GitHub's webhook schemas."""

from __future__ import annotations

import glob
import json
import os
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from aomaas.bot.signature import verify_signature
from tests.fakegithub import FakeGitHub, webhook_payload
from tests.fakegithub.spec import GITHUB_DATA

REPO = "octo-org/hello"


@pytest.fixture(scope="module")
def validate() -> object:
    root = GITHUB_DATA / "webhook-schemas" / "api.github.com"
    schemas = {
        os.path.relpath(p, root): json.loads(Path(p).read_text())
        for p in glob.glob(str(root / "*" / "*.json"))
    }
    registry: Registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s, default_specification=DRAFT7))
        for s in schemas.values()
    )

    def check(event: str, payload: dict) -> None:
        key = (
            f"{event}/{payload['action']}.schema.json"
            if "action" in payload
            else f"{event}/event.schema.json"
        )
        jsonschema.Draft7Validator(schemas[key], registry=registry).validate(payload)

    return check


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
    fake_github: FakeGitHub, validate, event: str, file: str
) -> None:
    inst = fake_github.add_installation("octo-org")
    repo = fake_github.add_repo(REPO, installation=inst, files={"a.txt": "a"})
    payload = fake_github.webhook_payload(event, file, repo=REPO)
    validate(event, payload)  # type: ignore[operator]
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
