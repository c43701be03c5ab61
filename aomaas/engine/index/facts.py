"""Facts from project files: dependency manifests, README sections, CI steps, test config.

Every function here reads text only: ``setup.py`` is parsed with ``ast`` (never
executed), TOML/INI/JSON with the standard library. A file that does not parse
gives ``{"error": ...}`` instead of raising.
"""

from __future__ import annotations

import ast
import configparser
import json
import re
import tomllib
from typing import Any

import yaml
from packaging.requirements import InvalidRequirement, Requirement

_REQUIREMENTS = re.compile(
    r"(^|/)(requirements[^/]*|[^/]*requirements)\.(txt|in)$|(^|/)requirements/[^/]+\.(txt|in)$"
)
_CI = re.compile(
    r"^(\.github/workflows/[^/]+\.ya?ml|\.gitlab-ci\.yml|\.travis\.yml|azure-pipelines\.yml|"
    r"\.circleci/config\.yml|Jenkinsfile|\.woodpecker\.ya?ml|\.woodpecker/[^/]+\.ya?ml|"
    r"appveyor\.yml|bitbucket-pipelines\.yml|\.cirrus\.yml|\.buildkite/[^/]+\.ya?ml)$"
)
_TEST_RUN = re.compile(
    r"\b(pytest|py\.test|tox|nox|unittest|runtests(\.py)?|npm (run )?test|yarn test|pnpm test|"
    r"make (test\w*|ci|check|coverage)|manage\.py test|hatch (run )?test|coverage run)\b"
)
_INSTALL = re.compile(
    r"\b(install(ation|ing)?|setup|getting started|quick ?start)\b", re.IGNORECASE
)
_USAGE = re.compile(
    r"\b(usage|example|examples|quick ?start|getting started|tutorial|how to use|documentation)\b",
    re.IGNORECASE,
)
_INSTALL_TEXT = re.compile(
    r"\b(pip|npm|yarn|conda|poetry|uv|pipx) (add|install)\b|\binstall(ation|ing)?\b"
)
_USAGE_TEXT = re.compile(r"\b(tutorial|getting started|quick ?start|usage|for example)\b")
_DOCS_LINK = re.compile(r"https?://[^\s)>\]]*(docs?\b|readthedocs|documentation)", re.IGNORECASE)
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+])\1{2,}\s*$")
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)

MANIFEST_NAMES = frozenset({"pyproject.toml", "setup.cfg", "setup.py", "package.json", "Pipfile"})
CONFIG_NAMES = frozenset(
    {
        "tox.ini",
        "pytest.ini",
        ".flake8",
        "noxfile.py",
        ".bandit",
        "ruff.toml",
        ".ruff.toml",
        ".pre-commit-config.yaml",
        ".pydocstyle",
    }
)
#: flake8 plugins (as pre-commit installs them) and the code prefixes they enable by default.
FLAKE8_PLUGINS = {
    "flake8-bugbear": ["B"],
    "flake8-docstrings": ["D"],
    "flake8-bandit": ["S"],
    "flake8-comprehensions": ["C4"],
    "flake8-simplify": ["SIM"],
    "flake8-pytest-style": ["PT"],
    "flake8-debugger": ["T10"],
    "flake8-print": ["T20"],
    "pep8-naming": ["N"],
    "flake8-pyupgrade": ["UP"],
}


def fact_kind(path: str) -> str | None:
    """Which kind of fact file ``path`` is (manifest, readme, ci, config), or None."""
    if "node_modules/" in path:
        return None
    name = path.rsplit("/", 1)[-1]
    if name in MANIFEST_NAMES or _REQUIREMENTS.search(path):
        return "manifest"
    if _CI.match(path):
        return "ci"
    if "/" not in path and name.lower().startswith("readme"):
        return "readme"
    if _ISSUE_CONFIG.match(path) or _GUIDANCE.match(path):
        return "config"
    if name in CONFIG_NAMES:
        return "config"
    return None


