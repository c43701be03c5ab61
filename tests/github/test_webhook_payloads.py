"""Payload shapes checked at the bot's edge: a malformed delivery fails once, with the reason.

Every recorded payload of an event the bot handles fits its model; a signed delivery
whose payload does not (``installation`` as a list, a comment id as a string) is
accepted and stored, and its task ends ``failed`` after exactly one attempt, saying
which field is wrong, while a well-formed delivery next to it still completes.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from aomaas.bot.payloads import SHAPES, MalformedPayload, check_payload
from aomaas.store.models import Task
from tests.fakegithub import FakeGitHub
from tests.fakegithub.spec import GITHUB_DATA
from tests.integration.github_support import finished
from tests.support.config import make_settings
from tests.support.live import LiveServer, live_server

WEBHOOKS = GITHUB_DATA / "webhooks"
RECORDED = sorted(p for event in SHAPES for p in (WEBHOOKS / event).glob("*.json"))


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_recorded_payload_of_a_handled_event_fits(path: Path) -> None:
    check_payload(path.parent.name, json.loads(path.read_text()))


def test_a_wrong_field_is_named() -> None:
    payload = json.loads((WEBHOOKS / "push" / "payload.json").read_text())
    payload["repository"]["id"] = "12"
    del payload["ref"]
    with pytest.raises(MalformedPayload) as caught:
        check_payload("push", payload)
    assert caught.value.detail == (
        "malformed push payload: ref: Field required; repository.id: Input should be a valid integer"
    )
    assert not caught.value.retryable


async def _task_of(fake: FakeGitHub, server: LiveServer, event: str, payload: object) -> Task:
    status, answer = await fake.deliver(server.url + "/webhooks/github", event, payload)  # type: ignore[arg-type]
    assert status == 202, answer
    return await finished(server, uuid.UUID(answer["task_id"]))


async def test_malformed_signed_delivery_fails_once_with_the_reason(
    fake_github: FakeGitHub, tmp_path: Path, database_url: str
) -> None:
    fake = fake_github
    installation = fake.add_installation("octo-org")
    settings = make_settings(tmp_path, database_url, **fake.settings_env())
    async with live_server(settings) as server:
        as_list = fake.webhook_payload(
            "installation", "suspend.payload.json", installation=installation
        )
        as_list["installation"] = [as_list["installation"]]
        task = await _task_of(fake, server, "installation", as_list)
        assert task.status == "failed"
        assert task.attempts == 1
        assert task.result is not None
        assert task.result["message"] == (
            "malformed installation payload: installation: "
            "Input should be a valid dictionary or instance of Installation"
        )

        fake.add_repo("octo-org/hello", installation=installation, files={"a.txt": "a\n"})
        comment = fake.webhook_payload(
            "issue_comment", "created.with-installation.payload.json", repo="octo-org/hello"
        )
        comment["comment"]["id"] = str(comment["comment"]["id"])
        task = await _task_of(fake, server, "issue_comment", comment)
        assert (task.status, task.attempts) == ("failed", 1)
        assert task.result is not None
        assert "comment.id: Input should be a valid integer" in task.result["message"]

        well_formed = fake.webhook_payload(
            "installation", "suspend.payload.json", installation=installation
        )
        task = await _task_of(fake, server, "installation", well_formed)
        assert (task.status, task.attempts) == ("completed", 1), task.result
