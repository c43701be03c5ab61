"""Install a test environment in two phases: fetch with network, build without.

Building a project runs its code (``setup.py``, a build backend, its plugins), so
the repository's own project is never built where the network is reachable:

1. **fetch** (sandboxed, with the host network, for the package index): the
   requirements by name that the repository declares in its files
   (:func:`aomaas.engine.prefetch.prefetch_plan`) are resolved and downloaded from
   the engine's index into the repository's own uv cache: the build requirements
   into a scratch target (only so that they are cached), the runtime and test
   requirements into the venv. Nothing runs but uv: it gets requirement files the
   engine wrote, in a directory outside the tree, with ``--no-config`` (no index
   the repository names, no direct URL) and ``--no-build`` (wheels only: building
   an sdist runs its code, and any name the repository declares may be an
   attacker's sdist). A dependency without a usable wheel stops the install, and
   the proof says so.
2. **build** (sandboxed in its own network namespace, where only loopback
   exists): ``uv pip install --offline`` of the whole plan, from a copy of the
   tree and that cache; the project is built and installed with its extras,
   groups and requirement files. Something the build needs that was not
   fetched (a requirement computed by ``setup.py``, ``setup_requires``, a direct
   URL) makes the install fail, and the proof says so.

Both phases run with ``--no-config`` (a ``[tool.uv]`` or ``uv.toml`` of the
repository is not read) and the engine's index (``UV_INDEX_URL``… of its
environment); the offline build gets its URLs without the user and password they
may carry (uv keys its cache by the URL without them), so no code of the
repository's can read the index's credentials.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from aomaas.engine.prefetch import (
    Prefetch,
    parse_requirement,
    prefetch_plan,
    userinfo,
    without_userinfo,
)
from aomaas.engine.sandbox import SandboxResult, output_tail, run_sandboxed
from aomaas.engine.scmversion import release_version
from aomaas.engine.sdists import (
    DEFAULT_INDEX,
    build_requirements,
    declared_requirements,
    download_sdist,
    local_requirements,
    newest_sdist,
)
from aomaas.engine.testdeps import InstallPlan
from aomaas.engine.workspace import redact

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
_NOT_FETCHED = re.compile(
    r"n(o|')t found in the cache|network (connectivity )?(was|is) disabled", re.IGNORECASE
)
#: What uv says when the fetch needs a build (``--no-build``): the package lacks a usable wheel.
_NO_WHEEL = re.compile(
    r"Wheels are required for `([^`]+)`|Because (\S+?)(?:==\S+)? has no usable wheels"
)
#: What uv says when the package index cannot be reached.
_UNREACHABLE = re.compile(
    r"error sending request for url|client error \(Connect\)|dns error"
    r"|Request failed after \d+ retr",
    re.IGNORECASE,
)
_URL = re.compile(r"[A-Za-z][\w+.-]*://\S+")
#: Shorter user names and passwords are not masked: that would mangle ordinary text.
SHORTEST_CREDENTIAL = 8


class SuiteNotRun(Exception):
    """The suite cannot be run here; the message says why (shown in the proof).

    ``lasting``: the package index could not be reached, or a step timed out; an
    attempt with other releases would fail alike.
    """

    def __init__(self, message: str, *, lasting: bool = False) -> None:
        super().__init__(message)
        self.lasting = lasting


def index_environment(credentials: bool) -> dict[str, str]:
    """The engine's index and certificate settings (:data:`INDEX_VARIABLES`) it has.

    Without ``credentials`` every URL's user and password are removed: the offline
    build, which runs the repository's code, finds the cache under the same URLs.
    """
    found = {name: os.environ[name] for name in INDEX_VARIABLES if os.environ.get(name)}
    if credentials:
        return found
    return {
        name: _URL.sub(lambda url: without_userinfo(url.group()), value)
        for name, value in found.items()
    }


def url_credentials(url: str) -> list[str]:
    """The user, the password and both together that ``url`` carries, as written and decoded."""
    user, password = userinfo(url)
    parts = [user, password, f"{user}:{password}" if user and password else ""]
    return [value for part in parts if part for value in (part, urllib.parse.unquote(part))]


def index_credentials() -> list[str]:
    """The credentials of the engine's index URLs (:func:`url_credentials`), longest first,
    to be masked wherever text is shown."""
    found = {
        value
        for setting in index_environment(credentials=True).values()
        for url in _URL.findall(setting)
        for value in url_credentials(url)
    }
    return sorted((v for v in found if len(v) >= SHORTEST_CREDENTIAL), key=len, reverse=True)


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
            **index_environment(credentials=network),
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
    """What went wrong, in uv's last words, without the index's credentials."""
    if done.timed_out:
        return "timed out"
    return redact(output_tail(done.stderr or done.stdout, 400), index_credentials())


def _fetch_failed(done: SandboxResult) -> SuiteNotRun:
    """Why the fetch failed, as the proof says it."""
    output = done.stderr + done.stdout
    unwheeled = list(dict.fromkeys(a or b for a, b in _NO_WHEEL.findall(output)))
    if unwheeled and not done.timed_out:
        has, them, their = (
            ("has", "it", "its") if len(unwheeled) == 1 else ("have", "them", "their")
        )
        return SuiteNotRun(
            f"tests not run: {', '.join(unwheeled)} {has} no usable wheel, and building {them} "
            f"would run {their} code with the network on (the fetch takes wheels only): "
            f"{_why(done)}"
        )
    if _UNREACHABLE.search(output) and not done.timed_out:
        return SuiteNotRun(
            "tests not run: the package index could not be reached or did not answer: "
            + _why(done),
            lasting=True,
        )
    return SuiteNotRun(
        "tests not run: fetching the declared dependencies from the package index "
        f"failed: {_why(done)}",
        lasting=done.timed_out,
    )


def _fetch(installer: Installer, wanted: Prefetch, work: Path, window: list[str]) -> None:
    """Phase 1: download (and install into the venv) what the files declare, with network,
    wheels only (``--no-build``: no third-party build runs while the network is on).

    ``window``: the plan's release-date arguments, so that the offline build finds
    in the cache the releases it will choose.
    """
    if wanted.build:
        (work / "build.txt").write_text(wanted.build_file())
        _checked(_fetch_into_target(installer, work, "build", window))
        shutil.rmtree(work / "build-env", ignore_errors=True)
    if wanted.requirements:
        (work / "requirements.txt").write_text(wanted.requirements_file())
        (work / "constraints.txt").write_text(wanted.constraints_file())
        done = _fetch_requirements(installer, work, window)
        if done.returncode != 0 and not done.timed_out:
            done = _with_sdists(installer, wanted, work, window, done) or done
        _checked(done)


def _checked(done: SandboxResult) -> None:
    """SuiteNotRun, with the reason, unless the fetch step ``done`` succeeded."""
    if done.returncode != 0 or done.timed_out:
        raise _fetch_failed(done)


def _fetch_into_target(
    installer: Installer, work: Path, name: str, window: list[str]
) -> SandboxResult:
    """Fetch ``work/<name>.txt`` into a scratch target (only so that it is in the cache)."""
    args = ["--target", str(work / f"{name}-env"), "-r", f"{name}.txt"]
    return installer.run(["--no-build", *args, *window], work, [work], network=True)


def _fetch_requirements(installer: Installer, work: Path, window: list[str]) -> SandboxResult:
    """Fetch ``work/requirements.txt`` (with its constraints) into the venv."""
    venv = installer.python.parent.parent
    args = ["--no-build", "-r", "requirements.txt", "-c", "constraints.txt", *window]
    return installer.run(args, work, [work, venv], network=True)


#: Where the sdists of requirements without a wheel wait for the offline build.
SDIST_DIR = "sdists"


def _engine_indexes() -> list[tuple[str, tuple[str, str]]]:
    """The engine's package indexes (without credentials) with their credentials: the
    default one (or PyPI), then the extra ones."""
    found = index_environment(credentials=True)
    default = (found.get("UV_DEFAULT_INDEX") or found.get("UV_INDEX_URL") or DEFAULT_INDEX).split()
    extra = (found.get("UV_INDEX", "") + " " + found.get("UV_EXTRA_INDEX_URL", "")).split()
    urls = [u.split("=", 1)[1] if "=" in u.split("://")[0] else u for u in default + extra]
    return [(without_userinfo(url), userinfo(url)) for url in dict.fromkeys(urls)]


def _download_sdist(requirement: Requirement, dest: Path) -> Path | None:
    """The newest sdist ``requirement`` allows from the first of the engine's indexes that has
    one, saved into ``dest``; None when none has one or it cannot be downloaded."""
    for index, credentials in _engine_indexes():
        try:
            found = newest_sdist(requirement.name, requirement.specifier, index, credentials)
            if found is not None:
                return download_sdist(*found, dest, credentials)
        except OSError:
            continue
    return None


def _with_sdists(
    installer: Installer, wanted: Prefetch, work: Path, window: list[str], failed: SandboxResult
) -> SandboxResult | None:
    """When direct requirements have no wheel: download their sdists (bytes only, hash
    checked) into ``work/sdists`` for the offline build, fetch setuptools and wheel to
    build them with, and fetch the rest again without them. None when that cannot be done
    (a requirement without a wheel that the files do not name directly, no sdist)."""
    names = {canonicalize_name(a or b) for a, b in _NO_WHEEL.findall(failed.stderr + failed.stdout)}
    direct = {}
    for line in wanted.requirements:
        parsed = parse_requirement(line)
        if parsed is not None and canonicalize_name(parsed.name) in names:
            direct[canonicalize_name(parsed.name)] = (line, parsed)
    if not names or set(direct) != names:
        return None
    needed: list[str] = []
    tooling: list[str] = []
    for _line, parsed in direct.values():
        sdist = _download_sdist(parsed, work / SDIST_DIR)
        if sdist is None:
            return None
        tooling += build_requirements(sdist)
        for line in declared_requirements(sdist):
            declared = parse_requirement(line)
            if declared is not None and canonicalize_name(declared.name) not in names:
                needed.append(line)  # fetched as wheels: the offline build needs them
    kept = [line for line in wanted.requirements if line not in {v[0] for v in direct.values()}]
    kept += needed
    (work / "requirements.txt").write_text("".join(f"{line}\n" for line in kept))
    (work / "sdist-build.txt").write_text("".join(f"{r}\n" for r in dict.fromkeys(tooling)))
    done = _fetch_into_target(installer, work, "sdist-build", window)
    if done.returncode != 0 or done.timed_out:
        return done
    return _fetch_requirements(installer, work, window)


def _build(
    installer: Installer, plan: InstallPlan, root: Path, work: Path, left_out: list[str]
) -> None:
    """Phase 2: build and install the plan from a copy of ``root``, offline, without network.

    ``left_out``: what the files name that the fetch did not take (remote URLs, the
    repository's own indexes), named when the build misses something.
    """
    source = work / "src"
    shutil.copytree(root, source, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    venv = installer.python.parent.parent
    local = local_requirements(work / SDIST_DIR)
    override: list[str] = []
    if local:
        (work / "sdist-overrides.txt").write_text("".join(f"{line}\n" for line in local))
        override = ["--override", str(work / "sdist-overrides.txt")]
    done = installer.run(
        ["--offline", *plan.arguments(), *local, *override],
        source,
        [venv, work],
        network=False,
        extra_env=scm_version_env(root),
    )
    if done.returncode == 0 and not done.timed_out:
        return
    why = _why(done)
    if _NOT_FETCHED.search(done.stderr + done.stdout):
        skipped = f"; not fetched: {', '.join(left_out)}" if left_out else ""
        why = (
            "it needs something that was not fetched before the build, which has no network "
            "(only requirements by name that the repository's files declare are fetched, as "
            f"wheels from the engine's package index{skipped}): {why}"
        )
    raise SuiteNotRun(
        f"tests not run: installing {plan.describe()} failed: {why}", lasting=done.timed_out
    )


def _empty(directory: Path) -> None:
    """Remove ``directory`` whatever modes its folders were left with; SuiteNotRun if it stays."""
    directory.chmod(0o755)
    for parent, folders, _ in os.walk(directory):
        for name in folders:
            if not Path(parent, name).is_symlink():
                Path(parent, name).chmod(0o755)  # before os.walk lists it
    shutil.rmtree(directory, ignore_errors=True)
    if directory.exists():
        raise SuiteNotRun(f"tests not run: could not empty the uv cache {directory}")


def install(installer: Installer, plan: InstallPlan, root: Path) -> None:
    """Install ``plan`` for the repository at ``root``: fetch with network, build without.

    The repository's uv cache starts empty: the last offline build could write to it,
    and nothing the repository's code wrote may be used where the network is kept.
    SuiteNotRun, with the reason, when either phase fails.
    """
    if installer.uv_cache.exists():
        _empty(installer.uv_cache)
    installer.uv_cache.mkdir(parents=True, exist_ok=True)
    installer.uv_cache.parent.chmod(0o755)
    work = Path(tempfile.mkdtemp(prefix="aomaas-install-", dir=installer.cache))
    try:
        work.chmod(0o755)
        wanted = prefetch_plan(root, plan)
        _fetch(installer, wanted, work, plan.release_window())
        _build(installer, plan, root, work, wanted.left_out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
