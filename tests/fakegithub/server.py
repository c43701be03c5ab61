"""FakeGitHub: the stand-in's aiohttp server in its own thread, its state, helpers and faults.

The server runs its own event loop in a background thread, so both synchronous
code (``subprocess.run(["git", "clone", ...])``) and async code can talk to it
from the test's thread without deadlocks. State is guarded by one lock.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from tests.fakegithub import githttp, gitrepo, spec, webhooks
from tests.fakegithub.auth import AuthError, Authority
from tests.fakegithub.objects import Shapes
from tests.fakegithub.routes import APP_AUTH, HANDLERS, NO_AUTH, Ctx, Fail, head_sha, pull_diff
from tests.fakegithub.state import Comment, Installation, Issue, Repo, next_id, now_iso

PARAM = "{%s:.+}"
MULTI_SEGMENT = {"branch", "basehead", "path", "commit_sha", "ref", "tree_sha"}


@dataclass
class Fault:
    """An injected answer for the next ``times`` requests to an operation."""

    operation_id: str
    status: int
    message: str
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Logged:
    """One request the stand-in answered."""

    method: str
    path: str
    operation_id: str | None
    status: int
    auth: str | None


class FakeGitHub:
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
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        return app

    # ------------------------------------------------------------ state helpers (for tests)

    def add_installation(
        self,
        account: str = "octo-org",
        *,
        account_type: str = "Organization",
        installation_id: int | None = None,
    ) -> Installation:
        """Register an installation of the app on ``account``."""
        with self.lock:
            inst = Installation(
                id=installation_id or next_id(), account=account, account_type=account_type
            )
            self.installations[inst.id] = inst
            return inst

    def add_repo(
        self,
        full_name: str,
        *,
        installation: Installation | int | None = None,
        files: dict[str, str | bytes] | None = None,
        source: Path | None = None,
        default_branch: str = "main",
        private: bool = False,
        collaborators: dict[str, str] | None = None,
    ) -> Repo:
        """Create a repository (a real bare repo) from ``files`` or a local ``source`` repo."""
        owner, name = full_name.split("/")
        bare = self.repos_root / owner / f"{name}.git"
        gitrepo.create_bare(bare, default_branch, files=files, source=source)
        inst_id = installation.id if isinstance(installation, Installation) else installation
        with self.lock:
            repo = Repo(
                id=next_id(),
                owner=owner,
                name=name,
                bare=bare,
                default_branch=default_branch,
                installation_id=inst_id,
                private=private,
                collaborators=dict(collaborators or {}),
            )
            self.repos[full_name] = repo
            if inst_id is not None:
                self.installations[inst_id].repositories.append(full_name)
            return repo

    def commit(
        self,
        full_name: str,
        branch: str,
        files: dict[str, str | bytes | None],
        message: str = "change",
        *,
        start: str | None = None,
    ) -> str:
        """Commit ``files`` (None deletes) on ``branch`` (created from ``start``/default branch)."""
        repo = self.repos[full_name]
        with self.lock:
            parent = gitrepo.resolve(repo.bare, f"refs/heads/{branch}") or gitrepo.resolve(
                repo.bare, f"refs/heads/{start or repo.default_branch}"
            )
            return gitrepo.commit_files(repo.bare, f"refs/heads/{branch}", files, message, parent)

    def add_pull(
        self,
        full_name: str,
        head: str,
        *,
        title: str = "A change",
        body: str | None = "",
        base: str | None = None,
        user: str = "octocat",
    ) -> Issue:
        """Open a pull request by a human from an existing ``head`` branch."""
        repo = self.repos[full_name]
        with self.lock:
            pull = Issue(
                number=repo.next_number(),
                title=title,
                body=body,
                user=user,
                head=head,
                base=base or repo.default_branch,
            )
            repo.issues[pull.number] = pull
            head_sha(self, repo, pull)  # records refs/pull/N/head, as GitHub does
            return pull

    def close_pull(self, full_name: str, number: int, *, merge: bool = False) -> Issue:
        """Close a pull request; with ``merge`` its head is merged into its base (a merge commit)."""
        repo = self.repos[full_name]
        with self.lock:
            pull = repo.issues[number]
            head = head_sha(self, repo, pull)
            if merge:
                base = gitrepo.resolve(repo.bare, f"refs/heads/{pull.base}")
                tree = gitrepo.commit_info(repo.bare, head)["tree"]
                parents = [p for p in (base, head) if p]
                message = f"Merge pull request #{number} from {repo.owner}/{pull.head}"
                merged = gitrepo.commit_tree(repo.bare, tree, parents, message)
                gitrepo.git(repo.bare, "update-ref", f"refs/heads/{pull.base}", merged)
            pull.state = "closed"
            pull.merged = merge
            pull.closed_at = pull.updated_at = now_iso()
            return pull

    def add_issue(
        self,
        full_name: str,
        *,
        title: str = "An issue",
        body: str | None = "",
        user: str = "octocat",
    ) -> Issue:
        """Open an issue by a human."""
        repo = self.repos[full_name]
        with self.lock:
            issue = Issue(number=repo.next_number(), title=title, body=body, user=user)
            repo.issues[issue.number] = issue
            return issue

    def add_comment(
        self,
        full_name: str,
        number: int,
        body: str,
        *,
        user: str = "octocat",
        association: str = "OWNER",
    ) -> Comment:
        """A human comment on an issue or pull request (then replay the webhook for it)."""
        repo = self.repos[full_name]
        with self.lock:
            comment = Comment(
                id=next_id(),
                issue_number=number,
                body=body,
                user=user,
                author_association=association,
            )
            repo.comments[comment.id] = comment
            return comment

    def new_manifest_code(self) -> str:
        """A one-time code as GitHub hands it to the manifest flow's redirect."""
        code = secrets.token_hex(10)
        with self.lock:
            self.manifest_codes.add(code)
        return code

    def ref(self, full_name: str, ref: str) -> str | None:
        """The sha of ``refs/...`` (or ``heads/x``) in the bare repo, or None."""
        ref = ref if ref.startswith("refs/") else f"refs/{ref}"
        return gitrepo.resolve(self.repos[full_name].bare, ref)

    def file_at(self, full_name: str, rev: str, path: str) -> bytes | None:
        """A file's bytes at a revision, or None."""
        found = gitrepo.read_path(self.repos[full_name].bare, rev, path)
        return found[2] if found and found[0] == "blob" else None

    def pulls(self, full_name: str) -> list[Issue]:
        """Every pull request of a repository."""
        with self.lock:
            return [i for i in self.repos[full_name].issues.values() if i.is_pull]

    def pull_files(self, full_name: str, number: int) -> list[dict[str, Any]]:
        """The files a pull request changes (filename, status, patch...)."""
        repo = self.repos[full_name]
        with self.lock:
            return pull_diff(self, repo, repo.issues[number])

    def comments(self, full_name: str, number: int | None = None) -> list[Comment]:
        """Issue comments of a repository (of one issue/pull request when ``number`` is given)."""
        with self.lock:
            found = list(self.repos[full_name].comments.values())
        return [c for c in found if number is None or c.issue_number == number]

    def issue_state(self, full_name: str) -> Repo:
        """The repository's whole state (issues, reviews, check_runs, reactions...)."""
        return self.repos[full_name]

    def expire_tokens(self, installation_id: int | None = None) -> int:
        """Make every minted installation token (of one installation) expired now."""
        with self.lock:
            return self.authority.expire_tokens(installation_id)

    # ------------------------------------------------------------ webhooks

    def webhook_payload(
        self,
        event: str,
        file: str,
        *,
        repo: str | None = None,
        installation: Installation | int | None = None,
        **rewrites: Any,
    ) -> dict[str, Any]:
        """A real payload moved onto this stand-in: its URLs, ``repo`` and ``installation``."""
        inst_id = installation.id if isinstance(installation, Installation) else installation
        repository = None
        repositories = None
        if repo is not None:
            r = self.repos[repo]
            repository = {
                "id": r.id,
                "name": r.name,
                "full_name": r.full_name,
                "owner": r.owner,
                "default_branch": r.default_branch,
                "private": r.private,
            }
            inst_id = inst_id if inst_id is not None else r.installation_id
        if inst_id is not None:
            inst = self.installations[inst_id]
            repositories = [
                {
                    "id": self.repos[n].id,
                    "name": self.repos[n].name,
                    "full_name": n,
                    "private": self.repos[n].private,
                }
                for n in inst.repositories
            ]
            rewrites.setdefault("account", inst.account)
        return webhooks.webhook_payload(
            event,
            file,
            api_url=self.url,
            web_url=self.git_url,
            installation_id=inst_id,
            app_id=self.app_id,
            repository=repository,
            repositories=repositories,
            **rewrites,
        )

    def delivery(self, event: str, payload: dict[str, Any] | bytes) -> tuple[bytes, dict[str, str]]:
        """(body, headers) of a delivery signed with this app's webhook secret."""
        return webhooks.delivery(event, payload, self.webhook_secret)

    async def deliver(
        self, url: str, event: str, payload: dict[str, Any] | bytes
    ) -> tuple[int, Any]:
        """POST a delivery signed with this app's secret to the bot at ``url``: (status, answer)."""
        return await webhooks.post_delivery(url, event, payload, self.webhook_secret)

    # ------------------------------------------------------------ faults

    def inject(
        self,
        operation_id: str,
        status: int,
        *,
        times: int = 1,
        message: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` requests to ``operation_id`` (``*`` = any) with ``status``."""
        with self.lock:
            self._faults.append(
                Fault(
                    operation_id,
                    status,
                    message or _REASONS.get(status, "Error"),
                    times,
                    dict(headers or {}),
                )
            )

    def fail_server_error(self, operation_id: str, times: int = 1, status: int = 502) -> None:
        """5xx for the next ``times`` requests."""
        self.inject(operation_id, status, times=times, message="Server Error")

    def fail_expired_token(self, operation_id: str, times: int = 1) -> None:
        """401 Bad credentials (as for an expired installation token)."""
        self.inject(operation_id, 401, times=times, message="Bad credentials")

    def fail_secondary_limit(
        self, operation_id: str, retry_after: int | None = 3, times: int = 1
    ) -> None:
        """403 secondary rate limit, with ``retry-after`` unless None."""
        headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
        self.inject(
            operation_id,
            403,
            times=times,
            headers=headers,
            message="You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        )

    def fail_rate_limit(self, operation_id: str, reset_in: int = 5, times: int = 1) -> None:
        """403 primary rate limit: ``x-ratelimit-remaining: 0`` until ``x-ratelimit-reset``."""
        reset = str(int(time.time()) + reset_in)
        self.inject(
            operation_id,
            403,
            times=times,
            message="API rate limit exceeded for installation.",
            headers={
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": reset,
                "x-ratelimit-limit": "5000",
                "x-ratelimit-used": "5000",
            },
        )

    def fail_not_found(self, operation_id: str, times: int = 1) -> None:
        """404 Not Found."""
        self.inject(operation_id, 404, times=times, message="Not Found")

    def clear_faults(self) -> None:
        """Drop every fault not yet used."""
        with self.lock:
            self._faults.clear()

    def _take_fault(self, operation_id: str) -> Fault | None:
        with self.lock:
            for fault in self._faults:
                if fault.operation_id in (operation_id, "*") and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

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
            request, operation_id, spec_path, query, status, body, auth=auth, total=ctx.total
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


_REASONS = {
    401: "Bad credentials",
    403: "Forbidden",
    404: "Not Found",
    500: "Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
