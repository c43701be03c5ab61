"""``aomaas user``: create, list, grant and disable API accounts."""

from __future__ import annotations

import argparse
import getpass
import sys

from aomaas.commands.common import (
    existing_database_settings,
    fail,
    settings_or_exit,
    storage,
    with_database,
)
from aomaas.store import users as user_store
from aomaas.store.db import SessionMaker


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    """Register ``user`` and its subcommands."""
    p = sub.add_parser("user", help="manage API accounts", description="Manage API accounts.")
    users = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    create = users.add_parser("create", help="create an account (asks for the password)")
    create.add_argument("username")
    create.add_argument("--email")
    create.add_argument("--full-name")
    create.add_argument("--admin", action="store_true", help="may see and do everything")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    create.set_defaults(run=_create)

    users.add_parser("list", help="list accounts and their grants").set_defaults(run=_list)

    grant = users.add_parser("grant", help="let USERNAME see and index every repository of OWNER")
    grant.add_argument("username")
    grant.add_argument(
        "owner", help="a GitHub account or organisation, or `local` for the local repositories"
    )
    grant.set_defaults(run=_grant)

    disable = users.add_parser("disable", help="disable an account (its tokens stop working)")
    disable.add_argument("username")
    disable.add_argument("--enable", action="store_true", help="enable it again instead")
    disable.set_defaults(run=_disable)


def _check_password_source(from_stdin: bool) -> None:
    """Exit 2 when the password would have to be asked for but there is no terminal."""
    if not from_stdin and not sys.stdin.isatty():
        raise fail(
            "standard input is not a terminal, so the password cannot be asked for: "
            "give it on standard input with --password-stdin",
            2,
        )


def _read_password(from_stdin: bool) -> str:
    """The new account's password: from standard input, or asked twice on the terminal."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        try:
            password = getpass.getpass("Password: ")
            again = getpass.getpass("Again: ")
        except (EOFError, KeyboardInterrupt):
            raise fail("no password given; no account was created", 1) from None
        if again != password:
            raise fail("the passwords differ", 2)
    if len(password) < 8:
        raise fail("use a password of at least 8 characters", 2)
    return password


def _create(args: argparse.Namespace) -> int:
    _check_password_source(args.password_stdin)
    settings = settings_or_exit()
    print(f"aomaas: {storage(settings)}", file=sys.stderr, flush=True)
    password = _read_password(args.password_stdin)

    async def work(sessions: SessionMaker) -> None:
        await user_store.create_user(
            sessions,
            args.username,
            password,
            email=args.email,
            full_name=args.full_name,
            is_admin=args.admin,
        )

    with_database(settings, work)
    print(f"created user {args.username}" + (" (admin)" if args.admin else ""))
    return 0


def _list(args: argparse.Namespace) -> int:
    settings = existing_database_settings()
    rows = with_database(settings, user_store.list_users)
    for user, owners in rows:
        flags = ",".join(
            f for f, on in (("admin", user.is_admin), ("disabled", user.disabled)) if on
        )
        print(f"{user.username}\t{user.email or '-'}\t{flags or '-'}\t{','.join(owners) or '-'}")
    return 0


def _grant(args: argparse.Namespace) -> int:
    settings = existing_database_settings()

    async def work(sessions: SessionMaker) -> None:
        await user_store.grant_owner(sessions, args.username, args.owner)

    with_database(settings, work)
    print(f"{args.username} may now see the repositories of {args.owner.lower()}")
    return 0


def _disable(args: argparse.Namespace) -> int:
    settings = existing_database_settings()

    async def work(sessions: SessionMaker) -> None:
        await user_store.set_disabled(sessions, args.username, not args.enable)

    with_database(settings, work)
    print(f"{args.username} is now {'enabled' if args.enable else 'disabled'}")
    return 0
