"""Our own walk of the whole ``/api/v1`` contract (the REST contract of the design), field for field.

:func:`walk_contract` logs in (JSON and the OAuth2 form), reads the account, indexes a
repository, mines it, lists the opportunities, plans the first one that gets steps, implements
it, opens its pull request, asks for a review, and provokes the error answers (400, 401, 404).
It waits on every task, and checks every answer's status, fields, types and values (UUID ids,
UTC timestamps ending in ``Z``, statuses from their sets, plan steps numbered from 1). It never
stops at the first failure unless later steps need the answer: the report lists every check.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import aiohttp

NONE = type(None)
TASK_STATUSES = ("pending", "running", "completed", "failed")
PR_STATUSES = ("open", "closed", "merged")
OPPORTUNITY_TYPES = (
    "security",
    "performance",
    "documentation",
    "maintainability",
    "dependencies",
    "testing",
)
UNKNOWN_ID = "00000000-0000-0000-0000-000000000000"

# The contract's answers: field -> accepted types (extra fields may be present).
Spec = Mapping[str, type | tuple[type, ...]]
TOKEN: Spec = {"access_token": str, "token_type": str}
ME: Spec = {"username": str, "email": (str, NONE), "full_name": (str, NONE), "disabled": bool}
ACCEPTED: Spec = {"task_id": str, "status": str}
INDEX_ACCEPTED: Spec = {**ACCEPTED, "repository_id": str}
PLAN_ACCEPTED: Spec = {**ACCEPTED, "plan_id": str}
IMPLEMENTATION_ACCEPTED: Spec = {**ACCEPTED, "implementation_id": str}
TASK: Spec = {"id": str, "status": str, "result": dict, "created_at": str, "updated_at": str}
TASK_RESULT: Spec = {"success": bool, "message": str, "data": (dict, list, NONE)}
OPPORTUNITY_LIST: Spec = {"opportunities": list}
OPPORTUNITY: Spec = {
    "id": str,
    "title": str,
    "description": str,
    "type": str,
    "priority": str,
    "effort_estimate": str,
    "location": str,
}
PLAN: Spec = {"id": str, "opportunity_id": str, "title": str, "description": str, "steps": list}
STEP: Spec = {"id": int, "title": str, "description": str}
IMPLEMENTATION: Spec = {
    "id": str,
    "plan_id": str,
    "branch_name": str,
    "status": str,
    "files_changed": list,
    "commit_id": (str, NONE),
}
PULL_REQUEST: Spec = {
    "pr_id": str,
    "provider_type": str,
    "provider_pr_number": (str, NONE),
    "url": (str, NONE),
    "status": str,
}
ERROR: Spec = {"detail": str, "type": str}


@dataclass
class Check:
    """One statement about an answer, and whether it held."""

    name: str
    ok: bool
    detail: str = ""


@dataclass
class ContractReport:
    """Every check of one walk."""

    checks: list[Check] = field(default_factory=list)

    @property
    def failures(self) -> list[Check]:
        """The checks that did not hold."""
        return [c for c in self.checks if not c.ok]

    def summary(self) -> str:
        """The failures, one a line, then ``contract: HELD/TOTAL checks hold``."""
        lines = [f"FAIL {c.name}: {c.detail}" for c in self.failures]
        held = len(self.checks) - len(self.failures)
        return "\n".join([*lines, f"contract: {held}/{len(self.checks)} checks hold"])


class Stop(Exception):
    """A step the rest of the walk needs did not hold."""


@dataclass
class Walker:
    """HTTP calls against ``api`` (the ``/api/v1`` base) and the checks made on their answers."""

    http: aiohttp.ClientSession
    api: str
    timeout: float
    report: ContractReport = field(default_factory=ContractReport)

    def check(self, name: str, ok: bool, detail: object = "") -> bool:
        """Record a check; returns whether it held."""
        self.report.checks.append(Check(name, bool(ok), "" if ok else str(detail)[:300]))
        return bool(ok)

    def need(self, name: str, ok: bool, detail: object = "") -> None:
        """A check the rest of the walk depends on: stop the walk when it fails."""
        if not self.check(name, ok, detail):
            raise Stop(name)

    def shape(self, name: str, value: Any, spec: Spec) -> bool:
        """``value`` is an object with every field of ``spec``, each of its type (bool is no int)."""
        if not self.check(f"{name} is an object", isinstance(value, dict), repr(value)):
            return False
        ok = True
        for key, types in spec.items():
            accepted = types if isinstance(types, tuple) else (types,)
            got = value.get(key)
            right = key in value and isinstance(got, accepted)
            if right and isinstance(got, bool) and bool not in accepted:
                right = False
            ok &= self.check(f"{name}.{key}", right, f"{type(got).__name__}: {got!r}")
        return ok

    def uuids(self, name: str, value: Mapping[str, Any], *keys: str) -> None:
        """Each of ``keys`` holds a UUID string."""
        for key in keys:
            self.check(f"{name}.{key} is a UUID", _is_uuid(value.get(key)), value.get(key))

    def error(self, name: str, answer: tuple[int, Any], status: int) -> None:
        """``answer`` is the error envelope with ``status``."""
        code, body = answer
        self.check(f"{name} answers {status}", code == status, f"{code} {body!r}")
        self.shape(f"{name} error envelope", body, ERROR)

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        form: Mapping[str, str] | None = None,
        attempts: int = 6,
    ) -> tuple[int, Any]:
        """One call (a 429 is waited out as its ``Retry-After`` says): status and parsed body."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for _ in range(attempts):
            async with self.http.request(
                method, self.api + path, json=json, data=form, headers=headers
            ) as resp:
                text = await resp.text()
                if resp.status == 429:
                    await asyncio.sleep(min(float(resp.headers.get("Retry-After", "1")), 60))
                    continue
                try:
                    body = await resp.json(content_type=None) if text else None
                except ValueError:
                    body = {"unparsed": text[:200]}
                return resp.status, body
        return 429, None

    async def finished(self, token: str, task_id: str, what: str) -> dict[str, Any]:
        """Poll ``GET /tasks/{id}`` until the task ends; check it and require ``completed``."""
        deadline = time.monotonic() + self.timeout
        while True:
            status, task = await self.call("GET", f"/tasks/{task_id}", token=token)
            self.need(f"GET /tasks/{{id}} of the {what} task answers 200", status == 200, task)
            if task.get("status") in ("completed", "failed"):
                break
            self.check(f"{what} task status value", task.get("status") in TASK_STATUSES, task)
            self.need(f"{what} task ends within {self.timeout:.0f} s", time.monotonic() < deadline)
            await asyncio.sleep(1)
        if self.shape(f"{what} task", task, TASK):
            self.uuids(f"{what} task", task, "id")
            self.check(f"{what} task.id", task["id"] == task_id, task["id"])
            for stamp in ("created_at", "updated_at"):
                self.check(
                    f"{what} task.{stamp} is UTC ISO 8601", _is_utc(task[stamp]), task[stamp]
                )
            self.shape(f"{what} task.result", task["result"], TASK_RESULT)
        self.need(f"{what} task completed", task.get("status") == "completed", task)
        return dict(task)

    async def accepted(
        self, name: str, answer: tuple[int, Any], spec: Spec, *ids: str
    ) -> dict[str, Any]:
        """A 202 (or 2xx) answer that started a task: check it and return it."""
        status, body = answer
        self.need(f"{name} answers 2xx", 200 <= status < 300, f"{status} {body!r}")
        self.need(f"{name} answer fields", self.shape(name, body, spec), body)
        self.uuids(name, body, "task_id", *ids)
        self.check(f"{name}.status value", body["status"] in TASK_STATUSES, body["status"])
        return dict(body)


