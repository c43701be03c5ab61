"""Run ruff once over the wanted files, with fixes off and the maintainers' ignores kept.

Ruff's ``--select`` on the command line replaces the configuration's selection
*and* its ``ignore`` list, so the ignores of every in-tree ruff configuration
(and the root's flake8 ``ignore`` and bandit ``skips``) are collected from the
index and applied per directory here. ``per-file-ignores``, ``exclude``
(``--force-exclude``) and ``# noqa`` are applied by ruff itself. A configuration
that is a symlink or ``extend``s a file outside the tree makes the run
``--isolated``, and so does the absence of a root configuration (ruff would
otherwise look in parent directories), so ruff never reads outside the
repository.
"""

from __future__ import annotations

import json
import os
import posixpath
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from ruff import find_ruff_bin

from aomaas.engine.index import RepoIndex, python_versions
from aomaas.engine.miners.filters import ruff_prefilters
from aomaas.engine.miners.rules import EXCLUDED, prefix_matches
from aomaas.errors import EngineError

_CONFIG_PRECEDENCE = (".ruff.toml", "ruff.toml", "pyproject.toml")
_ARGS_BUDGET = 1_000_000  # bytes of file names per ruff run (Linux allows 2 MiB of arguments)
_OLDEST = 7
_NEWEST = 14


@dataclass
class RuffSetup:
    """What the ruff run needs to know about the repository's configuration."""

    ignores: dict[str, list[str]] = field(default_factory=dict)  # directory ("" = root) -> prefixes
    global_ignores: list[str] = field(default_factory=list)
    isolated: bool = False
    reason: str = ""
    target_version: str = "py37"
    _folders: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)
    _verdicts: dict[tuple[str, str], bool] = field(default_factory=dict, repr=False, compare=False)

    def ignored(self, path: str, code: str) -> bool:
        """Whether the repository's own configuration ignores ``code`` for ``path``."""
        key = (posixpath.dirname(path), code)
        if key not in self._verdicts:
            prefixes = self._prefixes(key[0])
            self._verdicts[key] = any(prefix_matches(prefix, code) for prefix in prefixes)
        return self._verdicts[key]

    def _prefixes(self, folder: str) -> tuple[str, ...]:
        if folder in self._folders:
            return self._folders[folder]
        start = folder
        prefixes = list(self.global_ignores)
        while True:
            if folder in self.ignores:
                prefixes += self.ignores[folder]
                break
            if not folder:
                break
            folder = posixpath.dirname(folder)
        self._folders[start] = tuple(prefixes)
        return self._folders[start]


def ruff_setup(index: RepoIndex) -> RuffSetup:
    """Collect ignores, safety and target version from the index (no file is read)."""
    setup = RuffSetup(target_version=target_version(index))
    configs: dict[str, tuple[str, dict[str, Any]]] = {}
    for path, facts in index.facts.items():
        section = facts.get("ruff")
        folder, _, name = path.rpartition("/")
        if section and name in _CONFIG_PRECEDENCE:
            current = configs.get(folder)
            if current is None or _CONFIG_PRECEDENCE.index(name) < _CONFIG_PRECEDENCE.index(
                current[0]
            ):
                configs[folder] = (name, section)
        if "/" not in path:
            setup.global_ignores += facts.get("flake8_ignore") or []
            setup.global_ignores += [
                _bandit_to_ruff(code) for code in facts.get("bandit_skips") or []
            ]
    for path, info in index.files.items():
        if info.get("status") == "symlink" and path.rpartition("/")[2] in _CONFIG_PRECEDENCE:
            setup.isolated, setup.reason = True, f"{path} is a symbolic link"
    if "" not in configs:
        setup.isolated = True
        setup.reason = "no ruff configuration at the repository root (never use a parent's)"
    for folder, (name, section) in configs.items():
        ignores, escape = _resolved_ignores(folder, name, section, configs, index)
        setup.ignores[folder] = ignores
        if escape:
            setup.isolated, setup.reason = True, escape
    return setup


def _bandit_to_ruff(code: str) -> str:
    return f"S{code[1:]}" if len(code) == 4 and code[0] == "B" and code[1:].isdigit() else code


