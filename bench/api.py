"""API benchmark: requests per second of ``GET /api/v1/tasks/{id}`` against a bare baseline.

For each database (SQLite, PostgreSQL) it starts, each in its own process:

* **ours**: the real ``aomaas serve`` (embedded, auth and rate limits on, limits raised);
* **baseline**: a bare aiohttp handler doing the same essential work by hand: verify
  the bearer token with pyjwt, fetch the task row by primary key with the raw driver
  (aiosqlite or asyncpg), answer JSON;
* **hello**: a bare aiohttp hello-world (the ceiling of the HTTP stack here);

and loads each with a generator in another process (``wrk`` when installed, else a
small aiohttp client). It prints requests per second and the ratio ours / baseline
(goal: at least 50 %). Not a test: run it by hand, ``python bench/api.py --help``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SECRET = "benchmark-secret-key-0123456789-abcdefghijklmnop"
PASSWORD = "bench-password-123"
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
RAISED = {"AOMAAS_RATE_LIMIT_IP": "100000000/minute", "AOMAAS_RATE_LIMIT_USER": "100000000/hour"}


# --- the two bare servers ---------------------------------------------------------------


def _bare_app(route: str, view: Callable[..., Awaitable[Any]]) -> Any:
    from aiohttp import web

    app = web.Application()
    app.router.add_get(route, view)
    return app


def serve_hello(port: int) -> None:
    """A bare aiohttp hello-world."""
    from aiohttp import web

    async def hello(_request: web.Request) -> web.Response:
        return web.json_response({"hello": "world"})

    web.run_app(
        _bare_app("/hello", hello), host="127.0.0.1", port=port, print=None, access_log=None
    )


def serve_baseline(port: int, database_url: str, secret: str) -> None:
    """The hand-written baseline: pyjwt, one primary-key query with the raw driver, JSON."""
    import jwt
    from aiohttp import web

    fetch: Callable[[uuid.UUID], Awaitable[dict[str, Any] | None]]
    columns = "id, kind, status, result, attempts, created_at, updated_at"

    def stamp(value: Any) -> str:
        text = value.isoformat() if hasattr(value, "isoformat") else str(value).replace(" ", "T")
        return text.replace("+00:00", "") + "Z"

    async def on_startup(app: web.Application) -> None:
        nonlocal fetch
        if database_url.startswith("sqlite"):
            import aiosqlite

            conn = await aiosqlite.connect(database_url.split("///", 1)[1])
            app["close"] = conn.close

            async def fetch(task_id: uuid.UUID) -> dict[str, Any] | None:
                query = f"SELECT {columns} FROM tasks WHERE id = ?"
                async with conn.execute(query, (task_id.hex,)) as cursor:
                    row = await cursor.fetchone()
                if row is None:
                    return None
                return dict(zip(columns.split(", "), row, strict=True))
        else:
            import asyncpg

            pool = await asyncpg.create_pool(
                database_url.replace("postgresql+asyncpg", "postgresql"), min_size=2, max_size=10
            )
            app["close"] = pool.close

            async def fetch(task_id: uuid.UUID) -> dict[str, Any] | None:
                row = await pool.fetchrow(f"SELECT {columns} FROM tasks WHERE id = $1", task_id)
                return dict(row) if row is not None else None

    async def on_cleanup(app: web.Application) -> None:
        await app["close"]()

    async def get_task(request: web.Request) -> web.Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return web.json_response({"detail": "no token", "type": "unauthorized"}, status=401)
        try:
            jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                issuer="aomaas",
                options={"require": ["sub", "exp", "iat", "iss"]},
            )
        except jwt.InvalidTokenError:
            return web.json_response({"detail": "bad token", "type": "unauthorized"}, status=401)
        try:
            task_id = uuid.UUID(request.match_info["task_id"])
        except ValueError:
            return web.json_response({"detail": "no task", "type": "not_found"}, status=404)
        row = await fetch(task_id)
        if row is None:
            return web.json_response({"detail": "no task", "type": "not_found"}, status=404)
        result = row["result"]
        return web.json_response(
            {
                "id": str(task_id),
                "kind": row["kind"],
                "status": row["status"],
                "result": json.loads(result) if isinstance(result, str) else result,
                "attempts": row["attempts"],
                "created_at": stamp(row["created_at"]),
                "updated_at": stamp(row["updated_at"]),
            }
        )

    app = _bare_app("/api/v1/tasks/{task_id}", get_task)
    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# --- load generation --------------------------------------------------------------------


@dataclass
class Load:
    """What a load run measured."""

    rps: float
    requests: int
    errors: int
    tool: str
    cpu_ms_per_request: float = 0.0  # the server process's CPU (all threads) per request


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux /proc), 0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_load(url: str, token: str | None, connections: int, duration: float) -> Load:
    """Load ``url`` from another process (wrk if installed, else the aiohttp client below)."""
    header = [f"Authorization: Bearer {token}"] if token else []
    if shutil.which("wrk"):
        args = ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency"]
        for h in header:
            args += ["-H", h]
        out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
        total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
        bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        errors = int(bad.group(1)) if bad else 0
        socket_errors = re.search(r"Socket errors:.*", out)
        if socket_errors:
            errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(0)))
        return Load(rps, total, errors, "wrk")
    args = [
        sys.executable,
        __file__,
        "_load",
        url,
        "--connections",
        str(connections),
        "--duration",
        str(duration),
    ]
    if token:
        args += ["--token", token]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    return Load(data["rps"], data["requests"], data["errors"], "aiohttp client")


async def _client_load(
    url: str, token: str | None, connections: int, duration: float
) -> dict[str, Any]:
    import aiohttp

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    counts = {"ok": 0, "errors": 0}
    deadline = time.monotonic() + duration
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            while time.monotonic() < deadline:
                async with session.get(url) as resp:
                    await resp.read()
                    counts["ok" if resp.status == 200 else "errors"] += 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.monotonic() - started
    total = counts["ok"] + counts["errors"]
    return {"rps": total / elapsed, "requests": total, "errors": counts["errors"]}


# --- orchestration ----------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Wait until ``url`` answers (any status) or fail if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server for {url} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer in {timeout} s")


@contextmanager
def process(args: list[str], env: dict[str, str], ready_url: str, log: Path) -> Iterator[int]:
    """Run a server process until the block ends; yields its pid."""
    with log.open("ab") as out:
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_http(ready_url, proc)
        yield proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def prepare(database_url: str) -> tuple[str, str]:
    """Migrate, add a user and a finished task; returns (username, task id)."""
    from aomaas.store import users
    from aomaas.store.db import make_engine, make_sessionmaker
    from aomaas.store.migrate import upgrade
    from aomaas.store.tasks import new_task

    engine = make_engine(database_url)
    try:
        await upgrade(engine)
        sessions = make_sessionmaker(engine)
        user = await users.create_user(sessions, "bench", PASSWORD)
        task = new_task("selftest", {"sleep": 0}, user_id=user.id)
        task.status = "completed"
        task.attempts = 1
        task.result = {"success": True, "message": "self-test done", "data": {"pid": 1}}
        async with sessions.begin() as session:
            session.add(task)
        return user.username, str(task.id)
    finally:
        await engine.dispose()


@contextmanager
def database(backend: str, workdir: Path) -> Iterator[str]:
    """A fresh database URL for ``backend`` (a new PostgreSQL database is dropped after)."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        return
    import asyncpg

    name = f"aomaas_bench_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(
            host="127.0.0.1", port=5432, user="postgres", database="postgres"
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_URL.format(name=name)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def get_token(api: str, username: str) -> str:
    """A bearer token from our own ``POST /auth/token``."""
    request = urllib.request.Request(
        api + "/auth/token",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        return str(json.load(resp)["access_token"])


def measure(url: str, token: str | None, args: argparse.Namespace, pid: int) -> Load:
    """A warm-up, then the measured run (with the server's CPU time per request)."""
    check = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}"} if token else {}
    )
    with urllib.request.urlopen(check, timeout=10) as resp:
        assert resp.status == 200, f"{url} answered {resp.status}"
    run_load(url, token, args.connections, args.warmup)
    before = cpu_seconds(pid)
    load = run_load(url, token, args.connections, args.duration)
    load.cpu_ms_per_request = (cpu_seconds(pid) - before) * 1000 / max(load.requests, 1)
    return load


