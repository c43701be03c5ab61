"""Maintainability miner: pyflakes, bugbear, simplify, pyupgrade (for the declared Python), complexity."""

from __future__ import annotations

from aomaas.engine.findings import Finding, OpportunityType
from aomaas.engine.index import RepoIndex

TYPE = OpportunityType.MAINTAINABILITY


def repo_checks(index: RepoIndex) -> list[Finding]:
    """None: maintainability opportunities are all in the code."""
    return []
