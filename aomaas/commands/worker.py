"""``aomaas worker``: Dramatiq workers on the Redis broker (scaled mode)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from aomaas.commands.common import settings_or_exit
from aomaas.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    """Register the command."""
    p = sub.add_parser(
        "worker",
        help="run background workers on the Redis broker (needs REDIS_URL)",
        description="Run Dramatiq worker threads for every task kind, plus the periodic sweeps "
        "that re-enqueue tasks whose worker died and ask GitHub to redeliver webhook "
        "deliveries that were lost.",
    )
    p.add_argument("--threads", type=int, help="worker threads (default AOMAAS_WORKER_THREADS)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run until SIGINT/SIGTERM."""
    overrides = {"AOMAAS_WORKER_THREADS": args.threads} if args.threads else {}
    settings = settings_or_exit(**overrides)
    if settings.embedded:
        print(
            "aomaas: REDIS_URL is not set; `aomaas serve` already runs a worker in-process "
            "(embedded mode). Set REDIS_URL to run separate workers.",
            file=sys.stderr,
        )
        return 2
    return asyncio.run(_serve_worker(settings))


async def _serve_worker(settings: Settings) -> int:
    from aomaas.app import wire_tasks
    from aomaas.bot.redelivery import redeliver_forever
    from aomaas.jobs.context import Services
    from aomaas.jobs.sweeper import sweep_forever, sweep_once
    from aomaas.jobs.worker import WorkerPool
    from aomaas.store.db import make_engine, make_sessionmaker

    wire_tasks()
    pool = WorkerPool(settings)
    engine = make_engine(settings.effective_database_url)
    sessions = make_sessionmaker(engine)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    pool.start()
    print(f"aomaas worker {pool.runtime.worker_id} running", file=sys.stderr, flush=True)
    services = Services(enqueuer=pool.enqueuer)  # the sweeps' own: they run on this loop
    await sweep_once(sessions, pool.enqueuer, settings, services=services)
    sweeper = asyncio.create_task(sweep_forever(sessions, pool.enqueuer, settings, services))
    redeliverer = asyncio.create_task(redeliver_forever(settings, sessions, {}))
    await stop.wait()
    sweeper.cancel()
    redeliverer.cancel()
    await asyncio.to_thread(pool.stop)
    await engine.dispose()
    return 0
