"""A small route table: each endpoint declares its models once; the table wires the
aiohttp routes, validates bodies, serialises answers and generates OpenAPI from it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, get_args, get_type_hints

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from aomaas import appkeys
from aomaas.api.bodies import FORM, parse_body
from aomaas.api.schemas import ErrorOut
from aomaas.errors import NotFound
from aomaas.jobs.queue import Enqueuer
from aomaas.jobs.workflow import Starter
from aomaas.settings import Settings
from aomaas.store.access import Subject
from aomaas.store.db import SessionMaker
from aomaas.store.lookups import Row
from aomaas.store.users import Account

PREFIX = "/api/v1"

#: The route's request body: its pydantic model, or ``None`` for a route without one.
Body = TypeVar("Body", bound=BaseModel | None)


@dataclass
class Call(Generic[Body]):
    """One API call as a handler sees it; ``Call[IndexIn]`` has ``body: IndexIn``."""

    request: web.Request
    user: Account | None
    body: Body
    found: Row | None = None  # the endpoint's subject, if it has one and the caller may see it

    @property
    def settings(self) -> Settings:
        """The service settings."""
        return self.request.app[appkeys.SETTINGS]

    @property
    def sessions(self) -> SessionMaker:
        """Database sessions."""
        return self.request.app[appkeys.SESSIONS]

    @property
    def enqueuer(self) -> Enqueuer:
        """The task queue."""
        return self.request.app[appkeys.ENQUEUER]

    @property
    def me(self) -> Account:
        """The authenticated caller (only on routes that require auth)."""
        assert self.user is not None
        return self.user

    def subject(self, subject: Subject) -> Row:
        """The route's subject as read with the caller; NotFound if absent or not theirs to see."""
        if self.found is None:
            raise NotFound(f"no {subject.name} with that id")
        return self.found

    def path_id(self, name: str) -> uuid.UUID:
        """A UUID path parameter; a malformed one is answered like an unknown id (404)."""
        return self.body_id(
            self.request.match_info[name], name.removesuffix("_id").replace("_", " ")
        )

    @staticmethod
    def body_id(value: str, what: str) -> uuid.UUID:
        """An id given in a request body; a malformed one is answered like an unknown id (404)."""
        try:
            return uuid.UUID(value)
        except ValueError:
            raise NotFound(f"no {what} with that id") from None

    def starter(self) -> Starter:
        """Work started on behalf of the caller (their tasks, with the configured attempts)."""
        return Starter(self.sessions, self.enqueuer, self.settings.task_max_attempts, self.me.id)

    def query_int(self, name: str, default: int, low: int, high: int) -> int:
        """An integer query parameter, checked to lie in [low, high]."""
        from aomaas.errors import InvalidRequest

        raw = self.request.query.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise InvalidRequest(f"query parameter {name} must be an integer") from None
        if not low <= value <= high:
            raise InvalidRequest(f"query parameter {name} must be between {low} and {high}")
        return value


Answer = BaseModel | web.StreamResponse | tuple[int, BaseModel]
EndpointHandler = Callable[[Call[Any]], Awaitable[Answer]]


@dataclass(frozen=True)
class Authenticated:
    """The caller, and the route's subject read with them (None if absent or not visible)."""

    user: Account
    found: Row | None = None


Authenticator = Callable[[web.Request, Subject | None], Awaitable[Authenticated]]


@dataclass
class Endpoint:
    """One route with everything OpenAPI needs to know."""

    method: str
    path: str
    handler: EndpointHandler
    summary: str
    response: type[BaseModel] | None
    body: type[BaseModel] | None = None
    status: int = 200
    auth: bool = True
    allow_form: bool = False  # also the OAuth2 password form (documented by the oauth2 scheme)
    tag: str = "api"
    operation_id: str = ""  # the handler's name unless given
    query: dict[str, str] = field(default_factory=dict)
    extra_statuses: tuple[int, ...] = ()
    subject: Subject | None = None  # an object named by a path id, read with the caller


