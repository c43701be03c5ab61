"""Findings of a missing community file that the owner or the forge already covers.

A miner sees only the repository. The owner's ``.github`` repository (its
SECURITY and CONTRIBUTING files show on every repository of the owner) and
GitHub's community profile can already provide the file; such a finding is
noise a maintainer would only dismiss. :func:`leave_out_covered` asks each
finding's own recipe (its ``preflight``, without a checkout) so the coverage
rules stay in :mod:`aomaas.engine.recipes.community`. The mine job hands it what
the forge said; ``aomaas scan --owner-files DIR`` what :func:`owner_checkout_facts`
reads from a local checkout of the owner's ``.github`` repository.

This module is apart from ``community`` because it needs the recipe registry,
which imports ``community`` itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aomaas.engine.findings import Finding
from aomaas.engine.recipes import recipe_for
from aomaas.engine.recipes.community import (
    COMMUNITY_RULES,
    COVERED,
    OWNER_FILES,
    CommunityFacts,
)
from aomaas.errors import InvalidRequest

LOCAL_PROFILE = "GitHub's community profile is not known for a local repository"


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A finding left out of a report, and what covers it ("X already provides the Y")."""

    finding: Finding
    reason: str

    def to_dict(self) -> dict[str, str]:
        """The finding's fingerprint, rule, location and title, and the reason (JSON-ready)."""
        finding = self.finding
        return {
            "fingerprint": finding.fingerprint,
            "rule": finding.rule,
            "location": finding.location,
            "title": finding.title,
            "reason": self.reason,
        }


def covered_by(finding: Finding, facts: CommunityFacts) -> str | None:
    """What already provides the file ``finding`` says is missing, by its recipe's preflight."""
    recipe = recipe_for(finding) if finding.rule in COMMUNITY_RULES else None
    if recipe is None:
        return None
    refusal = recipe.preflight(None, finding, facts).refusal
    if refusal is None or not refusal.startswith(COVERED):
        return None
    return refusal.removeprefix(COVERED)


def leave_out_covered(
    findings: Sequence[Finding], facts: CommunityFacts
) -> tuple[list[Finding], list[LeftOut]]:
    """The findings nothing covers (order kept), and those left out with the reason.

    When the forge could tell nothing (``facts`` unchecked and no owner file
    known), nothing is left out.
    """
    if not facts.checked and not facts.owner_files:
        return list(findings), []
    kept: list[Finding] = []
    left_out: list[LeftOut] = []
    for finding in findings:
        reason = covered_by(finding, facts)
        if reason is None:
            kept.append(finding)
        else:
            left_out.append(LeftOut(finding, reason))
    return kept, left_out


def describe(left_out: Sequence[LeftOut]) -> str:
    """``N left out: reason; reason`` (empty when nothing was left out)."""
    if not left_out:
        return ""
    return f"{len(left_out)} left out: " + "; ".join(item.reason for item in left_out)


def _regular_file(base: Path, rel: str) -> bool:
    """Whether ``base/rel`` is a regular file inside ``base``, with no symbolic link on the way."""
    path = base
    for part in rel.split("/"):
        path = path / part
        if path.is_symlink():
            return False
    return path.is_file() and path.resolve().is_relative_to(base)


def owner_checkout_facts(folder: Path) -> CommunityFacts:
    """The owner's files from ``folder``, a local checkout of the owner's ``.github`` repository.

    Only the paths GitHub reads there (``OWNER_FILES``) count, each as a regular
    file inside ``folder`` with no symbolic link on the way. GitHub's community
    profile stays unknown, and the facts say so. Raises InvalidRequest when
    ``folder`` is not a directory.
    """
    if not folder.is_dir():
        raise InvalidRequest(f"--owner-files {folder}: not a directory")
    base = folder.resolve()
    found = {rel: f"{base.name} {rel}" for rel in OWNER_FILES if _regular_file(base, rel)}
    why = f"{LOCAL_PROFILE} (the owner's .github files were read from {base})"
    return CommunityFacts(checked=False, why_unchecked=why, owner_files=found)
