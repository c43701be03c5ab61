"""Sending task ids to the queue, and reading which task ids it holds (web side and sweeper)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import dq_name

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

    def queued_task_ids(self) -> set[uuid.UUID]:
        """The task ids of every message the broker holds: waiting, delayed or being worked on.

        On Redis a message stays in its queue's ``.msgs`` hash from enqueue until it is
        acknowledged, so this covers messages fetched by a worker too; in the in-process
        broker a message a worker already took is not seen (its task is claimed at once).
        Blocking (a Redis round trip per queue): call it off the event loop.
        """
        names = [n for q in self.broker.get_declared_queues() for n in (q, dq_name(q))]
        if isinstance(self.broker, RedisBroker):
            client = self.broker.client
            namespace = self.broker.namespace
            encoded: list[bytes | str] = []
            for name in names:
                encoded.extend(client.hvals(f"{namespace}:{name}.msgs"))
        elif isinstance(self.broker, StubBroker):
            encoded = [
                m for n in names if n in self.broker.queues for m in _waiting(self.broker, n)
            ]
        else:  # an unknown broker: assume nothing is queued, so the sweep re-sends
            return set()
        return {task_id for data in encoded if (task_id := _task_id(data)) is not None}


def _waiting(broker: StubBroker, name: str) -> Iterable[bytes]:
    """The encoded messages waiting in one in-process queue (a snapshot)."""
    pending = broker.queues[name]
    with pending.mutex:
        return list(pending.queue)


def _task_id(data: bytes | str) -> uuid.UUID | None:
    """The task id a message carries (its first argument), or None for a foreign message."""
    try:
        args = json.loads(data)["args"]
        return uuid.UUID(args[0])
    except (ValueError, KeyError, IndexError, TypeError):
        return None