class ApiTable:
    """Collects endpoints from the resource modules and wires them into an app."""

    def __init__(self) -> None:
        self.endpoints: list[Endpoint] = []

    def route(
        self, method: str, path: str, **options: Any
    ) -> Callable[[EndpointHandler], EndpointHandler]:
        """Decorator registering ``handler`` for ``method path`` (path relative to /api/v1)."""

        def decorate(handler: EndpointHandler) -> EndpointHandler:
            _check_body(handler, options.get("body"))
            options.setdefault("operation_id", handler.__name__)
            self.endpoints.append(Endpoint(method=method, path=path, handler=handler, **options))
            return handler

        return decorate

    def install(self, app: web.Application, authenticate: Authenticator) -> None:
        """Add every endpoint to ``app`` under /api/v1."""
        for endpoint in self.endpoints:
            app.router.add_route(
                endpoint.method, PREFIX + endpoint.path, _wrap(endpoint, authenticate)
            )

    def openapi(self, title: str, version: str) -> dict[str, Any]:
        """The OpenAPI 3.1 document, built from the endpoints' pydantic models.

        Every operation has a unique ``operationId`` and a tag, so generated clients get
        readable names. Request bodies are documented as JSON only: the OAuth2 password form
        that ``/auth/token`` also accepts is what the ``oauth2`` security scheme describes (one
        schema under two media types breaks common client generators).
        """
        ids = [e.operation_id for e in self.endpoints]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"operation ids used twice: {', '.join(twice)}")
        token_urls = [PREFIX + e.path for e in self.endpoints if e.allow_form]
        models: set[type[BaseModel]] = {ErrorOut}
        for e in self.endpoints:
            models.update(m for m in (e.body, e.response) if m is not None)
        ordered = sorted(models, key=lambda m: m.__name__)
        keyed, defs = models_json_schema(
            [(m, "validation") for m in ordered], ref_template="#/components/schemas/{model}"
        )
        schemas = defs.get("$defs", {})
        paths: dict[str, dict[str, Any]] = {}
        for e in self.endpoints:
            op: dict[str, Any] = {
                "operationId": e.operation_id,
                "summary": e.summary,
                "tags": [e.tag],
                "responses": {},
            }
            params = [
                {
                    "name": p.strip("{}"),
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                }
                for p in e.path.split("/")
                if p.startswith("{")
            ]
            params += [
                {
                    "name": n,
                    "in": "query",
                    "required": False,
                    "description": d,
                    "schema": {"type": "string"},
                }
                for n, d in e.query.items()
            ]
            if params:
                op["parameters"] = params
            if e.body is not None:
                content = {"application/json": {"schema": keyed[(e.body, "validation")]}}
                op["requestBody"] = {"required": True, "content": content}
                if e.allow_form:
                    op["description"] = (
                        "Also accepts the same fields as an OAuth2 password form "
                        f"({FORM}; see the oauth2 security scheme)."
                    )
            ok: dict[str, Any] = {"description": "success"}
            if e.response is not None:
                ok["content"] = {"application/json": {"schema": keyed[(e.response, "validation")]}}
            op["responses"][str(e.status)] = ok
            for extra in e.extra_statuses:
                op["responses"][str(extra)] = ok
            error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
            codes = [400, 404, 429, 500]
            codes += [401, 403] if e.auth or e.allow_form else []  # a token, or a login
            codes += [413] if e.body is not None else []
            for code in sorted(codes):
                op["responses"][str(code)] = {"description": "error", "content": error}
            if e.auth:
                op["security"] = [{"bearer": []}] + ([{"oauth2": []}] if token_urls else [])
            paths.setdefault(PREFIX + e.path, {})[e.method.lower()] = op
        security: dict[str, Any] = {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        }
        if token_urls:
            security["oauth2"] = {
                "type": "oauth2",
                "description": "The OAuth2 password flow: post username and password as a form; "
                "the access token it answers is the bearer token.",
                "flows": {"password": {"tokenUrl": token_urls[0], "scopes": {}}},
            }
        return {
            "openapi": "3.1.0",
            "info": {"title": title, "version": version},
            "tags": [{"name": tag} for tag in dict.fromkeys(e.tag for e in self.endpoints)],
            "paths": paths,
            "components": {"schemas": schemas, "securitySchemes": security},
        }


def _check_body(handler: EndpointHandler, body: type[BaseModel] | None) -> None:
    """Refuse a handler whose ``Call[...]`` names another body than its route parses."""
    hints = {k: v for k, v in get_type_hints(handler).items() if k != "return"}
    declared = get_args(next(iter(hints.values()), None))
    if declared and declared[0] is not Any and declared[0] is not (body or type(None)):
        name = "None" if declared[0] is type(None) else declared[0].__name__
        raise TypeError(
            f"{handler.__name__} takes Call[{name}] but its route parses "
            f"{body.__name__ if body else 'no body'}"
        )


def _wrap(
    endpoint: Endpoint, authenticate: Authenticator
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def view(request: web.Request) -> web.StreamResponse:
        caller = await authenticate(request, endpoint.subject) if endpoint.auth else None
        body: BaseModel | None = None
        if endpoint.body is not None:
            limit = request.app[appkeys.SETTINGS].max_body_bytes
            body = await parse_body(request, endpoint.body, limit, allow_form=endpoint.allow_form)
        answer = await endpoint.handler(
            Call(request, caller.user, body, caller.found)
            if caller is not None
            else Call(request, None, body)
        )
        if isinstance(answer, web.StreamResponse):
            return answer
        status = endpoint.status
        if isinstance(answer, tuple):
            status, answer = answer
        return web.Response(
            body=answer.model_dump_json().encode(), status=status, content_type="application/json"
        )

    view.__name__ = endpoint.handler.__name__
    return view
