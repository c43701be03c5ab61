"""States and kinds are defined once (``aomaas.store.states``), stored as their plain
strings on both databases, and agree with every place that shows them.
"""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator
from pathlib import Path
from typing import get_args

import pytest
from sqlalchemy import literal_column, select
from sqlalchemy.exc import StatementError

from aomaas.engine.opportunity import OpportunityStatus as EngineOpportunityStatus
from aomaas.store.db import SessionMaker, make_engine, make_sessionmaker
from aomaas.store.migrate import upgrade
from aomaas.store.models import Task
from aomaas.store.states import OpportunityStatus, TaskStatus
from aomaas.store.tasks import new_task

PACKAGE = Path(__file__).resolve().parents[2] / "aomaas"


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[SessionMaker]:
    engine = make_engine(database_url)
    await upgrade(engine)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


async def test_a_status_is_stored_as_its_string_and_read_back_as_the_member(
    sessions: SessionMaker, backend: str
) -> None:
    task = new_task("selftest")
    async with sessions.begin() as session:
        session.add(task)
    async with sessions.begin() as session:
        row = await session.get(Task, task.id)
        assert row is not None and row.status is TaskStatus.PENDING
        row.status = TaskStatus.RUNNING
    async with sessions() as session:
        raw = await session.scalar(
            select(literal_column("status")).select_from(Task).where(Task.id == task.id)
        )
    assert type(raw) is str and raw == "running"


async def test_a_value_outside_the_enum_is_never_written(
    sessions: SessionMaker, backend: str
) -> None:
    task = new_task("selftest")
    task.status = "finished"  # type: ignore[assignment]
    with pytest.raises(StatementError, match="'finished' is not a valid TaskStatus"):
        async with sessions.begin() as session:
            session.add(task)
    async with sessions() as session:
        assert await session.get(Task, task.id) is None


def test_the_public_opportunity_shape_lists_the_stored_states() -> None:
    assert list(get_args(EngineOpportunityStatus)) == [s.value for s in OpportunityStatus]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_plan_types_sit_below_the_planner_and_the_brains() -> None:
    """engine/planner.py uses the brains; the brains and plans.py never import the planner."""
    below = [PACKAGE / "engine" / "plans.py", *sorted((PACKAGE / "engine" / "brain").glob("*.py"))]
    for path in below:
        imported = _imports(path)
        assert "aomaas.engine.planner" not in imported, path.name
    assert not {"aomaas.engine.brain", "aomaas.engine.planner"} & _imports(below[0])


def test_review_and_opportunity_types_agree_everywhere() -> None:
    """The bot's grammar, the engine and the API name the same review and opportunity types."""
    from aomaas.api.schemas import ReviewType
    from aomaas.bot import commands
    from aomaas.engine.opportunity import OpportunityTypeName
    from aomaas.engine.reviewer import REVIEW_TYPES

    assert set(commands.REVIEW_TYPES) == set(REVIEW_TYPES) == set(get_args(ReviewType))
    assert set(commands.OPPORTUNITY_TYPES) == set(get_args(OpportunityTypeName))
