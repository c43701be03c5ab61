"""Run untrusted commands (a repository's tests) with no network, no secrets and limits.

The strongest isolation this machine allows is chosen once and reported honestly
in :attr:`SandboxResult.isolation`:

``namespaces``
    ``unshare --user --map-root-user --net --mount --pid``: a private network
    namespace whose loopback is brought up (suites that talk to 127.0.0.1 still
    work, nothing else is reachable), a mount namespace where every mount is
    re-mounted read-only except the ``writable`` directories, and a PID
    namespace (a timeout kills every process the command started). When the
    engine runs as root the command first drops to uid/gid 65534, so
    ``RLIMIT_NPROC`` stops fork bombs and the host's root files stay closed.
``rlimits``
    the fallback where user namespaces are not allowed (for example under an
    AppArmor policy): resource limits and a scrubbed environment only, no
    network or file-system isolation. Callers that need network isolation must
    check :func:`isolation_level`.

Always: an environment built from nothing (``PATH``, ``HOME``, ``LANG``,
``TMPDIR`` plus the caller's explicit additions, minus anything that looks like
a secret), a private temporary ``HOME``, ``RLIMIT_AS`` (memory), ``RLIMIT_CPU``,
``RLIMIT_FSIZE`` (1 GiB per file), no core files, and a wall-clock timeout that
kills the whole process group.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SANDBOX_UID = 65534
OUTPUT_LIMIT = 1_000_000
MAX_FILE_BYTES = 1024**3  # no single file over 1 GiB (a runaway suite cannot fill the disk at once)
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
_SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|API_?KEY|_KEY$", re.I)


def _unshare(network: bool) -> list[str]:
    namespaces = ["--user", "--map-root-user", "--mount", "--pid", "--fork", "--kill-child"]
    return ["unshare", *namespaces] + ([] if network else ["--net"])


# Runs as root of the new user namespace: loopback up, writable binds, the rest read-only.
_SETUP = r"""
set -e
if [ "$1" = "isolated" ]; then ip link set lo up; fi
shift
mount --make-rprivate /
keep=""
while [ "$1" != "--" ]; do mount --bind "$1" "$1"; keep="$keep|$1|"; shift; done
shift
mount -t proc proc /proc 2>/dev/null || true
for mp in $(cut -d' ' -f5 /proc/self/mountinfo | sort -u); do
  case "$keep" in *"|$mp|"*) continue;; esac
  case "$mp" in /proc|/proc/*) continue;; esac
  mount -o remount,bind,ro "$mp" 2>/dev/null || true
done
cd "$(pwd -P)"
exec "$@"
"""


@dataclass(frozen=True, slots=True)
class SandboxResult:
    """What a sandboxed command did."""

    returncode: int
    stdout: str
    stderr: str
    duration: float
    timed_out: bool
    isolation: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _reachable(path: Path) -> bool:
    """Whether any user may run ``path`` (every parent searchable, the file executable)."""
    real = path.resolve()
    if not real.is_file() or not real.stat().st_mode & stat.S_IXOTH:
        return False
    return all(parent.stat().st_mode & stat.S_IXOTH for parent in real.parents)


def sandbox_can_enter(directory: Path) -> bool:
    """Whether the sandbox user can reach ``directory`` (always true when no user switch)."""
    if not _drops_privileges():
        return True
    real = directory.resolve()
    return all(part.stat().st_mode & stat.S_IXOTH for part in (real, *real.parents))


def sandbox_python() -> str:
    """A Python interpreter the sandbox user can run: this one, else the system's ``python3``.

    An interpreter under a private home (e.g. ``/root/.pyenv``) cannot be run
    after the sandbox drops to uid 65534, so the system interpreter is used.
    """
    candidates = [Path(sys.executable)]
    candidates += [Path(d) / "python3" for d in DEFAULT_PATH.split(":")]
    for candidate in candidates:
        if not _drops_privileges() or _reachable(candidate):
            return str(candidate)
    return sys.executable


def _drops_privileges() -> bool:
    return os.geteuid() == 0


def _limits(memory_mb: int, cpu_seconds: int, max_processes: int | None) -> Callable[[], None]:
    """A ``preexec_fn`` that sets the limits, then drops to the sandbox user when root."""
    drop = _drops_privileges()

    def apply() -> None:
        memory = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
        if drop:
            if max_processes is not None:
                resource.setrlimit(resource.RLIMIT_NPROC, (max_processes, max_processes))
            os.setgroups([])
            os.setgid(SANDBOX_UID)
            os.setuid(SANDBOX_UID)

    return apply


@functools.cache
def isolation_level() -> str:
    """``"namespaces"`` when user+net+mount+pid namespaces work here, else ``"rlimits"``."""
    if not (shutil.which("unshare") and shutil.which("ip") and shutil.which("mount")):
        return "rlimits"
    with tempfile.TemporaryDirectory(prefix="aomaas-probe-") as probe:
        _hand_over([Path(probe)])
        argv = [*_unshare(False), "sh", "-c", _SETUP, "sh", "isolated", probe, "--"]
        argv += ["sh", "-c", f"touch {probe}/ok"]
        try:
            done = subprocess.run(
                argv,
                cwd=probe,
                env={"PATH": DEFAULT_PATH},
                capture_output=True,
                timeout=30,
                check=False,
                preexec_fn=_limits(1024, 30, None),
            )
        except (OSError, subprocess.SubprocessError):
            return "rlimits"
        return "namespaces" if done.returncode == 0 and (Path(probe) / "ok").exists() else "rlimits"


def _hand_over(paths: Sequence[Path]) -> None:
    """Give the writable directories to the sandbox user when we will drop to it."""
    if not _drops_privileges():
        return
    for top in paths:
        os.chown(top, SANDBOX_UID, SANDBOX_UID)
        for dirpath, dirnames, filenames in os.walk(top):
            for name in dirnames + filenames:
                os.lchown(os.path.join(dirpath, name), SANDBOX_UID, SANDBOX_UID)


def clean_env(extra: Mapping[str, str] | None, home: Path) -> dict[str, str]:
    """An environment built from nothing: PATH, HOME, LANG, TMPDIR and safe extras."""
    env = {
        "PATH": DEFAULT_PATH,
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TMPDIR": str(home),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name, value in (extra or {}).items():
        if not _SECRET_NAME.search(name):
            env[name] = value
    return env


def output_tail(text: str, limit: int) -> str:
    """The last lines of ``text`` that fit in ``limit`` characters, on one line."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    kept: list[str] = []
    for line in reversed(lines):
        if sum(len(k) + 3 for k in kept) + len(line) > limit:
            break
        kept.insert(0, line)
    return " / ".join(kept) or text.strip()[-limit:]


def _text(data: bytes | None) -> str:
    return (data or b"")[:OUTPUT_LIMIT].decode("utf-8", "replace")


def run_sandboxed(
    argv: Sequence[str],
    cwd: Path,
    *,
    timeout: float,
    memory_mb: int,
    env: Mapping[str, str] | None = None,
    writable: Sequence[Path],
    max_processes: int = 256,
    network: bool = False,
) -> SandboxResult:
    """Run ``argv`` in ``cwd`` isolated as well as this machine allows.

    ``writable`` directories (and a private temporary HOME) are the only places
    the command may write; when the engine runs as root they are handed to uid
    65534 first. ``env`` adds variables to the empty base environment; names that
    look like secrets are dropped anyway. ``network=True`` keeps the host network:
    only for fetching declared dependencies from the package index, never for a
    command that runs the repository's own code (:mod:`aomaas.engine.testinstall`).
    """
    level = isolation_level()
    with tempfile.TemporaryDirectory(prefix="aomaas-home-") as home_dir:
        home = Path(home_dir)
        keep = [home, *(Path(p).resolve() for p in writable)]
        _hand_over(keep)
        command = list(argv)
        if level == "namespaces":
            mode = "shared" if network else "isolated"
            wrap = [*_unshare(network), "sh", "-c", _SETUP, "sh", mode, *map(str, keep), "--"]
            command = [*wrap, *command]
        started = time.monotonic()
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=clean_env(env, home),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_limits(memory_mb, int(timeout) + 1, max_processes),
        )
        timed_out = False
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc.pid)
            try:
                out, err = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                out, err = b"", b"(output lost: processes outlived the timeout)"
        return SandboxResult(
            returncode=proc.returncode if proc.returncode is not None else -9,
            stdout=_text(out),
            stderr=_text(err),
            duration=round(time.monotonic() - started, 3),
            timed_out=timed_out,
            isolation=level,
        )


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