#: The issue-template chooser, whose contact links may name a private security channel.
_ISSUE_CONFIG = re.compile(r"^\.github/ISSUE_TEMPLATE/config\.ya?ml$")
#: Guidance for contributors and their agents, which may say where security reports go.
_GUIDANCE = re.compile(
    r"^(\.github/|docs/)?(AGENTS|CONTRIBUTING|CLAUDE)(\.md|\.rst|\.txt)?$", re.IGNORECASE
)
_SECURITY_CONTACT = re.compile(
    r"security/advisories|security advisor|security@|report.{0,40}vulnerab", re.I
)


def names_security_route(text: str) -> bool:
    """Whether ``text`` tells reporters where security problems go (an advisory, an address)."""
    return bool(_SECURITY_CONTACT.search(text))


def is_guidance(path: str) -> bool:
    """Whether ``path`` is guidance for contributors or their agents (AGENTS.md, CONTRIBUTING)."""
    return bool(_GUIDANCE.match(path))


def decode_text(data: bytes, python: bool = False) -> str | None:
    """Decode UTF-8 (BOM allowed); for Python also honour a PEP 263 coding cookie."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if python:
        cookie = _CODING.search(b"\n".join(data.splitlines()[:2]))
        if cookie:
            try:
                return data.decode(cookie.group(1).decode("ascii"))
            except (LookupError, UnicodeDecodeError):
                return None
    return None


def extract_facts(path: str, kind: str, text: str) -> dict[str, Any]:
    """The facts of one project file (``kind`` from :func:`fact_kind`)."""
    try:
        if kind == "manifest":
            return _manifest(path, text)
        if kind == "readme":
            return _readme(text)
        if kind == "ci":
            return {"kind": "ci", "runs_tests": bool(_TEST_RUN.search(text)), **ci_pythons(text)}
        return _config(path, text)
    except (
        ValueError,
        SyntaxError,
        RecursionError,
        MemoryError,
        TypeError,
        KeyError,
        AttributeError,
        configparser.Error,
        yaml.YAMLError,
    ) as exc:
        return {"kind": kind, "error": f"{type(exc).__name__}: {str(exc)[:200]}"}


#: A CI key whose value (or list below it) names the Python versions a job runs on.
_PYTHON_KEY = re.compile(
    r"""^\s*-?\s*["']?(python[-_ ]?versions?|pythons?|py|toxenv|tox-?envs?)["']?\s*:\s*(.*)$""",
    re.IGNORECASE,
)
#: ``{python: '3.13'}`` entries of a matrix ``include`` list.
_INLINE_KEY = re.compile(
    r"""\b(?:python[-_ ]?version|python|py)\s*:\s*["']?(3\.\d{1,2}|py3\d{1,2})\b"""
)
_CI_VERSION = re.compile(r"(?<![\w.])(?:3\.(\d{1,2})|py3(\d{1,2}))(?![\d.])")
_TOX_RUN = re.compile(r"\b(tox|nox)\b.*\s-e\s")


def _versions(text: str) -> set[int]:
    return {int(a or b) for a, b in _CI_VERSION.findall(text)}


def ci_pythons(text: str) -> dict[str, Any]:
    """The CPython 3 minor versions a CI file's jobs run on (``pythons``), and whether a
    version list is computed at run time (``pythons_dynamic``: the list is then unknown).

    Read from matrix keys (``python-version``, ``python``, ``py``, ``toxenv``...), inline
    ``{python: "3.13"}`` entries and ``tox -e py39`` commands; PyPy and GraalPy are not
    CPython, and a tool installed with ``--python 3.14`` is not a job's interpreter.
    """
    found: set[int] = set()
    dynamic = False
    in_list = False
    for line in text.splitlines():
        lowered = line.lower()
        if "pypy" in lowered or "graalpy" in lowered:
            continue
        key = _PYTHON_KEY.match(line)
        if key is not None:
            value = key.group(2).strip()
            in_list = value == "" or value.startswith("#")
            if "${{" in value and "matrix." not in value:
                dynamic = True
            found |= _versions(value)
            continue
        if in_list and line.strip().startswith("-"):
            found |= _versions(line)
            continue
        in_list = False
        for match in _INLINE_KEY.findall(line):
            found |= _versions(match)
        if _TOX_RUN.search(line):
            found |= {int(b) for a, b in _CI_VERSION.findall(line) if b}
    return {"pythons": sorted(found), "pythons_dynamic": dynamic}


