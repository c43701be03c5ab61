"""The real ``aomaas`` command as subprocesses: one-shot commands and a serving process."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AOMAAS = [sys.executable, "-m", "aomaas.app"]

# Variables of the test's own environment that must not leak into the service's settings.
_SERVICE_PREFIXES = ("AOMAAS_", "GITHUB_", "ANTHROPIC_")
_SERVICE_NAMES = ("DATABASE_URL", "REDIS_URL")


def clean_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any AOMaaS setting, plus ``env``."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_SERVICE_PREFIXES) and k not in _SERVICE_NAMES
    }
    base.update(env or {})
    return base


def run_cli(
    args: Sequence[str],
    env: Mapping[str, str] | None = None,
    *,
    input: str | None = None,
    timeout: float = 60,
    cwd: Path = ROOT,
    command: Sequence[str] = AOMAAS,
    new_session: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``aomaas ARGS`` to completion (text output captured, never raises on exit status).

    ``command`` is how aomaas is started (another interpreter or install); ``new_session``
    starts it without a controlling terminal.
    """
    return subprocess.run(
        [*command, *args],
        env=clean_env(env),
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        start_new_session=new_session,
    )


class ServerProcess:
    """A running ``aomaas serve`` (or other long-lived command) subprocess."""

    def __init__(self, proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.proc = proc
        self.url = url
        self.api = url + "/api/v1"
        self.log = log

    @property
    def pid(self) -> int:
        """The process id."""
        return self.proc.pid

    def output(self) -> str:
        """Everything the process wrote so far (stdout and stderr)."""
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        """Send ``sig`` and wait for the exit; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        return self.proc.returncode


def start_process(
    args: Sequence[str],
    env: Mapping[str, str] | None,
    log: Path,
    url: str = "",
    *,
    cwd: Path = ROOT,
    command: Sequence[str] = AOMAAS,
) -> ServerProcess:
    """Start ``aomaas ARGS`` (or ``command ARGS``) in the background, output going to ``log``."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [*command, *args], env=clean_env(env), cwd=cwd, stdout=out, stderr=subprocess.STDOUT
        )
    return ServerProcess(proc, url, log)


def start_server_process(
    env: Mapping[str, str],
    port: int,
    *,
    log: Path | None = None,
    timeout: float = 30,
    cwd: Path = ROOT,
    command: Sequence[str] = AOMAAS,
) -> ServerProcess:
    """Start ``aomaas serve --port PORT`` (or ``command serve …``); wait until ``/healthz`` is 200."""
    data_dir = Path(env.get("AOMAAS_DATA_DIR", "."))
    log = log or data_dir.parent / f"serve-{port}-{time.monotonic_ns()}.log"
    url = f"http://127.0.0.1:{port}"
    server = start_process(
        ["serve", "--host", "127.0.0.1", "--port", str(port)],
        env,
        log,
        url,
        cwd=cwd,
        command=command,
    )
    deadline = time.monotonic() + timeout
    while True:
        if server.proc.poll() is not None:
            raise AssertionError(
                f"aomaas serve exited with {server.proc.returncode}:\n{server.output()}"
            )
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return server
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            server.stop(signal.SIGKILL)
            raise AssertionError(
                f"aomaas serve did not answer /healthz in {timeout} s:\n{server.output()}"
            )
        time.sleep(0.1)


def checkout_copy(target: Path) -> Path:
    """The files a fresh clone of this repository would have (tracked or new, not ignored),
    copied to ``target`` (links kept as links)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the work tree, not yet in the index
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination, follow_symlinks=False)
    return target
