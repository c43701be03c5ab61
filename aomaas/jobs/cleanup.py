"""Dramatiq middleware that disposes of the worker's database engine on shutdown.

Added after the AsyncIO middleware, so (after-hooks run in reverse order) it
runs while the worker's event loop, which owns the engine, is still alive.
"""

from __future__ import annotations

from typing import Any

from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from aomaas.jobs.runner import Runtime


class DisposeRuntime(Middleware):
    """Closes the runtime's engine (its pooled connections and driver threads)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        """Dispose of the engine on the event loop that created it."""
        loop_thread = get_event_loop_thread()
        if loop_thread is not None:
            loop_thread.run_coroutine(self.runtime.close())
