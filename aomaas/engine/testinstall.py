"""Install a test environment in two phases: fetch with network, build without.

Building a project runs its code (``setup.py``, a build backend, its plugins), so
the repository's own project is never built where the network is reachable:

1. **fetch** (sandboxed, with the host network, for the package index): what
   the repository declares in its files (:func:`aomaas.engine.prefetch.prefetch_plan`)
   is resolved and downloaded into the repository's own uv cache: the build
   requirements into a scratch target (only so that they are cached), the
   runtime and test requirements into the venv. Nothing of the repository
   runs: uv gets requirement files the engine wrote, in a directory outside the
   tree, with ``--no-config``. Third-party sdists are built here, outside the tree.
2. **build** (sandboxed in its own network namespace, where only loopback
   exists): ``uv pip install --offline`` of the whole plan, from a copy of the
   tree and that cache; the project is built and installed with its extras,
   groups and requirement files. Something the build needs that was not
   fetched (a requirement computed by ``setup.py``, ``setup_requires``) makes
   the install fail, and the proof says so.

Both phases run with ``--no-config`` (a ``[tool.uv]`` or ``uv.toml`` of the
repository is not read), so both ask the same index: the engine's
(``UV_INDEX_URL``… of its environment) or the ones the requirement files name.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from aomaas.engine.prefetch import Prefetch, prefetch_plan
from aomaas.engine.sandbox import SandboxResult, output_tail, run_sandboxed
from aomaas.engine.scmversion import release_version
from aomaas.engine.testdeps import InstallPlan

#: Index and certificate settings passed on to the sandboxed install when the engine has them.
INDEX_VARIABLES = (
    "UV_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_EXTRA_INDEX_URL",
    "UV_INDEX",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)
#: Variables through which the common build backends that take a version from git
#: (setuptools-scm and hatch-vcs, vcs-versioning, pdm-backend, poetry-dynamic-versioning)
#: accept a given one: the copy the install builds from has no ``.git``.
SCM_VERSION_VARIABLES = (
    "SETUPTOOLS_SCM_PRETEND_VERSION",
    "VCS_VERSIONING_PRETEND_VERSION",
    "PDM_BUILD_SCM_VERSION",
)
#: What uv says when the offline build needs something the fetch did not bring.
_NOT_FETCHED = re.compile(r"not found in the cache|network (was|is) disabled", re.IGNORECASE)


class InstallFailed(Exception):
    """The environment could not be installed; the message says why, as the proof shows it."""


@dataclass(frozen=True, slots=True)
class Installer:
    """Where and how to install: uv's binary, the venv's python, the cache, the limits."""

    uv: Path
    python: Path
    cache: Path
    timeout: float
    memory_mb: int
    #: the service's files the repository's code must not read (see ``run_sandboxed``)
    hidden: tuple[Path, ...] = ()

    @property
    def uv_cache(self) -> Path:
        """The repository's own uv cache (like its venv: its build could change it)."""
        return self.cache / "uv" / self.python.parent.parent.name

    def run(
        self,
        args: list[str],
        cwd: Path,
        writable: list[Path],
        *,
        network: bool,
        extra_env: dict[str, str] | None = None,
    ) -> SandboxResult:
        """``uv pip install ARGS`` in the sandbox (``--no-config``, for the venv's python)."""
        env = {
            "UV_CACHE_DIR": str(self.uv_cache),
            "UV_NO_PROGRESS": "1",
            "UV_PYTHON_DOWNLOADS": "never",
            "UV_LINK_MODE": "copy",
            "UV_NATIVE_TLS": "1",  # the system's certificate store, as the engine's clients use
            **{name: os.environ[name] for name in INDEX_VARIABLES if os.environ.get(name)},
            **(extra_env or {}),
        }
        argv = [str(self.uv), "pip", "install", "--no-config", "--python", str(self.python)]
        return run_sandboxed(
            [*argv, *args],
            cwd,
            timeout=self.timeout,
            memory_mb=max(self.memory_mb, 1024),
            env=env,
            writable=[self.uv_cache, *writable],
            network=network,
            hidden=self.hidden,
            readable=[self.uv.parent, self.python.parent.parent],
        )


