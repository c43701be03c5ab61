"""Webhook benchmark: deliveries per second through ``POST /webhooks/github`` against a baseline.

For each database (SQLite, PostgreSQL) it starts, each in its own process and on
its own fresh database:

* **ours**: ``create_app(settings, run_worker=False)`` (so no worker competes), the
  real route: HMAC check, dedup by ``X-GitHub-Delivery``, the delivery and its
  task stored in one transaction, the task id enqueued (in-process broker), 202;
* **baseline**: a bare aiohttp handler that checks the HMAC, reads the fields the
  row needs from the JSON and inserts and commits the delivery row with the raw
  driver (aiosqlite with WAL and ``synchronous=FULL`` like the service, or asyncpg
  with the server's ``synchronous_commit``), then answers 202;

and loads each from a separate process (a small aiohttp client below): closed
loop with N connections for the sustained rate, then a fixed rate (200/s) for
p50/p99 acknowledgement latency, measured from each request's scheduled send
time. Afterwards it counts the rows: every acknowledged delivery must have its
row (and, for ours, its task and its queued message). Finally it kills ``ours``
with SIGKILL under load and checks every acknowledged delivery survived.

The two servers run in turns (alternating which goes first) for ``--rounds``
rounds; the verdict uses the medians, since other work on the machine moves
single figures a lot. Goals: ours >= 50 % of the baseline's deliveries/s on both
databases; p99 < 50 ms at 200/s. Not a test: ``python bench/webhooks.py --help``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

from api import ROOT, cpu_seconds, database, free_port, process

from aomaas.bot.signature import sign

SECRET = "benchmark-webhook-secret"
SECRET_KEY = "benchmark-secret-key-0123456789-abcdefghijklmnop"
PAYLOAD = (
    ROOT
    / "tests"
    / "data"
    / "github"
    / "webhooks"
    / "issue_comment"
    / ("created.with-installation.payload.json")
)
EVENT = "issue_comment"
PATH = "/webhooks/github"
INSERT_COLUMNS = "id, delivery_id, event, action, installation_github_id, body, received_at"


# --- the servers ------------------------------------------------------------------------


def serve_ours(port: int, database_url: str, data_dir: str, counts: str) -> None:
    """The service's app without workers; at shutdown writes how many messages it enqueued."""
    import logging

    from aiohttp import web

    from aomaas import appkeys
    from aomaas.app import create_app
    from aomaas.settings import load_settings

    logging.basicConfig(level=logging.WARNING)
    settings = load_settings(
        DATABASE_URL=database_url,
        AOMAAS_DATA_DIR=data_dir,
        AOMAAS_SECRET_KEY=SECRET_KEY,
        GITHUB_WEBHOOK_SECRET=SECRET,
        AOMAAS_LOG_LEVEL="WARNING",
        REDIS_URL=None,
    )
    app = create_app(settings, run_worker=False)

    async def write_counts(app: web.Application) -> None:
        broker: Any = app[appkeys.BROKER]
        queued = sum(q.qsize() for q in broker.queues.values())
        Path(counts).write_text(json.dumps({"enqueued": queued}))

    app.on_shutdown.append(write_counts)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def serve_baseline(port: int, database_url: str) -> None:
    """HMAC check, the row's fields from the JSON, one INSERT and COMMIT with the raw driver."""
    from aiohttp import web

    insert: Any = None

    async def on_startup(app: web.Application) -> None:
        nonlocal insert
        if database_url.startswith("sqlite"):
            import aiosqlite

            conn = await aiosqlite.connect(database_url.split("///", 1)[1])
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=FULL")
            app["close"] = conn.close
            sql = (
                f"INSERT INTO webhook_deliveries ({INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (delivery_id) DO NOTHING"
            )

            async def insert(*row: Any) -> None:
                await conn.execute(sql, (row[0].hex, *row[1:6], row[6].isoformat(" ")))
                await conn.commit()
        else:
            import asyncpg

            pool = await asyncpg.create_pool(
                database_url.replace("postgresql+asyncpg", "postgresql"), min_size=2, max_size=10
            )
            app["close"] = pool.close
            sql = (
                f"INSERT INTO webhook_deliveries ({INSERT_COLUMNS}) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (delivery_id) DO NOTHING"
            )

            async def insert(*row: Any) -> None:
                await pool.execute(sql, *row)  # one statement: committed before it returns

    async def on_cleanup(app: web.Application) -> None:
        await app["close"]()

    async def deliver(request: web.Request) -> web.Response:
        body = await request.read()
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("X-Hub-Signature-256", "")):
            return web.json_response({"detail": "bad signature"}, status=401)
        payload = json.loads(body)
        delivery = request.headers["X-GitHub-Delivery"]
        installation = (payload.get("installation") or {}).get("id")
        await insert(
            uuid.uuid4(),
            delivery,
            request.headers["X-GitHub-Event"],
            payload.get("action"),
            installation,
            body.decode(),
            datetime.now(UTC),
        )
        return web.json_response({"ok": True, "delivery": delivery}, status=202)

    app = web.Application(client_max_size=25 * 1024 * 1024)
    app.router.add_post(PATH, deliver)
    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# --- load generation (runs in its own process) ------------------------------------------


