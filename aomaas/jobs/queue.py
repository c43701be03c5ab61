"""Sending task ids to the queue (the web side and the sweeper use this)."""

from __future__ import annotations

import dramatiq

from aomaas.jobs.registry import actor_name, queue_name
from aomaas.store.tasks import TaskRef


class Enqueuer:
    """Puts a message carrying one task id on the broker."""

    def __init__(self, broker: dramatiq.Broker) -> None:
        self.broker = broker

    def send(self, ref: TaskRef, delay_ms: int | None = None) -> None:
        """Enqueue the task's id for the actor of its kind."""
        message: dramatiq.Message[object] = dramatiq.Message(
            queue_name=queue_name(ref.kind),
            actor_name=actor_name(ref.kind),
            args=(str(ref.id),),
            kwargs={},
            options={},
        )
        self.broker.enqueue(message, delay=delay_ms)
