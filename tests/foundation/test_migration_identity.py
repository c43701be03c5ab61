"""Migration 0002 on SQLite and PostgreSQL: duplicate repository rows written under 0001 are
merged into the oldest (children moved), or the migration stops, changing nothing, when two
of them hold mined work; afterwards the identity is unique, a NULL branch included."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from aomaas.store.db import make_engine
from aomaas.store.migrate import alembic_config
from aomaas.store.types import UTCDateTime

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _table(name: str, *columns: tuple[str, Any]) -> sa.TableClause:
    return sa.table(name, *(sa.column(c, t) for c, t in columns))


REPOS = _table(
    "repositories",
    ("id", sa.Uuid()), ("provider", sa.String()), ("url", sa.String()), ("branch", sa.String()),
    ("owner", sa.String()), ("name", sa.String()), ("active", sa.Boolean()),
    ("next_number", sa.Integer()), ("indexed_commit", sa.String()),
    ("latest_mine_run_id", sa.Uuid()), ("created_at", UTCDateTime()), ("updated_at", UTCDateTime()),
)  # fmt: skip
TASKS = _table(
    "tasks",
    ("id", sa.Uuid()), ("kind", sa.String()), ("status", sa.String()), ("payload", sa.JSON()),
    ("attempts", sa.Integer()), ("max_attempts", sa.Integer()), ("repository_id", sa.Uuid()),
    ("created_at", UTCDateTime()), ("updated_at", UTCDateTime()),
)  # fmt: skip
INDEXES = _table(
    "repository_indexes",
    ("id", sa.Uuid()), ("repository_id", sa.Uuid()), ("commit", sa.String()), ("data", sa.JSON()),
    ("created_at", UTCDateTime()), ("updated_at", UTCDateTime()),
)  # fmt: skip
RUNS = _table(
    "mine_runs",
    ("id", sa.Uuid()), ("repository_id", sa.Uuid()), ("types", sa.JSON()),
    ("max_opportunities", sa.Integer()), ("selection", sa.JSON()), ("found", sa.Integer()),
    ("created_at", UTCDateTime()),
)  # fmt: skip
OPPS = _table(
    "opportunities",
    ("id", sa.Uuid()), ("repository_id", sa.Uuid()), ("number", sa.Integer()),
    ("fingerprint", sa.String()), ("rule", sa.String()), ("type", sa.String()),
    ("priority", sa.String()), ("effort_estimate", sa.String()), ("title", sa.String()),
    ("description", sa.String()), ("location", sa.String()), ("snippet", sa.String()),
    ("fixable", sa.Boolean()), ("extra", sa.JSON()), ("status", sa.String()),
    ("created_at", UTCDateTime()), ("updated_at", UTCDateTime()),
)  # fmt: skip


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    await _upgrade(engine, "0001")
    try:
        yield engine
    finally:
        await engine.dispose()


async def _upgrade(engine: AsyncEngine, revision: str) -> None:
    def run(connection: sa.Connection) -> None:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def _revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda c: MigrationContext.configure(c).get_current_revision()
        )


async def _repo(
    engine: AsyncEngine, provider: str, url: str, branch: str | None, age: int, **extra: Any
) -> uuid.UUID:
    repo_id = uuid.uuid4()
    created = T0 + timedelta(minutes=age)
    values = {"provider": provider, "url": url, "branch": branch, "owner": "o", "name": "n"}
    async with engine.begin() as c:
        await c.execute(
            sa.insert(REPOS).values(
                id=repo_id, active=True, next_number=1, created_at=created, updated_at=created,
                **values, **extra,
            )
        )  # fmt: skip
    return repo_id


async def _task(engine: AsyncEngine, repo_id: uuid.UUID) -> uuid.UUID:
    task_id = uuid.uuid4()
    async with engine.begin() as c:
        await c.execute(
            sa.insert(TASKS).values(
                id=task_id, kind="index", status="completed", payload={}, attempts=1,
                max_attempts=3, repository_id=repo_id, created_at=T0, updated_at=T0,
            )
        )  # fmt: skip
    return task_id


async def _work(engine: AsyncEngine, repo_id: uuid.UUID) -> uuid.UUID:
    """A mining run with one opportunity (number 1) on the repository; returns the opportunity."""
    run_id, opp_id = uuid.uuid4(), uuid.uuid4()
    async with engine.begin() as c:
        await c.execute(
            sa.insert(RUNS).values(
                id=run_id, repository_id=repo_id, types=[], max_opportunities=5,
                selection=[str(opp_id)], found=1, created_at=T0,
            )
        )  # fmt: skip
        await c.execute(
            sa.insert(OPPS).values(
                id=opp_id, repository_id=repo_id, number=1, fingerprint="f" * 16, rule="S506",
                type="security", priority="high", effort_estimate="small", title="t",
                description="d", location="a.py", snippet="", fixable=True, extra={},
                status="open", created_at=T0, updated_at=T0,
            )
        )  # fmt: skip
        await c.execute(
            sa.update(REPOS)
            .where(REPOS.c.id == repo_id)
            .values(next_number=2, latest_mine_run_id=run_id)
        )
    return opp_id


async def _repositories(engine: AsyncEngine) -> dict[uuid.UUID, Any]:
    async with engine.connect() as c:
        return {row.id: row for row in (await c.execute(sa.select(REPOS))).all()}


async def _repository_of(engine: AsyncEngine, table: sa.TableClause, row_id: uuid.UUID) -> Any:
    async with engine.connect() as c:
        return await c.scalar(sa.select(table.c.repository_id).where(table.c.id == row_id))


async def test_duplicates_are_merged_into_the_oldest(engine: AsyncEngine) -> None:
    local = await _repo(engine, "local", "/srv/repos/x", None, 0)
    local_nl = await _repo(engine, "local", "/srv/repos/x\n", None, 1, indexed_commit="c0ffee")
    gh = await _repo(engine, "github", "https://GitHub.com/Octo/Calc.git", None, 0)
    gh_slash = await _repo(engine, "github", "https://github.com/octo/calc/", None, 1)
    gh_dev = await _repo(engine, "github", "https://github.com/octo/calc", "dev", 2)
    moved_task, gh_task = await _task(engine, local_nl), await _task(engine, gh_slash)
    opp = await _work(engine, local_nl)
    index_id = uuid.uuid4()
    async with engine.begin() as c:
        await c.execute(
            sa.insert(INDEXES).values(
                id=index_id, repository_id=local_nl, commit="c0ffee", data={},
                created_at=T0, updated_at=T0,
            )
        )  # fmt: skip

    await _upgrade(engine, "head")

    rows = await _repositories(engine)
    assert set(rows) == {local, gh, gh_dev}
    assert (rows[local].url, rows[local].branch) == ("/srv/repos/x", None)
    assert rows[local].indexed_commit == "c0ffee" and rows[local].next_number == 2
    assert rows[gh].url == "https://github.com/octo/calc" and rows[gh_dev].branch == "dev"
    assert await _repository_of(engine, TASKS, moved_task) == local
    assert await _repository_of(engine, TASKS, gh_task) == gh
    assert await _repository_of(engine, OPPS, opp) == local
    assert await _repository_of(engine, INDEXES, index_id) == local
    with pytest.raises(IntegrityError):  # the identity now holds for a NULL branch too
        await _repo(engine, "local", "/srv/repos/x", None, 5)


async def test_two_duplicates_with_work_stop_the_migration(engine: AsyncEngine) -> None:
    first = await _repo(engine, "github", "https://github.com/octo/calc", None, 0)
    second = await _repo(engine, "github", "https://github.com/Octo/calc.git", None, 1)
    await _work(engine, first)
    await _work(engine, second)
    with pytest.raises(RuntimeError, match="nothing was changed") as failure:
        await _upgrade(engine, "head")
    assert str(first) in str(failure.value) and str(second) in str(failure.value)
    assert await _revision(engine) == "0001"
    assert set(await _repositories(engine)) == {first, second}