def signed_delivery() -> tuple[bytes, dict[str, str]]:
    """A real ``issue_comment`` payload and the headers GitHub sends with it."""
    if PAYLOAD.is_file():
        body = json.dumps(json.loads(PAYLOAD.read_text())).encode()
    else:
        body = json.dumps(
            {"action": "created", "installation": {"id": 1}, "zen": "x" * 6000}
        ).encode()
    signature = sign(body, SECRET)
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": EVENT,
        "X-Hub-Signature-256": signature,
        "User-Agent": "GitHub-Hookshot/bench",
    }
    return body, headers


async def client_load(
    url: str, prefix: str, connections: int, duration: float, rate: float | None
) -> dict[str, Any]:
    """Closed loop on ``connections`` (``rate`` None) or ``rate`` deliveries/s; latencies in ms."""
    import aiohttp

    body, headers = signed_delivery()
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    acked: list[str] = []
    loop = asyncio.get_running_loop()
    counter = iter(range(10**9))
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def send(start: float) -> None:
            delivery = f"{prefix}-{next(counter)}"
            try:
                async with session.post(
                    url, data=body, headers={"X-GitHub-Delivery": delivery}
                ) as resp:
                    await resp.read()
                    statuses[resp.status] += 1
            except aiohttp.ClientError:
                statuses[0] += 1
                return
            latencies.append((loop.time() - start) * 1000)
            if resp.status == 202:
                acked.append(delivery)

        started = loop.time()
        deadline = started + duration
        if rate is None:

            async def worker() -> None:
                while loop.time() < deadline:
                    await send(loop.time())

            await asyncio.gather(*(worker() for _ in range(connections)))
        else:

            async def paced(i: int) -> None:
                scheduled = started + i / rate
                await asyncio.sleep(max(0.0, scheduled - loop.time()))
                await send(scheduled)  # latency counts from the planned send time

            await asyncio.gather(*(paced(i) for i in range(int(rate * duration))))
        elapsed = loop.time() - started
    latencies.sort()
    return {
        "sent": sum(statuses.values()),
        "statuses": {str(k): v for k, v in statuses.items()},
        "per_second": statuses[202] / elapsed,
        "p50": _percentile(latencies, 0.50),
        "p99": _percentile(latencies, 0.99),
        "acked": acked,
    }


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(fraction * len(values)))]


# --- orchestration ----------------------------------------------------------------------


@dataclass
class Run:
    """One load run against one server."""

    sent: int
    statuses: dict[str, int]
    per_second: float
    p50: float
    p99: float
    cpu_ms: float = 0.0  # server CPU per acknowledged delivery
    acked: list[str] = field(default_factory=list, repr=False)

    @property
    def accepted(self) -> int:
        """Deliveries answered 202."""
        return self.statuses.get("202", 0)


def run_load(
    url: str,
    prefix: str,
    connections: int,
    duration: float,
    rate: float | None = None,
    pid: int | None = None,
) -> Run:
    """Load ``url`` from a separate process; with ``pid``, also the server's CPU per delivery."""
    args = [
        sys.executable,
        __file__,
        "_load",
        url,
        "--prefix",
        prefix,
        "--connections",
        str(connections),
        "--duration",
        str(duration),
    ]
    if rate is not None:
        args += ["--rate", str(rate)]
    before = cpu_seconds(pid) if pid else 0.0
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    run = Run(**json.loads(out))
    if pid:
        run.cpu_ms = (cpu_seconds(pid) - before) * 1000 / max(run.accepted, 1)
    return run


async def query(database_url: str, sql: str) -> list[Any]:
    """The first column of every row ``sql`` returns."""
    from sqlalchemy import text

    from aomaas.store.db import make_engine

    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(sql))).scalars())
    finally:
        await engine.dispose()


