"""Fixtures shared by every test area: databases on both backends, Redis, live servers.

Helpers (importable from ``tests.support``) are re-exported here for convenience:
``make_settings``, ``run_cli``, ``start_server_process``, ``git_repo``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from aomaas.engine.sandbox import isolation_level
from aomaas.jobs import registry
from aomaas.settings import Settings
from tests.support import flaky_handler
from tests.support.config import make_settings
from tests.support.git import git_repo
from tests.support.live import LiveServer, live_server
from tests.support.processes import run_cli, start_server_process
from tests.support.services import postgres_database, redis_database, unavailable

__all__ = ["git_repo", "make_settings", "run_cli", "start_server_process"]

FLAKY_KIND = "test_flaky"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend a test runs on: every test using it runs on both."""
    name: str = request.param
    return name


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database for ``backend`` (a SQLite file, or a new PostgreSQL database)."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'aomaas-test.db'}"
        return
    async with postgres_database() as url:
        yield url


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """A Redis URL on a DB number private to this test (emptied before and after)."""
    async with redis_database() as url:
        yield url


@pytest.fixture
def namespaces() -> None:
    """Skip without user+network namespaces; under CI=true, fail instead (they must be tested)."""
    if isolation_level() != "namespaces":
        unavailable("user and network namespaces", "unshare is refused on this machine")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Embedded settings (no REDIS_URL) on ``database_url`` with fast leases and sweeps."""
    return make_settings(tmp_path, database_url)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[LiveServer]:
    """``create_app(settings)`` served over real HTTP on 127.0.0.1 (a free port)."""
    async with live_server(settings) as live:
        yield live


@pytest.fixture
def flaky_kind() -> Iterator[str]:
    """Registers the test-owned handler ``tests.support.flaky_handler`` as a task kind."""
    registry.register(FLAKY_KIND, flaky_handler.handle, queue="light")
    try:
        yield FLAKY_KIND
    finally:
        registry.HANDLERS.pop(FLAKY_KIND, None)
