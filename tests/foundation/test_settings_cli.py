"""Settings and the command line, run as the real `aomaas` command."""

from __future__ import annotations

import importlib.util
import io
import stat
from pathlib import Path

import pytest

from aomaas.app import main
from aomaas.settings import SettingsError, load_settings
from tests.support.live import free_port
from tests.support.processes import run_cli, start_server_process

HELP_COMMANDS = [
    ["serve"],
    ["worker"],
    ["migrate"],
    ["user"],
    ["user", "create"],
    ["user", "list"],
    ["user", "grant"],
    ["user", "disable"],
    ["scan"],
    ["fix"],
]


def test_help_of_the_command() -> None:
    result = run_cli(["--help"])
    assert result.returncode == 0, result.stderr
    for name in ("serve", "worker", "migrate", "user"):
        assert f"    {name} " in result.stdout


@pytest.mark.parametrize("args", HELP_COMMANDS, ids=" ".join)
def test_help_of_every_subcommand(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    # In-process (one interpreter start per command would cost seconds): the same parser.
    if importlib.util.find_spec(f"aomaas.commands.{args[0]}") is None:
        pytest.skip(f"`aomaas {args[0]}` has not landed yet")
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--help"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("usage: aomaas " + " ".join(args))


@pytest.mark.slow
def test_user_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"AOMAAS_DATA_DIR": str(tmp_path / "data")}
    created = run_cli(
        ["user", "create", "alice", "--email", "a@example.org", "--admin", "--password-stdin"],
        env,
        input="correct horse battery\n",
    )
    assert created.returncode == 0, created.stderr
    assert "created user alice (admin)" in created.stdout
    # A second account in-process (each interpreter start costs about two seconds).
    monkeypatch.setenv("AOMAAS_DATA_DIR", env["AOMAAS_DATA_DIR"])
    monkeypatch.setattr("sys.stdin", io.StringIO("bobs-password\n"))
    assert main(["user", "create", "bob", "--password-stdin"]) == 0

    granted = run_cli(["user", "grant", "bob", "Acme"], env)
    assert granted.returncode == 0, granted.stderr
    disabled = run_cli(["user", "disable", "bob"], env)
    assert disabled.returncode == 0 and "disabled" in disabled.stdout

    listing = run_cli(["user", "list"], env)
    assert listing.returncode == 0, listing.stderr
    rows = [line.split("\t") for line in listing.stdout.splitlines()]
    assert rows == [
        ["alice", "a@example.org", "admin", "-"],
        ["bob", "-", "disabled", "acme"],
    ]
    assert "correct horse" not in listing.stdout + created.stdout + created.stderr


def test_bad_setting_stops_serve_with_a_message() -> None:
    result = run_cli(["serve"], {"AOMAAS_PORT": "abc"})
    assert result.returncode == 2
    assert "AOMAAS_PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_settings_never_echo_secrets(tmp_path: Path) -> None:
    result = run_cli(
        ["migrate"],
        {"AOMAAS_DATA_DIR": str(tmp_path), "DATABASE_URL": "mysql://user:hunter2-pw@db/x"},
    )
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr and "hunter2" not in result.stderr
    assert "Traceback" not in result.stderr


def test_scaled_mode_needs_a_secret(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="AOMAAS_SECRET_KEY"):
        load_settings(
            AOMAAS_DATA_DIR=tmp_path, REDIS_URL="redis://127.0.0.1:6379/0", AOMAAS_SECRET_KEY=None
        )
    result = run_cli(
        ["worker"], {"AOMAAS_DATA_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/0"}
    )
    assert result.returncode == 2
    assert "AOMAAS_SECRET_KEY" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_short_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="AOMAAS_SECRET_KEY"):
        load_settings(AOMAAS_DATA_DIR=tmp_path, AOMAAS_SECRET_KEY="short", REDIS_URL=None)


def test_embedded_secret_is_generated_once(tmp_path: Path) -> None:
    first = load_settings(AOMAAS_DATA_DIR=tmp_path / "data", REDIS_URL=None, AOMAAS_SECRET_KEY=None)
    path = tmp_path / "data" / "secret_key"
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.secret_key and len(first.secret_key) >= 32
    second = load_settings(
        AOMAAS_DATA_DIR=tmp_path / "data", REDIS_URL=None, AOMAAS_SECRET_KEY=None
    )
    assert second.secret_key == first.secret_key
    other = load_settings(
        AOMAAS_DATA_DIR=tmp_path / "elsewhere", REDIS_URL=None, AOMAAS_SECRET_KEY=None
    )
    assert other.secret_key != first.secret_key


def test_serve_starts_without_github_settings(tmp_path: Path) -> None:
    env = {"AOMAAS_DATA_DIR": str(tmp_path / "data")}
    server = start_server_process(env, free_port())
    try:
        import json
        import urllib.request

        with urllib.request.urlopen(server.url + "/healthz", timeout=5) as resp:
            health = json.load(resp)
        assert health["github"] == "not configured" and health["status"] == "ok"
    finally:
        code = server.stop()
    assert code == 0
    output = server.output()
    assert "GITHUB_WEBHOOK_SECRET" in output  # says what to configure
    assert (tmp_path / "data" / "aomaas.db").is_file()  # migrated by itself
    secret = (tmp_path / "data" / "secret_key").read_text().strip()
    assert secret not in output


def test_user_command_refusals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # In-process: the environment is the command's input, set as a user would.
    monkeypatch.setenv("AOMAAS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("sys.stdin", io.StringIO("bobs-password\n"))
    assert main(["user", "create", "bob", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("bobs-password\n"))
    with pytest.raises(SystemExit) as exit_info:
        main(["user", "create", "bob", "--password-stdin"])
    assert exit_info.value.code == 1 and "already exists" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(SystemExit) as exit_info:
        main(["user", "create", "carl", "--password-stdin"])
    assert exit_info.value.code == 2 and "8 characters" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["user", "grant", "nobody", "acme"])
    assert exit_info.value.code == 1 and "no user 'nobody'" in capsys.readouterr().err


def test_trusted_proxies_from_the_environment_are_a_comma_separated_list(
    tmp_path: Path,
) -> None:
    """The environment gives ``1.2.3.4,10.0.0.0/8``, not JSON: it must not stop the service."""
    result = run_cli(
        ["migrate"],
        {"AOMAAS_DATA_DIR": str(tmp_path), "AOMAAS_TRUSTED_PROXIES": "1.2.3.4, 10.0.0.0/8"},
    )
    assert result.returncode == 0, result.stderr
    assert "AOMAAS_TRUSTED_PROXIES" not in result.stderr
