"""The ``/aomaas`` slash-command grammar: pure parsing of comment bodies.

A command is ``/aomaas <name> [args]`` at the start of a line (up to three
spaces of indentation, as Markdown allows) of an issue or pull-request comment.
Lines inside fenced code blocks, indented code blocks and ``>`` quotes are
ignored, so quoting someone's command never runs it again.

Grammar::

    /aomaas help
    /aomaas index
    /aomaas mine [TYPE ...] [--max N]        TYPE: security performance documentation
                                                   maintainability dependencies testing
    /aomaas plan REF [--steps N]             REF: 3, #3, an opportunity id (UUID) or fingerprint
    /aomaas fix REF
    /aomaas ignore REF
    /aomaas review [security|performance|documentation|general]
    /aomaas status

:func:`parse_commands` returns one typed command, or one :class:`CommandError`
saying what is wrong and how to write it, per command line found.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

PREFIX = "/aomaas"
OPPORTUNITY_TYPES: tuple[str, ...] = (
    "security",
    "performance",
    "documentation",
    "maintainability",
    "dependencies",
    "testing",
)
REVIEW_TYPES: tuple[str, ...] = ("security", "performance", "documentation", "general")
ALLOWED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
MAX_OPPORTUNITIES = 100
MAX_STEPS = 20
MAX_COMMANDS_PER_COMMENT = 10

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_FINGERPRINT = re.compile(r"^[0-9a-f]{8,64}$")
_NUMBER = re.compile(r"^#?([0-9]{1,9})$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_COMMAND_LINE = re.compile(r"^ {0,3}" + re.escape(PREFIX) + r"(?:\s+(.*))?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to an opportunity: its per-repository ``number`` or its ``key``.

    ``key`` is an opportunity id (UUID) or a finding fingerprint (hex); exactly
    one of ``number`` and ``key`` is set.
    """

    number: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        return f"#{self.number}" if self.number is not None else str(self.key)


@dataclass(frozen=True, slots=True)
class Help:
    """``/aomaas help``: answer with :data:`HELP_TEXT`."""


@dataclass(frozen=True, slots=True)
class Index:
    """``/aomaas index``: (re-)index the repository."""


@dataclass(frozen=True, slots=True)
class Mine:
    """``/aomaas mine [types...] [--max N]``; empty ``types`` means every type."""

    types: tuple[str, ...] = ()
    max_opportunities: int | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """``/aomaas plan <ref> [--steps N]``."""

    ref: Ref
    max_steps: int | None = None


@dataclass(frozen=True, slots=True)
class Fix:
    """``/aomaas fix <ref>``: plan, implement, prove and open a pull request."""

    ref: Ref


@dataclass(frozen=True, slots=True)
class Ignore:
    """``/aomaas ignore <ref>``: dismiss the opportunity for good."""

    ref: Ref


@dataclass(frozen=True, slots=True)
class Review:
    """``/aomaas review [type]`` on a pull request."""

    review_type: str = "general"


@dataclass(frozen=True, slots=True)
class Status:
    """``/aomaas status``: what the bot knows and is doing for this repository."""


Command = Help | Index | Mine | Plan | Fix | Ignore | Review | Status


@dataclass(frozen=True, slots=True)
class CommandError:
    """A command line that could not be understood: where, what and how to fix it."""

    line: int  # 1-based line number in the comment body
    message: str


class _Invalid(Exception):
    """Raised inside the parsers; becomes a :class:`CommandError`."""


USAGE: dict[str, str] = {
    "help": "/aomaas help",
    "index": "/aomaas index",
    "mine": "/aomaas mine [" + "|".join(OPPORTUNITY_TYPES) + " ...] [--max N]",
    "plan": "/aomaas plan <number> [--steps N]",
    "fix": "/aomaas fix <number>",
    "ignore": "/aomaas ignore <number>",
    "review": "/aomaas review [" + "|".join(REVIEW_TYPES) + "]",
    "status": "/aomaas status",
}

