"""What every CLI command shares: reading settings with a readable error, running a coroutine."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aomaas.errors import AomaasError
from aomaas.settings import Settings, SettingsError, load_settings
from aomaas.store.db import SessionMaker, make_engine, make_sessionmaker
from aomaas.store.migrate import upgrade

T = TypeVar("T")


def settings_or_exit(**overrides: object) -> Settings:
    """The settings, or exit 2 with the message saying what to fix (no traceback)."""
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        print(f"aomaas: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


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
        print(f"aomaas: {exc.detail}", file=sys.stderr)
        raise SystemExit(1) from None
    except OSError as exc:
        print(f"aomaas: cannot reach the database: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
