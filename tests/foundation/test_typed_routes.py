"""A route's handler names the body its route parses: ``Call[TheModel]``, or ``Call[None]``."""

from __future__ import annotations

import pytest

from aomaas.api.routing import ApiTable, Call
from aomaas.api.schemas import IndexIn, MineIn, TaskAccepted


async def takes_index(call: Call[IndexIn]) -> TaskAccepted:
    raise AssertionError("never called")


async def takes_nothing(call: Call[None]) -> TaskAccepted:
    raise AssertionError("never called")


def test_a_handler_naming_its_routes_body_is_registered() -> None:
    table = ApiTable()
    table.route("POST", "/a", body=IndexIn, response=TaskAccepted, summary="a")(takes_index)
    table.route("GET", "/b", response=TaskAccepted, summary="b")(takes_nothing)
    assert [e.operation_id for e in table.endpoints] == ["takes_index", "takes_nothing"]


@pytest.mark.parametrize(
    ("handler", "body", "says"),
    [
        (takes_index, MineIn, "takes Call[IndexIn] but its route parses MineIn"),
        (takes_index, None, "takes Call[IndexIn] but its route parses no body"),
        (takes_nothing, IndexIn, "takes Call[None] but its route parses IndexIn"),
    ],
)
def test_a_handler_naming_another_body_is_refused(handler: object, body: object, says: str) -> None:
    with pytest.raises(TypeError, match=says.replace("[", r"\[").replace("]", r"\]")):
        ApiTable().route("POST", "/a", body=body, response=TaskAccepted, summary="a")(handler)  # type: ignore[arg-type]
