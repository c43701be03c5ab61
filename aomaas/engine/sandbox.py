"""Run untrusted commands (a repository's tests) with no network, no secrets and limits.

The strongest isolation this machine allows is chosen once and reported honestly
in :attr:`SandboxResult.isolation`:

``namespaces``
    ``unshare --user --map-root-user --net --mount --pid``: a private network
    namespace whose loopback is brought up (suites that talk to 127.0.0.1 still
    work, nothing else is reachable), a mount namespace where the ``hidden``
    paths (the service's secrets and data, the shared temporary directory, named
    by the caller) are covered — a file by ``/dev/null``, a directory by an empty
    tmpfs through which only the run's own paths there show — and every mount is
    re-mounted read-only except the ``writable`` directories, and a PID
    namespace (a timeout kills every process the command started). The command
    then runs with no capabilities at all (``setpriv``), so it can neither undo
    those mounts nor remount anything writable. When the engine runs as root
    the command first drops to uid/gid 65534, so ``RLIMIT_NPROC`` stops fork
    bombs and the host's root files stay closed.
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

from aomaas.errors import EngineError

SANDBOX_UID = 65534
OUTPUT_LIMIT = 1_000_000
MAX_FILE_BYTES = 1024**3  # no single file over 1 GiB (a runaway suite cannot fill the disk at once)
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
_SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|API_?KEY|_KEY$", re.I)


def _unshare(network: bool) -> list[str]:
    namespaces = ["--user", "--map-root-user", "--mount", "--pid", "--fork", "--kill-child"]
    return ["unshare", *namespaces] + ([] if network else ["--net"])


# Runs as root of the new user namespace: loopback up, writable binds, the hidden paths
# covered, the rest read-only, then the command without any capability (so it cannot
# unmount a cover or remount anything writable). Arguments: MODE STAGE KEEP... --
# (dir|dir+|show|file PATH)... -- COMMAND...; the cover of a hidden directory whose
# ``show`` paths must stay visible ("dir+") is built on STAGE, an empty tmpfs into which
# those paths are bound from where they are, then moved onto the directory.
_SETUP = r"""
set -e
if [ "$1" = "isolated" ]; then ip link set lo up; fi
stage=$2
shift 2
mount --make-rprivate /
keep=""
while [ "$1" != "--" ]; do mount --bind "$1" "$1"; keep="$keep|$1|"; shift; done
shift
cover() {
  target=$1
  shift
  if ! "$@" 2>/dev/null && [ -e "$target" ]; then
    echo "sandbox: cannot hide $target" >&2
    exit 125
  fi
}
building=""
finish() {
  if [ -n "$building" ]; then cover "$building" mount --no-mtab --move "$stage" "$building"; fi
  building=""
}
while [ "$1" != "--" ]; do
  case "$1" in
    dir) finish; cover "$2" mount -t tmpfs -o mode=0755,size=1m aomaas-hidden "$2" ;;
    dir+) finish; mount -t tmpfs -o mode=0755,size=1m aomaas-hidden "$stage"; building=$2 ;;
    show) to="$stage/${2#"$building"/}"
          if [ -d "$2" ]; then mkdir -p "$to"; else mkdir -p "${to%/*}"; : > "$to"; fi
          mount --rbind "$2" "$to" ;;
    file) finish; cover "$2" mount --bind /dev/null "$2" ;;
  esac
  shift 2
