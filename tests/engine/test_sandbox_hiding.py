"""The sandbox hides the service's secret files and data directory from a repository's code,
and the shared temporary directory (other repositories' trees and environments) from a
repository's tests and build, whether the engine runs as root (the command then runs as
uid 65534) or as another user."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

import aomaas
from aomaas.engine.sandbox import SANDBOX_UID, SandboxResult, hiding, run_sandboxed, sandbox_python
from aomaas.engine.testenv import (
    SuiteSettings,
    hidden_paths,
    prepare_environment,
    reachable_cache,
    run_tests,
)
from aomaas.engine.validator import sandbox_dir
from tests.engine.hands_util import make_repo

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
    inner = planted.work / "inner"  # hidden, inside a path shown through a hidden directory
    inner.mkdir()
    stage = planted.top / "stage"
    stage.mkdir()
    assert hiding([planted.top, inner, planted.data], [planted.work], stage) == [
        "dir",
        str(inner),  # deepest first: the cover of its parent carries it along
        "dir+",
        str(planted.top),  # holds the stage, where covers are built: last
        "show",
        str(planted.work),
    ]


OTHERS = {"tree": "OTHER-TREE-4c1d", "venv": "OTHER-VENV-9a7e"}
SNOOP_SETUP = """import json
from pathlib import Path

from setuptools import setup

def read(path):
    try:
        return Path(path).read_text()
    except OSError:
        return ""

with open("snoop/seen.json", "w") as out:
    json.dump([read(path) for path in PATHS], out)
setup(packages=["snoop"], package_data={"snoop": ["seen.json"]})
"""
SNOOP_PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "snoop"
version = "1.0"
"""
SNOOP_SUITE = """import importlib.metadata, json, os, pathlib, tempfile

PATHS = {paths!r}


def read(path):
    try:
        return pathlib.Path(path).read_text()
    except OSError:
        return ""


def test_the_other_repository_cannot_be_read():
    assert [read(path) for path in PATHS] == ["" for _ in PATHS]


def test_nor_could_the_build():
    seen = importlib.metadata.distribution("snoop").locate_file("snoop/seen.json")
    assert json.loads(pathlib.Path(seen).read_text()) == ["" for _ in PATHS]


def test_home_and_temporary_files_still_work(tmp_path):
    pathlib.Path(os.environ["HOME"], "note").write_text("home")
    with tempfile.NamedTemporaryFile() as scratch:
        scratch.write(b"temporary")
    (tmp_path / "file").write_text("tmp_path")
"""


@contextmanager
def other_repository(cache: Path) -> Iterator[dict[Path, str]]:
    """Another repository's tree, as the validator leaves it in the temporary directory
    during its proof, and its venv in ``cache``: files the sandbox user could read."""
    venv = cache / "venvs" / f"other-{uuid.uuid4().hex[:12]}"
    with sandbox_dir() as other:
        planted = {other / "tree" / "secret.py": OTHERS["tree"], venv / "secret.py": OTHERS["venv"]}
        for path, text in planted.items():
            path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            path.write_text(text)
            path.chmod(0o644)
        try:
            yield planted
        finally:
            shutil.rmtree(venv, ignore_errors=True)


@needs_namespaces
def test_a_suite_cannot_read_another_repositorys_tree_or_environment() -> None:
    """With a data directory the sandbox user cannot enter, a root engine keeps every
    repository's venv in the temporary directory: neither the repository's build nor its
    tests read another's tree or venv there, and its HOME and temporary files still work."""
    with sandbox_dir() as mine:
        private = mine / "data"
        private.mkdir(mode=0o700)
        settings = SuiteSettings(
            cache_dir=private / "cache", timeout=300, memory_mb=1024, install_dependencies=True
        )
        with other_repository(reachable_cache(settings.cache_dir)) as planted:
            paths = [str(path) for path in planted]
            files = {
                "pyproject.toml": SNOOP_PYPROJECT,
                "setup.py": SNOOP_SETUP.replace("PATHS", repr(paths)),
                "snoop/__init__.py": "",
                "tests/test_snoop.py": SNOOP_SUITE.format(paths=paths),
            }
            tree = mine / "tree"
            make_repo(tree, files)
            run = run_tests(tree, prepare_environment(tree, settings), settings)
    assert run.passed == 3 and not run.failing, run.output_tail
    assert not any(text in run.output_tail for text in OTHERS.values())


@needs_namespaces
@pytest.mark.parametrize("as_user", ENGINES)
def test_the_temporary_directory_is_hidden_from_the_repositorys_code(
    planted: Planted, as_user: bool
) -> None:
    """What the test environment hides by default keeps another repository's tree and venv
    out of reach whoever the engine runs as; the run's own paths there stay usable."""
    hidden = hidden_paths(SuiteSettings())
    assert Path(tempfile.gettempdir()).resolve() in hidden
    private = planted.work / "private"  # hidden inside a path the run sees
    private.mkdir(mode=0o755)
    (private / "secret.txt").write_text("NESTED-SECRET")
    with other_repository(planted.data / "cache") as others:
        script = "; ".join(
            [
                *(f"cat {path}" for path in [*others, private / "secret.txt"]),
                f"cat {planted.venv}/ok.txt",
                'echo home > "$HOME/note" && cat "$HOME/note"',
                "mktemp >/dev/null && echo temporary",
                f"echo tree > {planted.work}/note && cat {planted.work}/note",
            ]
        )
        argv = ["sh", "-c", script]
        exposed = sandboxed(as_user, argv, planted.work, writable=[planted.work])
        assert all(text in exposed.stdout for text in [*OTHERS.values(), "NESTED-SECRET"])
        hide = [*hidden, private]
        done = sandboxed(
            as_user, argv, planted.work, [planted.work], hidden=hide, readable=[planted.venv]
        )
    assert done.stdout.splitlines() == ["visible", "home", "temporary", "tree"], done
