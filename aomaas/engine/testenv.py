"""Run a repository's own test suite, in the sandbox, in a cached virtual environment.

The environment is keyed by a hash of the repository's dependency files and
the Python version, and lives under the configured cache directory. pytest is
not downloaded: it is a runtime dependency of aomaas, and its distribution (and
what it needs) is copied once from the engine's own installation into a tools
directory that the environment sees through a ``.pth`` file, so a repository
without dependencies is tested fully offline. Declared dependencies are installed with pip only when the settings
allow it, as wheels only (no repository or sdist code runs outside the
sandbox), by a sandboxed pip that may reach the package index; otherwise the
tests are reported as not run, with the reason.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import os
import re
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

from aomaas.engine.sandbox import run_sandboxed, sandbox_can_enter, sandbox_python
from aomaas.engine.workspace import locked

DEPENDENCY_FILES = (
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "requirements.txt",
    "requirements-dev.txt",
    "requirements-test.txt",
    "test-requirements.txt",
)
REQUIREMENTS = DEPENDENCY_FILES[3:]
ROOT_FORMATS = ("pyproject", "setup.cfg", "setup.py", "requirements", "pipfile")
#: Supplied by the tools directory (pytest and what it needs), never installed.
PROVIDED = frozenset({"pytest", "pluggy", "iniconfig", "packaging", "pygments"})
PYTEST = [
    "-m",
    "pytest",
    "-q",
    "-rfE",
    "-p",
    "no:cacheprovider",
    "--no-header",
    "--continue-on-collection-errors",
]
_SUMMARY = re.compile(r"^(FAILED|ERROR) (\S+)", re.M)
_PASSED = re.compile(r"\b(\d+) passed\b")


@dataclass(slots=True)
class SuiteSettings:
    """How tests are run: limits, cache, and whether dependencies may be installed."""

    cache_dir: Path = field(default_factory=lambda: Path("var") / "cache")
    timeout: float = 600.0
    memory_mb: int = 2048
    install_dependencies: bool = False
    python: str = field(default_factory=sandbox_python)


@dataclass(slots=True)
class SuiteRun:
    """One run of the suite: which tests failed, and what the sandbox was."""

    returncode: int
    failing: set[str]
    duration: float
    isolation: str
    output_tail: str
    timed_out: bool = False
    passed: int = 0

    def usable(self) -> bool:
        """pytest ran to the end (all passed, some failed, or nothing collected)."""
        return not self.timed_out and self.returncode in (0, 1, 5)


class SuiteNotRun(Exception):
    """The suite cannot be run here; the message says why (shown in the proof)."""


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


def tools_dir(cache: Path) -> Path:
    """The directory holding pytest and its requirements (built once per pytest version)."""
    dest = cache / f"tools-pytest-{pytest_version()}"
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


def environment_key(root: Path, settings: SuiteSettings) -> str:
    """Hash of the dependency files, the interpreter and the proof's pytest: one venv per set."""
    digest = hashlib.sha256(f"{settings.python}\0pytest {pytest_version()}".encode())
    for name in DEPENDENCY_FILES:
        path = root / name
        digest.update(name.encode() + b"\0")
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def prepare_environment(
    root: Path, settings: SuiteSettings, manifests: dict[str, Any] | None = None
) -> Path:
    """The cached venv's python for ``root`` (created when missing); SuiteNotRun if impossible."""
    deps = declared_dependencies(root, manifests)
    if deps and not settings.install_dependencies:
        raise SuiteNotRun(
            f"tests not run: the repository declares dependencies ({', '.join(deps[:5])}) and "
            "installing dependencies is disabled"
        )
    cache = reachable_cache(settings.cache_dir)
    key = environment_key(root, settings)
    with locked(cache / f".{key}.lock"):
        return _build_venv(cache / "venvs" / key, deps, settings, cache)


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


def _build_venv(venv: Path, deps: list[str], settings: SuiteSettings, cache: Path) -> Path:
    python = venv / "bin" / "python"
    if (venv / ".complete").exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    pip = [] if deps else ["--without-pip"]
    created = subprocess.run(
        [settings.python, "-m", "venv", "--clear", *pip, str(venv)],
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
    if deps:
        _install(venv, python, deps, settings)
    for path in (cache, cache / "venvs", venv):
        path.chmod(0o755)
    (venv / ".complete").write_text("ok\n")
    return python


def _install(venv: Path, python: Path, deps: list[str], settings: SuiteSettings) -> None:
    """pip install wheels only, in the sandbox (network allowed for the index, venv writable)."""
    done = run_sandboxed(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--only-binary",
            ":all:",
            "--no-input",
            "--disable-pip-version-check",
            *deps,
        ],
        venv,
        timeout=settings.timeout,
        memory_mb=settings.memory_mb,
        writable=[venv],
        network=True,
    )
    if done.returncode != 0:
        raise SuiteNotRun(
            f"tests not run: dependencies could not be installed: {done.stderr[-300:]}"
        )


def run_tests(tree: Path, python: Path, settings: SuiteSettings) -> SuiteRun:
    """Run pytest on ``tree`` in the sandbox (only ``tree`` writable) and collect failures."""
    src = [str(tree / "src")] if (tree / "src").is_dir() else []
    result = run_sandboxed(
        [str(python), *PYTEST],
        tree,
        timeout=settings.timeout,
        memory_mb=settings.memory_mb,
        env={"PYTHONPATH": ":".join([str(tree), *src])},
        writable=[tree],
    )
    output = result.stdout + result.stderr
    return SuiteRun(
        returncode=result.returncode,
        failing={match.group(2) for match in _SUMMARY.finditer(result.stdout)},
        duration=result.duration,
        isolation=result.isolation,
        output_tail=output[-2000:],
        timed_out=result.timed_out,
        passed=_passed(result.stdout),
    )


def _passed(stdout: str) -> int:
    """How many tests passed, from pytest's closing summary line (0 when it has none)."""
    lines = stdout.rstrip().splitlines()
    found = _PASSED.findall(lines[-1]) if lines else []
    return int(found[-1]) if found else 0
