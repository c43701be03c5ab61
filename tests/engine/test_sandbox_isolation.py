"""The sandbox: no network but a working loopback, no secrets, limits, timeout, read-only host."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from aomaas.engine.sandbox import run_sandboxed, sandbox_python
from aomaas.engine.validator import sandbox_dir

needs_namespaces = pytest.mark.usefixtures("namespaces")  # tests/conftest.py


@pytest.fixture
def box() -> Iterator[Path]:
    with sandbox_dir("aomaas-test-") as path:
        work = path / "work"
        work.mkdir()
        yield work


def run(box: Path, code: str, **kw: object) -> object:
    options: dict = {"timeout": 20, "memory_mb": 512, "writable": [box], **kw}
    return run_sandboxed([sandbox_python(), "-c", code], box, **options)


@needs_namespaces
def test_no_network_outside_but_loopback_inside(box: Path) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    code = f"""
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3)
    print("outside: reached")
except OSError:
    print("outside: blocked")
server = socket.create_server(("127.0.0.1", 0))
client = socket.create_connection(server.getsockname(), timeout=3)
conn, _ = server.accept()
client.sendall(b"ping")
print("loopback:", conn.recv(4).decode())
"""
    result = run(box, code)
    listener.setblocking(False)
    with pytest.raises(BlockingIOError):
        listener.accept()  # nothing reached the host's listener (backlog is empty)
    listener.close()
    assert "outside: blocked" in result.stdout, result
    assert "loopback: ping" in result.stdout, result
    assert result.isolation == "namespaces"


def test_secrets_are_not_visible(box: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", "hook-secret")
    monkeypatch.setenv("AOMAAS_SECRET_KEY", "signing-key")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    code = "import os; print(sorted(os.environ)); print(os.environ.get('AOMAAS_SECRET_KEY'))"
    result = run(box, code, env={"MY_TOKEN": "leak", "PYTHONPATH": "/nowhere"})
    assert result.returncode == 0, result
    for secret in ("hook-secret", "signing-key", "sk-test", "leak", "GITHUB", "ANTHROPIC"):
        assert secret not in result.stdout
    assert "PYTHONPATH" in result.stdout
    assert result.stdout.splitlines()[-1] == "None"


def test_memory_hog_is_stopped(box: Path) -> None:
    result = run(box, "x = bytearray(1500 * 1024 * 1024); print('allocated')", memory_mb=300)
    assert result.returncode != 0
    assert "allocated" not in result.stdout
    assert "MemoryError" in result.stderr


@needs_namespaces
@pytest.mark.skipif(os.geteuid() != 0, reason="RLIMIT_NPROC binds only after dropping to uid 65534")
def test_fork_bomb_is_limited(box: Path) -> None:
    code = """
import os, time
n = 0
try:
    for _ in range(5000):
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
except OSError:
    print("limited after", n)
"""
    result = run(box, code, max_processes=40)
    assert "limited after" in result.stdout, result
    assert int(result.stdout.split()[-1]) < 40
    assert result.duration < 15


def test_timeout_kills_the_whole_group(box: Path) -> None:
    result = run_sandboxed(
        ["sh", "-c", "sleep 60 & sleep 60"], box, timeout=1, memory_mb=256, writable=[box]
    )
    assert result.timed_out
    assert result.duration < 8


@needs_namespaces
def test_only_writable_dirs_can_be_written(box: Path, tmp_path: Path) -> None:
    outside = Path(__file__).with_name("sandbox-should-not-exist")
    code = f"""
open("inside.txt", "w").write("ok")
for target in ({str(outside)!r}, "/etc/aomaas-test"):
    try:
        open(target, "w").write("x")
        print("wrote", target)
    except OSError as exc:
        print("refused", exc.errno)
"""
    result = run(box, code)
    assert result.returncode == 0, result
    assert (box / "inside.txt").read_text() == "ok"
    assert "wrote" not in result.stdout
    assert not outside.exists()
    assert not Path("/etc/aomaas-test").exists()