# ----------------------------------------------------------------- manifests


def dependency(spec: str, group: str, text: str) -> dict[str, Any]:
    """One dependency: name, version spec, kind of bound, and its line in ``text``."""
    line = _line_of(text, spec)
    try:
        req = Requirement(spec)
    except InvalidRequirement:
        return {
            "raw": spec,
            "name": spec.split()[0] if spec.split() else spec,
            "spec": "",
            "group": group,
            "line": line,
            "invalid": True,
            "url": False,
        }
    specifiers = list(req.specifier)
    return {
        "raw": spec,
        "name": req.name,
        "spec": str(req.specifier),
        "group": group,
        "line": line,
        "pinned": any(s.operator in ("==", "===") and "*" not in s.version for s in specifiers),
        "lower": any(s.operator in (">=", ">", "~=", "==", "===") for s in specifiers),
        "url": req.url is not None,
        "marker": str(req.marker) if req.marker else "",
    }


def _line_of(text: str, needle: str) -> int | None:
    position = text.find(needle)
    return text.count("\n", 0, position) + 1 if position >= 0 else None


def _manifest(path: str, text: str) -> dict[str, Any]:
    name = path.rsplit("/", 1)[-1]
    if name == "pyproject.toml":
        return _pyproject(text)
    if name == "setup.cfg":
        return _setup_cfg(text)
    if name == "setup.py":
        return _setup_py(text)
    if name == "package.json":
        return _package_json(text)
    if name == "Pipfile":
        data = tomllib.loads(text)
        deps = [
            dependency(
                k if v in ("*", "") else f"{k}{v}" if isinstance(v, str) else k, "main", text
            )
            for k, v in data.get("packages", {}).items()
        ]
        return {"kind": "manifest", "format": "pipfile", "dependencies": deps}
    return _requirements(text)


def _pyproject(text: str) -> dict[str, Any]:
    data = tomllib.loads(text)
    project = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
    deps = [
        dependency(s, "main", text) for s in project.get("dependencies", []) if isinstance(s, str)
    ]
    for group, specs in (project.get("optional-dependencies") or {}).items():
        deps += [dependency(s, group, text) for s in specs if isinstance(s, str)]
    for group, specs in (data.get("dependency-groups") or {}).items():
        deps += [dependency(s, group, text) for s in specs if isinstance(s, str)]
    tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
    poetry = tool.get("poetry", {}) if isinstance(tool.get("poetry"), dict) else {}
    for pname, pspec in (poetry.get("dependencies") or {}).items():
        if pname.lower() != "python":
            spec = pspec if isinstance(pspec, str) else (pspec or {}).get("version", "")
            deps.append(_poetry_dependency(pname, spec, text))
    requires = project.get("requires-python") or (poetry.get("dependencies") or {}).get("python")
    classifiers = [c for c in project.get("classifiers", []) if isinstance(c, str)]
    return {
        "kind": "manifest",
        "format": "pyproject",
        "name": project.get("name"),
        "dependencies": deps,
        "requires_python": requires if isinstance(requires, str) else None,
        "python_classifiers": _python_classifiers(classifiers),
        "license": bool(project.get("license") or poetry.get("license")),
        "build_system": bool(data.get("build-system")),
        "pytest": "pytest" in tool and isinstance(tool.get("pytest"), dict),
        "readme": _readme_field(project.get("readme") or poetry.get("readme")),
        "contacts": _table_contacts(project) + _table_contacts(poetry),
        "release_notes_url": _release_notes_url(project.get("urls"))
        or _release_notes_url(poetry.get("urls")),
        "towncrier": isinstance(tool.get("towncrier"), dict),
        "ruff": _ruff_section(tool.get("ruff")),
        "pydocstyle": isinstance(tool.get("pydocstyle"), dict),
        "bandit": isinstance(tool.get("bandit"), dict),
        "bandit_skips": _as_list((tool.get("bandit") or {}).get("skips"))
        if isinstance(tool.get("bandit"), dict)
        else [],
    }


_RELEASE_KEY = re.compile(r"change|release|history|news|what'?s ?new", re.IGNORECASE)


