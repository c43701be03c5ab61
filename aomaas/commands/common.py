"""What every CLI command shares: reading settings with a readable error, saying which data
directory and database are used, how to run ``aomaas`` again, running a coroutine.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import shutil
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import make_url

from aomaas.errors import AomaasError
from aomaas.settings import Settings, SettingsError, load_settings, read_settings
from aomaas.store.db import SessionMaker, make_engine, make_sessionmaker
from aomaas.store.migrate import upgrade

T = TypeVar("T")
PACKAGE_DIR = Path(__file__).resolve().parents[1]
# Libraries whose DEBUG lines carry SQL parameters (password hashes, tokens).
QUIET_AT_DEBUG = ("aiosqlite",)


def fail(message: str, code: int) -> SystemExit:
    """Print ``aomaas: message`` on stderr; the caller raises the returned SystemExit."""
    print(f"aomaas: {message}", file=sys.stderr, flush=True)
    return SystemExit(code)


def settings_or_exit(**overrides: object) -> Settings:
    """The settings, or exit 2 with the message saying what to fix (no traceback).

    Also sets the log level to AOMAAS_LOG_LEVEL.
    """
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        raise fail(str(exc), 2) from None
    apply_log_level(settings.log_level)
    return settings


def apply_log_level(level: str) -> None:
    """Log at ``level`` (AOMAAS_LOG_LEVEL); libraries that would log query parameters (which can
    hold secrets) at DEBUG stay at INFO."""
    logging.getLogger().setLevel(level)
    for name in QUIET_AT_DEBUG:
        logging.getLogger(name).setLevel(max(logging.getLevelName(level), logging.INFO))


def existing_database_settings(**overrides: object) -> Settings:
    """Settings for a command that works on an existing database, said on stderr.

    When the SQLite file is not there, exit 1 saying so, before anything is created: the
    command was probably run from another directory than the service's.
    """
    try:
        path = read_settings(**overrides).sqlite_path
    except SettingsError as exc:
        raise fail(str(exc), 2) from None
    if path is not None and not path.is_file():
        raise fail(
            f"no database at {path}: run this command in the service's directory, or set "
            "AOMAAS_DATA_DIR (or DATABASE_URL) to the service's data directory (database)",
            1,
        )
    settings = settings_or_exit(**overrides)
    print(f"aomaas: {storage(settings)}", file=sys.stderr, flush=True)
    return settings


def storage(settings: Settings) -> str:
    """Which data directory and database ``settings`` use, for a line on stderr."""
    path = settings.sqlite_path
    if path is not None:
        database = f"SQLite file {path}" + ("" if path.exists() else ", new")
    else:
        url = make_url(settings.effective_database_url)
        database = url.render_as_string(hide_password=True)
    return f"using data directory {settings.data_dir} (database: {database})"


def own_command() -> str:
    """How to run ``aomaas`` again from any directory, the way this process was started."""
    started = Path(sys.argv[0])
    python = shlex.quote(sys.executable)
    if started.suffix == ".py":
        script = started.resolve()
        if script.is_relative_to(PACKAGE_DIR):  # python -m aomaas (or -m aomaas.app)
            return f"{python} -m aomaas"
        return f"{python} {shlex.quote(str(script))}"  # python app.py
    found = shutil.which(started.name)
    if found and started.exists() and Path(found).resolve() == started.resolve():
        return started.name  # on PATH
    if started.exists():
        return shlex.quote(str(started.resolve()))
    return f"{python} -m aomaas"


def with_database(settings: Settings, work: Callable[[SessionMaker], Awaitable[T]]) -> T:
    """Run ``work`` with sessions on a migrated database; AomaasError exits 1 with its message."""

    async def _run() -> T:
        engine = make_engine(settings.effective_database_url)
        try:
            await upgrade(engine)
            return await work(make_sessionmaker(engine))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(_run())
    except AomaasError as exc:
        raise fail(exc.detail, 1) from None
    except OSError as exc:
        raise fail(f"cannot reach the database: {exc}", 1) from None