done
shift
finish
mounts=$(cut -d' ' -f5 /proc/self/mountinfo | sort -u)
# A fresh /proc shows only the sandbox's processes. Where one cannot be mounted the host's
# is covered instead: through /proc/PID/root it would reach every file of the service.
mount -t proc proc /proc 2>/dev/null || mount -t tmpfs -o mode=0555,size=4k aomaas-noproc /proc
for mp in $mounts; do
  case "$keep" in *"|$mp|"*) continue;; esac
  case "$mp" in /proc|/proc/*) continue;; esac
  mount -o remount,bind,ro "$mp" 2>/dev/null || true
done
cd "$(pwd -P)"
exec setpriv --no-new-privs --inh-caps=-all --bounding-set=-all -- "$@"
"""


def _inside(path: Path, top: Path) -> bool:
    return top in path.parents


def hiding(hidden: Sequence[Path], shown: Sequence[Path], stage: Path | None = None) -> list[str]:
    """The setup's ``(dir|dir+|show|file PATH)`` arguments that cover ``hidden``.

    A hidden file is covered by ``/dev/null``, a hidden directory by an empty tmpfs
    through which the ``shown`` paths under it stay visible (``dir+`` then ``show``).
    Paths that do not exist, and paths a hidden directory already covers, are left out.
    Directories are covered deepest first (one hidden under a shown path is carried
    along when that path is shown through its parent's cover), the one holding
    ``stage``, where covers are built, last (once covered, the stage is out of reach).
    """
    targets = sorted({Path(p).resolve() for p in hidden}, key=lambda p: p.parts)
    targets = [p for p in targets if p.exists()]
    visible = [Path(p).resolve() for p in shown if Path(p).exists()]
    dirs = [p for p in targets if p.is_dir()]

    def covered(path: Path) -> bool:
        """Under a hidden directory and not under a path shown through it."""
        return any(
            _inside(path, top)
            and not any(_inside(s, top) and (s == path or _inside(path, s)) for s in visible)
            for top in dirs
        )

    tops = [p for p in dirs if not covered(p)]
    holds_stage = {p for p in tops if stage is not None and _inside(stage.resolve(), p)}
    tops.sort(key=lambda top: (top in holds_stage, -len(top.parts)))
    ops: list[str] = []
    for top in tops:
        under = [s for s in visible if _inside(s, top)]
        under = [s for s in under if not any(_inside(s, other) for other in under)]
        ops += ["dir+" if under else "dir", str(top)]
        for path in under:
            ops += ["show", str(path)]
    for path in [p for p in targets if not p.is_dir() and not covered(p)]:
        ops += ["file", str(path)]
    return ops


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
    if not all(shutil.which(tool) for tool in ("unshare", "ip", "mount", "setpriv")):
        return "rlimits"
    with tempfile.TemporaryDirectory(prefix="aomaas-probe-") as probe:
        _hand_over([Path(probe)])
        argv = [*_setup(False, [Path(probe)], [], None), "sh", "-c", f"touch {probe}/ok"]
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


def _setup(network: bool, keep: Sequence[Path], hide: list[str], stage: Path | None) -> list[str]:
    """The command line that enters the namespaces and runs :data:`_SETUP` before a command."""
    mode = "shared" if network else "isolated"
    args = [mode, str(stage or "-"), *map(str, keep), "--", *hide, "--"]
    return [*_unshare(network), "sh", "-c", _SETUP, "sh", *args]


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
    hidden: Sequence[Path] = (),
    readable: Sequence[Path] = (),
) -> SandboxResult:
    """Run ``argv`` in ``cwd`` isolated as well as this machine allows.

    ``writable`` directories (and a private temporary HOME) are the only places
    the command may write; when the engine runs as root they are handed to uid
    65534 first. ``env`` adds variables to the empty base environment; names that
    look like secrets are dropped anyway. ``network=True`` keeps the host network:
    only for fetching declared dependencies from the package index, never for a
    command that runs the repository's own code (:mod:`aomaas.engine.testinstall`).
    ``hidden`` paths (the service's secret files and data directory) cannot be
    read: a file reads as empty, a directory as an empty one, except the
    ``writable`` and ``readable`` paths under it (``readable``: what the command
    needs there, such as its interpreter's environment). Hiding needs the mount
    namespace: EngineError where there is none.
    """
    level = isolation_level()
    if hidden and level != "namespaces":
        raise EngineError(
            "cannot hide the service's files from the command: this machine has no mount "
            "namespaces, and the command is not run without"
        )
    with contextlib.ExitStack() as stack:
        home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="aomaas-home-")))
        keep = [home, *(Path(p).resolve() for p in writable)]
        stage = None
        if hidden:  # only with namespaces (checked above)
            stage = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="aomaas-stage-")))
        _hand_over([*keep, *([stage] if stage else [])])
        command = list(argv)
        if level == "namespaces":
            hide = hiding(hidden, [*keep, *readable], stage)
            command = [*_setup(network, keep, hide, stage), *command]
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
