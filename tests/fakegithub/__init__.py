"""A GitHub stand-in for tests: REST subset, app auth, git smart HTTP, held to GitHub's shapes.

Start it with the ``fake_github`` fixture (:mod:`tests.fakegithub.fixtures`) or
``with FakeGitHub(tmp_path) as fake:``. Every request the bot sends and every
answer the stand-in gives is validated against ``../shared/github/openapi-subset.json``;
violations are collected in ``fake.violations`` and fail the test at teardown.
"""

from tests.fakegithub import events
from tests.fakegithub.server import FakeGitHub
from tests.fakegithub.webhooks import sign, webhook_payload

__all__ = ["FakeGitHub", "events", "sign", "webhook_payload"]
