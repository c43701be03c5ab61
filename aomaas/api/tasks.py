"""``GET /tasks/{task_id}``: the state and result of a background task."""

from __future__ import annotations

from aomaas.api.routing import ApiTable, Call
from aomaas.api.schemas import TaskOut, TaskResultOut
from aomaas.store.access import task_subject
from aomaas.store.lookups import Row
from aomaas.store.states import TaskStatus
from aomaas.store.types import isoformat_z

table = ApiTable()

# A task with what the answer shows (not its payload, which may be large, nor lease fields).
TASK = task_subject("kind", "status", "result", "progress", "attempts", "created_at", "updated_at")

_NOT_DONE = {
    TaskStatus.PENDING: "waiting for a worker",
    TaskStatus.RUNNING: "running",
}


def task_out(task: Row) -> TaskOut:
    """The contract's view of a row of the tasks table."""
    if task["result"] is not None:
        result = TaskResultOut.model_validate(task["result"])
    else:
        message = task["progress"] or _NOT_DONE.get(task["status"], task["status"])
        result = TaskResultOut(success=False, message=message, data=None)
    return TaskOut(
        id=str(task["id"]),
        kind=task["kind"],
        status=task["status"],
        result=result,
        progress=task["progress"],
        attempts=task["attempts"],
        created_at=isoformat_z(task["created_at"]) or "",
        updated_at=isoformat_z(task["updated_at"]) or "",
    )


@table.route(
    "GET",
    "/tasks/{task_id}",
    response=TaskOut,
    summary="A background task",
    tag="tasks",
    subject=TASK,
)
async def get_task(call: Call[None]) -> TaskOut:
    """The task, if the caller started it or may see its repository (read with the caller)."""
    return task_out(call.subject(TASK))
