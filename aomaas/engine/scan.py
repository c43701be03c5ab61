"""Index and mine a local checkout in one call (no server, no database): ``aomaas scan``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aomaas.engine.findings import Finding, OpportunityType
from aomaas.engine.index import RepoIndex, build_index
from aomaas.engine.miners import mine
from aomaas.engine.workspace import head_commit, repo_toplevel


@dataclass
class ScanReport:
    """The ranked findings of one scan, with what was scanned and how long it took."""

    root: Path
    commit: str
    index: RepoIndex
    findings: list[Finding]  # every finding, ranked
    selected: list[Finding]  # the first ``max_results`` of ``findings``
    types: list[OpportunityType]
    stats: dict[str, Any] = field(default_factory=dict)


def rank(findings: Iterable[Finding]) -> list[Finding]:
    """Priority, then effort, then place (critical/small first)."""
    return sorted(findings, key=Finding.rank_key)


def scan(
    path: Path,
    types: Iterable[OpportunityType | str] | None = None,
    max_results: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> ScanReport:
    """Index the HEAD commit of the git checkout containing ``path`` and mine it.

    Raises WorkspaceError for a path that is not a git checkout or has no commit.
    """
    started = time.perf_counter()
    root = repo_toplevel(path)
    commit = head_commit(root)
    wanted = [OpportunityType(t) for t in types] if types is not None else list(OpportunityType)
    index = build_index(root, commit, progress=progress)
    indexed = time.perf_counter()
    mining: dict[str, Any] = {}
    findings = rank(mine(root, index, wanted, progress=progress, stats=mining))
    selected = findings if max_results is None else findings[:max_results]
    stats = {
        "index_seconds": round(indexed - started, 3),
        "mine_seconds": round(time.perf_counter() - indexed, 3),
        "files": index.stats.get("files", 0),
        "mining": mining,
    }
    return ScanReport(root, commit, index, findings, selected, wanted, stats)
