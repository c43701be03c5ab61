"""The values a stored state or kind may take, defined once for the whole service.

Each is a :class:`enum.StrEnum`, so a member *is* its string: the database
columns, the task payloads and the REST contract keep the same plain strings
(``"pending"``, ``"open"``...), and a member compares equal to the string read
back from a row.
"""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class TaskStatus(StrEnum):
    """A task moves pending → running → completed | failed."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


#: A task (or the object it works on) in one of these states is still at work.
UNFINISHED = (TaskStatus.PENDING, TaskStatus.RUNNING)
#: A task in one of these states is done for good.
FINISHED = (TaskStatus.COMPLETED, TaskStatus.FAILED)

#: Plans and implementations move through the same states as the task that makes them.
WorkStatus = TaskStatus


@unique
class TaskKind(StrEnum):
    """What a task does; the worker runs the handler registered for its kind."""

    SELFTEST = "selftest"
    INDEX = "index"
    MINE = "mine"
    PLAN = "plan"
    IMPLEMENT = "implement"
    PUBLISH = "publish"
    REVIEW = "review"
    GITHUB_DELIVERY = "github_delivery"
    GITHUB_COMMAND = "github_command"


@unique
class OpportunityStatus(StrEnum):
    """Where an opportunity stands: open, on its way to a pull request, or closed."""

    OPEN = "open"
    PLANNED = "planned"
    IMPLEMENTED = "implemented"
    PR_OPEN = "pr_open"
    DISMISSED = "dismissed"
    RESOLVED = "resolved"


#: An opportunity in one of these states may still be worked on.
OPEN_STATES = (
    OpportunityStatus.OPEN,
    OpportunityStatus.PLANNED,
    OpportunityStatus.IMPLEMENTED,
    OpportunityStatus.PR_OPEN,
)
#: An opportunity in one of these states is closed: nothing more is done with it.
CLOSED_STATES = (OpportunityStatus.RESOLVED, OpportunityStatus.DISMISSED)


@unique
class PullRequestStatus(StrEnum):
    """A pull request row: pending until published, then open, and finally merged or closed."""

    OPEN = "open"
    CLOSED = "closed"
    MERGED = "merged"
    PENDING = "pending"
    FAILED = "failed"


@unique
class Provider(StrEnum):
    """Where a repository lives: on GitHub, or a local git repository."""

    GITHUB = "github"
    LOCAL = "local"