@dataclass(frozen=True)
class Target:
    """What to walk the contract with."""

    username: str
    password: str
    repository_url: str
    provider: str = "local"
    branch: str = "main"
    opportunity_types: tuple[str, ...] = ("security", "performance", "documentation")
    max_opportunities: int = 10
    max_steps: int = 5
    branch_name: str = field(default_factory=lambda: f"fix/contract-walk-{int(time.time())}")
    pr_title: str = "Contract walk"
    review_type: str = "security"


async def walk_contract(base_url: str, target: Target, *, timeout: float = 240) -> ContractReport:
    """Walk the whole contract against the service at ``base_url`` (no ``/api/v1``)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
        walker = Walker(http, base_url.rstrip("/") + "/api/v1", timeout)
        with contextlib.suppress(Stop):
            await _walk(walker, target)
        return walker.report


async def _walk(w: Walker, t: Target) -> None:
    token = await _login(w, t)
    repository_id = await _index(w, t, token)
    opportunities = await _mine_and_list(w, t, token, repository_id)
    plan = await _plan(w, t, token, opportunities)
    implementation = await _implement(w, t, token, plan)
    pr_id = await _pull_request(w, t, token, implementation)
    await _review(w, t, token, pr_id)
    await _errors(w, token, repository_id)


async def _login(w: Walker, t: Target) -> str:
    credentials = {"username": t.username, "password": t.password}
    status, body = await w.call("POST", "/auth/token", json=credentials)
    w.need("POST /auth/token (JSON) answers 200", status == 200, f"{status} {body!r}")
    w.need("token answer fields", w.shape("token", body, TOKEN), body)
    w.check("token.token_type is bearer", body["token_type"].lower() == "bearer", body)
    token: str = body["access_token"]
    form = {"grant_type": "password", **credentials}
    status, by_form = await w.call("POST", "/auth/token", form=form)
    w.check("POST /auth/token (OAuth2 form) answers 200", status == 200, f"{status} {by_form!r}")
    w.shape("token from the form", by_form, TOKEN)
    wrong = {"username": t.username, "password": t.password + "-wrong"}
    w.error("a wrong password", await w.call("POST", "/auth/token", json=wrong), 401)

    status, me = await w.call("GET", "/auth/me", token=token)
    w.check("GET /auth/me answers 200", status == 200, f"{status} {me!r}")
    if w.shape("me", me, ME):
        w.check("me.username", me["username"] == t.username, me["username"])
        w.check("me.disabled is false", me["disabled"] is False, me)
    w.error("GET /auth/me without a token", await w.call("GET", "/auth/me"), 401)
    w.error("a forged token", await w.call("GET", "/auth/me", token="not-a-token"), 401)
    return token


async def _index(w: Walker, t: Target, token: str) -> str:
    body = {"repository_url": t.repository_url, "provider_type": t.provider, "branch": t.branch}
    answer = await w.call("POST", "/repositories/index", token=token, json=body)
    accepted = await w.accepted("POST /repositories/index", answer, INDEX_ACCEPTED, "repository_id")
    await w.finished(token, accepted["task_id"], "index")
    return str(accepted["repository_id"])


async def _mine_and_list(
    w: Walker, t: Target, token: str, repository_id: str
) -> list[dict[str, Any]]:
    body = {
        "repository_id": repository_id,
        "opportunity_types": list(t.opportunity_types),
        "max_opportunities": t.max_opportunities,
    }
    answer = await w.call("POST", "/repositories/mine-opportunities", token=token, json=body)
    accepted = await w.accepted("POST /repositories/mine-opportunities", answer, ACCEPTED)
    await w.finished(token, accepted["task_id"], "mine")

    path = f"/repositories/{repository_id}/opportunities"
    status, listed = await w.call("GET", path, token=token)
    w.need("GET /repositories/{id}/opportunities answers 200", status == 200, listed)
    w.need("opportunity list fields", w.shape("opportunity list", listed, OPPORTUNITY_LIST))
    rows: list[dict[str, Any]] = listed["opportunities"]
    w.need("mining found at least one opportunity", len(rows) > 0, listed)
    w.check("max_opportunities is honoured", len(rows) <= t.max_opportunities, len(rows))
    for row in rows:
        if not w.shape("opportunity", row, OPPORTUNITY):
            continue
        w.uuids("opportunity", row, "id")
        w.check("opportunity.type was asked for", row["type"] in t.opportunity_types, row["type"])
        w.check("opportunity.type value", row["type"] in OPPORTUNITY_TYPES, row["type"])
        w.check("opportunity.location is relative", _is_relative(row["location"]), row)
    return rows


async def _plan(
    w: Walker, t: Target, token: str, opportunities: list[dict[str, Any]]
) -> dict[str, Any]:
    for opportunity in opportunities:
        body = {"opportunity_id": opportunity["id"], "max_steps": t.max_steps}
        answer = await w.call("POST", "/plans/generate", token=token, json=body)
        accepted = await w.accepted("POST /plans/generate", answer, PLAN_ACCEPTED, "plan_id")
        await w.finished(token, accepted["task_id"], "plan")
        status, plan = await w.call("GET", f"/plans/{accepted['plan_id']}", token=token)
        w.need("GET /plans/{id} answers 200", status == 200, plan)
        if not w.shape("plan", plan, PLAN):
            continue
        w.uuids("plan", plan, "id", "opportunity_id")
        w.check("plan.id", plan["id"] == accepted["plan_id"], plan["id"])
        w.check("plan.opportunity_id", plan["opportunity_id"] == opportunity["id"], plan)
        steps = plan["steps"]
        w.check("plan.steps within max_steps", len(steps) <= t.max_steps, len(steps))
        for step in steps:
            w.shape("plan step", step, STEP)
        numbers = [step.get("id") for step in steps]
        w.check("plan steps numbered from 1", numbers == list(range(1, len(steps) + 1)), numbers)
        if steps:
            return dict(plan)
    w.need("some opportunity gets a plan with steps", False, "none did")
    raise AssertionError("unreachable")


async def _implement(w: Walker, t: Target, token: str, plan: dict[str, Any]) -> dict[str, Any]:
    body = {"plan_id": plan["id"], "branch_name": t.branch_name}
    answer = await w.call("POST", "/implementations/create", token=token, json=body)
    accepted = await w.accepted(
        "POST /implementations/create", answer, IMPLEMENTATION_ACCEPTED, "implementation_id"
    )
    await w.finished(token, accepted["task_id"], "implementation")
    path = f"/implementations/{accepted['implementation_id']}"
    status, implementation = await w.call("GET", path, token=token)
    w.need("GET /implementations/{id} answers 200", status == 200, implementation)
    w.need("implementation fields", w.shape("implementation", implementation, IMPLEMENTATION))
    w.uuids("implementation", implementation, "id", "plan_id")
    w.check("implementation.plan_id", implementation["plan_id"] == plan["id"], implementation)
    w.check("implementation.branch_name", implementation["branch_name"] == t.branch_name)
    w.need("implementation completed", implementation["status"] == "completed", implementation)
    changed = implementation["files_changed"]
    w.check("implementation changed files", changed and all(_is_relative(f) for f in changed))
    w.check("implementation.commit_id", bool(implementation["commit_id"]), implementation)
    return dict(implementation)


async def _pull_request(w: Walker, t: Target, token: str, implementation: dict[str, Any]) -> str:
    body = {
        "implementation_id": implementation["id"],
        "title": t.pr_title,
        "description": "Opened by the contract walk.",
        "draft": False,
        "provider_type": t.provider,
    }
    status, pr = await w.call("POST", "/pull-requests/create", token=token, json=body)
    w.need("POST /pull-requests/create answers 201 or 202", status in (201, 202), f"{status} {pr}")
    w.need("pull request fields", w.shape("pull request", pr, PULL_REQUEST), pr)
    w.uuids("pull request", pr, "pr_id")
    w.check("pull request.provider_type", pr["provider_type"] == t.provider, pr)
    if status == 202:
        w.check("a pending pull request is pending", pr["status"] == "pending", pr)
        w.need("a pending pull request has a task", _is_uuid(pr.get("task_id")), pr)
        await w.finished(token, pr["task_id"], "publish")
    status, pr = await w.call("GET", f"/pull-requests/{pr['pr_id']}", token=token)
    w.need("GET /pull-requests/{id} answers 200", status == 200, pr)
    w.need("published pull request fields", w.shape("published pull request", pr, PULL_REQUEST))
    number = pr["provider_pr_number"]
    w.check("provider_pr_number is a number as a string", str(number).isdigit(), number)
    w.check("pull request.url", isinstance(pr["url"], str) and "://" in pr["url"], pr["url"])
    w.check("pull request.status value", pr["status"] in PR_STATUSES, pr["status"])
    return str(pr["pr_id"])


async def _review(w: Walker, t: Target, token: str, pr_id: str) -> None:
    body = {"review_type": t.review_type}
    answer = await w.call("POST", f"/pull-requests/{pr_id}/review", token=token, json=body)
    accepted = await w.accepted("POST /pull-requests/{id}/review", answer, ACCEPTED)
    await w.finished(token, accepted["task_id"], "review")


async def _errors(w: Walker, token: str, repository_id: str) -> None:
    for path in (
        f"/plans/{UNKNOWN_ID}",
        f"/implementations/{UNKNOWN_ID}",
        f"/pull-requests/{UNKNOWN_ID}",
        f"/tasks/{UNKNOWN_ID}",
        f"/repositories/{UNKNOWN_ID}/opportunities",
    ):
        w.error(f"GET {path}", await w.call("GET", path, token=token), 404)
    bad_plan = {"opportunity_id": UNKNOWN_ID, "max_steps": "five"}
    w.error(
        "a mistyped field", await w.call("POST", "/plans/generate", token=token, json=bad_plan), 400
    )
    missing = {"max_steps": 3}
    w.error(
        "a missing field", await w.call("POST", "/plans/generate", token=token, json=missing), 400
    )
    bad_mine = {"repository_id": repository_id, "opportunity_types": ["gardening"]}
    answer = await w.call("POST", "/repositories/mine-opportunities", token=token, json=bad_mine)
    w.error("an unknown opportunity type", answer, 400)


def _is_uuid(value: object) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


UTC_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def _is_utc(value: str) -> bool:
    return UTC_STAMP.fullmatch(value) is not None


def _is_relative(path: object) -> bool:
    """A repository-relative file path: not absolute, no ``..``, no line suffix."""
    if not isinstance(path, str) or not path:
        return False
    parts = PurePosixPath(path).parts
    return not path.startswith("/") and ".." not in parts and ":" not in path
