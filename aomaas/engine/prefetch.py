"""What the networked fetch may download: the requirements a repository declares in files.

The test environment is installed in two phases (:mod:`aomaas.engine.testinstall`);
this module decides what the first one, the only one with network, fetches. It
reads files only, never runs code, and names only third-party requirements, by name,
to be fetched as wheels from the engine's package index:

* build requirements: ``[build-system] requires``, else setuptools' defaults for a
  project without one (``setuptools>=40.8.0``, ``wheel``); ``wheel`` is added
  beside setuptools (older setuptools asks for it while building);
* the project's runtime requirements and the extras the plan installs:
  ``[project]`` (a field listed in ``dynamic`` from the files
  ``[tool.setuptools.dynamic]`` names, setup.cfg's ``[options]`` and the literal
  arguments of ``setup()``, read with ``ast``), or Poetry's
  ``[tool.poetry.dependencies]`` and ``[tool.poetry.extras]``;
* the dependency groups the plan installs (``include-group`` followed);
* the requirement files the plan installs (nested ``-r``/``-c`` inside the tree
  followed) and tox's deps.

Left out: whatever is not a requirement by name (local paths, editables, ``file:``
URLs: the repository's own code, which only the offline phase builds; remote URLs,
``git+https://…`` and archives: code the repository picks, whose build would run
with the network on), the repository's own ``--index-url``/``--extra-index-url``/
``--find-links`` (an index it picks could serve anything under any name), lines with
environment variables, and the project itself (a self-reference such as
``pkg[test]`` adds that extra's requirements). Remote URLs and the repository's
indexes are recorded in :attr:`Prefetch.left_out`, so that a build missing them can
say why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from aomaas.engine.index.facts import extract_facts
from aomaas.engine.poetryspec import poetry_requirements
from aomaas.engine.testdeps import InstallPlan, read_ini, read_pyproject, tree_file

#: What a build frontend installs for a project without ``[build-system]``.
LEGACY_BUILD = ("setuptools>=40.8.0", "wheel")
#: Requirement-file options naming where packages come from: never used by the fetch.
INDEX_OPTIONS = {
    "-i": "--index-url",
    "--index-url": "--index-url",
    "--extra-index-url": "--extra-index-url",
    "-f": "--find-links",
    "--find-links": "--find-links",
}
_COMMENT = re.compile(r"(^|\s)#.*$")
#: Options after a requirement on its line (``--hash=…``, ``--config-settings …``).
_LINE_OPTIONS = re.compile(r"\s--?[A-Za-z]")
_OPTION = re.compile(r"^(--[A-Za-z][\w-]*|-[A-Za-z])\s*=?\s*(.*)$")


@dataclass(slots=True)
class Prefetch:
    """Third-party requirements to fetch with network, as uv requirement-file lines."""

    build: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    #: what the files name that is not fetched: remote URLs and the repository's own
    #: indexes (credentials removed), for the reason a build missing them gives
    left_out: list[str] = field(default_factory=list)

    def build_file(self) -> str:
        """The build requirements."""
        return _lines(self.build)

    def requirements_file(self) -> str:
        """The runtime and test requirements."""
        return _lines(self.requirements)

    def constraints_file(self) -> str:
        """The constraints the requirement files name."""
        return _lines(self.constraints)


def _lines(items: list[str]) -> str:
    return "".join(f"{item}\n" for item in dict.fromkeys(items))


_AUTHORITY = re.compile(r"^([A-Za-z][\w+.-]*://)([^/?#]*)")


def userinfo(url: str) -> tuple[str, str]:
    """The user and password ``url`` carries (``https://user:token@host/…``), as written."""
    found = _AUTHORITY.match(url)
    user, _, password = (found.group(2).rpartition("@")[0] if found else "").partition(":")
    return user, password


def without_userinfo(url: str) -> str:
    """``url`` without the user and password it may carry."""
    return _AUTHORITY.sub(lambda found: found.group(1) + found.group(2).rpartition("@")[2], url)


def _remote(url: str) -> bool:
    """Whether a direct reference points off the machine (not a path, not ``file:``)."""
    return "://" in url and "file" not in url.split("://")[0]


def parse_requirement(spec: str) -> Requirement | None:
    """``spec`` as a requirement, or None (invalid, or naming an environment variable)."""
    if "${" in spec:
        return None
    try:
        return Requirement(spec)
    except InvalidRequirement:
        return None


def _logical_lines(text: str) -> Iterator[str]:
    """A requirement file's lines: continuations joined, comments and blanks dropped."""
    for raw in re.sub(r"\\\r?\n", "", text).splitlines():
        line = _COMMENT.sub("", raw).strip()
        if line:
            yield line


class _Collector:
    """Gathers requirements from the project's metadata and the files it names."""

    def __init__(self, root: Path, own: str, extras: dict[str, list[str]]) -> None:
        self.root = root.resolve()
        self.own = own
        self.extras = extras
        self.found = Prefetch()
        self._files: set[Path] = set()
        self._extras: set[str] = set()

    def line(self, text: str, base: Path | None = None, constraint: bool = False) -> None:
        """One line in requirement-file syntax (a requirement, ``-r``, ``-c``, an index)."""
        found = _OPTION.match(text)
        if found is None:
            self._requirement(_LINE_OPTIONS.split(text, maxsplit=1)[0].strip(), constraint)
            return
        flag, value = found.groups()
        if flag in ("-r", "--requirement", "-c", "--constraint"):
            constraint = constraint or flag in ("-c", "--constraint")
            self.read_file((base or self.root) / value.strip(), constraint)
        elif flag in INDEX_OPTIONS and _remote(value.strip()):
            self.found.left_out.append(
                f"{INDEX_OPTIONS[flag]} {without_userinfo(value.split()[0])}"
            )

    def add_extra(self, name: str) -> None:
        """The requirements of one of the project's extras (once)."""
        key = canonicalize_name(name)
        if key not in self._extras:
            self._extras.add(key)
            for spec in self.extras.get(key, []):
                self.line(spec)

    def read_file(self, path: Path, constraint: bool = False) -> None:
        """A requirement file inside the tree (a link leading out of it is not read)."""
        try:
            real = path.resolve()
            inside = real not in self._files and real.is_relative_to(self.root) and real.is_file()
            text = real.read_text(encoding="utf-8", errors="replace") if inside else ""
        except (OSError, RuntimeError):  # unreadable, or a loop of links
            return
        if inside:
            self._files.add(real)
            for line in _logical_lines(text):
                self.line(line, real.parent, constraint)

    def named(self, spec: str) -> Requirement | None:
        """``spec`` when it is a requirement by name; a remote URL is recorded as left out."""
        req = parse_requirement(spec)
        if req is not None and req.url is not None:
            if _remote(req.url):
                self.found.left_out.append(f"{req.name} @ {without_userinfo(req.url)}")
            return None
        return req

    def _requirement(self, spec: str, constraint: bool) -> None:
        req = self.named(spec)
        if req is None:
            return
        if self.own and canonicalize_name(req.name) == self.own:
            for name in sorted(req.extras):
                self.add_extra(name)
            return
        (self.found.constraints if constraint else self.found.requirements).append(str(req))


def _by_name(spec: str) -> Requirement | None:
    """``spec`` when it is a requirement by name (no direct URL), else None."""
    req = parse_requirement(spec)
    return req if req is not None and req.url is None else None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value] if isinstance(value, list) else []


