"""The sandbox hides the service's secret files and data directory from a repository's code,
whether the engine runs as root (the command then runs as uid 65534) or as another user."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import aomaas
from aomaas.engine.sandbox import SANDBOX_UID, SandboxResult, hiding, run_sandboxed, sandbox_python
from aomaas.engine.validator import sandbox_dir

ROOT = Path(aomaas.__file__).resolve().parents[1]
needs_namespaces = pytest.mark.usefixtures("namespaces")  # tests/conftest.py
SECRETS = {
    "app.pem": "PEM-7f3a-private-key-text",
    "data/aomaas.db": "DB-91c2-user-rows",
    "data/secret_key": "SK-4be0-token-signing-key",
    "data/github-app.json": '{"webhook_secret": "WH-0d6e"}',
}
CHILD = """
import json, os, sys
from pathlib import Path
from aomaas.engine.sandbox import run_sandboxed
args = json.loads(sys.argv[1])
args["argv"] = [a.replace("ENGINE_PID", str(os.getpid())) for a in args["argv"]]
paths = {name: [Path(p) for p in args[name]] for name in ("writable", "hidden", "readable")}
result = run_sandboxed(args["argv"], Path(args["cwd"]), timeout=20, memory_mb=512, **paths)
print(json.dumps(result.to_dict()))
"""


@dataclass
class Planted:
    """A service's secret files, readable by the sandbox user unless hidden, and a work dir."""

    top: Path
    work: Path

    @property
    def data(self) -> Path:
        return self.top / "data"

    @property
    def key(self) -> Path:
        return self.top / "app.pem"

    @property
    def venv(self) -> Path:
        return self.data / "cache" / "venv"


@pytest.fixture
def planted() -> Iterator[Planted]:
    with sandbox_dir("aomaas-hide-") as top:
        files = {**SECRETS, "data/cache/venv/ok.txt": "visible\n"}
        for rel, text in files.items():
            (top / rel).parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            (top / rel).write_text(text)
            (top / rel).chmod(0o644)
        work = top / "work"
        work.mkdir()
        if os.geteuid() == 0:  # the engine may run as the sandbox user: its work dir is its own
            os.chown(work, SANDBOX_UID, SANDBOX_UID)
        yield Planted(top, work)


def sandboxed(
    as_user: bool,
    argv: list[str],
    cwd: Path,
    writable: list[Path],
    hidden: Sequence[Path] = (),
    readable: Sequence[Path] = (),
) -> SandboxResult:
    """``run_sandboxed`` in this process, or in an engine running as uid 65534 (``as_user``)."""
    if not as_user:
        argv = [a.replace("ENGINE_PID", str(os.getpid())) for a in argv]
        return run_sandboxed(
            argv,
            cwd,
            timeout=20,
            memory_mb=512,
            writable=writable,
            hidden=hidden,
            readable=readable,
        )
    paths = {"writable": writable, "hidden": hidden, "readable": readable}
    args = {"argv": argv, "cwd": str(cwd)} | {k: [str(p) for p in v] for k, v in paths.items()}
    engine = ["setpriv", f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}", "--clear-groups"]
    done = subprocess.run(
        [*engine, sandbox_python(), "-c", CHILD, json.dumps(args)],
        cwd="/",
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return SandboxResult(**json.loads(done.stdout))


ENGINES = [
    pytest.param(False, id="engine-as-" + ("root" if os.geteuid() == 0 else "non-root")),
    pytest.param(
        True,
        id="engine-as-uid-65534",
        marks=pytest.mark.skipif(os.geteuid() != 0, reason="only root can start another user"),
    ),
]


@needs_namespaces
@pytest.mark.parametrize("as_user", ENGINES)
def test_secret_files_and_the_data_directory_cannot_be_read(
    planted: Planted, as_user: bool
) -> None:
    """The command cats the key and the data directory's files, lists the data directory,
    tries to unmount the covers and to read the key through the engine's /proc entry:
    nothing of them shows, and what it was told to keep does."""
    targets = [planted.key, *(planted.data / n for n in ("aomaas.db", "secret_key"))]
    script = "; ".join(
        [
            *(f"cat {t}" for t in targets),
            f"cat {planted.data}/github-app.json",
            f"ls -A {planted.data}",
            f"cat {planted.venv}/ok.txt",
            f"umount {planted.key}; umount {planted.data}",
            f"cat {planted.key} {planted.data}/secret_key",
            f"cat /proc/ENGINE_PID/root{planted.key}",  # the engine's view of the files
            f"test -s {planted.key} || echo key-empty",
        ]
    )
    argv = ["sh", "-c", script]
    exposed = sandboxed(as_user, argv, planted.work, writable=[planted.work])
    assert all(text in exposed.stdout for text in SECRETS.values()), exposed  # the sandbox user
    # could read every one of them: the test plants what a real leak would print
    hidden = sandboxed(
        as_user,
        argv,
        planted.work,
        writable=[planted.work],
        hidden=[planted.data, planted.key],
        readable=[planted.venv],
    )
    assert hidden.isolation == "namespaces"
    output = hidden.stdout + hidden.stderr
    for text in SECRETS.values():
        assert text not in output, hidden
    lines = hidden.stdout.splitlines()
    assert lines[:2] == ["cache", "visible"], hidden  # only the kept path, through an empty dir
    assert lines[-1] == "key-empty", hidden


def test_hiding_plan_covers_each_path_once_and_keeps_what_is_needed(planted: Planted) -> None:
    db = planted.data / "aomaas.db"
    ops = hiding(
        [planted.key, db, planted.data, planted.top / "missing"],
        [planted.work, planted.venv, planted.top / "elsewhere"],
    )
    assert ops == [
        "dir+",
        str(planted.data),
        "show",
        str(planted.venv),
        "file",
        str(planted.key),
    ]
    assert hiding([planted.data], [planted.work]) == ["dir", str(planted.data)]
