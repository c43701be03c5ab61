"""FakeGitHub: the stand-in's aiohttp server in its own thread, its request pipeline and git.

Every API request is matched to an operation of the OpenAPI subset, validated,
answered with an injected fault if one is queued (:mod:`.faults`), authenticated
(app JWT or installation token), handled (:mod:`.routes`) and its answer
validated; violations are collected in ``violations``. Test helpers to seed and
read state live in :mod:`.seeding`.

The server runs its own event loop in a background thread, so both synchronous
code (``subprocess.run(["git", "clone", ...])``) and async code can talk to it
from the test's thread without deadlocks. State is guarded by one lock.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import secrets
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from tests.fakegithub import community, githttp, hooks, manifestpage, morepulls, sarif, spec
from tests.fakegithub.auth import AuthError, Authority
from tests.fakegithub.faults import Fault, FaultInjection
from tests.fakegithub.objects import Shapes
from tests.fakegithub.routes import APP_AUTH, HANDLERS, NO_AUTH, Ctx, Fail
from tests.fakegithub.seeding import Seeding
from tests.fakegithub.state import HookDelivery, Installation, Repo

# Modules whose handlers register themselves in HANDLERS (beside routes.py's own).
HANDLER_MODULES = (community, hooks, morepulls, sarif)

PARAM = "{%s:.+}"
MULTI_SEGMENT = {"branch", "basehead", "path", "commit_sha", "ref", "tree_sha"}


@dataclass
class Logged:
    """One request the stand-in answered."""

    method: str
    path: str
    operation_id: str | None
    status: int
    auth: str | None


class FakeGitHub(Seeding, FaultInjection):
    """A GitHub stand-in on 127.0.0.1 with real bare repositories (see the package docstring)."""

    def __init__(
        self,
        root: Path,
        *,
        app_id: int = 424242,
        app_slug: str = "aomaas-test",
        webhook_secret: str = "fake-webhook-secret",
    ) -> None:
        self.root = Path(root)
        self.repos_root = self.root / "repos"
        self.repos_root.mkdir(parents=True, exist_ok=True)
        self.app_id = app_id
        self.app_slug = app_slug
        self.webhook_secret = webhook_secret
        self.authority = Authority(app_id)
        self.lock = threading.RLock()
        self.installations: dict[int, Installation] = {}
        self.repos: dict[str, Repo] = {}
        self.manifest_codes: set[str] = set()
        self.manifests: list[dict[str, Any]] = []  # submitted to the manifest-flow page
        self.hook_deliveries: dict[int, HookDelivery] = {}  # every attempt to reach the bot
        self._background: set[concurrent.futures.Future[Any]] = set()
        self.violations: list[str] = []
        self.log: list[Logged] = []
        self._faults: list[Fault] = []
        self.latency: dict[str, float] = {}  # operationId -> seconds to wait before answering
        self.in_flight: dict[int, int] = {}  # installation id -> requests being answered now
        self.max_in_flight: dict[tuple[int, str], int] = {}  # (installation, method) -> peak
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.shapes = Shapes("http://127.0.0.1:0", "http://127.0.0.1:0", app_id, app_slug)

    # ------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """The REST API base URL (``GITHUB_API_URL``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def git_url(self) -> str:
        """The web and git address (``GITHUB_WEB_URL``): clone ``{git_url}/{owner}/{repo}.git``.

        Like GitHub Enterprise on one host, the stand-in serves the API and git on the
        same address; git's paths (``/{owner}/{repo}.git/info/refs``...) never collide
        with the API's.
        """
        return self.url

    @property
    def private_key_pem(self) -> str:
        """The app's RSA private key (``GITHUB_PRIVATE_KEY``)."""
        return self.authority.private_key_pem

    @property
    def bot_login(self) -> str:
        """The app's bot user, e.g. ``aomaas-test[bot]``."""
        return self.shapes.bot_login

    def settings_env(self) -> dict[str, object]:
        """The settings (environment variable names) that point the service at this stand-in."""
        return {
            "GITHUB_APP_ID": str(self.app_id),
            "GITHUB_PRIVATE_KEY": self.private_key_pem,
            "GITHUB_WEBHOOK_SECRET": self.webhook_secret,
            "GITHUB_API_URL": self.url,
            "GITHUB_WEB_URL": self.git_url,
            "GITHUB_ALLOW_HTTP": True,
        }

    def start(self) -> FakeGitHub:
        """Start serving on a free port; returns self."""
        spec.openapi()  # load the validator once, outside any request
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(ready,), name="fake-github", daemon=True
        )
        self._thread.start()
        if not ready.wait(30):
            raise RuntimeError("the GitHub stand-in did not start")
        self.shapes = Shapes(self.url, self.git_url, self.app_id, self.app_slug)
        return self

    def stop(self) -> None:
        """Stop the server and its thread."""
        if self._loop is None or self._thread is None:
            return
        runner = self._runner
        if runner is not None:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop = None

    def in_background(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run ``work`` on the stand-in's loop without waiting for it (as GitHub's queues do)."""
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(work, self._loop)
        self._background.add(future)
        future.add_done_callback(self._background.discard)

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        app = self._make_app()
        self._runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        ready.set()
        loop.run_forever()
        loop.close()

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=100 * 1024 * 1024)
        git_tail = "{tail:(info/refs|HEAD|git-upload-pack|git-receive-pack|objects/.+)}"
        app.router.add_route("*", "/{owner}/{repo}/" + git_tail, self._git)
        for method, path, operation_id in spec.operations():
            route = path
            for name in MULTI_SEGMENT:
                route = route.replace(f"{{{name}}}", PARAM % name)
            app.router.add_route(method, route, self._make_handler(operation_id, path))
        manifestpage.install(app, self)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        return app

    # ------------------------------------------------------------ request log

    def requests_to(self, operation_id: str) -> list[Logged]:
        """The logged requests to one operation."""
        return [entry for entry in self.log if entry.operation_id == operation_id]

    # ------------------------------------------------------------ request handling

    def actor(self, ctx: Ctx) -> tuple[str, str]:
        """(login, type) of whoever sent the request: the app's bot for installation tokens."""
        return (self.bot_login, "Bot")

    def _make_handler(self, operation_id: str, template: str) -> Any:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._handle(request, operation_id, template)

        return handle

    async def _unknown(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        reason = spec.validate_request(
            request.method, request.path, dict(request.query), body, request.content_type
        )
        self._violation(
            f"{request.method} {request.path}: not an operation of the subset ({reason})"
        )
        self.log.append(Logged(request.method, request.path, None, 404, None))
        return web.json_response(self.shapes.error("Not Found", 404), status=404)

    async def _handle(
        self, request: web.Request, operation_id: str, template: str
    ) -> web.StreamResponse:
        raw = await request.read()
        params = dict(request.match_info)
        spec_path = template
        for name, value in params.items():
            spec_path = spec_path.replace(f"{{{name}}}", quote(value, safe=""))
        query = dict(request.query)
        problem = spec.validate_request(request.method, spec_path, query, raw, request.content_type)
        if problem:
            self._violation(f"request {request.method} {request.path} ({operation_id}): {problem}")
            return self._finish(
                request,
                operation_id,
                spec_path,
                query,
                422,
                {
                    "message": f"Invalid request (stand-in): {problem.splitlines()[0]}",
                    "documentation_url": "https://docs.github.com/rest",
                },
                validate=False,
            )
        delay = self.latency.get(operation_id, 0.0)
        if delay:
            await self._linger(request, delay)
        fault = self._take_fault(operation_id)
        if fault is not None:
            return self._finish(
                request,
                operation_id,
                spec_path,
                query,
                fault.status,
                self.shapes.error(fault.message, fault.status),
                fault.headers,
                validate=False,
            )
        try:
            with self.lock:
                ctx = Ctx(params=params, query=query, body=json.loads(raw) if raw else None)
                auth = self._authenticate(request, operation_id, ctx)
                status, body = HANDLERS[operation_id](self, ctx)
        except AuthError as exc:
            return self._finish(
                request,
                operation_id,
                spec_path,
                query,
                401,
                self.shapes.error(str(exc), 401),
                validate=False,
            )
        except KeyError as exc:
            if operation_id not in HANDLERS:
                return self._finish(
                    request,
                    operation_id,
                    spec_path,
                    query,
                    501,
                    self.shapes.error(f"{operation_id} is not served by the stand-in", 501),
                    validate=False,
                )
            return self._finish(
                request,
                operation_id,
                spec_path,
                query,
                422,
                {"message": f"Missing field {exc}", "documentation_url": "https://docs.github.com"},
            )
        except Exception as exc:
            if not isinstance(exc, Fail):
                self._violation(f"the stand-in failed on {request.method} {request.path}: {exc!r}")
                return self._finish(
                    request,
                    operation_id,
                    spec_path,
                    query,
                    500,
                    self.shapes.error(f"stand-in error: {exc}", 500),
                    validate=False,
                )
            error: dict[str, Any] = {
                "message": exc.message,
                "documentation_url": "https://docs.github.com/rest",
            }
            if exc.errors is not None:
                error["errors"] = exc.errors
            if exc.status != 422:
                error["status"] = str(exc.status)
            return self._finish(
                request, operation_id, spec_path, query, exc.status, error, auth=None
            )
        return self._finish(
            request,
            operation_id,
            spec_path,
            query,
            status,
            body,
            ctx.headers,
            auth=auth,
            total=ctx.total,
        )

    async def _linger(self, request: web.Request, delay: float) -> None:
        """Wait ``delay`` seconds, counting how many requests of one installation overlap."""
        try:
            inst = self.authority.verify_token(request.headers.get("Authorization")).installation_id
        except AuthError:
            inst = 0
        with self.lock:
            self.in_flight[inst] = self.in_flight.get(inst, 0) + 1
            key = (inst, request.method)
            self.max_in_flight[key] = max(self.max_in_flight.get(key, 0), self.in_flight[inst])
        try:
            await asyncio.sleep(delay)
        finally:
            with self.lock:
                self.in_flight[inst] -= 1

    def _authenticate(self, request: web.Request, operation_id: str, ctx: Ctx) -> str | None:
        header = request.headers.get("Authorization")
        if operation_id in NO_AUTH:
            return None
        if operation_id in APP_AUTH:
            self.authority.verify_jwt(header)
            return "jwt"
        ctx.token = self.authority.verify_token(header)
        if "owner" in ctx.params:
            repo = self.repos.get(f"{ctx.params['owner']}/{ctx.params['repo']}")
            if repo is None or repo.installation_id != ctx.token.installation_id:
                raise Fail(404, "Not Found")
            ctx.repo = repo
        return "token"

    def _finish(
        self,
        request: web.Request,
        operation_id: str,
        spec_path: str,
        query: dict[str, str],
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
        *,
        validate: bool = True,
        auth: str | None = None,
        total: int | None = None,
    ) -> web.Response:
        data = b"" if body is None else json.dumps(body).encode()
        out = {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "4999",
            "x-ratelimit-reset": str(int(time.time()) + 3600),
            "x-ratelimit-used": "1",
            "x-ratelimit-resource": "core",
            "x-github-request-id": secrets.token_hex(8).upper(),
        }
        out.update(headers or {})
        if total is not None:
            link = self._link(request, total)
            if link:
                out["Link"] = link
        if data:
            out["Content-Type"] = "application/json; charset=utf-8"
        if validate:
            problem = spec.validate_response(request.method, spec_path, query, status, data, {})
            if problem and not (status >= 400 and "ResponseNotFound" in problem):
                self._violation(
                    f"response {status} to {request.method} {request.path} ({operation_id}): {problem}"
                )
        self.log.append(Logged(request.method, request.path, operation_id, status, auth))
        return web.Response(status=status, body=data or None, headers=out)

    def _link(self, request: web.Request, total: int) -> str | None:
        """``Link`` with ``rel="next"``/``"last"`` when more pages follow."""
        per_page = max(1, min(100, int(request.query.get("per_page", "30"))))
        page = max(1, int(request.query.get("page", "1")))
        last = max(1, -(-total // per_page))
        if page >= last:
            return None

        def at(number: int) -> str:
            query = {**request.query, "per_page": str(per_page), "page": str(number)}
            return f"<{self.url}{request.path}?{urlencode(query)}>"

        return f'{at(page + 1)}; rel="next", {at(last)}; rel="last"'

    def _violation(self, text: str) -> None:
        with self.lock:
            self.violations.append(text)

    # ------------------------------------------------------------ git smart HTTP

    async def _git(self, request: web.Request) -> web.StreamResponse:
        owner, name = request.match_info["owner"], request.match_info["repo"].removesuffix(".git")
        repo = self.repos.get(f"{owner}/{name}")
        try:
            minted = self.authority.verify_token(request.headers.get("Authorization"))
            if repo is None or repo.installation_id != minted.installation_id:
                raise AuthError("Repository not found")
        except AuthError as exc:
            self.log.append(Logged(request.method, request.path, "git", 401, None))
            return web.Response(
                status=401, text=f"{exc}\n", headers={"WWW-Authenticate": 'Basic realm="GitHub"'}
            )
        self.log.append(Logged(request.method, request.path, "git", 200, "token"))
        path_info = f"/{owner}/{name}.git/{request.match_info['tail']}"
        return await githttp.serve(request, self.repos_root, path_info, "x-access-token")
