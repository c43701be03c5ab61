"""Security miner: ruff's bandit rules (S) plus a repository-level disclosure-policy check."""

from __future__ import annotations

from aomaas.engine.findings import Finding, OpportunityType
from aomaas.engine.index import RepoIndex
from aomaas.engine.miners.common import repo_finding

TYPE = OpportunityType.SECURITY


def repo_checks(index: RepoIndex) -> list[Finding]:
    """A missing security policy (SECURITY.md at the root, .github/ or docs/)."""
    if index.docs.get("security"):
        return []
    return [
        repo_finding(
            "missing-security-policy",
            "SECURITY.md",
            "Add a security policy (SECURITY.md)",
            "Add SECURITY.md saying which versions get fixes and how to report a vulnerability "
            "privately (an address or GitHub's private vulnerability reporting).",
        )
    ]