def _resolved_ignores(
    folder: str,
    name: str,
    section: dict[str, Any],
    configs: dict[str, tuple[str, dict[str, Any]]],
    index: RepoIndex,
    depth: int = 0,
) -> tuple[list[str], str]:
    """Ignores of one config plus those it ``extend``s inside the tree; second value: why unsafe."""
    ignores = list(section.get("ignore") or [])
    extend = section.get("extend")
    if not extend or depth > 5:
        return ignores, ""
    target = posixpath.normpath(posixpath.join(folder, os.path.expanduser(extend)))
    if extend.startswith(("/", "~")) or target.startswith("../") or target == "..":
        return ignores, f"{posixpath.join(folder, name)} extends {extend!r}, outside the repository"
    if index.files.get(target, {}).get("status") == "symlink":
        return ignores, f"{target} (extended configuration) is a symbolic link"
    base = index.facts.get(target, {}).get("ruff")
    if base:
        more, escape = _resolved_ignores(
            posixpath.dirname(target), target.rpartition("/")[2], base, configs, index, depth + 1
        )
        return ignores + more, escape
    return ignores, ""


def target_version(index: RepoIndex) -> str:
    """Ruff's ``--target-version``: the oldest Python the project declares it supports."""
    if index.requires_python:
        try:
            spec = SpecifierSet(index.requires_python)
        except InvalidSpecifier:
            spec = None
        if spec is not None:
            for minor in range(_OLDEST, _NEWEST + 1):
                if any(spec.contains(f"3.{minor}.{patch}") for patch in (0, 1, 2, 5, 10, 20)):
                    return f"py3{minor}"
    versions = python_versions(index)
    if versions:
        minor = int(versions[0].split(".")[1])
        return f"py3{max(_OLDEST, min(minor, _NEWEST))}"
    for facts in index.facts.values():
        section = facts.get("ruff") or {}
        if section.get("target_version"):
            return str(section["target_version"])
    return f"py3{_OLDEST}"


def run_ruff(
    root: Path, files: list[str], select: list[str], setup: RuffSetup, timeout: float = 600
) -> list[dict[str, Any]]:
    """Ruff's JSON diagnostics for ``files`` (repository-relative), fixes off, cache off."""
    if not files or not select:
        return []
    diagnostics: list[dict[str, Any]] = []
    for batch in _batches(files):
        diagnostics += _run_batch(root, batch, select, setup, timeout)
    return diagnostics


def _batches(files: list[str]) -> list[list[str]]:
    batches: list[list[str]] = [[]]
    size = 0
    for path in files:
        if size + len(path) > _ARGS_BUDGET and batches[-1]:
            batches.append([])
            size = 0
        batches[-1].append(path)
        size += len(path) + 1
    return batches


@cache
def ruff_binary() -> str:
    """The path of the ruff binary the ``ruff`` wheel installs."""
    try:
        return str(find_ruff_bin())
    except FileNotFoundError as exc:
        raise EngineError("ruff is not installed (the ruff wheel provides it)") from exc


def ruff_command(select: list[str], setup: RuffSetup, isolated: bool) -> list[str]:
    """The ruff command line (before ``-- FILES``) the miners run."""
    binary = ruff_binary()
    command = [
        binary,
        "check",
        "--no-fix",
        "--exit-zero",
        "--no-cache",
        "--quiet",
        "--output-format",
        "json",
        "--force-exclude",
        "--select",
        ",".join(select),
        "--ignore",
        ",".join(EXCLUDED),
        "--target-version",
        setup.target_version,
        "--extend-per-file-ignores",
        ruff_prefilters(),
    ]
    return [*command, "--isolated"] if isolated else command


def _run_batch(
    root: Path, files: list[str], select: list[str], setup: RuffSetup, timeout: float
) -> list[dict[str, Any]]:
    modes = [True] if setup.isolated else [False, True]
    error = ""
    with tempfile.TemporaryDirectory(prefix="aomaas-ruff-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RUFF_")}
        env.update(HOME=home, XDG_CONFIG_HOME=home, XDG_CACHE_HOME=home, RUFF_CACHE_DIR=home)
        for isolated in modes:
            command = [*ruff_command(select, setup, isolated), "--", *files]
            try:
                proc = subprocess.run(
                    command, cwd=root, env=env, capture_output=True, timeout=timeout, check=False
                )
            except subprocess.TimeoutExpired as exc:
                raise EngineError(f"ruff timed out after {timeout:.0f} s") from exc
            except OSError as exc:
                raise EngineError(f"ruff could not run: {exc.strerror or exc}") from exc
            if proc.returncode == 0:
                if isolated and not setup.isolated:
                    setup.isolated, setup.reason = (
                        True,
                        "the repository's ruff configuration was rejected",
                    )
                return list(json.loads(proc.stdout or b"[]"))
            lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            error = lines[-1] if lines else f"exit status {proc.returncode}"
    raise EngineError(f"ruff failed: {error[:300]}")
