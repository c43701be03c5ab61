"""Poetry's ``[tool.poetry]`` requirements as PEP 508 strings (read as data, nothing run).

A Poetry project without ``[project]`` declares its requirements in Poetry's own
syntax (``^1.2``, ``~1.2``, tables with ``version``, ``extras``, ``markers``);
poetry-core turns them into metadata while it builds. The fetch that precedes the
offline build needs them beforehand, so they are translated here. A constraint
that PEP 508 cannot say (``||`` alternatives) keeps the name without a version;
git, path and URL sources are left out.
"""

from __future__ import annotations

import re
from typing import Any

from packaging.utils import canonicalize_name

_SPLIT = re.compile(r"\s*,\s*|\s+(?=[<>=!~^\d])")
_OPERATOR_SPACE = re.compile(r"([<>=!~^]=?)\s+")


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


def _requirement(name: str, spec: Any) -> tuple[str, bool] | None:
    """One dependency as (PEP 508 string, optional), or None for git/path/url sources."""
    if isinstance(spec, str):
        spec = {"version": spec}
    if not isinstance(spec, dict) or any(k in spec for k in ("git", "path", "url", "file")):
        return None
    extras = [str(e) for e in spec.get("extras", []) if isinstance(e, str)]
    text = name + (f"[{','.join(extras)}]" if extras else "")
    text += poetry_specifier(str(spec.get("version", "*")))
    if isinstance(spec.get("markers"), str):
        text += f"; {spec['markers']}"
    return text, bool(spec.get("optional"))


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
