"""Reading request bodies: size limit, content type, JSON or form, then pydantic."""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import parse_qsl

from aiohttp import web
from pydantic import BaseModel, ValidationError

from aomaas.api.errors import describe_validation_error
from aomaas.errors import InvalidRequest
from aomaas.httpbody import read_limited

M = TypeVar("M", bound=BaseModel)

FORM = "application/x-www-form-urlencoded"


async def parse_body(
    request: web.Request, model: type[M], limit: int, *, allow_form: bool = False
) -> M:
    """Validate the body against ``model``; errors name the field and the problem."""
    raw = await read_limited(request, limit)
    ctype = request.content_type
    try:
        if ctype == "application/json" or (ctype.endswith("+json")):
            if not raw.strip():
                raise InvalidRequest("request body is empty; send a JSON object")
            if not raw.lstrip().startswith(b"{"):
                raise InvalidRequest("malformed JSON: the body must be a JSON object")
            return model.model_validate_json(raw)
        if allow_form and ctype == FORM:
            fields = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
            known = {k: v for k, v in fields.items() if k in model.model_fields}
            return model.model_validate(known, strict=False)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise InvalidRequest("malformed JSON: " + exc.errors()[0]["msg"]) from None
        raise InvalidRequest(describe_validation_error(exc)) from None
    accepted = "application/json" + (f" or {FORM}" if allow_form else "")
    raise InvalidRequest(f"Content-Type must be {accepted} (got {ctype or 'none'})")
