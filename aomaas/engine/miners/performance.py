"""Performance miner: ruff's PERF, C4 and ASYNC rules (no repository-level checks)."""

from __future__ import annotations

from aomaas.engine.findings import Finding, OpportunityType
from aomaas.engine.index import RepoIndex

TYPE = OpportunityType.PERFORMANCE


def repo_checks(index: RepoIndex) -> list[Finding]:
    """None: performance opportunities are all in the code."""
    return []
