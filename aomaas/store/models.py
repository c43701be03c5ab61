"""SQLAlchemy 2 typed models: the service's source of truth.

Relationships refuse to lazy-load (``lazy="raise_on_sql"``) so async code never
issues hidden queries; every timestamp is timezone-aware UTC.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from aomaas.store.states import (
    OpportunityStatus,
    Provider,
    PullRequestStatus,
    TaskStatus,
    WorkStatus,
)
from aomaas.store.types import EnumText, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (for migrations)."""

    metadata = MetaData(naming_convention=NAMING)


def _id() -> Mapped[uuid.UUID]:
    return mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


def _created() -> Mapped[datetime]:
    return mapped_column(UTCDateTime, default=utcnow, nullable=False)


def _updated() -> Mapped[datetime]:
    return mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)


class User(Base):
    """A person (or service account) who may call the API."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = _id()
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    email: Mapped[str | None] = mapped_column(String(254))
    full_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class OwnerGrant(Base):
    """Lets a user see every repository of an owner (account or organisation)."""

    __tablename__ = "owner_grants"
    __table_args__ = (UniqueConstraint("user_id", "owner"),)

    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    owner: Mapped[str] = mapped_column(String(200), nullable=False)  # lower-cased
    created_at: Mapped[datetime] = _created()


class Task(Base):
    """A unit of background work; the row is the truth, the queue only carries its id."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_status_lease", "status", "lease_until"),)

    id: Mapped[uuid.UUID] = _id()
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[TaskStatus] = mapped_column(
        EnumText(TaskStatus, 16), default=TaskStatus.PENDING, nullable=False
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3, nullable=False)
    worker_id: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    repository_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("repositories.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Installation(Base):
    """A GitHub App installation on an account."""

    __tablename__ = "installations"

    id: Mapped[uuid.UUID] = _id()
    github_id: Mapped[int] = mapped_column(BigInteger, unique=True, nullable=False)
    account_login: Mapped[str] = mapped_column(String(200), nullable=False)
    account_type: Mapped[str | None] = mapped_column(String(32))
    suspended: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    permissions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Repository(Base):
    """A repository the service maintains (GitHub or local git).

    Its identity is (provider, url, branch), the URL in canonical form (see
    :func:`aomaas.store.repositories.canonical_url`) and a ``None`` branch meaning the
    default branch. A plain unique constraint does not hold for NULL, so the identity is
    a unique index on ``coalesce(branch, '')`` (declared below the class).
    """

    __tablename__ = "repositories"
    __table_args__ = (UniqueConstraint("provider", "url", "branch"),)

    id: Mapped[uuid.UUID] = _id()
    provider: Mapped[Provider] = mapped_column(EnumText(Provider, 16), nullable=False)
    url: Mapped[str] = mapped_column(String(1000), nullable=False)
    branch: Mapped[str | None] = mapped_column(String(255))  # None: the default branch
    owner: Mapped[str] = mapped_column(String(200), nullable=False, index=True)  # lower-cased
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    github_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    installation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("installations.id", ondelete="SET NULL")
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    indexed_commit: Mapped[str | None] = mapped_column(String(64))
    index_stats: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    indexed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_number: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    latest_mine_run_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


Index(
    "uq_repositories_identity",
    Repository.provider,
    Repository.url,
    func.coalesce(Repository.branch, ""),
    unique=True,
)


class RepositoryIndex(Base):
    """The engine's index of one commit of a repository, kept as one JSON document."""

    __tablename__ = "repository_indexes"

    id: Mapped[uuid.UUID] = _id()
    repository_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("repositories.id", ondelete="CASCADE"), unique=True
    )
    commit: Mapped[str] = mapped_column(String(64), nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class MineRun(Base):
    """One mining pass: what was asked and which opportunities it selected, in rank order."""

    __tablename__ = "mine_runs"

    id: Mapped[uuid.UUID] = _id()
    repository_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("repositories.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    commit: Mapped[str | None] = mapped_column(String(64))
    types: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    max_opportunities: Mapped[int] = mapped_column(Integer, nullable=False)
    selection: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    found: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_at: Mapped[datetime] = _created()


class Opportunity(Base):
    """A maintenance opportunity, identified per repository by its fingerprint."""

    __tablename__ = "opportunities"
    __table_args__ = (
        UniqueConstraint("repository_id", "fingerprint"),
        UniqueConstraint("repository_id", "number"),
        Index("ix_opportunities_repo_status", "repository_id", "status"),
    )

    id: Mapped[uuid.UUID] = _id()
    repository_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("repositories.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    rule: Mapped[str] = mapped_column(String(128), nullable=False)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    priority: Mapped[str] = mapped_column(String(16), nullable=False)
    effort_estimate: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    location: Mapped[str] = mapped_column(String(1000), nullable=False)
    line: Mapped[int | None] = mapped_column(Integer)
    end_line: Mapped[int | None] = mapped_column(Integer)
    snippet: Mapped[str] = mapped_column(Text, default="", nullable=False)
    fixable: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    status: Mapped[OpportunityStatus] = mapped_column(
        EnumText(OpportunityStatus, 16), default=OpportunityStatus.OPEN, nullable=False
    )
    first_seen_commit: Mapped[str | None] = mapped_column(String(64))
    last_seen_commit: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Plan(Base):
    """An ordered list of steps for one opportunity."""

    __tablename__ = "plans"

    id: Mapped[uuid.UUID] = _id()
    opportunity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[WorkStatus] = mapped_column(
        EnumText(WorkStatus, 16), default=WorkStatus.PENDING, nullable=False
    )
    title: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, nullable=False)
    supported: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    recipe: Mapped[str | None] = mapped_column(String(128))
    max_steps: Mapped[int] = mapped_column(Integer, default=5, nullable=False)
    commit: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Implementation(Base):
    """A plan carried out on a branch, with its proof."""

    __tablename__ = "implementations"

    id: Mapped[uuid.UUID] = _id()
    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("plans.id", ondelete="CASCADE"), index=True
    )
    branch_name: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[WorkStatus] = mapped_column(
        EnumText(WorkStatus, 16), default=WorkStatus.PENDING, nullable=False
    )
    files_changed: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    commit_id: Mapped[str | None] = mapped_column(String(64))
    base_commit: Mapped[str | None] = mapped_column(String(64))
    diff: Mapped[str | None] = mapped_column(Text)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class PullRequest(Base):
    """A pull request on a forge: one the bot opened, or one it was asked to review."""

    __tablename__ = "pull_requests"
    __table_args__ = (UniqueConstraint("repository_id", "provider_pr_number"),)

    id: Mapped[uuid.UUID] = _id()
    repository_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("repositories.id", ondelete="CASCADE"), index=True
    )
    implementation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("implementations.id", ondelete="SET NULL"), index=True
    )
    provider_type: Mapped[Provider] = mapped_column(EnumText(Provider, 16), nullable=False)
    provider_pr_number: Mapped[str | None] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(String(1000), default="", nullable=False)
    status: Mapped[PullRequestStatus] = mapped_column(
        EnumText(PullRequestStatus, 16), default=PullRequestStatus.PENDING, nullable=False
    )
    title: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    body: Mapped[str] = mapped_column(Text, default="", nullable=False)
    draft: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    head_branch: Mapped[str | None] = mapped_column(String(255))
    base_branch: Mapped[str | None] = mapped_column(String(255))
    head_sha: Mapped[str | None] = mapped_column(String(64))
    task_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Review(Base):
    """One review of a pull request: a summary and comments on added lines."""

    __tablename__ = "reviews"

    id: Mapped[uuid.UUID] = _id()
    pull_request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pull_requests.id", ondelete="CASCADE"), index=True
    )
    review_type: Mapped[str] = mapped_column(String(32), nullable=False)
    summary: Mapped[str] = mapped_column(Text, default="", nullable=False)
    comments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, nullable=False)
    provider_review_id: Mapped[str | None] = mapped_column(String(64))
    task_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = _created()


class WebhookDelivery(Base):
    """A GitHub webhook delivery, stored before it is acknowledged (dedup by its id)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[uuid.UUID] = _id()
    delivery_id: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    event: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str | None] = mapped_column(String(64))
    installation_github_id: Mapped[int | None] = mapped_column(BigInteger)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    task_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    received_at: Mapped[datetime] = _created()
