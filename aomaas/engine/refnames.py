"""Branch names: the one check every part uses (API bodies, the workspace, the implementer, the bot).

The rules are those of ``git check-ref-format --branch`` (see git's documentation of
``check-ref-format``), done in Python so that a name is judged the same way before
anything runs and without a repository at hand, plus a narrower alphabet: letters,
digits and ``. _ / - +``. Git itself would take ``main;id`` or ``a$(b)``; such a name is
valid git but dangerous in the scripts, URLs and file names a branch name ends up in,
so it is refused as well.
"""

from __future__ import annotations

import re

from aomaas.errors import InvalidRequest

#: The longest branch name accepted (the stored columns hold 255; suffixes need room).
MAX_LENGTH = 200

#: The app's own branches: publishing may replace what they hold (see :func:`is_app_branch`).
APP_BRANCH_PREFIX = "aomaas/"

_ALPHABET = re.compile(r"[A-Za-z0-9._/+-]+")


class BadBranchName(InvalidRequest):
    """A branch name that git (or this project's narrower alphabet) refuses; says why."""


def branch_problem(name: str) -> str | None:
    """Why ``name`` is not an acceptable branch name, or None when it is."""
    if not name:
        return "it is empty"
    if len(name) > MAX_LENGTH:
        return f"it is longer than {MAX_LENGTH} characters"
    if not _ALPHABET.fullmatch(name):
        return "only letters, digits and . _ / - + are allowed"
    if name.startswith("-"):
        return "it must not start with '-'"
    if name == "HEAD":
        return f"{name!r} is reserved"
    if name.startswith("/") or name.endswith("/") or "//" in name:
        return "it must not start or end with '/' or contain '//'"
    if ".." in name:
        return "it must not contain '..'"
    if name.endswith("."):
        return "it must not end with '.'"
    for part in name.split("/"):
        if part.startswith("."):
            return "no part of it may start with '.'"
        if part.endswith(".lock"):
            return "no part of it may end with '.lock'"
    return None


def check_branch_name(name: str) -> str:
    """``name`` if it is an acceptable branch name; :class:`BadBranchName` saying why otherwise."""
    problem = branch_problem(name)
    if problem is not None:
        raise BadBranchName(f"{name!r} is not a valid branch name: {problem}")
    return name


def default_branch_name(number: int, rule: str) -> str:
    """The branch a fix of opportunity ``number`` (found by ``rule``) gets when none is named."""
    slug = re.sub(r"[^a-z0-9]+", "-", rule.lower()).strip("-") or "fix"
    return check_branch_name(f"{APP_BRANCH_PREFIX}{number}-{slug}"[:100].rstrip("-."))


def is_app_branch(name: str) -> bool:
    """Whether ``name`` is in the app's namespace (``aomaas/...``), where publishing may force.

    Every branch the app names by itself is there; a branch a person names anywhere
    else is theirs unless the app created it (see :mod:`aomaas.forges.branchpush`).
    """
    return name.startswith(APP_BRANCH_PREFIX) and branch_problem(name) is None
