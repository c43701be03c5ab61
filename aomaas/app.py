"""Composition root: ``create_app(settings)`` builds the web application, ``main`` is the CLI.

Embedded mode (no REDIS_URL): the app also runs an in-process Dramatiq worker,
migrates its SQLite database at start and re-enqueues work a previous run left.
Scaled mode: web processes only enqueue; ``aomaas worker`` processes run tasks.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from aiohttp import web

from aomaas import __version__, appkeys
from aomaas.api.errors import OUTAGE_LOG, error_middleware
from aomaas.api.ratelimit import RateLimits, ip_limit_middleware
from aomaas.api.setup import install_api
from aomaas.bot import command_runner, deliveries
from aomaas.bot import setup as bot_setup
from aomaas.bot.comments import COMMAND_TASK
from aomaas.bot.redelivery import redeliver_forever
from aomaas.bot.webhook import DELIVERY_TASK
from aomaas.commands import fix, migrate, scan, serve, user, worker
from aomaas.health import healthz
from aomaas.jobs import registry
from aomaas.jobs.actors import declare_actors
from aomaas.jobs.broker import make_broker
from aomaas.jobs.context import Services
from aomaas.jobs.queue import Enqueuer
from aomaas.jobs.sweeper import sweep_forever, sweep_once
from aomaas.jobs.worker import WorkerPool
from aomaas.outages import OutageLog
from aomaas.settings import Settings
from aomaas.store.db import make_engine, make_sessionmaker
from aomaas.store.lookups import Lookups
from aomaas.store.migrate import upgrade

VERSION = __version__
log = logging.getLogger("aomaas")

# CLI command modules, each with `add_parser(subparsers)` and `run(args) -> int`.
COMMANDS = (serve, worker, migrate, user, scan, fix)


def wire_tasks() -> None:
    """Hand the GitHub face's task handlers (deliveries, commands) to the workers.

    ``jobs/`` knows its own task kinds; a face's kinds come from here, so that
    ``jobs/`` names no face. Call it before any broker declares its actors.
    """
    registry.register(DELIVERY_TASK, deliveries.handle, "light")
    registry.register(COMMAND_TASK, command_runner.handle, "heavy")


def create_app(settings: Settings, *, run_worker: bool | None = None) -> web.Application:
    """The aiohttp application for ``settings``.

    ``run_worker`` defaults to embedded mode (no REDIS_URL): the in-process worker
    runs the tasks this app enqueues.
    """
    if run_worker is None:
        run_worker = settings.embedded
    wire_tasks()
    app = web.Application(
        middlewares=[error_middleware, ip_limit_middleware],
        client_max_size=settings.webhook_max_body_bytes,
    )
    app[appkeys.SETTINGS] = settings
    app[OUTAGE_LOG] = OutageLog()
    app[appkeys.LIMITS] = RateLimits(settings)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_queue_context(run_worker))
    install_api(app, VERSION)
    app.router.add_get("/healthz", healthz)
    bot_setup.install(app)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[appkeys.SETTINGS]
    engine = make_engine(settings.effective_database_url)
    if settings.embedded or settings.effective_database_url.startswith("sqlite"):
        await upgrade(engine)
    app[appkeys.SESSIONS] = make_sessionmaker(engine)
    lookups = app[appkeys.LOOKUPS] = Lookups(engine)
    yield
    await lookups.close()
    await engine.dispose()


def _queue_context(run_worker: bool) -> Callable[[web.Application], AsyncIterator[None]]:
    async def _queue(app: web.Application) -> AsyncIterator[None]:
        settings = app[appkeys.SETTINGS]
        sessions = app[appkeys.SESSIONS]
        pool: WorkerPool | None = None
        if run_worker:
            pool = WorkerPool(settings)
            broker, enqueuer = pool.broker, pool.enqueuer
        else:
            broker = make_broker(settings)
            declare_actors(broker, None)
            enqueuer = Enqueuer(broker)
        app[appkeys.BROKER] = broker
        app[appkeys.ENQUEUER] = enqueuer
        sweeper = redeliverer = None
        if pool is not None:
            pool.start()
            # The sweeps' own GitHub state: they run on this loop, not on the workers' one.
            services = Services(enqueuer=enqueuer)
            # The in-process worker is the only one: everything pending or running is ours to redo.
            await sweep_once(
                sessions,
                enqueuer,
                settings,
                stale_pending_after=timedelta(0),
                all_running=settings.embedded,
                services=services,
            )
            sweeper = asyncio.create_task(sweep_forever(sessions, enqueuer, settings, services))
            redeliverer = asyncio.create_task(redeliver_forever(settings, sessions, {}))
        yield
        for background in (sweeper, redeliverer):
            if background is not None:
                background.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await background
        if pool is not None:
            await asyncio.to_thread(pool.stop)
        else:
            broker.close()

    return _queue


def build_parser() -> argparse.ArgumentParser:
    """The ``aomaas`` command line."""
    parser = argparse.ArgumentParser(
        prog="aomaas",
        description="AOMaaS: the autonomous open-source maintainer (service and CLI).",
    )
    parser.add_argument("--version", action="version", version=f"aomaas {VERSION}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        before = set(sub.choices)
        module.add_parser(sub)
        for added in (
            set(sub.choices) - before
        ):  # a command without its own `run` default uses the module's
            if sub.choices[added].get_default("run") is None and hasattr(module, "run"):
                sub.choices[added].set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``aomaas`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