def _file_lines(spec: Any) -> list[str]:
    """``{file = ...}`` of ``[tool.setuptools.dynamic]`` (or setup.cfg's ``file:``) as ``-r`` lines."""
    files = spec.get("file") if isinstance(spec, dict) else None
    return [f"-r {name}" for name in _strings(files)]


def _cfg_list(value: str) -> list[str]:
    """A setup.cfg list value: one requirement a line, or ``file: a.txt, b.txt``."""
    if value.strip().startswith("file:"):
        names = value.strip()[len("file:") :].split(",")
        return [f"-r {name.strip()}" for name in names if name.strip()]
    return [line.strip() for line in value.splitlines() if line.strip()]


def _setuptools(root: Path, pyproject: dict[str, Any]) -> tuple[str, list[str], dict[str, Any]]:
    """Name, requirements and extras from setuptools' own places (not ``[project]``)."""
    dynamic = pyproject.get("tool", {}).get("setuptools", {}).get("dynamic", {})
    dynamic = dynamic if isinstance(dynamic, dict) else {}
    deps = _file_lines(dynamic.get("dependencies"))
    optional = dynamic.get("optional-dependencies")
    extras: dict[str, list[str]] = {}
    for name, spec in (optional if isinstance(optional, dict) else {}).items():
        extras.setdefault(str(name), []).extend(_file_lines(spec))
    cfg = read_ini(root, "setup.cfg")
    name = cfg.get("metadata", "name", fallback="")
    deps += _cfg_list(cfg.get("options", "install_requires", fallback=""))
    if cfg.has_section("options.extras_require"):
        for extra, value in cfg.items("options.extras_require"):
            extras.setdefault(extra, []).extend(_cfg_list(value))
    setup_py = tree_file(root, "setup.py")
    if setup_py is not None:
        facts = extract_facts("setup.py", "manifest", setup_py.read_text(errors="replace"))
        name = name or str(facts.get("name") or "")
        for dep in facts.get("dependencies", []):
            group = str(dep["group"])
            (deps if group == "main" else extras.setdefault(group, [])).append(str(dep["raw"]))
    return name, deps, extras


