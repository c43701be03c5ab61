"""What a handler gets: the task, settings, database sessions and a progress line."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from aomaas.forges.github.forge import GitHubShared
from aomaas.settings import Settings
from aomaas.store import tasks as task_store
from aomaas.store.db import SessionMaker
from aomaas.store.models import Task
from aomaas.store.work import Subject

if TYPE_CHECKING:  # the queue names the registry, which names these types
    from aomaas.jobs.queue import Enqueuer


class Services(GitHubShared, total=False):
    """The long-lived objects the jobs of one worker process share."""

    #: Submits follow-up tasks (set by the worker before it runs any).
    enqueuer: Enqueuer


@dataclass
class Outcome:
    """A handler's answer: stored as the task result ``{success, message, data}``."""

    message: str
    data: Any = None
    success: bool = True


@dataclass
class JobContext:
    """Everything a handler may use; handlers never build their own engines."""

    settings: Settings
    sessions: SessionMaker
    task: Task
    worker_id: str
    services: Services = field(default_factory=lambda: Services())
    payload_override: dict[str, Any] | None = None
    #: The objects this task works on (shared with derived contexts): failed with the task.
    subjects: list[Subject] = field(default_factory=list)

    @property
    def task_id(self) -> uuid.UUID:
        """The id of the task being run."""
        return self.task.id

    @property
    def payload(self) -> dict[str, Any]:
        """The task's parameters (ids and small values only)."""
        return self.payload_override if self.payload_override is not None else self.task.payload

    def derive(self, payload: dict[str, Any]) -> JobContext:
        """The same task seen with another payload: lets one task run another kind's handler inline."""
        return replace(self, payload_override=payload)

    def working_on(self, subject: Subject) -> None:
        """Name an object this task works on: if the task fails, the runner marks it failed."""
        if subject not in self.subjects:
            self.subjects.append(subject)

    async def progress(self, message: str) -> None:
        """Show a progress line on the task (visible through GET /tasks/{id})."""
        await task_store.set_progress(self.sessions, self.task.id, self.worker_id, message)
