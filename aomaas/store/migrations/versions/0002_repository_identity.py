"""repository identity: canonical URLs, one row per repository, memberships are no grant

Before this revision the unique constraint on (provider, url, branch) did not hold for a
NULL branch (the default branch), and URLs were stored as typed, so the same repository
could have several rows. This revision

1. merges rows that name the same repository: the key is (provider, canonical URL,
   branch or ''), the oldest row is kept and its duplicates' tasks, index and mined work
   move to it. When two rows of one repository both have mined work (opportunities, mine
   runs or pull requests), it stops before changing anything and names them: merging
   two sets of opportunity numbers would break the numbers people use.
2. adds the unique index ``uq_repositories_identity`` on (provider, url, coalesce(branch, ''));
3. drops ``repository_members``: indexing a repository no longer lets anyone see it
   (visibility comes from owner grants only).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import aomaas.store.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Lightweight tables: this revision must keep working whatever the models become later.
repositories = sa.table(
    "repositories",
    sa.column("id", sa.Uuid()),
    sa.column("provider", sa.String()),
    sa.column("url", sa.String()),
    sa.column("branch", sa.String()),
    sa.column("github_id", sa.BigInteger()),
    sa.column("installation_id", sa.Uuid()),
    sa.column("active", sa.Boolean()),
    sa.column("indexed_commit", sa.String()),
    sa.column("index_stats", sa.JSON()),
    sa.column("indexed_at", aomaas.store.types.UTCDateTime()),
    sa.column("next_number", sa.Integer()),
    sa.column("latest_mine_run_id", sa.Uuid()),
    sa.column("created_at", aomaas.store.types.UTCDateTime()),
)
WORK_TABLES = ("opportunities", "mine_runs", "pull_requests")  # mined work, moved as a whole


def _child(name: str) -> Any:
    return sa.table(name, sa.column("id", sa.Uuid()), sa.column("repository_id", sa.Uuid()))


def canonical_url(provider: str, url: str) -> str:
    """The stored form of a URL, as ``aomaas.store.repositories.canonical_url`` had it here."""
    url = url.strip()
    if provider != "github":
        return url
    return url.lower().rstrip("/").removesuffix(".git").rstrip("/")


def _has_work(bind: sa.Connection, repository_id: uuid.UUID) -> bool:
    for name in WORK_TABLES:
        table = _child(name)
        found = bind.execute(
            sa.select(table.c.id).where(table.c.repository_id == repository_id).limit(1)
        ).first()
        if found is not None:
            return True
    return False


def _groups(bind: sa.Connection) -> list[tuple[str, str | None, list[Any]]]:
    """(canonical url, branch, rows oldest first) of every repository."""
    rows = bind.execute(
        sa.select(repositories).order_by(repositories.c.created_at, repositories.c.id)
    ).all()
    groups: dict[tuple[str, str, str], list[Any]] = {}
    for row in rows:
        key = (row.provider, canonical_url(row.provider, row.url), (row.branch or "").strip())
        groups.setdefault(key, []).append(row)
    return [(url, branch or None, members) for (_p, url, branch), members in groups.items()]


def _check(bind: sa.Connection, groups: list[tuple[str, str | None, list[Any]]]) -> None:
    """Refuse (before any change) when one repository's duplicates both hold mined work."""
    clashes = []
    for url, _branch, rows in groups:
        with_work = [str(row.id) for row in rows if _has_work(bind, row.id)]
        if len(with_work) > 1:
            clashes.append(f"{url}: rows {', '.join(with_work)}")
    if clashes:
        raise RuntimeError(
            "migration 0002 stopped, nothing was changed: these repositories have several "
            "rows that each hold opportunities, mining runs or pull requests, which cannot be "
            "merged without renumbering opportunities. Keep one row of each, delete the other "
            "rows of the repositories table (their work goes with them), then run "
            f"`aomaas migrate` again. {'; '.join(clashes)}"
        )


def _merge(bind: sa.Connection, keeper: Any, duplicate: Any) -> None:
    """Move ``duplicate``'s tasks, index and (if the keeper has none) work to ``keeper``."""
    tasks = _child("tasks")
    bind.execute(
        sa.update(tasks)
        .where(tasks.c.repository_id == duplicate.id)
        .values(repository_id=keeper.id)
    )
    indexes = _child("repository_indexes")
    keeper_index = bind.execute(
        sa.select(indexes.c.id).where(indexes.c.repository_id == keeper.id)
    ).first()
    values: dict[str, Any] = {"active": bool(keeper.active or duplicate.active)}
    if keeper_index is None and duplicate.indexed_commit is not None:
        bind.execute(
            sa.update(indexes)
            .where(indexes.c.repository_id == duplicate.id)
            .values(repository_id=keeper.id)
        )
        values.update(
            indexed_commit=duplicate.indexed_commit,
            index_stats=duplicate.index_stats,
            indexed_at=duplicate.indexed_at,
        )
    if _has_work(bind, duplicate.id):  # _check made sure the keeper has none
        for name in WORK_TABLES:
            table = _child(name)
            bind.execute(
                sa.update(table)
                .where(table.c.repository_id == duplicate.id)
                .values(repository_id=keeper.id)
            )
        values.update(
            next_number=duplicate.next_number, latest_mine_run_id=duplicate.latest_mine_run_id
        )
    if keeper.github_id is None and duplicate.github_id is not None:
        values["github_id"] = duplicate.github_id
    if keeper.installation_id is None and duplicate.installation_id is not None:
        values["installation_id"] = duplicate.installation_id
    bind.execute(sa.delete(repositories).where(repositories.c.id == duplicate.id))
    bind.execute(sa.update(repositories).where(repositories.c.id == keeper.id).values(**values))


def upgrade() -> None:
    bind = op.get_bind()
    groups = _groups(bind)
    _check(bind, groups)
    for url, branch, rows in groups:
        keeper = rows[0]
        for duplicate in rows[1:]:
            _merge(bind, keeper, duplicate)
            keeper = bind.execute(
                sa.select(repositories).where(repositories.c.id == keeper.id)
            ).one()
        if (keeper.url, keeper.branch) != (url, branch):
            bind.execute(
                sa.update(repositories)
                .where(repositories.c.id == keeper.id)
                .values(url=url, branch=branch)
            )
    op.create_index(
        "uq_repositories_identity",
        "repositories",
        ["provider", "url", sa.text("coalesce(branch, '')")],
        unique=True,
    )
    op.drop_table("repository_members")


def downgrade() -> None:
    op.create_table(
        "repository_members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("repository_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", aomaas.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repositories.id"],
            name=op.f("fk_repository_members_repository_id_repositories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_repository_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repository_members")),
        sa.UniqueConstraint(
            "repository_id", "user_id", name=op.f("uq_repository_members_repository_id_user_id")
        ),
    )
    op.drop_index("uq_repositories_identity", table_name="repositories")