def _release_notes_url(urls: Any) -> bool:
    """Whether project URLs link release notes (a "Changelog" key, a ``/releases`` page)."""
    if not isinstance(urls, dict):
        return False
    return any(
        _RELEASE_KEY.search(str(key)) or "/releases" in str(value) for key, value in urls.items()
    )


def _readme_field(value: Any) -> str | None:
    """The README a pyproject declares (``readme = "docs/README.md"`` or ``{file = ...}``)."""
    if isinstance(value, dict):
        value = value.get("file")
    return value if isinstance(value, str) else None


#: ``Name <address>`` (Poetry's authors and maintainers) or a bare address.
_ADDRESS = re.compile(r"^(?:[^<>]*<)?\s*([^\s<>@,;]+@[^\s<>@,;]+\.[^\s<>@,;]+)\s*>?$")


def _address(value: Any) -> str | None:
    """The e-mail address in ``value`` (``a@b.org`` or ``Name <a@b.org>``), or None."""
    match = _ADDRESS.match(value.strip()) if isinstance(value, str) else None
    return match.group(1) if match else None


def _contact_list(role: str, values: list[Any]) -> list[dict[str, str]]:
    found = (_address(v) for v in values)
    return [{"role": role, "email": address} for address in found if address]


def _table_contacts(table: dict[str, Any]) -> list[dict[str, str]]:
    """Maintainers first, then authors, with their addresses.

    ``[project]`` lists people as tables with an ``email``; ``[tool.poetry]`` as
    ``"Name <address>"`` strings.
    """
    contacts: list[dict[str, str]] = []
    for role in ("maintainers", "authors"):
        people = table.get(role)
        if isinstance(people, list):
            values = [p.get("email") if isinstance(p, dict) else p for p in people]
            contacts += _contact_list(role, values)
    return contacts


def _keyword_contacts(values: dict[str, Any]) -> list[dict[str, str]]:
    """``maintainer_email`` before ``author_email`` (setup.cfg ``[metadata]``, setup.py)."""
    contacts: list[dict[str, str]] = []
    for role, key in (("maintainers", "maintainer_email"), ("authors", "author_email")):
        value = values.get(key)
        if isinstance(value, str):
            contacts += _contact_list(role, value.split(","))
    return contacts


def _poetry_dependency(name: str, spec: str, text: str) -> dict[str, Any]:
    entry = dependency(name, "main", text)
    if spec and spec != "*":
        entry.update(
            {"spec": spec, "lower": True, "pinned": spec[:1].isdigit() and "*" not in spec}
        )
    return entry


def _python_classifiers(classifiers: list[str]) -> list[str]:
    prefix = "Programming Language :: Python :: "
    return sorted(
        {
            c[len(prefix) :]
            for c in classifiers
            if c.startswith(prefix) and re.fullmatch(r"\d+\.\d+", c[len(prefix) :])
        }
    )


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[,\s]+", value) if v.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


def _ruff_section(section: Any) -> dict[str, Any] | None:
    """The parts of a ruff configuration the miners respect or must check."""
    if not isinstance(section, dict):
        return None
    lint: dict[str, Any] = section["lint"] if isinstance(section.get("lint"), dict) else {}
    ignores = _as_list(section.get("ignore")) + _as_list(section.get("extend-ignore"))
    ignores += _as_list(lint.get("ignore")) + _as_list(lint.get("extend-ignore"))
    extend = section.get("extend")
    select = lint.get("select", section.get("select"))
    docstyle = lint.get("pydocstyle", section.get("pydocstyle"))
    return {
        "ignore": ignores,
        "select": _as_list(select) if select is not None else None,
        "extend_select": _as_list(section.get("extend-select"))
        + _as_list(lint.get("extend-select")),
        "docstring_convention": docstyle.get("convention") if isinstance(docstyle, dict) else None,
        "extend": extend if isinstance(extend, str) else None,
        "target_version": section.get("target-version")
        if isinstance(section.get("target-version"), str)
        else None,
    }