HELP_TEXT = f"""\
### AOMaaS commands

Write a command at the start of a line of a comment. Only repository owners,
organisation members and collaborators can run them.

| Command | What it does |
| --- | --- |
| `/aomaas help` | Shows this help. |
| `/aomaas index` | Indexes the repository again (files, languages, symbols, tests). |
| `/aomaas mine [types...] [--max N]` | Finds maintenance opportunities and answers with a \
ranked, numbered table. Types: {", ".join(f"`{t}`" for t in OPPORTUNITY_TYPES)} \
(default: all). `--max N` keeps the best N (1-{MAX_OPPORTUNITIES}). |
| `/aomaas plan <ref> [--steps N]` | Writes a plan of at most N steps \
(1-{MAX_STEPS}) for one opportunity. |
| `/aomaas fix <ref>` | Plans, implements and proves a fix, then opens a pull request. |
| `/aomaas ignore <ref>` | Dismisses an opportunity; it is never proposed again. |
| `/aomaas review [type]` | On a pull request: reviews the added lines and posts one review \
with inline comments. Types: {", ".join(f"`{t}`" for t in REVIEW_TYPES)} (default: `general`). |
| `/aomaas status` | Shows what the bot knows about this repository and what it is doing. |

`<ref>` is the number printed by `/aomaas mine` (`3` or `#3`), an opportunity id, or a \
fingerprint. Examples: `/aomaas mine security --max 5`, `/aomaas fix 1`.
"""


def is_allowed(author_association: str) -> bool:
    """True when a comment author's association lets them run commands."""
    return author_association.upper() in ALLOWED_ASSOCIATIONS


def parse_commands(body: str | None) -> list[Command | CommandError]:
    """Every ``/aomaas`` command in a comment body, in order, parsed or explained.

    At most :data:`MAX_COMMANDS_PER_COMMENT` are returned; later ones are dropped.
    """
    found: list[Command | CommandError] = []
    for number, rest in _command_lines(body or ""):
        try:
            found.append(_parse_line(rest))
        except _Invalid as exc:
            found.append(CommandError(line=number, message=str(exc)))
        if len(found) == MAX_COMMANDS_PER_COMMENT:
            break
    return found


def command_lines(body: str | None) -> list[str]:
    """The text of each command line (``/aomaas ...``, stripped), in :func:`parse_commands` order.

    ``zip(parse_commands(body), command_lines(body))`` pairs each result with the line
    it came from (both stop at :data:`MAX_COMMANDS_PER_COMMENT`).
    """
    return [
        f"{PREFIX} {rest}".strip()
        for _number, rest in itertools.islice(_command_lines(body or ""), MAX_COMMANDS_PER_COMMENT)
    ]


def parse_ref(text: str) -> Ref:
    """Parse ``3``, ``#3``, a UUID or a hex fingerprint into a :class:`Ref`."""
    value = text.strip().lower()
    match = _NUMBER.match(value)
    if match:
        number = int(match.group(1))
        if number < 1:
            raise _Invalid("opportunity numbers start at 1")
        return Ref(number=number)
    if _UUID.match(value) or _FINGERPRINT.match(value):
        return Ref(key=value)
    raise _Invalid(
        f"'{text}' is not an opportunity reference: use the number from "
        "`/aomaas mine` (e.g. `3` or `#3`), an opportunity id or a fingerprint"
    )


def _command_lines(body: str) -> Iterator[tuple[int, str]]:
    """Yield (line number, text after the prefix) for command lines outside code and quotes."""
    fence: str | None = None
    for number, line in enumerate(body.splitlines(), start=1):
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        match = _COMMAND_LINE.match(line)
        if match:
            yield number, (match.group(1) or "").strip()


def _parse_line(rest: str) -> Command:
    words = rest.replace(",", " ").split()
    if not words:
        raise _Invalid(f"a command name is missing: write `{USAGE['help']}` to see the commands")
    name, args = words[0].lower(), words[1:]
    parser = _PARSERS.get(name)
    if parser is None:
        close = difflib.get_close_matches(name, list(_PARSERS), n=1)
        hint = f"did you mean `/aomaas {close[0]}`? " if close else ""
        raise _Invalid(
            f"unknown command '{words[0]}': {hint}commands are "
            + ", ".join(f"`{n}`" for n in _PARSERS)
            + f"; write `{USAGE['help']}` for details"
        )
    return parser(name, args)


