"""Which rules the repository's own linter configuration selects (read from the index only).

Ruff (``[tool.ruff]``, ``ruff.toml``: ``select`` or ruff's default, plus ``extend-select``),
flake8 (``[flake8]`` in ``setup.cfg``, ``tox.ini``, ``.flake8``: ``select`` or flake8's
default, plus the plugins ``.pre-commit-config.yaml`` installs with it), pydocstyle and
bandit configurations, and linters run as pre-commit hooks. docs/mining.md explains how the
miners use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aomaas.engine.index import RepoIndex
from aomaas.engine.index.facts import FLAKE8_PLUGINS
from aomaas.engine.miners.rules import prefix_matches

#: What ruff checks when a configuration does not say ``select``.
RUFF_DEFAULT = ("E4", "E7", "E9", "F")
#: What flake8 checks without ``select`` (pycodestyle and pyflakes; mccabe needs max-complexity).
FLAKE8_DEFAULT = ("E", "W", "F")
#: Linters run as pre-commit hooks without a configuration file, and what they check.
HOOKS: dict[str, tuple[str, ...]] = {
    "ruff": RUFF_DEFAULT,
    "ruff-check": RUFF_DEFAULT,
    "flake8": FLAKE8_DEFAULT,
    "pydocstyle": ("D",),
    "bandit": ("S",),
    "pyupgrade": ("UP",),
}


@dataclass(frozen=True)
class LintSelection:
    """The rule prefixes the repository's linters select, and whether it enforces docstrings."""

    prefixes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # the configuration files it came from

    @property
    def configured(self) -> bool:
        """Whether the repository configures any linter at all."""
        return bool(self.sources)

    @property
    def docstrings(self) -> bool:
        """Whether the repository enforces docstrings (pydocstyle rules selected)."""
        return any(self.selects(code) for code in ("D100", "D101", "D102", "D103"))

    def selects(self, code: str) -> bool:
        """Whether one of the repository's linters checks ``code``."""
        return any(prefix_matches(prefix, code) for prefix in self.prefixes)


def lint_selection(index: RepoIndex) -> LintSelection:
    """The repository's selection, from the facts of its configuration files."""
    prefixes: list[str] = []
    sources: list[str] = []
    plugins: list[str] = []
    hooks: list[str] = []
    for path, facts in sorted(index.facts.items()):
        pre_commit = facts.get("pre_commit") or {}
        plugins += pre_commit.get("flake8_plugins") or []
        hooks += [hook for hook in pre_commit.get("hooks") or [] if hook in HOOKS]
        if pre_commit.get("hooks"):
            sources.append(path)
    has_ruff = has_flake8 = False
    for path, facts in sorted(index.facts.items()):
        ruff = facts.get("ruff")
        if isinstance(ruff, dict):
            has_ruff = True
            sources.append(path)
            prefixes += _ruff_prefixes(ruff)
        flake8 = facts.get("flake8")
        if isinstance(flake8, dict):
            has_flake8 = True
            sources.append(path)
            prefixes += _flake8_prefixes(flake8, plugins)
        if facts.get("pydocstyle") is True:
            sources.append(path)
            prefixes.append("D")
        if facts.get("bandit") is True or facts.get("name") == ".bandit":
            sources.append(path)
            prefixes.append("S")
    for hook in hooks:
        if (hook.startswith("ruff") and has_ruff) or (hook == "flake8" and has_flake8):
            continue  # the configuration file says what it checks
        prefixes += HOOKS[hook]
        if hook == "flake8":
            prefixes += [code for plugin in plugins for code in FLAKE8_PLUGINS[plugin]]
    return LintSelection(tuple(dict.fromkeys(prefixes)), tuple(dict.fromkeys(sources)))


def _ruff_prefixes(ruff: dict[str, Any]) -> list[str]:
    select = ruff.get("select")
    chosen = list(RUFF_DEFAULT) if select is None else list(select)
    chosen += ruff.get("extend_select") or []
    if ruff.get("docstring_convention"):
        chosen.append("D")  # a pydocstyle convention is only set to check docstrings
    return chosen


def _flake8_prefixes(flake8: dict[str, Any], plugins: list[str]) -> list[str]:
    select = flake8.get("select")
    if select is None:
        chosen = list(FLAKE8_DEFAULT) + (["C90"] if flake8.get("max_complexity") else [])
        chosen += [code for plugin in plugins for code in FLAKE8_PLUGINS[plugin]]
    else:
        chosen = list(select)
    chosen += flake8.get("extend_select") or []
    if flake8.get("docstring_convention"):
        chosen.append("D")
    return chosen
