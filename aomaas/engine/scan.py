"""Index and mine a local checkout in one call (no server, no database): ``aomaas scan``.

What is scanned is always the committed HEAD. A checkout with uncommitted
changes to tracked files is scanned from a scratch worktree at HEAD, so that
what ``scan`` reports is exactly what ``fix`` (which works from HEAD) changes;
the report lists those files so the output can say so. Given what the owner's
community files cover (``aomaas scan --owner-files``), the findings they cover
are left out of the report, each with the reason (after numbering, so a number
still means the same finding whatever a scan left out).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aomaas.engine.findings import Finding, OpportunityType
from aomaas.engine.index import RepoIndex, build_index
from aomaas.engine.miners import mine
from aomaas.engine.numbering import number_findings
from aomaas.engine.workspace import (
    detached_worktree,
    head_commit,
    repo_toplevel,
    uncommitted_changes,
)

if TYPE_CHECKING:  # the recipes (and libcst) load only when a scan leaves findings out
    from aomaas.engine.recipes.community import CommunityFacts
    from aomaas.engine.recipes.covered import LeftOut


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
    numbers: dict[str, int] = field(default_factory=dict)  # fingerprint -> number (kept)
    uncommitted: list[str] = field(default_factory=list)  # tracked files differing from HEAD
    left_out: list[LeftOut] = field(default_factory=list)  # covered by the owner's files

    def number(self, finding: Finding) -> int:
        """The finding's opportunity number (the one ``aomaas fix`` accepts)."""
        return self.numbers[finding.fingerprint]

    def scanned(self) -> str:
        """What was scanned, in words (mentions uncommitted changes, which were not)."""
        head = f"the committed HEAD {self.commit[:12]}"
        if not self.uncommitted:
            return head
        shown = ", ".join(self.uncommitted[:5]) + (", …" if len(self.uncommitted) > 5 else "")
        return (
            f"{head}, not the working tree: the checkout has uncommitted changes to "
            f"{len(self.uncommitted)} file(s) ({shown}) that were not scanned"
        )


def rank(findings: Iterable[Finding]) -> list[Finding]:
    """Priority, then effort, then place (critical/small first)."""
    return sorted(findings, key=Finding.rank_key)


def scan(
    path: Path,
    types: Iterable[OpportunityType | str] | None = None,
    max_results: int | None = None,
    progress: Callable[[str], None] | None = None,
    community: CommunityFacts | None = None,
) -> ScanReport:
    """Index the HEAD commit of the git checkout containing ``path`` and mine it.

    ``community``: what the owner's community files provide; the findings they
    cover are left out (``ScanReport.left_out``).

    Raises WorkspaceError for a path that is not a git checkout or has no commit.
    """
    started = time.perf_counter()
    root = repo_toplevel(path)
    commit = head_commit(root)
    wanted = [OpportunityType(t) for t in types] if types is not None else list(OpportunityType)
    index = build_index(root, commit, progress=progress)
    indexed = time.perf_counter()
    mining: dict[str, Any] = {}
    uncommitted = uncommitted_changes(root)
    if uncommitted:
        with detached_worktree(root, commit, prefix="aomaas-scan-") as tree:
            found = mine(tree, index, wanted, progress=progress, stats=mining)
    else:
        found = mine(root, index, wanted, progress=progress, stats=mining)
    findings = rank(found)
    stats = {
        "index_seconds": round(indexed - started, 3),
        "mine_seconds": round(time.perf_counter() - indexed, 3),
        "files": index.stats.get("files", 0),
        "mining": mining,
    }
    numbers = number_findings(root, findings, warn=progress)
    left_out: list[LeftOut] = []
    if community is not None:
        from aomaas.engine.recipes.covered import leave_out_covered  # see TYPE_CHECKING above

        findings, left_out = leave_out_covered(findings, community)
    selected = findings if max_results is None else findings[:max_results]
    return ScanReport(
        root, commit, index, findings, selected, wanted, stats, numbers, uncommitted, left_out
    )