def _setup_cfg(text: str) -> dict[str, Any]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string(text)
    deps = [
        dependency(s, "main", text)
        for s in _lines(parser.get("options", "install_requires", fallback=""))
    ]
    if parser.has_section("options.extras_require"):
        for group, value in parser.items("options.extras_require"):
            deps += [dependency(s, group, text) for s in _lines(value)]
    return {
        "kind": "manifest",
        "format": "setup.cfg",
        "name": parser.get("metadata", "name", fallback=None),
        "dependencies": deps,
        "requires_python": parser.get("options", "python_requires", fallback=None),
        "python_classifiers": _python_classifiers(
            _lines(parser.get("metadata", "classifiers", fallback=""))
        ),
        "contacts": _keyword_contacts(
            dict(parser.items("metadata")) if parser.has_section("metadata") else {}
        ),
        "pytest": parser.has_section("tool:pytest"),
        "flake8_ignore": _flake8_ignores(parser),
        "flake8": _flake8_selection(parser),
        "pydocstyle": parser.has_section("pydocstyle"),
    }


def _lines(value: str) -> list[str]:
    return [
        line.split("#", 1)[0].strip()
        for line in value.splitlines()
        if line.split("#", 1)[0].strip()
    ]


def _flake8_ignores(parser: configparser.ConfigParser) -> list[str]:
    if not parser.has_section("flake8"):
        return []
    return _as_list(parser.get("flake8", "ignore", fallback="")) + _as_list(
        parser.get("flake8", "extend-ignore", fallback="")
    )


def _flake8_selection(parser: configparser.ConfigParser) -> dict[str, Any] | None:
    """A ``[flake8]`` section's selection: select, extend-select, max-complexity, docstrings."""
    if not parser.has_section("flake8"):
        return None
    select = parser.get("flake8", "select", fallback=None)
    return {
        "select": _as_list(select) if select is not None else None,
        "extend_select": _as_list(parser.get("flake8", "extend-select", fallback="")),
        "max_complexity": parser.get("flake8", "max-complexity", fallback=None) is not None,
        "docstring_convention": parser.get("flake8", "docstring-convention", fallback=None),
    }


def _pre_commit(text: str) -> dict[str, Any]:
    """Linters a ``.pre-commit-config.yaml`` runs: hook ids and flake8 plugins (by package name)."""
    data = yaml.safe_load(text)
    hooks: list[str] = []
    plugins: list[str] = []
    ruff_rev = None
    for repo in (data or {}).get("repos", []) if isinstance(data, dict) else []:
        if isinstance(repo, dict) and str(repo.get("repo", "")).rstrip("/").endswith(
            "/ruff-pre-commit"
        ):
            ruff_rev = str(repo.get("rev", "")) or None
        for hook in repo.get("hooks", []) if isinstance(repo, dict) else []:
            if not isinstance(hook, dict) or not isinstance(hook.get("id"), str):
                continue
            hooks.append(hook["id"])
            for dep in hook.get("additional_dependencies") or []:
                name = re.split(r"[<>=!~\[ ;]", str(dep), maxsplit=1)[0].strip().lower()
                if name in FLAKE8_PLUGINS:
                    plugins.append(name)
    return {
        "hooks": sorted(set(hooks)),
        "flake8_plugins": sorted(set(plugins)),
        "ruff_rev": ruff_rev,
    }


