"""Poetry's ``[tool.poetry]`` requirements as PEP 508 strings (read as data, nothing run).

A Poetry project without ``[project]`` declares its requirements in Poetry's own
syntax (``^1.2``, ``~1.2``, tables with ``version``, ``extras``, ``markers``,
``python`` and ``platform``); poetry-core turns them into metadata while it builds.
The fetch that precedes the offline build needs them beforehand, so they are
translated here: ``python`` (a Poetry constraint, ``||`` alternatives included) into
``python_version`` markers (``python_full_version`` for three-part versions) and
``platform`` into ``sys_platform``, both joined with ``markers``, so that the usual
one-entry-per-Python lists do not clash. A version constraint that PEP 440 cannot
say (``||`` alternatives) keeps the name without a version; git, path and URL
sources are left out.
"""

from __future__ import annotations

import re
from typing import Any

from packaging.utils import canonicalize_name

_SPLIT = re.compile(r"\s*,\s*|\s+(?=[<>=!~^\d])")
_OPERATOR_SPACE = re.compile(r"([<>=!~^]=?)\s+")
_ALTERNATIVES = re.compile(r"\s*\|\|?\s*")
_CLAUSE = re.compile(r"^(~=|===|==|!=|<=|>=|<|>)(.+)$")


def _upper(version: str, caret: bool) -> str:
    """The exclusive upper bound of ``^version`` or ``~version``."""
    parts = [int(p) if p.isdigit() else 0 for p in version.split(".")]
    if caret:
        position = next((i for i, p in enumerate(parts) if p), len(parts) - 1)
    else:
        position = 0 if len(parts) == 1 else 1
    bumped = [*parts[:position], parts[position] + 1]
    return ".".join(map(str, bumped + [0] * max(0, len(parts) - len(bumped))))


def poetry_specifier(constraint: str) -> str:
    """A Poetry version constraint as a PEP 440 specifier (``^1.2`` → ``>=1.2,<2.0``)."""
    if "|" in constraint:
        return ""
    specifiers: list[str] = []
    for part in _SPLIT.split(_OPERATOR_SPACE.sub(r"\1", constraint.strip())):
        if part in ("", "*"):
            continue
        if part.startswith("^") or (part.startswith("~") and not part.startswith("~=")):
            version = part.lstrip("^~").strip()
            specifiers += [f">={version}", f"<{_upper(version, part.startswith('^'))}"]
        elif part[0].isdigit():
            specifiers.append(f"=={part}")
        else:
            specifiers.append(part.replace(" ", ""))
    return ",".join(specifiers)


def _either(alternatives: list[str]) -> str:
    """Markers joined by ``or`` (each ``and`` group in parentheses)."""
    if len(alternatives) == 1:
        return alternatives[0]
    return " or ".join(f"({a})" if " and " in a else a for a in alternatives)


def python_marker(constraint: str) -> str:
    """A Poetry ``python`` constraint as a PEP 508 marker; "" when any Python will do.

    ``^3.8`` → ``python_version >= "3.8" and python_version < "4.0"``; a version with
    three parts (``~3.9.1``) is compared with ``python_full_version``.
    """
    alternatives = []
    for alternative in _ALTERNATIVES.split(constraint.strip()):
        clauses = []
        for spec in poetry_specifier(alternative).split(","):
            found = _CLAUSE.match(spec.strip())
            if found is not None:
                operator, version = found.groups()
                parts = [part for part in version.split(".") if part != "*"]
                variable = "python_version" if len(parts) <= 2 else "python_full_version"
                clauses.append(f'{variable} {operator} "{version}"')
        if not clauses:
            return ""  # this alternative allows every Python
        alternatives.append(" and ".join(clauses))
    return _either(alternatives)


def platform_marker(platforms: str) -> str:
    """A Poetry ``platform`` (``linux``, ``linux || darwin``, ``!win32``) as a marker."""
    alternatives = []
    for platform in _ALTERNATIVES.split(platforms.strip()):
        name = platform.lstrip("!=").strip()
        if name:
            operator = "!=" if platform.startswith("!") else "=="
            alternatives.append(f'sys_platform {operator} "{name}"')
    return _either(alternatives) if alternatives else ""


def _markers(spec: dict[str, Any]) -> str:
    """The conditions of one dependency: ``python``, ``platform`` and ``markers``, all required."""
    found = [
        python_marker(spec["python"]) if isinstance(spec.get("python"), str) else "",
        platform_marker(spec["platform"]) if isinstance(spec.get("platform"), str) else "",
        spec["markers"] if isinstance(spec.get("markers"), str) else "",
    ]
    conditions = [condition.strip() for condition in found if condition.strip()]
    if len(conditions) == 1:
        return conditions[0]
    return " and ".join(f"({c})" if " or " in c else c for c in conditions)


def _requirement(name: str, spec: Any) -> tuple[str, bool] | None:
    """One dependency as (PEP 508 string, optional), or None for git/path/url sources."""
    if isinstance(spec, str):
        spec = {"version": spec}
    if not isinstance(spec, dict) or any(k in spec for k in ("git", "path", "url", "file")):
        return None
    extras = [str(e) for e in spec.get("extras", []) if isinstance(e, str)]
    text = name + (f"[{','.join(extras)}]" if extras else "")
    text += poetry_specifier(str(spec.get("version", "*")))
    markers = _markers(spec)
    return text + (f"; {markers}" if markers else ""), bool(spec.get("optional"))


def poetry_requirements(poetry: dict[str, Any]) -> tuple[str, list[str], dict[str, list[str]]]:
    """The project's name, runtime requirements and extras from ``[tool.poetry]``."""
    required: list[str] = []
    optional: dict[str, list[str]] = {}
    dependencies = poetry.get("dependencies")
    for name, spec in (dependencies if isinstance(dependencies, dict) else {}).items():
        if str(name).lower() == "python":
            continue
        for one in spec if isinstance(spec, list) else [spec]:
            found = _requirement(str(name), one)
            if found is not None and found[1]:
                optional.setdefault(canonicalize_name(str(name)), []).append(found[0])
            elif found is not None:
                required.append(found[0])
    extras: dict[str, list[str]] = {}
    declared = poetry.get("extras")
    for extra, members in (declared if isinstance(declared, dict) else {}).items():
        names = [canonicalize_name(str(m)) for m in members if isinstance(m, str)]
        extras[str(extra)] = [text for n in names for text in optional.get(n, [])]
    return str(poetry.get("name") or ""), required, extras
