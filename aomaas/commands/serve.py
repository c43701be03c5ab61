"""``aomaas serve``: the web process (and, embedded, the worker)."""

from __future__ import annotations

import argparse
import gc
import sys

from aiohttp import web

from aomaas.commands.common import settings_or_exit


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    """Register the command."""
    p = sub.add_parser(
        "serve",
        help="run the web service (embedded worker and SQLite unless REDIS_URL/DATABASE_URL are set)",
        description="Run the web service on HOST:PORT. Without REDIS_URL it also runs the worker "
        "in-process and migrates its database by itself.",
    )
    p.add_argument("--host", help="address to listen on (default AOMAAS_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default AOMAAS_PORT or 8000)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Start serving until interrupted."""
    from aomaas.app import create_app

    overrides = {}
    if args.host:
        overrides["AOMAAS_HOST"] = args.host
    if args.port:
        overrides["AOMAAS_PORT"] = args.port
    settings = settings_or_exit(**overrides)
    app = create_app(settings)
    url = f"http://{settings.host}:{settings.port}"
    mode = "embedded (SQLite, in-process worker)" if settings.embedded else "scaled (Redis broker)"
    print(
        f"AOMaaS listening on {url}  [{mode}]\n"
        f"  API docs:  {url}/api/v1/docs\n"
        f"  data dir:  {settings.data_dir}\n"
        "  first user: aomaas user create admin --admin   (then POST /api/v1/auth/token)",
        file=sys.stderr,
        flush=True,
    )
    if not settings.github_configured:
        print(
            "  GitHub: not configured; /webhooks/github answers 503 until "
            + ", ".join(settings.missing_github_settings())
            + " are set (see README).",
            file=sys.stderr,
            flush=True,
        )
    _print_setup_address(app, settings.public_url or url)
    app.on_startup.append(_freeze_startup_objects)
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log=None)
    return 0


async def _freeze_startup_objects(_app: web.Application) -> None:
    """Exempt what start-up built (modules, models, the app) from garbage collection.

    They live as long as the process, and every full collection would scan them again.
    """
    gc.freeze()


def _print_setup_address(app: web.Application, base_url: str) -> None:
    """While GitHub is not configured: the one-time address that registers the app."""
    from aomaas.bot.manifest_flow import issue_setup_token

    token = issue_setup_token(app)
    if token is not None:
        print(
            f"  register the GitHub App: {base_url.rstrip('/')}/setup?token={token}\n"
            "    (one-time setup token, valid until the app is registered or this process "
            "stops; admins may also sign in there)",
            file=sys.stderr,
            flush=True,
        )