async def count_rows(database_url: str) -> dict[str, int]:
    """Delivery rows and ``github_delivery`` task rows in the database."""
    deliveries = await query(database_url, "SELECT count(*) FROM webhook_deliveries")
    tasks = await query(database_url, "SELECT count(*) FROM tasks WHERE kind = 'github_delivery'")
    return {"deliveries": int(deliveries[0]), "tasks": int(tasks[0])}


async def migrate(database_url: str) -> None:
    """The service's schema on a fresh database (the baseline writes the same table)."""
    from aomaas.store.db import make_engine
    from aomaas.store.migrate import upgrade

    engine = make_engine(database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@dataclass
class Figures:
    """What one server measured on one database."""

    warmup: Run
    sustained: Run
    paced: Run
    rows: dict[str, int]
    enqueued: int | None = None

    @property
    def accepted(self) -> int:
        """Every delivery answered 202, warm-up included."""
        return self.warmup.accepted + self.sustained.accepted + self.paced.accepted


@contextmanager
def fresh_database(backend: str, workdir: Path, name: str) -> Iterator[str]:
    """A new, migrated database for one server: a SQLite file or a PostgreSQL database."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / name}.db"
        asyncio.run(migrate(url))
        yield url
        return
    with database(backend, workdir) as url:
        asyncio.run(migrate(url))
        yield url


def clean_env() -> dict[str, str]:
    """This environment without any AOMaaS setting."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AOMAAS_", "GITHUB_")) and k not in ("DATABASE_URL", "REDIS_URL")
    }


def bench_server(name: str, backend: str, args: argparse.Namespace, workdir: Path) -> Figures:
    """Start ``name`` (ours or baseline) on a fresh database, load it, count what it stored."""
    with fresh_database(backend, workdir, name) as url:
        port = free_port()
        counts = workdir / f"{name}-counts.json"
        role = ["_ours", "--data", str(workdir / f"data-{name}"), "--counts", str(counts)]
        if name == "baseline":
            role = ["_baseline"]
        command = [sys.executable, __file__, *role, "--port", str(port), "--db", url]
        target = f"http://127.0.0.1:{port}{PATH}"
        with process(command, clean_env(), target, workdir / f"{name}.log") as pid:
            warmup = run_load(target, "warmup", args.connections, args.warmup)
            sustained = run_load(target, "sustained", args.connections, args.duration, pid=pid)
            paced = run_load(target, "paced", 200, args.paced_duration, rate=args.rate)
        rows = asyncio.run(count_rows(url))
        enqueued = json.loads(counts.read_text())["enqueued"] if counts.exists() else None
    return Figures(warmup, sustained, paced, rows, enqueued)


def crash_check(backend: str, args: argparse.Namespace, workdir: Path) -> tuple[int, int]:
    """SIGKILL ``ours`` under load: (acknowledged, acknowledged but not stored) — must be (n, 0)."""
    with fresh_database(backend, workdir, "crash") as url:
        port = free_port()
        target = f"http://127.0.0.1:{port}{PATH}"
        command = [
            sys.executable,
            __file__,
            "_ours",
            "--data",
            str(workdir / "data-crash"),
            "--counts",
            str(workdir / "crash.json"),
            "--port",
            str(port),
            "--db",
            url,
        ]
        with process(command, clean_env(), target, workdir / "crash.log") as pid:
            load = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "_load",
                    target,
                    "--prefix",
                    "crash",
                    "--connections",
                    str(args.connections),
                    "--duration",
                    "3",
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            time.sleep(1.5)
            os.kill(pid, signal.SIGKILL)
            out, _ = load.communicate(timeout=60)
        acked = set(json.loads(out)["acked"])
        lost = acked - set(asyncio.run(query(url, "SELECT delivery_id FROM webhook_deliveries")))
    return len(acked), len(lost)


def report_round(label: str, ours: Figures, base: Figures) -> bool:
    """Print one round's figures; True when every acknowledged delivery has its row, task, message."""
    for name, fig in (("baseline", base), ("ours", ours)):
        s, p = fig.sustained, fig.paced
        print(
            f"  {label} {name:<9} {s.per_second:6.0f} deliveries/s {s.cpu_ms:5.2f} ms CPU/delivery"
            f" | paced: p50 {p.p50:6.2f} ms p99 {p.p99:6.2f} ms"
            f" | non-202: {_others(s, p)}"
        )
    matched = ours.accepted == ours.rows["deliveries"] == ours.rows["tasks"] == ours.enqueued
    print(
        f"  {label} ours: acknowledged {ours.accepted}, rows {ours.rows['deliveries']}, tasks "
        f"{ours.rows['tasks']}, messages enqueued {ours.enqueued}: "
        f"{'all match' if matched else 'MISMATCH'}"
    )
    return matched


