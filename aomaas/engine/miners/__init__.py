"""Miners: one per opportunity type, over one shared ruff run, plus repository-level checks.

:func:`mine` never changes a file and never imports repository code: ruff
reads the files, the repository checks read only the index.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from aomaas.engine.findings import Finding, OpportunityType
from aomaas.engine.index import RepoIndex
from aomaas.engine.miners import (
    dependencies,
    documentation,
    maintainability,
    performance,
    security,
    testing,
)
from aomaas.engine.miners.code import mine_code

MINERS: dict[OpportunityType, ModuleType] = {
    module.TYPE: module
    for module in (security, performance, documentation, maintainability, dependencies, testing)
}


def python_files(index: RepoIndex) -> list[str]:
    """The files ruff is given: Python files that were read (unparsable ones too, since
    ruff's parser may know newer syntax than the tree-sitter grammar)."""
    return sorted(index.paths("python") + index.paths("python", status="syntax_error"))


def mine(
    root: Path,
    index: RepoIndex,
    types: Iterable[OpportunityType | str] | None = None,
    paths: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
    stats: dict[str, Any] | None = None,
    held_back: list[tuple[Finding, str]] | None = None,
) -> list[Finding]:
    """Every finding of the wanted ``types`` (all when None), unranked.

    With ``paths`` only those files are mined and repository-level checks are
    skipped (re-mining changed files, reviewing a pull request). ``stats``, when
    given, receives counts and timings (filtered diagnostics by reason, ruff run).
    ``held_back``, when given, receives the code findings the signal policy does not
    report, each with its reason (``bench/realworld.py --held-back-sample``).
    """
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    wanted = {OpportunityType(t) for t in types} if types is not None else set(OpportunityType)
    python = python_files(index)
    if paths is not None:
        chosen = set(paths)
        python = [p for p in python if p in chosen]
    info: dict[str, Any] = stats if stats is not None else {}
    findings = mine_code(root, index, wanted, python, info, say, held_back)
    ruff_done = time.perf_counter()
    if paths is None:
        for kind in sorted(wanted):
            findings += MINERS[kind].repo_checks(index)
    info["durations"] = {
        "ruff": round(ruff_done - started, 4),
        "total": round(time.perf_counter() - started, 4),
    }
    info["findings"] = len(findings)
    say(f"mined {len(findings)} findings in {time.perf_counter() - started:.2f} s")
    return findings


__all__ = ["MINERS", "mine", "python_files"]