def bench_backend(backend: str, args: argparse.Namespace, workdir: Path) -> dict[str, Load]:
    """Hello, baseline and ours on one database, all running; measured in turn each round.

    Every round measures the three servers one after the other, so a change in the
    machine's load hits them alike; the figures kept are each server's median round.
    """
    base_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AOMAAS_", "GITHUB_")) and k not in ("DATABASE_URL", "REDIS_URL")
    }
    me = [sys.executable, __file__]
    with database(backend, workdir) as url, ExitStack() as servers:
        username, task_id = asyncio.run(prepare(url))
        path = f"/tasks/{task_id}"
        hello_port, ours_port, base_port = free_port(), free_port(), free_port()
        pids = {
            "hello": servers.enter_context(
                process(
                    [*me, "_hello", "--port", str(hello_port)],
                    base_env,
                    f"http://127.0.0.1:{hello_port}/hello",
                    workdir / "hello.log",
                )
            ),
            "ours": servers.enter_context(
                process(
                    [sys.executable, "-m", "aomaas.app", "serve", "--port", str(ours_port)],
                    {
                        **base_env,
                        **RAISED,
                        "DATABASE_URL": url,
                        "AOMAAS_SECRET_KEY": SECRET,
                        "AOMAAS_DATA_DIR": str(workdir / f"data-{backend}"),
                        "AOMAAS_LOG_LEVEL": "WARNING",
                    },
                    f"http://127.0.0.1:{ours_port}/healthz",
                    workdir / "ours.log",
                )
            ),
            "baseline": servers.enter_context(
                process(
                    [*me, "_baseline", "--port", str(base_port), "--db", url, "--secret", SECRET],
                    base_env,
                    f"http://127.0.0.1:{base_port}/api/v1/tasks/x",
                    workdir / "base.log",
                )
            ),
        }
        token = get_token(f"http://127.0.0.1:{ours_port}/api/v1", username)
        urls = {
            "hello": (f"http://127.0.0.1:{hello_port}/hello", None),
            "baseline": (f"http://127.0.0.1:{base_port}/api/v1{path}", token),
            "ours": (f"http://127.0.0.1:{ours_port}/api/v1{path}", token),
        }
        rounds: dict[str, list[Load]] = {name: [] for name in urls}
        for _ in range(args.rounds):
            for name, (target, bearer) in urls.items():
                rounds[name].append(measure(target, bearer, args, pids[name]))
    return {
        name: sorted(loads, key=lambda load: load.rps)[len(loads) // 2]
        for name, loads in rounds.items()
    }


def report(backend: str, results: dict[str, Load], rounds: int) -> float:
    """Print one backend's figures; returns the ratio ours / baseline."""
    ratio = results["ours"].rps / results["baseline"].rps
    print(
        f"\n{backend} (load: {results['ours'].tool}, GET /api/v1/tasks/{{id}}, median of {rounds})"
    )
    for name in ("hello", "baseline", "ours"):
        load = results[name]
        print(
            f"  {name:<9} {load.rps:>9.0f} req/s  {load.cpu_ms_per_request:6.3f} ms CPU/request"
            f"  ({load.requests} requests, {load.errors} errors)"
        )
    cpu_ratio = results["baseline"].cpu_ms_per_request / max(
        results["ours"].cpu_ms_per_request, 1e-9
    )
    print(
        f"  ratio ours/baseline: {ratio:.0%} by req/s, {cpu_ratio:.0%} by CPU per request"
        "  (goal >= 50%)"
    )
    return ratio


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or one of its helper processes)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated list")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured per server")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per server (median kept)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    sub = parser.add_subparsers(dest="role")
    hello = sub.add_parser("_hello")
    hello.add_argument("--port", type=int, required=True)
    base = sub.add_parser("_baseline")
    base.add_argument("--port", type=int, required=True)
    base.add_argument("--db", required=True)
    base.add_argument("--secret", required=True)
    load = sub.add_parser("_load")
    load.add_argument("url")
    load.add_argument("--token")
    load.add_argument("--connections", type=int, default=32)
    load.add_argument("--duration", type=float, default=5.0)
    args = parser.parse_args(argv)

    if args.role == "_hello":
        serve_hello(args.port)
        return 0
    if args.role == "_baseline":
        serve_baseline(args.port, args.db, args.secret)
        return 0
    if args.role == "_load":
        print(
            json.dumps(
                asyncio.run(_client_load(args.url, args.token, args.connections, args.duration))
            )
        )
        return 0

    ratios = {}
    with tempfile.TemporaryDirectory(prefix="aomaas-bench-") as tmp:
        for backend in args.backends.split(","):
            workdir = Path(tmp) / backend
            workdir.mkdir()
            ratios[backend] = report(backend, bench_backend(backend, args, workdir), args.rounds)
    print("\nsummary: " + ", ".join(f"{b} {r:.0%}" for b, r in ratios.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