def _options(
    name: str, args: list[str], allowed: tuple[str, ...]
) -> tuple[list[str], dict[str, int]]:
    """Split ``args`` into positional words and integer ``--option N`` values."""
    positional: list[str] = []
    options: dict[str, int] = {}
    words = iter(args)
    for word in words:
        if not word.startswith("--"):
            positional.append(word)
            continue
        key, _, value = word[2:].partition("=")
        key = key.lower()
        if key not in allowed:
            raise _Invalid(f"unknown option '{word}' for `{name}`: write `{USAGE[name]}`")
        if not value:
            value = next(words, "")
        if not value.isdigit():
            raise _Invalid(
                f"`--{key}` needs a whole number, e.g. `--{key} 5`: write `{USAGE[name]}`"
            )
        options[key] = int(value)
    return positional, options


def _bounded(name: str, key: str, value: int | None, maximum: int) -> int | None:
    if value is not None and not 1 <= value <= maximum:
        raise _Invalid(f"`--{key}` must be between 1 and {maximum}: write `{USAGE[name]}`")
    return value


def _no_args(name: str, args: list[str]) -> None:
    if args:
        raise _Invalid(
            f"`{name}` takes no arguments (got '{' '.join(args)}'): write `{USAGE[name]}`"
        )


def _one_ref(name: str, positional: list[str]) -> Ref:
    if len(positional) != 1:
        got = f"got '{' '.join(positional)}'" if positional else "none given"
        raise _Invalid(
            f"`{name}` needs exactly one opportunity reference ({got}): write `{USAGE[name]}`"
        )
    try:
        return parse_ref(positional[0])
    except _Invalid as exc:
        raise _Invalid(f"{exc}; write `{USAGE[name]}`") from None


def _parse_simple(name: str, args: list[str]) -> Command:
    _no_args(name, args)
    simple: dict[str, Command] = {"help": Help(), "index": Index(), "status": Status()}
    return simple[name]


def _parse_mine(name: str, args: list[str]) -> Command:
    positional, options = _options(name, args, ("max",))
    types: list[str] = []
    for word in positional:
        kind = word.lower()
        if kind not in OPPORTUNITY_TYPES:
            raise _Invalid(
                f"unknown opportunity type '{word}': choose from "
                + ", ".join(f"`{t}`" for t in OPPORTUNITY_TYPES)
                + f"; write `{USAGE[name]}`"
            )
        if kind not in types:
            types.append(kind)
    maximum = _bounded(name, "max", options.get("max"), MAX_OPPORTUNITIES)
    return Mine(types=tuple(types), max_opportunities=maximum)


def _parse_plan(name: str, args: list[str]) -> Command:
    positional, options = _options(name, args, ("steps",))
    ref = _one_ref(name, positional)
    return Plan(ref=ref, max_steps=_bounded(name, "steps", options.get("steps"), MAX_STEPS))


def _parse_fix_or_ignore(name: str, args: list[str]) -> Command:
    positional, _ = _options(name, args, ())
    ref = _one_ref(name, positional)
    return Fix(ref=ref) if name == "fix" else Ignore(ref=ref)


def _parse_review(name: str, args: list[str]) -> Command:
    positional, _ = _options(name, args, ())
    if not positional:
        return Review()
    if len(positional) > 1 or positional[0].lower() not in REVIEW_TYPES:
        raise _Invalid(
            f"unknown review type '{' '.join(positional)}': choose one of "
            + ", ".join(f"`{t}`" for t in REVIEW_TYPES)
            + f"; write `{USAGE[name]}`"
        )
    return Review(review_type=positional[0].lower())


_PARSERS: dict[str, Callable[[str, list[str]], Command]] = {
    "help": _parse_simple,
    "index": _parse_simple,
    "mine": _parse_mine,
    "plan": _parse_plan,
    "fix": _parse_fix_or_ignore,
    "ignore": _parse_fix_or_ignore,
    "review": _parse_review,
    "status": _parse_simple,
}

__all__ = [
    "HELP_TEXT",
    "OPPORTUNITY_TYPES",
    "REVIEW_TYPES",
    "Command",
    "CommandError",
    "Fix",
    "Help",
    "Ignore",
    "Index",
    "Mine",
    "Plan",
    "Ref",
    "Review",
    "Status",
    "command_lines",
    "is_allowed",
    "parse_commands",
    "parse_ref",
]