def _setup_py(text: str) -> dict[str, Any]:
    tree = ast.parse(text)
    found: dict[str, Any] = {
        "kind": "manifest",
        "format": "setup.py",
        "dependencies": [],
        "requires_python": None,
        "contacts": [],
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = (
            func.id
            if isinstance(func, ast.Name)
            else func.attr
            if isinstance(func, ast.Attribute)
            else ""
        )
        if name != "setup":
            continue
        for keyword in node.keywords:
            value = _literal(keyword.value)
            if keyword.arg == "install_requires" and isinstance(value, list):
                found["dependencies"] += [
                    dependency(s, "main", text) for s in value if isinstance(s, str)
                ]
            elif keyword.arg == "extras_require" and isinstance(value, dict):
                for group, specs in value.items():
                    if isinstance(specs, list):
                        found["dependencies"] += [
                            dependency(s, str(group), text) for s in specs if isinstance(s, str)
                        ]
            elif keyword.arg == "python_requires" and isinstance(value, str):
                found["requires_python"] = value
            elif keyword.arg == "setup_requires":
                values = [value] if isinstance(value, str) else value
                if isinstance(values, list | tuple):
                    found["setup_requires"] = [v for v in values if isinstance(v, str)]
            elif keyword.arg == "name" and isinstance(value, str):
                found["name"] = value
            elif keyword.arg in ("maintainer_email", "author_email"):
                found["contacts"] += _keyword_contacts({keyword.arg: value})
    found["contacts"].sort(key=lambda c: c["role"] != "maintainers")
    return found


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return None


def _package_json(text: str) -> dict[str, Any]:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("package.json is not an object")
    deps = []
    for group in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        for name, spec in (data.get(group) or {}).items():
            spec = str(spec)
            deps.append(
                {
                    "raw": f"{name}@{spec}",
                    "name": name,
                    "spec": spec,
                    "group": group,
                    "line": _line_of(text, f'"{name}"'),
                    "pinned": bool(re.fullmatch(r"\d+\.\d+\.\d+\S*", spec)),
                    "lower": spec not in ("*", "", "latest"),
                    "url": ":" in spec and not spec.startswith("npm:"),
                }
            )
    scripts: dict[str, Any] = data["scripts"] if isinstance(data.get("scripts"), dict) else {}
    test_script = str(scripts.get("test", ""))
    return {
        "kind": "manifest",
        "format": "package.json",
        "name": data.get("name"),
        "dependencies": deps,
        "test_script": "" if "no test specified" in test_script else test_script,
        "license": bool(data.get("license")),
    }


def _requirements(text: str) -> dict[str, Any]:
    deps = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-", "--")) or "://" in line:
            continue
        deps.append(dependency(line, "requirements", text))
    return {"kind": "manifest", "format": "requirements", "dependencies": deps}


# ------------------------------------------------------------- other files


def _readme(text: str) -> dict[str, Any]:
    headings = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("#") and stripped.lstrip("#").startswith(" "):
            headings.append(stripped.lstrip("#").strip())
        elif (
            stripped
            and i + 1 < len(lines)
            and _RST_UNDERLINE.match(lines[i + 1])
            and not _RST_UNDERLINE.match(line)
        ):
            headings.append(stripped)
        elif re.match(r"^<h[1-6][^>]*>(.*?)</h[1-6]>", stripped, re.IGNORECASE):
            headings.append(re.sub(r"<[^>]+>", "", stripped))
    body = text.lower()
    links_docs = bool(_DOCS_LINK.search(text))
    has_code = "```" in text or "::" in text or "pip install" in body or "$ " in text
    return {
        "kind": "readme",
        "headings": headings[:100],
        "has_install": any(_INSTALL.search(h) for h in headings)
        or bool(_INSTALL_TEXT.search(body)),
        "has_usage": any(_USAGE.search(h) for h in headings)
        or has_code
        or bool(_USAGE_TEXT.search(body)),
        "length": len(text),
        "links_docs": links_docs,
        "security_contact": names_security_route(text),
    }


def _config(path: str, text: str) -> dict[str, Any]:
    name = path.rsplit("/", 1)[-1]
    facts: dict[str, Any] = {"kind": "config", "name": name}
    if name in ("ruff.toml", ".ruff.toml"):
        data = tomllib.loads(text)
        facts["ruff"] = _ruff_section({**data, "lint": data.get("lint", {})})
    elif name in ("tox.ini", "pytest.ini", ".flake8"):
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.read_string(text)
        facts["pytest"] = parser.has_section("pytest") or parser.has_section("tool:pytest")
        facts["tox"] = name == "tox.ini" and (
            parser.has_section("tox") or parser.has_section("testenv")
        )
        facts["flake8_ignore"] = _flake8_ignores(parser)
        facts["flake8"] = _flake8_selection(parser)
        facts["pydocstyle"] = parser.has_section("pydocstyle")
    elif _ISSUE_CONFIG.match(path) or _GUIDANCE.match(path):
        facts["security_contact"] = names_security_route(text)
    elif name == ".pre-commit-config.yaml":
        facts["pre_commit"] = _pre_commit(text)
    elif name == ".pydocstyle":
        facts["pydocstyle"] = True
    elif name == ".bandit":
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.read_string(text)
        facts["bandit_skips"] = _as_list(parser.get("bandit", "skips", fallback=""))
    return facts
