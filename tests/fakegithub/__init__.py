"""A GitHub stand-in for tests: REST subset, app auth, git smart HTTP, held to GitHub's shapes.

Use the ``fake_github`` fixture (:mod:`tests.fakegithub.fixtures`; import it in a
conftest) or ``with FakeGitHub(tmp_path) as fake:``. It serves on 127.0.0.1 from
its own thread, so sync code (``subprocess.run(["git", ...])``) and async code can
both call it. Typical use::

    inst = fake.add_installation("octo-org")
    fake.add_repo("octo-org/calc", installation=inst, files={"calc.py": "..."})
    settings = make_settings(tmp_path, db_url, **fake.settings_env())  # API, web, app id, key...
    comment = fake.add_comment("octo-org/calc", issue.number, "/aomaas mine", association="MEMBER")
    status, answer = await fake.deliver(url + "/webhooks/github",
                                        *events.issue_comment(fake, "octo-org/calc", comment))
    fake.pulls("octo-org/calc"); fake.comments(...); fake.issue_state(...).reviews / .check_runs
    fake.fail_secondary_limit("pulls/create", retry_after=3)   # faults by operationId

Every request the bot sends and every answer the stand-in gives is validated
against ``tests/data/github/openapi-subset.json``; violations are collected in
``fake.violations`` and fail the test at teardown.
"""

from tests.fakegithub import events
from tests.fakegithub.server import FakeGitHub
from tests.fakegithub.webhooks import sign, webhook_payload

__all__ = ["FakeGitHub", "events", "sign", "webhook_payload"]
