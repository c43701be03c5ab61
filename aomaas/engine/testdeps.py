"""What a repository's test environment needs: the project itself and its test dependencies.

Read from files only, never by running code:

* the project itself when it is installable (``pyproject.toml`` with a
  ``[project]`` or ``[build-system]`` table, ``setup.py`` or ``setup.cfg``),
  with its extras named like ``test``/``tests``/``testing``/``dev``
  (``[project.optional-dependencies]`` or setup.cfg's ``[options.extras_require]``);
* PEP 735 dependency groups with those names (``[dependency-groups]``), and PDM's
  ``[tool.pdm.dev-dependencies]`` groups with those names;
* requirement files (:data:`REQUIREMENT_FILES`);
* tox's ``deps`` and ``extras`` of ``[testenv]`` (``tox.ini``, setup.cfg's
  ``[testenv]``, or pyproject's ``[tool.tox] legacy_tox_ini``), lines with
  factor conditions or substitutions other than ``{toxinidir}`` left out.

nox configuration is Python code (``noxfile.py``) and is not read.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

TEST_NAMES = frozenset({"test", "tests", "testing", "dev"})
REQUIREMENT_FILES = (
    "requirements.txt",
    "requirements-dev.txt",
    "requirements-test.txt",
    "requirements-tests.txt",
    "requirements_dev.txt",
    "requirements_test.txt",
    "test-requirements.txt",
    "test_requirements.txt",
    "dev-requirements.txt",
    "requirements/test.txt",
    "requirements/tests.txt",
    "requirements/testing.txt",
    "requirements/dev.txt",
    "tests/requirements.txt",
)
#: Files whose content decides the environment (its cache key).
ENVIRONMENT_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "tox.ini", *REQUIREMENT_FILES)
#: Build backends and what they need: an older commit is built with today's (an old
#: setuptools cannot read a modern pyproject), only what it installs is of its time.
BUILD_TOOLING = frozenset(
    {
        "setuptools", "wheel", "setuptools-scm", "packaging", "tomli", "typing-extensions",
        "flit-core", "hatchling", "hatch-vcs", "pathspec", "pluggy", "trove-classifiers",
        "editables", "pdm-backend", "poetry-core", "vcs-versioning", "importlib-metadata", "zipp",
    }
)  # fmt: skip
#: The cut-off that lets every release of a build tool through.
TODAY_FOR_BUILDS = "2100-01-01T00:00:00Z"
_FACTOR = re.compile(r"^[\w.,!-]+:\s")


@dataclass(slots=True)
class InstallPlan:
    """What to install into the test environment (as ``uv pip install`` arguments)."""

    project: bool = False
    extras: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    requirement_files: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)  # tox's deps
    #: PDM's ``[tool.pdm.dev-dependencies]`` named like tests
    dev_requirements: list[str] = field(default_factory=list)
    #: Only releases published before this moment (ISO 8601), "" for today's; the build
    #: tools are exempt (:data:`BUILD_TOOLING` and ``build_requirements``)
    exclude_newer: str = ""
    #: The names ``[build-system] requires`` lists (read, not run)
    build_requirements: list[str] = field(default_factory=list)

    def empty(self) -> bool:
        """Nothing to install."""
        return not (
            self.project
            or self.groups
            or self.requirement_files
            or self.requirements
            or self.dev_requirements
        )

    def arguments(self) -> list[str]:
        """``uv pip install`` arguments, relative to the repository's root."""
        args: list[str] = []
        if self.project:
            args.append(f".[{','.join(self.extras)}]" if self.extras else ".")
        for group in self.groups:
            args += ["--group", group]
        for name in self.requirement_files:
            args += ["-r", name]
        return args + self.release_window() + self.dev_requirements + self.requirements

    def release_window(self) -> list[str]:
        """``uv pip install`` arguments limiting releases to those before ``exclude_newer``
        (none for today's), the build tools exempt."""
        if not self.exclude_newer:
            return []
        args = ["--exclude-newer", self.exclude_newer]
        for name in sorted(BUILD_TOOLING | set(self.build_requirements)):
            args += ["--exclude-newer-package", f"{name}={TODAY_FOR_BUILDS}"]
        return args

    def describe(self) -> str:
        """One line for people: what was installed."""
        parts = []
        if self.project:
            extras = f" with extras {', '.join(self.extras)}" if self.extras else ""
            parts.append(f"the project{extras}")
        if self.groups:
            parts.append(f"dependency groups {', '.join(self.groups)}")
        if self.requirement_files:
            parts.append(", ".join(self.requirement_files))
        if self.dev_requirements:
            parts.append(f"PDM dev-dependencies ({', '.join(self.dev_requirements[:5])})")
        if self.requirements:
            parts.append(f"tox deps ({', '.join(self.requirements[:5])})")
        released = (
            f", as released before {self.exclude_newer} (build tools as released today)"
            if self.exclude_newer
            else ""
        )
        return ("; ".join(parts) or "nothing") + (released if parts else "")


