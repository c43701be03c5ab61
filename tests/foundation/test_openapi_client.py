"""A client generated from the served ``/api/v1/openapi.json`` by a common generator
(openapi-python-client) imports whole and walks the API: log in, who am I, index a local
repository, follow its task, mine it and list the opportunities.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import pkgutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.integration.repos import demo_repo
from tests.support.config import make_settings
from tests.support.contract import OPPORTUNITY_TYPES
from tests.support.live import live_server

pytestmark = pytest.mark.slow

PACKAGE = "aomaas_generated_client"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture
def on_path(tmp_path: Path) -> Iterator[Path]:
    """A directory on ``sys.path`` for the generated package, removed (with its modules) after."""
    where = tmp_path / "client"
    where.mkdir()
    sys.path.insert(0, str(where))
    try:
        yield where
    finally:
        sys.path.remove(str(where))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _generate(document: dict[str, Any], where: Path) -> ModuleType:
    """Generate the client package from ``document`` and import every module of it."""
    spec = where.parent / "openapi.json"
    spec.write_text(json.dumps(document))
    # The generator formats its output with ruff (a dependency of ours): find it on PATH.
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    output = where / PACKAGE
    generated = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(output),
            "--meta",
            "none",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "Warning" not in generated.stdout + generated.stderr, generated.stdout
    package = importlib.import_module(PACKAGE)
    for module in pkgutil.walk_packages(package.__path__, PACKAGE + "."):
        importlib.import_module(module.name)  # each must import (no NameError, no SyntaxError)
    return package


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


async def _finished(client: Any, task_id: str, timeout: float = 240) -> Any:
    get_task = _module("api.tasks.get_task")
    deadline = time.monotonic() + timeout
    while True:
        task = await get_task.asyncio(client=client, task_id=task_id)
        assert type(task).__name__ == "TaskOut", task
        if task.status.value in ("completed", "failed"):
            return task
        assert time.monotonic() < deadline, f"task {task_id} still {task.status.value}"
        await asyncio.sleep(0.2)


async def test_generated_client_walks_the_api(tmp_path: Path, on_path: Path) -> None:
    repos = tmp_path / "repos"
    repo = demo_repo(repos)
    settings = make_settings(tmp_path, None, AOMAAS_LOCAL_REPO_ROOT=repos)
    async with live_server(settings) as server:
        await server.create_user("maintainer", admin=True)
        status, document, _ = await server.request("GET", "/openapi.json")
        assert status == 200
        await asyncio.to_thread(_generate, document, on_path)
        package = importlib.import_module(PACKAGE)
        models = _module("models")

        anonymous = package.Client(base_url=server.url, raise_on_unexpected_status=True)
        token = await _module("api.auth.create_token").asyncio(
            client=anonymous, body=models.TokenIn(username="maintainer", password="password123")
        )
        assert isinstance(token, models.TokenOut), token
        refused = await _module("api.auth.create_token").asyncio(
            client=anonymous, body=models.TokenIn(username="maintainer", password="wrong-one")
        )
        assert isinstance(refused, models.ErrorOut) and refused.type_ == "unauthorized", refused

        client = package.AuthenticatedClient(
            base_url=server.url, token=token.access_token, raise_on_unexpected_status=True
        )
        me = await _module("api.auth.me").asyncio(client=client)
        assert isinstance(me, models.UserOut) and me.username == "maintainer"

        accepted = await _module("api.repositories.index_repository").asyncio(
            client=client,
            body=models.IndexIn(
                repository_url=str(repo),
                provider_type=models.IndexInProviderType.LOCAL,
                branch="main",
            ),
        )
        assert isinstance(accepted, models.IndexAccepted), accepted
        assert (await _finished(client, accepted.task_id)).status.value == "completed"

        mined = await _module("api.repositories.mine_opportunities").asyncio(
            client=client,
            body=models.MineIn(repository_id=accepted.repository_id, max_opportunities=10),
        )
        assert isinstance(mined, models.TaskAccepted), mined
        task = await _finished(client, mined.task_id)
        assert task.status.value == "completed" and task.result.success, task

        listed = await _module("api.repositories.list_opportunities").asyncio(
            client=client, repository_id=accepted.repository_id
        )
        assert isinstance(listed, models.OpportunityList), listed
        assert listed.opportunities, "mining the demo repository found nothing"
        first = listed.opportunities[0]
        assert first.location and first.title and first.type_.value in OPPORTUNITY_TYPES
        missing = await _module("api.tasks.get_task").asyncio(
            client=client, task_id="00000000-0000-0000-0000-000000000000"
        )
        assert isinstance(missing, models.ErrorOut), missing