def _project(root: Path, pyproject: dict[str, Any]) -> tuple[str, list[str], dict[str, Any]]:
    """The project's name, runtime requirements and extras, as declared in files."""
    project = pyproject.get("project")
    poetry = pyproject.get("tool", {}).get("poetry")
    if not isinstance(project, dict) and isinstance(poetry, dict):
        return poetry_requirements(poetry)
    name, deps, extras = _setuptools(root, pyproject)
    if not isinstance(project, dict):
        return name, deps, extras
    dynamic = set(_strings(project.get("dynamic")))
    if "dependencies" not in dynamic:
        deps = _strings(project.get("dependencies"))
    if "optional-dependencies" not in dynamic:
        optional = project.get("optional-dependencies")
        extras = {
            k: _strings(v) for k, v in (optional if isinstance(optional, dict) else {}).items()
        }
    return str(project.get("name") or name), deps, extras


def _group(groups: dict[str, Any], name: str, seen: set[str]) -> Iterator[str]:
    """A PEP 735 dependency group's requirements, ``include-group`` followed (once each)."""
    key = canonicalize_name(name)
    if key in seen:
        return
    seen.add(key)
    entries: Any = next((v for k, v in groups.items() if canonicalize_name(str(k)) == key), [])
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, str):
            yield entry
        elif isinstance(entry, dict) and isinstance(entry.get("include-group"), str):
            yield from _group(groups, entry["include-group"], seen)


def build_requirements(
    pyproject: dict[str, Any], named: Callable[[str], Requirement | None] | None = None
) -> list[str]:
    """What building a project needs, from ``[build-system] requires`` (no backend hook):
    requirements by name only (``named`` decides, by default any without a URL)."""
    system = pyproject.get("build-system")
    requires = system.get("requires") if isinstance(system, dict) else None
    specs = _strings(requires) if isinstance(requires, list) else list(LEGACY_BUILD)
    keep = named or _by_name
    found = [str(req) for req in map(keep, specs) if req is not None]
    names = {canonicalize_name(Requirement(spec).name) for spec in found}
    if "setuptools" in names and "wheel" not in names:
        found.append("wheel")
    return found


def prefetch_plan(root: Path, plan: InstallPlan) -> Prefetch:
    """The third-party requirements of ``plan`` that the networked phase fetches for ``root``."""
    pyproject = read_pyproject(root)
    name, deps, extras = _project(root, pyproject) if plan.project else ("", [], {})
    collector = _Collector(
        root,
        canonicalize_name(name) if name else "",
        {canonicalize_name(str(k)): _strings(v) for k, v in extras.items()},
    )
    for spec in deps:
        collector.line(spec)
    for extra in plan.extras:
        collector.add_extra(extra)
    groups = pyproject.get("dependency-groups")
    seen: set[str] = set()
    for group in plan.groups:
        for spec in _group(groups if isinstance(groups, dict) else {}, group, seen):
            collector.line(spec)
    for file_name in plan.requirement_files:
        collector.read_file(root / file_name)
    for spec in [*plan.dev_requirements, *plan.requirements]:
        collector.line(spec)
    if plan.project:
        collector.found.build = build_requirements(pyproject, collector.named)
    return collector.found