def _others(*runs: Run) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for run in runs:
        counts.update({k: v for k, v in run.statuses.items() if k != "202"})
    return dict(counts)


def verdict(
    backend: str,
    rounds: list[tuple[Figures, Figures]],
    matched: bool,
    crash: tuple[int, int] | None,
    rate: float,
) -> bool:
    """Print the medians over the rounds against the goals; True when every goal holds."""
    ratio = median(o.sustained.per_second / b.sustained.per_second for o, b in rounds)
    ours_rate = median(o.sustained.per_second for o, _ in rounds)
    base_rate = median(b.sustained.per_second for _, b in rounds)
    p99 = median(o.paced.p99 for o, _ in rounds)
    base_p99 = median(b.paced.p99 for _, b in rounds)
    p50 = median(o.paced.p50 for o, _ in rounds)
    print(
        f"  {backend} medians over {len(rounds)} round(s): ours {ours_rate:.0f}/s, baseline "
        f"{base_rate:.0f}/s, ratio {ratio:.0%} (goal >= 50%); at {rate:.0f}/s ours p50 "
        f"{p50:.1f} ms p99 {p99:.1f} ms (goal < 50 ms; baseline p99 {base_p99:.1f} ms); "
        f"sent == stored == tasks == enqueued: {matched}"
    )
    ok = ratio >= 0.5 and p99 < 50 and matched
    if crash is not None:
        print(
            f"  {backend} SIGKILL under load: {crash[0]} acknowledged, {crash[1]} of them not stored"
        )
        ok = ok and crash[1] == 0
    return ok


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or one of its helper processes)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated list")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds of sustained load")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument("--rate", type=float, default=200.0, help="deliveries/s of the paced run")
    parser.add_argument("--paced-duration", type=float, default=10.0, help="seconds of paced load")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (medians are reported)")
    parser.add_argument("--no-crash-check", action="store_true", help="skip the SIGKILL check")
    sub = parser.add_subparsers(dest="role")
    ours = sub.add_parser("_ours")
    base = sub.add_parser("_baseline")
    for role in (ours, base):
        role.add_argument("--port", type=int, required=True)
        role.add_argument("--db", required=True)
    ours.add_argument("--data", required=True)
    ours.add_argument("--counts", required=True)
    load = sub.add_parser("_load")
    load.add_argument("url")
    load.add_argument("--prefix", required=True)
    load.add_argument("--connections", type=int, default=32)
    load.add_argument("--duration", type=float, default=5.0)
    load.add_argument("--rate", type=float)
    args = parser.parse_args(argv)

    if args.role == "_ours":
        serve_ours(args.port, args.db, args.data, args.counts)
        return 0
    if args.role == "_baseline":
        serve_baseline(args.port, args.db)
        return 0
    if args.role == "_load":
        figures = asyncio.run(
            client_load(
                args.url,
                f"{args.prefix}-{uuid.uuid4().hex[:8]}",
                args.connections,
                args.duration,
                args.rate,
            )
        )
        print(json.dumps(figures))
        return 0

    verdicts = {}
    with tempfile.TemporaryDirectory(prefix="aomaas-bench-webhooks-") as tmp:
        for backend in args.backends.split(","):
            print(
                f"\n{backend}: sustained = closed loop on {args.connections} connections; "
                f"paced = {args.rate:.0f} deliveries/s, latency from the planned send time"
            )
            rounds, matched = [], True
            for number in range(args.rounds):
                workdir = Path(tmp) / f"{backend}-{number}"
                workdir.mkdir()
                order = ("baseline", "ours") if number % 2 == 0 else ("ours", "baseline")
                figures = {name: bench_server(name, backend, args, workdir) for name in order}
                matched &= report_round(f"#{number + 1}", figures["ours"], figures["baseline"])
                rounds.append((figures["ours"], figures["baseline"]))
            crash = None
            if not args.no_crash_check:
                crash = crash_check(backend, args, Path(tmp) / f"{backend}-0")
            verdicts[backend] = verdict(backend, rounds, matched, crash, args.rate)
    print(
        "\nsummary: "
        + ", ".join(f"{b} {'meets' if ok else 'MISSES'} the goals" for b, ok in verdicts.items())
    )
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
