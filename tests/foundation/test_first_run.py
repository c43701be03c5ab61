"""The first run, as the real `aomaas` command: every mistake a newcomer makes is answered by one
line saying what is wrong and what to do (exit 2 for a setting, 1 otherwise, never a
traceback); the start banner's command works from anywhere; commands say which data they use;
the database is private; AOMAAS_LOG_LEVEL is obeyed.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from aomaas.engine.sandbox import SANDBOX_UID
from tests.support.live import free_port
from tests.support.processes import AOMAAS, clean_env, run_cli, start_server_process

pytestmark = pytest.mark.slow

CONSOLE_SCRIPT = Path(sys.executable).parent / "aomaas"
FIRST_USER = re.compile(r"first user: (.+?) {3}\(then")


def _one_line_refusal(result: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    """The command exited ``code`` with one line on stderr naming each of ``words``."""
    err = result.stderr.strip()
    assert result.returncode == code, (result.returncode, err)
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith("aomaas: "), err
    for word in words:
        assert word in err, err
    return err


def test_serve_on_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(
            ["serve", "--port", str(port)], {"AOMAAS_DATA_DIR": str(tmp_path / "data")}
        )
    _one_line_refusal(result, 1, f"127.0.0.1:{port}", "in use", "--port")


def test_serve_on_an_unknown_host(tmp_path: Path) -> None:
    env = {"AOMAAS_DATA_DIR": str(tmp_path / "data"), "AOMAAS_HOST": "no-such-host.invalid"}
    _one_line_refusal(run_cli(["serve"], env), 2, "no-such-host.invalid", "AOMAAS_HOST")


@pytest.mark.parametrize("value", ["lots", "0/minute", "5/minute;10/hour"])
def test_bad_rate_limit(tmp_path: Path, value: str) -> None:
    env = {"AOMAAS_DATA_DIR": str(tmp_path / "data"), "AOMAAS_RATE_LIMIT_IP": value}
    _one_line_refusal(run_cli(["serve"], env), 2, "AOMAAS_RATE_LIMIT_IP", "100/minute")


def test_user_create_without_a_terminal(tmp_path: Path) -> None:
    env = {"AOMAAS_DATA_DIR": str(tmp_path / "data")}
    result = run_cli(["user", "create", "alice"], env, input="", new_session=True)
    _one_line_refusal(result, 2, "not a terminal", "--password-stdin")
    assert not (tmp_path / "data").exists()


def _ec_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.mark.parametrize("case", ["garbage", "directory", "missing", "not-rsa", "inline"])
def test_bad_private_key_stops_the_start(tmp_path: Path, case: str) -> None:
    path = tmp_path / "app.pem"
    env = {"AOMAAS_DATA_DIR": str(tmp_path / "data"), "GITHUB_PRIVATE_KEY_PATH": str(path)}
    if case == "garbage":
        path.write_text("this is not a key\n")
    elif case == "directory":
        path.mkdir()
    elif case == "not-rsa":
        path.write_text(_ec_key())
    elif case == "inline":
        del env["GITHUB_PRIVATE_KEY_PATH"]
        env["GITHUB_PRIVATE_KEY"] = (
            "-----BEGIN RSA PRIVATE KEY-----\\nAAAA\\n-----END RSA PRIVATE KEY-----"
        )
    variable = "GITHUB_PRIVATE_KEY" if case == "inline" else "GITHUB_PRIVATE_KEY_PATH"
    err = _one_line_refusal(run_cli(["serve", "--port", str(free_port())], env), 2, variable)
    assert "AAAA" not in err


def test_unreadable_private_key_stops_the_start() -> None:
    """A key file the service may not read. Root reads any file, so as root the service is
    run as another user (``setpriv``), in a folder that user can reach."""
    as_user: list[str] = []
    if os.geteuid() == 0:
        uid = f"{SANDBOX_UID}"  # nobody: a user that reads only what others may read
        as_user = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    folder = Path(tempfile.mkdtemp(prefix="aomaas-key-"))
    try:
        folder.chmod(0o777)
        path = folder / "app.pem"
        path.write_text("secret")
        path.chmod(0)
        env = {"AOMAAS_DATA_DIR": str(folder / "data"), "GITHUB_PRIVATE_KEY_PATH": str(path)}
        done = run_cli(["serve"], env, command=[*as_user, *AOMAAS])
        _one_line_refusal(done, 2, "GITHUB_PRIVATE_KEY_PATH", "cannot read")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("level", ["DEBUG", "INFO", "WARNING"])
def test_log_level_is_obeyed(tmp_path: Path, level: str) -> None:
    env = {"AOMAAS_DATA_DIR": str(tmp_path / "data"), "AOMAAS_LOG_LEVEL": level}
    server = start_server_process(env, free_port(), log=tmp_path / "serve.log")
    server.stop()
    output = server.output()
    assert (" DEBUG aomaas.serve: log level DEBUG" in output) == (level == "DEBUG"), output
    assert (" INFO " in output) == (level != "WARNING"), output
    assert "aiosqlite" not in output  # its DEBUG lines carry SQL parameters


def test_first_run_from_the_banner(tmp_path: Path) -> None:
    """Serve from one directory, follow the banner's command from another: same database."""
    service_dir, elsewhere = tmp_path / "service", tmp_path / "elsewhere"
    service_dir.mkdir()
    elsewhere.mkdir()
    # The console script by its path, as scripts/serve runs it; .venv/bin is not on PATH.
    env = {"PATH": os.defpath}
    server = start_server_process(
        env, free_port(), log=tmp_path / "serve.log", cwd=service_dir, command=[str(CONSOLE_SCRIPT)]
    )
    try:
        output = server.output()
        data = service_dir / "var"
        assert f"using data directory {data} (database: SQLite file {data / 'aomaas.db'}" in output
        # Private: the data directory 0700, the database and its WAL files 0600.
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        for name in ("aomaas.db", "aomaas.db-wal", "aomaas.db-shm"):
            assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
        found = FIRST_USER.search(output)
        assert found, output
        created = subprocess.run(
            ["sh", "-c", found.group(1) + " --password-stdin"],
            input="a-good-password\n",
            env=clean_env(env),
            cwd=elsewhere,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert created.returncode == 0, (found.group(1), created.stderr)
        assert f"using data directory {data}" in created.stderr
        request = urllib.request.Request(
            server.api + "/auth/token",
            data=b'{"username": "admin", "password": "a-good-password"}',
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            assert resp.status == 200
    finally:
        server.stop()
    assert not (elsewhere / "var").exists()


def test_user_commands_say_which_database(tmp_path: Path) -> None:
    env = {"PATH": os.defpath}
    empty = run_cli(["user", "list"], env, cwd=tmp_path)
    _one_line_refusal(
        empty, 1, f"no database at {tmp_path / 'var' / 'aomaas.db'}", "AOMAAS_DATA_DIR"
    )
    assert not (tmp_path / "var").exists()  # nothing was created
    created = run_cli(
        ["user", "create", "bob", "--password-stdin"], env, input="password123\n", cwd=tmp_path
    )
    assert created.returncode == 0, created.stderr
    assert f"using data directory {tmp_path / 'var'}" in created.stderr
    listed = run_cli(["user", "list"], env, cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout.startswith("bob\t"), listed.stderr
    assert f"using data directory {tmp_path / 'var'}" in listed.stderr
