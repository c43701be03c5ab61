"""Every endpoint of the foundation over real HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

from openapi_spec_validator import validate

from aomaas.store.models import Repository, Task
from tests.support.live import LiveServer


async def test_token_with_json_and_me(server: LiveServer, backend: str) -> None:
    await server.create_user("alice", owners=["Acme"])
    status, body, _ = await server.request(
        "POST", "/auth/token", json={"username": "alice", "password": "password123"}
    )
    assert status == 200, body
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == server.settings.token_ttl_minutes * 60
    status, me, _ = await server.request("GET", "/auth/me", token=body["access_token"])
    assert status == 200, me
    assert me == {
        "username": "alice",
        "email": None,
        "full_name": None,
        "disabled": False,
        "is_admin": False,
        "owners": ["acme"],
    }


async def test_token_with_oauth2_form(server: LiveServer, backend: str) -> None:
    await server.create_user("bob")
    form = {"grant_type": "password", "username": "bob", "password": "password123", "scope": ""}
    status, body, _ = await server.request("POST", "/auth/token", data=form)
    assert status == 200, body
    status, me, _ = await server.request("GET", "/auth/me", token=body["access_token"])
    assert (status, me["username"]) == (200, "bob")


async def test_wrong_password_and_unknown_user_are_the_same_401(server: LiveServer) -> None:
    await server.create_user("carol")
    wrong = await server.request(
        "POST", "/auth/token", json={"username": "carol", "password": "nope-nope"}
    )
    unknown = await server.request(
        "POST", "/auth/token", json={"username": "nobody", "password": "nope-nope"}
    )
    assert wrong[0] == unknown[0] == 401
    assert wrong[1] == unknown[1]
    assert wrong[1]["type"] == "unauthorized"


async def test_task_visibility(server: LiveServer, backend: str) -> None:
    alice = await server.create_user("alice")
    await server.create_user("mallory")
    await server.create_user("root", admin=True)
    tokens = {name: await server.token(name) for name in ("alice", "mallory", "root")}
    task_id = await server.create_task("selftest", {}, user_id=alice.id, enqueue=False)

    status, own, _ = await server.request("GET", f"/tasks/{task_id}", token=tokens["alice"])
    assert status == 200, own
    assert own["id"] == task_id and own["status"] == "pending" and own["kind"] == "selftest"
    assert own["result"] == {"success": False, "message": "waiting for a worker", "data": None}

    other = await server.request("GET", f"/tasks/{task_id}", token=tokens["mallory"])
    missing = await server.request("GET", f"/tasks/{uuid.uuid4()}", token=tokens["mallory"])
    malformed = await server.request("GET", "/tasks/not-a-uuid", token=tokens["mallory"])
    assert other[0] == missing[0] == malformed[0] == 404
    assert (
        other[1]
        == missing[1]
        == malformed[1]
        == {
            "detail": "no task with that id",
            "type": "not_found",
        }
    )

    status, seen, _ = await server.request("GET", f"/tasks/{task_id}", token=tokens["root"])
    assert (status, seen["id"]) == (200, task_id)


async def test_task_of_a_granted_owner_is_visible(server: LiveServer, backend: str) -> None:
    await server.create_user("dana", owners=["acme"])
    await server.create_user("eve", owners=["other"])
    repo_id = uuid.uuid4()
    async with server.sessions.begin() as session:
        session.add(
            Repository(
                id=repo_id,
                provider="github",
                url="https://github.com/acme/widget",
                owner="acme",
                name="widget",
            )
        )
    task_id = await server.create_task("selftest", {}, repository_id=repo_id, enqueue=False)
    status, _, _ = await server.request(
        "GET", f"/tasks/{task_id}", token=await server.token("dana")
    )
    assert status == 200
    status, _, _ = await server.request("GET", f"/tasks/{task_id}", token=await server.token("eve"))
    assert status == 404


async def test_task_runs_and_types_follow_the_contract(server: LiveServer, backend: str) -> None:
    user = await server.create_user("frank")
    token = await server.token("frank")
    before = datetime.now(UTC) - timedelta(seconds=5)
    task_id = await server.create_task("selftest", {"sleep": 0.1}, user_id=user.id)
    body = await server.wait_task(task_id, token, timeout=30)
    assert body["status"] == "completed", body
    assert body["result"]["success"] is True
    assert body["attempts"] == 1
    assert str(uuid.UUID(body["id"])) == body["id"]
    for field in ("created_at", "updated_at"):
        stamp = body[field]
        assert stamp.endswith("Z"), stamp
        parsed = datetime.fromisoformat(stamp)
        assert parsed.utcoffset() == timedelta(0)
        assert before <= parsed <= datetime.now(UTC) + timedelta(seconds=5)
    assert body["created_at"] <= body["updated_at"]


async def test_timestamps_are_stored_as_instants(server: LiveServer, backend: str) -> None:
    user = await server.create_user("gina")
    token = await server.token("gina")
    tokyo = timezone(timedelta(hours=9))
    moment = datetime(2024, 3, 1, 9, 30, 15, 250000, tzinfo=tokyo)
    task = Task(
        id=uuid.uuid4(),
        kind="selftest",
        status="completed",
        payload={},
        user_id=user.id,
        result={"success": True, "message": "ok", "data": None},
        created_at=moment,
        updated_at=moment,
    )
    async with server.sessions.begin() as session:
        session.add(task)
    status, body, _ = await server.request("GET", f"/tasks/{task.id}", token=token)
    assert status == 200, body
    assert body["created_at"] == "2024-03-01T00:30:15.250000Z"
    async with server.sessions() as session:
        stored = await session.get(Task, task.id)
    assert stored is not None and stored.created_at.tzinfo is not None
    assert stored.created_at == moment


async def test_openapi_document_is_valid_and_complete(server: LiveServer, backend: str) -> None:
    status, doc, headers = await server.request("GET", "/openapi.json")
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert doc["openapi"].startswith("3.1")
    validate(doc)  # raises on an invalid OpenAPI 3.1 document
    for route in server.app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if not path.startswith("/api/v1/") or path in ("/api/v1/openapi.json", "/api/v1/docs"):
            continue
        if route.method == "HEAD":
            continue
        assert route.method.lower() in doc["paths"].get(path, {}), f"{route.method} {path}"
    operations = [op for ops in doc["paths"].values() for op in ops.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids)) and all(op["tags"] for op in operations)
    token_op = doc["paths"]["/api/v1/auth/token"]["post"]
    assert token_op["operationId"] == "create_token"
    # JSON in the body; the form is the OAuth2 password flow (one schema under two media types
    # breaks client generators).
    assert set(token_op["requestBody"]["content"]) == {"application/json"}
    assert {"200", "401", "403"} <= set(token_op["responses"])
    flow = doc["components"]["securitySchemes"]["oauth2"]["flows"]["password"]
    assert flow["tokenUrl"] == "/api/v1/auth/token"
    task_op = doc["paths"]["/api/v1/tasks/{task_id}"]["get"]
    assert task_op["security"] == [{"bearer": []}, {"oauth2": []}]
    assert {"200", "401", "404", "429"} <= set(task_op["responses"])


async def test_docs_page(server: LiveServer) -> None:
    status, page, headers = await server.request("GET", "/docs")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert "<html" in page and "/api/v1/auth/token" in page and "/api/v1/tasks/{task_id}" in page


async def test_healthz(server: LiveServer, backend: str) -> None:
    status, body, _ = await server.request("GET", "/healthz")
    assert status == 200, body
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "broker": "ok", "rate_limits": "ok"}
    assert body["mode"] == "embedded"
    assert body["github"] == "not configured"
