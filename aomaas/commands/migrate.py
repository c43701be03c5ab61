"""``aomaas migrate``: bring the database to the newest schema."""

from __future__ import annotations

import argparse

from aomaas.commands.common import settings_or_exit, with_database
from aomaas.store.db import SessionMaker


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    """Register the command."""
    p = sub.add_parser(
        "migrate", help="apply database migrations (DATABASE_URL or the SQLite file)"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Migrate and say so."""
    settings = settings_or_exit()

    async def _done(_sessions: SessionMaker) -> None:
        return None

    with_database(settings, _done)
    print("database is at the newest schema")
    return 0
