"""The Alembic head matches the models, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from aomaas.store.db import make_engine
from aomaas.store.migrate import alembic_config
from aomaas.store.models import Base
from tests.support.config import migrate_database


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "render_as_batch": connection.dialect.name == "sqlite"},
    )
    return list(compare_metadata(context, Base.metadata))


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def test_head_matches_the_models(database_url: str, backend: str) -> None:
    await migrate_database(database_url)
    await migrate_database(database_url)  # idempotent
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(_diff)
            current = await connection.run_sync(_current)
    finally:
        await engine.dispose()
    assert diff == [], diff
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    assert current == head
