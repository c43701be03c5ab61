"""Run a repository's own test suite, in the sandbox, in a cached virtual environment.

The environment is keyed by a hash of the repository's dependency files, the
Python version and the tools' versions, and lives under the configured cache
directory. pytest is not downloaded: it is a runtime dependency of aomaas, and
its distribution (and what it needs) is copied once from the engine's own
installation into a tools directory that the environment sees through a
``.pth`` file, so a repository without dependencies is tested fully offline.

When the settings allow installing dependencies, the project itself is
installed with its test dependencies (:mod:`aomaas.engine.testdeps` says what)
by uv in two sandboxed phases (:mod:`aomaas.engine.testinstall`): the
dependencies the repository declares by name in files are fetched from the engine's
package index with network, as wheels only, so that nothing but uv runs; then the
project is built and installed offline, with no network, like the tests (building a
project runs its code). The tests themselves never have network. Otherwise a
repository that declares dependencies gets "tests not run", with the reason.

Every sandboxed run here (both install phases and the tests) hides the shared
temporary directory besides what the caller hides (:func:`hidden_paths`): it holds
other proofs' trees and, under a root engine whose data directory is private, every
repository's venv; a run sees there only its own paths.

What ran is read from pytest's JUnit XML report (colour off), never from its
console text; unittest suites run under pytest the same way.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import os
import shutil
import stat
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement

from aomaas.engine.junit import JUnitResults, ReportUnreadable, read_report
from aomaas.engine.sandbox import (
    isolation_level,
    output_tail,
    run_sandboxed,
    sandbox_can_enter,
    sandbox_python,
)
from aomaas.engine.testdeps import ENVIRONMENT_FILES, InstallPlan, install_plan
from aomaas.engine.testinstall import Installer, install
from aomaas.engine.testinstall import SuiteNotRun as SuiteNotRun  # raised from here too
from aomaas.engine.workspace import locked, run_git

REQUIREMENTS = (
    "requirements.txt",
    "requirements-dev.txt",
    "requirements-test.txt",
    "test-requirements.txt",
)
ROOT_FORMATS = ("pyproject", "setup.cfg", "setup.py", "requirements", "pipfile")
#: Supplied by the tools directory (pytest and what it needs), never installed.
PROVIDED = frozenset({"pytest", "pluggy", "iniconfig", "packaging", "pygments"})
REPORT_NAME = "junit.xml"
PYTEST = [
    "-m",
    "pytest",
    "-q",
    "-p",
    "no:cacheprovider",
    "--continue-on-collection-errors",
    "--color=no",
    "-o",
    "junit_family=xunit1",
    "-o",
    "junit_logging=no",
]
#: Colour off whatever the repository's configuration or the engine's environment says.
NO_COLOUR = {"PY_COLORS": "0", "NO_COLOR": "1", "TERM": "dumb"}


@dataclass(slots=True)
class SuiteSettings:
    """How tests are run: limits, cache, and whether dependencies may be installed."""

    cache_dir: Path = field(default_factory=lambda: Path("var") / "cache")
    timeout: float = 600.0
    memory_mb: int = 2048
    install_dependencies: bool = False
    python: str = field(default_factory=sandbox_python)
    #: files and directories the repository's code must not read (the service's secrets and
    #: data); the service passes them, the engine knows nothing of the service
    hidden: tuple[Path, ...] = ()


@dataclass(slots=True)
class SuiteRun:
    """One run of the suite, as its JUnit XML report tells it, and what the sandbox was."""

    returncode: int
    failing: set[str]
    duration: float
    isolation: str
    output_tail: str
    timed_out: bool = False
    passed: int = 0
    #: why the run is not a test run (no report, timed out); empty when it is one
    stopped: str = ""
    collection_errors: dict[str, str] = field(default_factory=dict)
    passed_files: dict[str, int] = field(default_factory=dict)
    collected: int = 0

    def usable(self) -> bool:
        """pytest ran to the end and wrote its report."""
        return not self.stopped


def declared_dependencies(root: Path, manifests: dict[str, Any] | None = None) -> list[str]:
    """Runtime and test requirements the repository declares at its root (no code is run).

    ``manifests`` is the index's parsed manifests (setup.py is read by the index
    without running it); without it pyproject.toml and requirements files are read.
    """
    found: list[str] = []
    if manifests is not None:
        for path, manifest in manifests.items():
            if "/" in path or manifest.get("format") not in ROOT_FORMATS:
                continue
            if manifest.get("format") == "requirements" and path not in REQUIREMENTS:
                continue
            for dep in manifest.get("dependencies", []):
                group = str(dep.get("group", ""))
                if group in ("main", "dependencies", "requirements") or "test" in group:
                    found.append(str(dep.get("raw", dep.get("name", ""))))
        return [dep for dep in found if _needed(dep)]
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and not pyproject.is_symlink():
        try:
            project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            project = {}
        found += [str(item) for item in project.get("dependencies", [])]
        for extra in ("test", "tests", "testing"):
            found += [str(item) for item in project.get("optional-dependencies", {}).get(extra, [])]
    for name in REQUIREMENTS:
        req_file = root / name
        if req_file.is_file() and not req_file.is_symlink():
            for line in req_file.read_text(encoding="utf-8", errors="replace").splitlines():
                line = line.split("#", 1)[0].strip()
                if line and not line.startswith("-"):
                    found.append(line)
    return [dep for dep in found if _needed(dep)]


def _marker_env() -> dict[str, str]:
    return {key: str(value) for key, value in default_environment().items()} | {"extra": ""}


def _needed(spec: str) -> bool:
    """Whether a requirement applies here (its marker holds) and is not pytest itself."""
    try:
        req = Requirement(spec)
    except InvalidRequirement:
        return not spec.lower().startswith("pytest")
    if req.name.lower() in PROVIDED:
        return False
    return req.marker is None or req.marker.evaluate(_marker_env())


def _copy_distribution(name: str, dest: Path, seen: set[str]) -> None:
    """Copy an installed distribution and its (marker-matching) requirements into ``dest``."""
    key = name.lower().replace("_", "-")
    if key in seen:
        return
    seen.add(key)
    dist = metadata.distribution(name)
    for item in dist.files or []:
        if ".." in item.parts or item.suffix == ".pyc":
            continue
        source = Path(str(dist.locate_file(item)))
        target = dest / str(item)
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    env = _marker_env()
    for text in dist.requires or []:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate(env):
            _copy_distribution(req.name, dest, seen)


_MISSING = (
    "tests not run: {name} is not installed in aomaas's own environment "
    "(it is a runtime dependency: reinstall aomaas with its dependencies)"
)


def pytest_version() -> str:
    """The version of the pytest that the proof runs: the one installed beside the engine.

    SuiteNotRun when the engine's own installation lacks it (an installation that
    skipped aomaas's runtime dependencies).
    """
    try:
        return metadata.version("pytest")
    except metadata.PackageNotFoundError:
        raise SuiteNotRun(_MISSING.format(name="pytest")) from None


def _tools_path(cache: Path) -> Path:
    return cache / f"tools-pytest-{pytest_version()}"


def tools_dir(cache: Path) -> Path:
    """The directory holding pytest and its requirements (built once per pytest version)."""
    dest = _tools_path(cache)
    try:
        with locked(cache / f".{dest.name}.lock"):
            _build_tools(dest)
    except metadata.PackageNotFoundError as missing:
        raise SuiteNotRun(_MISSING.format(name=missing.name)) from None
    return dest


def _build_tools(dest: Path) -> None:
    if not (dest / ".complete").exists():
        staging = dest.with_name(dest.name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        _copy_distribution("pytest", staging, set())
        (staging / ".complete").write_text("ok\n")
        shutil.rmtree(dest, ignore_errors=True)
        staging.rename(dest)


def environment_key(root: Path, settings: SuiteSettings, as_of: str = "") -> str:
    """Hash of the repository's identity, its dependency files, the interpreter and the tools.

    One venv per repository and set: the project's build code runs while it is made, so
    a venv (and the uv cache it was made with) is never shared with another repository
    that merely copies the same dependency files.
    """
    tools = f"pytest {pytest_version()}\0uv {_uv_version()}\0{settings.install_dependencies}"
    identity = f"{settings.python}\0{tools}\0{repository_identity(root)}\0{as_of}"
    digest = hashlib.sha256(identity.encode())
    for name in ENVIRONMENT_FILES:
        path = root / name
        digest.update(name.encode() + b"\0")
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def repository_identity(root: Path) -> str:
    """Where the repository comes from (its origin's address), else its first commits."""
    origin = run_git(["config", "--get", "remote.origin.url"], root, check=False).strip()
    if origin:
        return origin
    return run_git(["rev-list", "--max-parents=0", "HEAD"], root, check=False).strip()


def prepare_environment(
    root: Path,
    settings: SuiteSettings,
    manifests: dict[str, Any] | None = None,
    as_of: str = "",
) -> Path:
    """The cached venv's python for ``root`` (created when missing); SuiteNotRun if impossible.

    With installing allowed, the venv holds the project and its test dependencies
    (:func:`aomaas.engine.testdeps.install_plan`), as released before ``as_of`` when
    given (ISO 8601; a separate venv); without, nothing is installed and a repository
    that declares dependencies cannot be tested.
    """
    if isolation_level() != "namespaces":
        raise SuiteNotRun(
            "tests not run: this machine cannot isolate the repository's code (user, network, "
            "mount and pid namespaces are not available), and it is never run without"
        )
    deps = declared_dependencies(root, manifests)
    if deps and not settings.install_dependencies:
        raise SuiteNotRun(
            f"tests not run: the repository declares dependencies ({', '.join(deps[:5])}) and "
            "installing dependencies is disabled"
        )
    plan = install_plan(root) if settings.install_dependencies else InstallPlan()
    plan.exclude_newer = as_of
    cache = reachable_cache(settings.cache_dir)
    key = environment_key(root, settings, as_of)
    with locked(cache / f".{key}.lock"):
        return _build_venv(cache / "venvs" / key, plan, settings, cache, root)


def shared_temporary() -> tuple[Path, ...]:
    """The temporary directories every run of the engine shares, hidden from each run.

    They hold other runs' trees (the validator's ``aomaas-validate-*``) and, when the
    configured cache is out of the sandbox user's reach, the fallback cache with every
    repository's venv and uv cache (:func:`reachable_cache`); a run sees there only its
    own paths (its tree, its private HOME and TMPDIR, its venv and tools).
    """
    system = Path("/tmp")  # noqa: S108 - hidden from the run, never written
    return tuple(dict.fromkeys([Path(tempfile.gettempdir()).resolve(), system.resolve()]))


def hidden_paths(settings: SuiteSettings) -> tuple[Path, ...]:
    """What a sandboxed run of the repository's code must not read: the caller's paths
    (the service's secrets and data) and the shared temporary directories."""
    return (*settings.hidden, *shared_temporary())


def _marker(venv: Path) -> Path:
    """Where a venv is recorded complete: beside it, outside what the sandbox may write."""
    return venv.with_name(venv.name + ".complete")


def installed(python: Path) -> str:
    """What the environment of ``python`` holds besides pytest (as :func:`prepare_environment` wrote)."""
    marker = _marker(python.parent.parent)
    if marker.is_symlink() or not marker.is_file():
        return ""
    return marker.read_text().strip()


def reachable_cache(cache_dir: Path) -> Path:
    """``cache_dir``, or a private fallback in the temporary directory the sandbox user can reach.

    The sandbox user (uid 65534 under a root engine) must run the cached venv's
    python; a cache inside a private directory (mode 0700 parents) is out of its
    reach, so the fallback ``$TMPDIR/aomaas-sandbox-cache-<uid>`` (ours, mode 0755,
    never a symlink) is used instead.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    if sandbox_can_enter(cache_dir):
        return cache_dir
    fallback = Path(tempfile.gettempdir()) / f"aomaas-sandbox-cache-{os.geteuid()}"
    fallback.mkdir(mode=0o755, exist_ok=True)
    info = fallback.lstat()
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid() or not sandbox_can_enter(fallback):
        raise SuiteNotRun(
            f"tests not run: the sandbox user cannot reach the cache directory {cache_dir} "
            "(set AOMAAS_DATA_DIR outside a private home directory)"
        )
    fallback.chmod(0o755)
    return fallback


def _build_venv(
    venv: Path, plan: InstallPlan, settings: SuiteSettings, cache: Path, root: Path
) -> Path:
    python = venv / "bin" / "python"
    marker = _marker(venv)
    if marker.is_file() and not marker.is_symlink():
        return python
    marker.unlink(missing_ok=True)
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    created = subprocess.run(
        [settings.python, "-m", "venv", "--clear", "--without-pip", str(venv)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if created.returncode != 0:
        raise SuiteNotRun(
            f"tests not run: could not create a virtual environment: {created.stderr[-300:]}"
        )
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "aomaas-tools.pth").write_text(str(tools_dir(cache).resolve()) + "\n")
    for path in (cache, cache / "venvs", venv):
        path.chmod(0o755)
    if not plan.empty():
        installer = Installer(
            _uv(cache), python, cache, settings.timeout, settings.memory_mb, hidden_paths(settings)
        )
        install(installer, plan, root)  # SuiteNotRun, with the reason, when it fails
    marker.write_text(f"installed: {plan.describe()}\n")
    return python


def _uv_version() -> str:
    try:
        return metadata.version("uv")
    except metadata.PackageNotFoundError:
        return "none"


def _uv(cache: Path) -> Path:
    """uv's binary, copied once where the sandbox user can run it."""
    try:
        from uv import find_uv_bin
    except ImportError:
        raise SuiteNotRun(_MISSING.format(name="uv")) from None
    dest = cache / f"tools-uv-{_uv_version()}" / "uv"
    with locked(cache / ".tools-uv.lock"):
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            staging = dest.with_name("uv.tmp")
            shutil.copy2(find_uv_bin(), staging)
            staging.chmod(0o755)
            staging.rename(dest)
            dest.parent.chmod(0o755)
    return dest


def _environment(python: Path, settings: SuiteSettings) -> list[Path]:
    """What the tests read besides the tree: the venv of ``python`` and the tools it sees.

    Named from what the engine made, never from the venv's files (the project's build
    wrote there), so a hidden directory holding the cache shows these two and no more.
    """
    return [python.parent.parent, _tools_path(reachable_cache(settings.cache_dir))]


def run_tests(tree: Path, python: Path, settings: SuiteSettings) -> SuiteRun:
    """Run pytest on ``tree`` in the sandbox (only ``tree`` and its report directory writable).

    The outcome is read from the JUnit XML report; a run without a readable
    report (pytest stopped at configuration time, crashed or timed out) is
    ``stopped`` with the reason.
    """
    src = [str(tree / "src")] if (tree / "src").is_dir() else []
    reports = tree.with_name(tree.name + "-report")
    reports.mkdir(mode=0o755, exist_ok=True)
    report = reports / REPORT_NAME
    result = run_sandboxed(
        [str(python), *PYTEST, f"--junitxml={report}"],
        tree,
        timeout=settings.timeout,
        memory_mb=settings.memory_mb,
        env={"PYTHONPATH": ":".join([str(tree), *src]), **NO_COLOUR},
        writable=[tree, reports],
        hidden=hidden_paths(settings),
        readable=_environment(python, settings),
    )
    output = result.stdout + result.stderr
    run = SuiteRun(
        returncode=result.returncode,
        failing=set(),
        duration=result.duration,
        isolation=result.isolation,
        output_tail=output[-2000:],
        timed_out=result.timed_out,
    )
    if result.timed_out:
        run.stopped = f"the suite timed out after {settings.timeout:.0f} s"
        return run
    try:
        found: JUnitResults = read_report(report)
    except ReportUnreadable as exc:
        run.stopped = (
            f"pytest stopped before running tests (exit {result.returncode}, {exc}): "
            f"{output_tail(output, 400)}"
        )
        return run
    run.failing = found.failing
    run.passed = found.passed
    run.collected = found.collected
    run.collection_errors = found.collection_errors
    run.passed_files = dict(found.passed_files)
    return run
