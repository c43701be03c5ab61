"""A repository's tests, run as the proof runs them with the service's settings, can neither read
the service's secret files nor get a secret value quoted in the stored proof (the keys, the
database's password, the package index's credentials)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from aomaas.engine.testenv import prepare_environment, run_tests
from aomaas.engine.validator import sandbox_dir
from aomaas.jobs.engine_settings import implement_settings
from aomaas.jobs.redaction import service_secrets
from aomaas.settings import Settings
from tests.fakegithub.auth import Authority
from tests.integration.conftest import Flow
from tests.integration.repos import DEMO_FILES
from tests.support.config import make_settings
from tests.support.git import git_repo
from tests.support.live import live_server
from tests.support.pyindex import local_index

WEBHOOK_SECRET = "whsec-5d1f0c7e9a2b4c6d"
OPERATOR_SECRET = "OPERATOR-ENV-3c9e1a"
DATABASE_ROWS = "DB-ROWS-8e2f4b"
INDEX_USER = "aomaas-reader"
INDEX_TOKEN = "idx-token-6b0e3d91"
LEAK_TEST = """import pathlib

PATHS = {paths!r}


def read(path):
    try:
        return pathlib.Path(path).read_text()
    except OSError:
        return ""


def test_nothing_to_read():
    assert [read(path) for path in PATHS] == ["" for _ in PATHS]


def test_prints_what_it_finds():
    for path in PATHS:
        print(path, read(path))
    assert False, "so that pytest shows the output"
"""


@dataclass
class Service:
    """A service's settings whose secret files the sandbox user could read if they were shown."""

    settings: Settings
    files: dict[Path, str]  # secret file -> its contents
    top: Path


@pytest.fixture
def service() -> Iterator[Service]:
    with sandbox_dir("aomaas-service-") as top:
        pem = Authority(app_id=1).private_key_pem
        files = {
            top / "keys" / "app.pem": pem,
            top / "data" / "aomaas.db": DATABASE_ROWS,
            top / "data" / "secret_key": "k" * 48,
            top / "data" / "github-app.json": json.dumps({"webhook_secret": WEBHOOK_SECRET}),
            top / "operator" / "env": f"GITHUB_WEBHOOK_SECRET={OPERATOR_SECRET}\n",
        }
        for path, text in files.items():
            path.parent.mkdir(mode=0o755, exist_ok=True)
            path.write_text(text)
            path.chmod(0o644)  # readable by the sandbox user, so only hiding keeps them closed
        settings = make_settings(
            top,
            None,
            AOMAAS_SECRET_KEY=None,  # the generated one, kept in the data directory
            GITHUB_PRIVATE_KEY_PATH=top / "keys" / "app.pem",
            GITHUB_WEBHOOK_SECRET=WEBHOOK_SECRET,
            AOMAAS_SANDBOX_HIDE=str(top / "operator"),
        )
        yield Service(settings, files, top)


@pytest.mark.usefixtures("namespaces")
def test_the_proof_cannot_read_the_services_secret_files(service: Service) -> None:
    """The venv lives in the (hidden) data directory and still runs; the key file, the
    database, the secret key, the registered app and the operator's files read as nothing."""
    suite = implement_settings(service.settings).validation.tests
    with sandbox_dir() as scratch:
        tree = git_repo(
            scratch,
            {"tests/test_leak.py": LEAK_TEST.format(paths=[str(p) for p in service.files])},
            name="tree",
        )
        python = prepare_environment(tree, suite)
        run = run_tests(tree, python, suite)
    assert service.settings.data_dir in python.parents  # shown to the run through the cover
    assert run.usable(), run.output_tail
    assert run.passed == 1 and run.failing == {"tests/test_leak.py::test_prints_what_it_finds"}
    assert "so that pytest shows the output" in run.output_tail
    pem = service.files[service.top / "keys" / "app.pem"]
    for text in [*pem.splitlines()[1:-1], DATABASE_ROWS, "k" * 48, WEBHOOK_SECRET, OPERATOR_SECRET]:
        assert text not in run.output_tail


CONFTEST_LEAK = f"""# Values of the service's that got into the repository's reach some other way.
raise RuntimeError("found: {WEBHOOK_SECRET} and {INDEX_USER}:{INDEX_TOKEN}")
"""


def test_the_service_knows_the_passwords_of_its_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database's and Redis's passwords and the index URLs' users and passwords (as
    written and decoded) are among the values masked."""
    monkeypatch.setenv("UV_INDEX_URL", "https://__token__:pypi-AgEIcHlwaS5vcmc%2Bx@example.org/s")
    monkeypatch.setenv("UV_INDEX", "private=https://deploy-user-7:tok-83kd02@index.example.org/")
    settings = make_settings(
        tmp_path,
        "postgresql+asyncpg://aomaas:db-pass%2F5e8c@db.example.org/aomaas",
        REDIS_URL="redis://:redis-pass-41c7@redis.example.org:6379/0",
        AOMAAS_SECRET_KEY="s" * 48,
    )
    secrets = service_secrets(settings)
    for value in [
        "db-pass%2F5e8c",
        "db-pass/5e8c",
        "redis-pass-41c7",
        "pypi-AgEIcHlwaS5vcmc%2Bx",
        "pypi-AgEIcHlwaS5vcmc+x",
        "__token__",
        "deploy-user-7:tok-83kd02",
        "deploy-user-7",
    ]:
        assert value in secrets, value
    assert "aomaas" not in secrets  # the database's user name is no secret, and too short


async def test_a_secret_value_in_the_output_is_masked_in_the_stored_proof(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second line of defence: the tests print the webhook secret and the package index's
    credentials and stop, the proof quotes their output, and what is stored and answered
    shows *** instead. The index (which needs those credentials) is asked with them."""
    repos = tmp_path / "repos"
    repo = git_repo(repos, {**DEMO_FILES, "tests/conftest.py": CONFTEST_LEAK}, name="demo")
    settings = make_settings(
        tmp_path,
        database_url,
        AOMAAS_LOCAL_REPO_ROOT=repos,
        GITHUB_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    with local_index(tmp_path / "index", INDEX_USER, INDEX_TOKEN) as index:
        monkeypatch.setenv("UV_EXTRA_INDEX_URL", index.simple)  # the engine's own index
        async with live_server(settings) as server:
            await server.create_user("maintainer", owners=["local"])
            flow = Flow(server, repo, await server.token("maintainer"), "")
            repo_id = await flow.index()
            await flow.mine(repo_id, ["security"])
            opportunities = await flow.opportunities(repo_id)
            finding = next(o for o in opportunities if o["rule"] == "ruff:S506")
            plan = await flow.plan(finding["id"])
            _, body = await flow.call("POST", "/implementations/create", {"plan_id": plan["id"]})
            task = await flow.done(body["task_id"])
            _, impl = await flow.call("GET", f"/implementations/{body['implementation_id']}")
    assert index.requests and all(authorised for _, authorised in index.requests)
    detail = impl["validation"]["tests_detail"]
    assert "found: *** and ***" in detail, impl["validation"]
    stored = json.dumps([impl, task])
    assert WEBHOOK_SECRET not in stored and INDEX_TOKEN not in stored and INDEX_USER not in stored
