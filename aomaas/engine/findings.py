"""The plain data the engine hands to the rest of the service: findings.

A finding is one maintenance opportunity seen in one commit of a repository.
Its ``fingerprint`` is stable across line shifts and unrelated edits (rule,
path, normalised code), so storing findings again updates rather than
duplicates. Nothing here knows a database, a queue or a forge.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any


class OpportunityType(StrEnum):
    """The six kinds of maintenance work the contract names."""

    SECURITY = "security"
    PERFORMANCE = "performance"
    DOCUMENTATION = "documentation"
    MAINTAINABILITY = "maintainability"
    DEPENDENCIES = "dependencies"
    TESTING = "testing"


class Priority(StrEnum):
    """How much a finding matters; ranked critical first."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Effort(StrEnum):
    """How much work a fix is; ranked small first."""

    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


PRIORITY_RANK = {Priority.CRITICAL: 0, Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}
EFFORT_RANK = {Effort.SMALL: 0, Effort.MEDIUM: 1, Effort.LARGE: 2}
# Between findings of equal priority and effort: what costs users most when left alone first.
TYPE_RANK = {
    OpportunityType.SECURITY: 0,
    OpportunityType.PERFORMANCE: 1,
    OpportunityType.MAINTAINABILITY: 2,
    OpportunityType.TESTING: 3,
    OpportunityType.DEPENDENCIES: 4,
    OpportunityType.DOCUMENTATION: 5,
}

_WS = re.compile(r"\s+")


def normalise_code(snippet: str) -> str:
    """Fold white space so formatting and indentation do not change a fingerprint."""
    return _WS.sub(" ", snippet).strip()


def make_fingerprint(rule: str, path: str, code: str, occurrence: int = 0, scope: str = "") -> str:
    """A stable id for a finding: rule, path, normalised code and scope (never line numbers).

    ``scope`` is the dotted name of the enclosing functions and classes ("" at module
    level), so that fixing one of several identical lines elsewhere in the file leaves
    the others' ids unchanged; ``occurrence`` tells apart identical code within one
    scope (0 for the first, 1 for the second...).
    """
    parts = [rule, path, normalise_code(code), str(occurrence)]
    if scope:
        parts.append(scope)
    text = "\x1f".join(parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def members(finding: Finding) -> list[Finding]:
    """The single findings a grouped opportunity stands for (itself when not grouped)."""
    places = finding.extra.get("locations")
    if not places:
        return [finding]
    out = []
    for place in places:
        extra = {
            k: v
            for k, v in finding.extra.items()
            if k not in ("locations", "count", "member_description")
        }
        extra.update(column=place.get("column"), code=place.get("code") or extra.get("code"))
        out.append(
            replace(
                finding,
                title=place.get("title") or finding.title,
                description=finding.extra.get("member_description") or finding.description,
                fingerprint=place.get("fingerprint") or finding.fingerprint,
                location=place["location"],
                line=place.get("line"),
                end_line=place.get("end_line"),
                extra=extra,
            )
        )
    return out


@dataclass(slots=True)
class Finding:
    """One opportunity as the miners report it (plain data, JSON-friendly)."""

    fingerprint: str
    rule: str  # e.g. "ruff:S506", "repo:missing-license"
    type: OpportunityType
    priority: Priority
    effort: Effort
    title: str
    description: str  # why it matters and how it would be fixed
    location: (
        str  # repository-relative path (for repo-level findings: the file a fix creates/changes)
    )
    line: int | None = None
    end_line: int | None = None
    snippet: str = ""  # evidence
    fixable: bool = False  # a deterministic recipe exists for this rule
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (enums as their values)."""
        data = asdict(self)
        data["type"] = str(self.type)
        data["priority"] = str(self.priority)
        data["effort"] = str(self.effort)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """Inverse of :meth:`to_dict`."""
        values = dict(data)
        values["type"] = OpportunityType(values["type"])
        values["priority"] = Priority(values["priority"])
        values["effort"] = Effort(values["effort"])
        return cls(**values)

    def rank_key(self) -> tuple[int, int, int, str, int]:
        """Sort key: priority, then effort, then type (security first), then place."""
        return (
            PRIORITY_RANK[self.priority],
            EFFORT_RANK[self.effort],
            TYPE_RANK[self.type],
            self.location,
            self.line or 0,
        )