def scm_version_env(root: Path) -> dict[str, str]:
    """The version a git-versioned project is built with (:func:`release_version`)."""
    version = release_version(root)
    return {
        **{name: version for name in SCM_VERSION_VARIABLES},
        "POETRY_DYNAMIC_VERSIONING_BYPASS": version,
    }


def _why(done: SandboxResult) -> str:
    return "timed out" if done.timed_out else output_tail(done.stderr or done.stdout, 400)


def _fetch(installer: Installer, wanted: Prefetch, work: Path, window: list[str]) -> None:
    """Phase 1: download (and install into the venv) what the files declare, with network.

    ``window``: the plan's release-date arguments, so that the offline build finds
    in the cache the releases it will choose.
    """
    venv = installer.python.parent.parent
    steps: list[tuple[list[str], list[Path]]] = []
    if wanted.build:
        (work / "build.txt").write_text(wanted.build_file())
        steps.append((["--target", str(work / "build-env"), "-r", "build.txt"], [work]))
    if wanted.requirements:
        (work / "requirements.txt").write_text(wanted.requirements_file())
        (work / "constraints.txt").write_text(wanted.constraints_file())
        steps.append((["-r", "requirements.txt", "-c", "constraints.txt"], [work, venv]))
    for args, writable in steps:
        done = installer.run([*args, *window], work, writable, network=True)
        if done.returncode != 0 or done.timed_out:
            raise InstallFailed(
                "tests not run: fetching the declared dependencies from the package index "
                f"failed: {_why(done)}"
            )
    shutil.rmtree(work / "build-env", ignore_errors=True)


def _build(installer: Installer, plan: InstallPlan, root: Path, work: Path) -> None:
    """Phase 2: build and install the plan from a copy of ``root``, offline, without network."""
    source = work / "src"
    shutil.copytree(root, source, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    venv = installer.python.parent.parent
    done = installer.run(
        ["--offline", *plan.arguments()],
        source,
        [venv, work],
        network=False,
        extra_env=scm_version_env(root),
    )
    if done.returncode == 0 and not done.timed_out:
        return
    why = _why(done)
    if _NOT_FETCHED.search(done.stderr + done.stdout):
        why = (
            "it needs something that was not fetched before the build, which has no network "
            "(only requirements declared in the repository's files are fetched): " + why
        )
    raise InstallFailed(f"tests not run: installing {plan.describe()} failed: {why}")


def _empty(directory: Path) -> None:
    """Remove ``directory`` whatever modes its folders were left with; InstallFailed if it stays."""
    directory.chmod(0o755)
    for parent, folders, _ in os.walk(directory):
        for name in folders:
            if not Path(parent, name).is_symlink():
                Path(parent, name).chmod(0o755)  # before os.walk lists it
    shutil.rmtree(directory, ignore_errors=True)
    if directory.exists():
        raise InstallFailed(f"tests not run: could not empty the uv cache {directory}")


def install(installer: Installer, plan: InstallPlan, root: Path) -> None:
    """Install ``plan`` for the repository at ``root``: fetch with network, build without.

    The repository's uv cache starts empty: the last offline build could write to it,
    and nothing the repository's code wrote may be used where the network is kept.
    InstallFailed, with the reason, when either phase fails.
    """
    if installer.uv_cache.exists():
        _empty(installer.uv_cache)
    installer.uv_cache.mkdir(parents=True, exist_ok=True)
    installer.uv_cache.parent.chmod(0o755)
    work = Path(tempfile.mkdtemp(prefix="aomaas-install-", dir=installer.cache))
    try:
        work.chmod(0o755)
        _fetch(installer, prefetch_plan(root, plan), work, plan.release_window())
        _build(installer, plan, root, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
