"""The /aomaas grammar: commands found, typed, and errors that say how to fix them."""

from __future__ import annotations

import pytest

from aomaas.bot.commands import (
    HELP_TEXT,
    OPPORTUNITY_TYPES,
    CommandError,
    Fix,
    Help,
    Ignore,
    Index,
    Mine,
    Plan,
    Ref,
    Review,
    Status,
    command_lines,
    is_allowed,
    parse_commands,
)

UUID = "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"
FINGERPRINT = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/aomaas help", Help()),
        ("/aomaas HELP", Help()),
        ("/aomaas index", Index()),
        ("/aomaas status", Status()),
        ("/aomaas mine", Mine()),
        ("/aomaas mine security", Mine(types=("security",))),
        ("/aomaas mine security performance --max 5", Mine(("security", "performance"), 5)),
        ("/aomaas mine --max=3 testing", Mine(("testing",), 3)),
        ("/aomaas mine security,dependencies", Mine(("security", "dependencies"))),
        ("/aomaas mine Security security", Mine(("security",))),
        ("/aomaas plan 1", Plan(Ref(number=1))),
        ("/aomaas plan #12 --steps 4", Plan(Ref(number=12), 4)),
        (f"/aomaas plan {UUID}", Plan(Ref(key=UUID))),
        (f"/aomaas fix {FINGERPRINT.upper()}", Fix(Ref(key=FINGERPRINT))),
        ("/aomaas fix #3", Fix(Ref(number=3))),
        ("/aomaas ignore 7", Ignore(Ref(number=7))),
        ("/aomaas review", Review("general")),
        ("/aomaas review security", Review("security")),
        ("   /aomaas review Performance", Review("performance")),
    ],
)
def test_valid_commands(text: str, expected: object) -> None:
    assert parse_commands(text) == [expected]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("/aomaas", "command name is missing"),
        ("/aomaas fixx 1", "did you mean `/aomaas fix`"),
        ("/aomaas launch", "unknown command 'launch'"),
        ("/aomaas mine secrity", "unknown opportunity type 'secrity'"),
        ("/aomaas mine --max", "`--max` needs a whole number"),
        ("/aomaas mine --max ten", "`--max` needs a whole number"),
        ("/aomaas mine --max 0", "between 1 and 100"),
        ("/aomaas mine --max 1000", "between 1 and 100"),
        ("/aomaas mine --limit 3", "unknown option '--limit'"),
        ("/aomaas plan", "exactly one opportunity reference (none given)"),
        ("/aomaas plan 1 2", "exactly one opportunity reference (got '1 2')"),
        ("/aomaas plan 1 --steps 99", "between 1 and 20"),
        ("/aomaas fix #0", "numbers start at 1"),
        ("/aomaas fix latest", "'latest' is not an opportunity reference"),
        ("/aomaas fix 1 --steps 2", "unknown option '--steps' for `fix`"),
        ("/aomaas ignore", "`ignore` needs exactly one"),
        ("/aomaas review style", "unknown review type 'style'"),
        ("/aomaas review security performance", "unknown review type"),
        ("/aomaas help me", "`help` takes no arguments"),
        ("/aomaas status now", "`status` takes no arguments"),
    ],
)
def test_errors_explain_and_show_usage(text: str, fragment: str) -> None:
    [result] = parse_commands(text)
    assert isinstance(result, CommandError)
    assert result.line == 1
    assert fragment in result.message
    assert "/aomaas" in result.message  # every message shows how to write it


def test_only_line_starts_outside_code_and_quotes() -> None:
    body = "\n".join(
        [
            "Thanks! Please run /aomaas mine here",  # not at line start
            "> /aomaas fix 1",  # quoted
            "```",
            "/aomaas ignore 2",  # fenced
            "```",
            "~~~~text",
            "/aomaas index",
            "~~~",  # shorter fence does not close
            "/aomaas status",
            "~~~~",
            "    /aomaas plan 9",  # indented code block
            "/aomaasx help",  # not the prefix
            "/aomaas fix 4",
            "  /aomaas review security",
        ]
    )
    assert parse_commands(body) == [Fix(Ref(number=4)), Review("security")]


def test_several_commands_keep_order_and_line_numbers() -> None:
    body = "/aomaas mine\ntext\r\n/aomaas fix nope\n/aomaas status"
    result = parse_commands(body)
    assert result[0] == Mine()
    assert isinstance(result[1], CommandError) and result[1].line == 3
    assert result[2] == Status()


def test_command_lines_pair_with_results() -> None:
    body = "hi\n/aomaas mine  security --max 3\n> /aomaas fix 1\n/aomaas nope\n  /aomaas review"
    lines = command_lines(body)
    assert lines == ["/aomaas mine  security --max 3", "/aomaas nope", "/aomaas review"]
    assert len(lines) == len(parse_commands(body))
    assert parse_commands(lines[0]) == [Mine(("security",), 3)]
    assert len(command_lines("/aomaas help\n" * 50)) == 10
    assert command_lines(None) == []


def test_bounded_number_of_commands_and_empty_bodies() -> None:
    assert len(parse_commands("/aomaas help\n" * 50)) == 10
    assert parse_commands(None) == []
    assert parse_commands("") == []
    assert parse_commands("nothing to see") == []


def test_help_text_documents_every_command_and_type() -> None:
    for name in ("help", "index", "mine", "plan", "fix", "ignore", "review", "status"):
        assert f"`/aomaas {name}" in HELP_TEXT
    for kind in OPPORTUNITY_TYPES:
        assert f"`{kind}`" in HELP_TEXT


def test_ref_renders_as_typed() -> None:
    assert str(Ref(number=3)) == "#3"
    assert str(Ref(key=UUID)) == UUID


@pytest.mark.parametrize(
    ("association", "allowed"),
    [
        ("OWNER", True),
        ("MEMBER", True),
        ("COLLABORATOR", True),
        ("collaborator", True),
        ("CONTRIBUTOR", False),
        ("FIRST_TIME_CONTRIBUTOR", False),
        ("FIRST_TIMER", False),
        ("MANNEQUIN", False),
        ("NONE", False),
        ("", False),
    ],
)
def test_is_allowed(association: str, allowed: bool) -> None:
    assert is_allowed(association) is allowed
