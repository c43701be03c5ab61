"""Starting and stopping Dramatiq workers (in-process for embedded mode, or `aomaas worker`)."""

from __future__ import annotations

import dramatiq

from aomaas.jobs.actors import declare_actors
from aomaas.jobs.broker import make_broker
from aomaas.jobs.cleanup import DisposeRuntime
from aomaas.jobs.queue import Enqueuer
from aomaas.jobs.runner import Runtime
from aomaas.settings import Settings


class WorkerPool:
    """A broker with its actors and a running Dramatiq worker."""

    def __init__(self, settings: Settings, broker: dramatiq.Broker | None = None) -> None:
        self.settings = settings
        self.broker = broker or make_broker(settings)
        self.runtime = Runtime(settings)
        self.broker.add_middleware(DisposeRuntime(self.runtime))
        declare_actors(self.broker, self.runtime)
        self.enqueuer = Enqueuer(self.broker)
        self.runtime.services["enqueuer"] = self.enqueuer
        self._worker: dramatiq.Worker | None = None

    def start(self) -> None:
        """Start the worker threads (and the AsyncIO event-loop thread)."""
        self._worker = dramatiq.Worker(
            self.broker, worker_threads=self.settings.worker_threads, worker_timeout=200
        )
        self._worker.start()

    def stop(self) -> None:
        """Stop the worker; in-flight tasks finish or are recovered later by their lease."""
        if self._worker is not None:
            self._worker.stop(timeout=10_000)
            self._worker = None
        self.broker.close()
