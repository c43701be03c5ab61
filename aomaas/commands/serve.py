"""``aomaas serve``: the web process (and, embedded, the worker)."""

from __future__ import annotations

import argparse
import gc
import logging
import shlex
import socket
import sys

from aiohttp import web

from aomaas.commands.common import fail, own_command, settings_or_exit, storage
from aomaas.settings import Settings

log = logging.getLogger("aomaas.serve")


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
    sockets = listen(settings.host, settings.port)
    app = create_app(settings)
    url = f"http://{settings.host}:{settings.port}"
    mode = "embedded (SQLite, in-process worker)" if settings.embedded else "scaled (Redis broker)"
    print(
        f"AOMaaS listening on {url}  [{mode}]\n"
        f"  API docs:  {url}/api/v1/docs\n"
        f"  {storage(settings)}\n"
        f"  first user: {first_user_command(settings)}   (then POST /api/v1/auth/token)",
        file=sys.stderr,
        flush=True,
    )
    log.debug(
        "log level %s; %d worker thread(s); task lease %d s; rate limits %s per IP, %s per user",
        settings.log_level,
        settings.worker_threads,
        settings.task_lease_seconds,
        settings.rate_limit_ip,
        settings.rate_limit_user,
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
    web.run_app(app, sock=sockets, print=None, access_log=None)
    return 0


def listen(host: str, port: int) -> list[socket.socket]:
    """Bound sockets for every address of ``host`` (as aiohttp would make); exit with a message
    when the address cannot be resolved (2) or a port cannot be taken (1)."""
    try:
        infos = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE | socket.AI_ADDRCONFIG
        )
    except socket.gaierror as exc:
        raise fail(
            f"cannot listen on {host}: {exc.strerror}; check AOMAAS_HOST or --host", 2
        ) from None
    sockets: list[socket.socket] = []
    for family, kind, proto, _name, address in dict.fromkeys(infos):
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
        except OSError as exc:
            sock.close()
            for other in sockets:
                other.close()
            raise fail(
                f"cannot listen on {host}:{port}: {exc.strerror}; stop whatever uses that port "
                "or choose another with --port (or AOMAAS_PORT)",
                1,
            ) from None
        sockets.append(sock)
    return sockets


def first_user_command(settings: Settings) -> str:
    """The command that creates the first admin from any directory, on this service's data."""
    where = ""
    if settings.database_url is None:
        where = f"AOMAAS_DATA_DIR={shlex.quote(str(settings.data_dir))} "
    command = f"{where}{own_command()} user create admin --admin"
    if settings.database_url is not None:
        command += "  (with the same DATABASE_URL)"
    return command


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
