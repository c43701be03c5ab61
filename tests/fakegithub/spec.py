"""GitHub's OpenAPI subset: loading, examples as templates, and request/response validation."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

# GitHub's payloads and OpenAPI subset, kept in the repository (MIT; see its README).
GITHUB_DATA = Path(__file__).resolve().parents[1] / "data" / "github"
SPEC_PATH = GITHUB_DATA / "openapi-subset.json"
SERVER = "https://api.github.com"
CHECK_RUNS = "/repos/{owner}/{repo}/check-runs"


@functools.cache
def document() -> dict[str, Any]:
    """The subset as loaded from disk (do not mutate: use :func:`example`)."""
    return json.loads(SPEC_PATH.read_text())  # type: ignore[no-any-return]


@functools.cache
def openapi() -> OpenAPI:
    """The validator, with the check-runs ``discriminator`` quirk removed (see the README)."""
    doc = copy.deepcopy(document())
    body = doc["paths"][CHECK_RUNS]["post"]["requestBody"]["content"]["application/json"]
    body["schema"].pop("discriminator", None)
    # Same quirk for GET .../contents/{path}: a discriminator over an array member
    # (content-directory) that openapi-core cannot apply; oneOf alone tells them apart.
    contents = doc["paths"]["/repos/{owner}/{repo}/contents/{path}"]["get"]["responses"]["200"]
    contents["content"]["application/json"]["schema"].pop("discriminator", None)
    return OpenAPI.from_dict(doc)


def operations() -> list[tuple[str, str, str]]:
    """(method, path template, operationId) for every operation of the subset."""
    found = []
    for path, item in document()["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                found.append((method.upper(), path, op["operationId"]))
    return found


def example(name: str) -> Any:
    """A deep copy of ``components/examples/<name>/value``."""
    return copy.deepcopy(document()["components"]["examples"][name]["value"])


def validate_request(
    method: str, path: str, query: dict[str, str], body: bytes, content_type: str | None
) -> str | None:
    """None when the request matches the subset, else a readable reason."""
    request = _request(method, path, query, body, content_type)
    try:
        openapi().validate_request(request)
    except Exception as exc:
        return _describe(exc)
    return None


def validate_response(
    method: str, path: str, query: dict[str, str], status: int, body: bytes, headers: dict[str, str]
) -> str | None:
    """None when the answer matches the operation's documented response, else a reason."""
    request = _request(method, path, query, b"", None)
    response = MockResponse(
        body, status_code=status, headers=headers, content_type="application/json" if body else None
    )
    try:
        openapi().validate_response(request, response)
    except Exception as exc:
        return _describe(exc)
    return None


def _request(
    method: str, path: str, query: dict[str, str], body: bytes, content_type: str | None
) -> MockRequest:
    return MockRequest(
        SERVER,
        method.lower(),
        path,
        args=query,
        data=body or None,
        content_type=(content_type or "application/json") if body else None,
    )


def _describe(exc: Exception) -> str:
    parts = [f"{type(exc).__name__}: {_short(str(exc))}"]
    cause: BaseException | None = exc
    while cause is not None:
        for sub in getattr(cause, "schema_errors", []) or []:
            parts.append(
                f"  - {_short(getattr(sub, 'message', str(sub)))} at {list(getattr(sub, 'absolute_path', []))}"
            )
        cause = cause.__cause__
    return "\n".join(parts)


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