def tree_file(root: Path, name: str) -> Path | None:
    """``root/name`` when it is a regular file (never a symbolic link), else None."""
    path = root / name
    return path if path.is_file() and not path.is_symlink() else None


def read_pyproject(root: Path) -> dict[str, Any]:
    """The repository's ``pyproject.toml`` as data ({} when absent or unreadable)."""
    path = tree_file(root, "pyproject.toml")
    if path is None:
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def _ini(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return configparser.ConfigParser(interpolation=None)
    return parser


def read_ini(root: Path, name: str) -> configparser.ConfigParser:
    """An INI file of the repository (setup.cfg, tox.ini); empty when absent or unreadable."""
    path = tree_file(root, name)
    return _ini(path.read_text(encoding="utf-8", errors="replace")) if path else _ini("")


def _test_named(names: Any) -> list[str]:
    """The names among ``names`` that mean tests (compared as normalised names)."""
    return sorted(str(n) for n in names or () if canonicalize_name(str(n)) in TEST_NAMES)


def _tox(root: Path, pyproject: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """tox ``[testenv]``: (requirements, requirement files, extras), substitutions left out."""
    legacy = pyproject.get("tool", {}).get("tox", {}).get("legacy_tox_ini")
    sources = [read_ini(root, "tox.ini"), read_ini(root, "setup.cfg")]
    if isinstance(legacy, str):
        sources.append(_ini(legacy))
    for parser in sources:
        if parser.has_section("testenv"):
            section = parser["testenv"]
            break
    else:
        return [], [], []
    requirements: list[str] = []
    files: list[str] = []
    for raw in section.get("deps", "").splitlines():
        line = raw.split("#", 1)[0].strip().replace("{toxinidir}/", "").replace("{toxinidir}", ".")
        if not line or _FACTOR.match(line) or "{" in line:
            continue
        if line.startswith("-r"):
            name = line[2:].strip()
            inside = not Path(name).is_absolute() and ".." not in Path(name).parts
            if inside and tree_file(root, name) is not None:
                files.append(name)
        elif not line.startswith("-"):
            requirements.append(line)
    extras = [e.strip() for e in re.split(r"[\s,]+", section.get("extras", "")) if e.strip()]
    return requirements, files, [e for e in extras if "{" not in e and ":" not in e]


def install_plan(root: Path) -> InstallPlan:
    """What the repository at ``root`` declares for running its tests (no code is run)."""
    pyproject = read_pyproject(root)
    setup_cfg = read_ini(root, "setup.cfg")
    plan = InstallPlan()
    plan.project = bool(
        pyproject.get("project") or pyproject.get("build-system") or tree_file(root, "setup.py")
    ) or setup_cfg.has_section("metadata")
    extras: set[str] = set()
    if plan.project:
        extras.update(_test_named(pyproject.get("project", {}).get("optional-dependencies", {})))
        if setup_cfg.has_section("options.extras_require"):
            extras.update(_test_named(setup_cfg["options.extras_require"].keys()))
    plan.groups = _test_named(pyproject.get("dependency-groups", {}))
    plan.requirement_files = [name for name in REQUIREMENT_FILES if tree_file(root, name)]
    requirements, files, tox_extras = _tox(root, pyproject)
    plan.dev_requirements = _pdm_dev_requirements(pyproject)
    plan.requirements = requirements
    plan.requirement_files += [f for f in files if f not in plan.requirement_files]
    if plan.project:
        extras.update(tox_extras)
    plan.extras = sorted(extras)
    plan.build_requirements = _build_requirements(pyproject)
    return plan


def _pdm_dev_requirements(pyproject: dict[str, Any]) -> list[str]:
    """PDM's ``[tool.pdm.dev-dependencies]`` groups named like tests (PEP 735's forerunner).

    Editable and path entries (``-e file:///${PROJECT_ROOT}/...``) are left out: the
    project itself is installed anyway.
    """
    groups = pyproject.get("tool", {}).get("pdm", {}).get("dev-dependencies", {})
    if not isinstance(groups, dict):
        return []
    return [
        spec
        for name in _test_named(groups)
        for spec in groups[name]
        if isinstance(groups[name], list)
        if isinstance(spec, str) and not spec.lstrip().startswith(("-", "file:", "."))
    ]


def _build_requirements(pyproject: dict[str, Any]) -> list[str]:
    """The normalised names ``[build-system] requires`` lists."""
    requires = pyproject.get("build-system", {}).get("requires", [])
    names = []
    for spec in requires if isinstance(requires, list) else []:
        try:
            names.append(canonicalize_name(Requirement(str(spec)).name))
        except InvalidRequirement:
            continue
    return sorted(set(names))
