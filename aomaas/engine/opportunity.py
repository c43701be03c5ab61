"""The one public shape of an opportunity, shared by the API's answers and ``aomaas scan``.

``aomaas scan --format json`` lists :class:`OpportunityFields`; the API's
opportunity schema is the same model plus the stored row's ``id``. A field
added, renamed or dropped here changes both at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel

from aomaas.engine.findings import Finding

OpportunityTypeName = Literal[
    "security", "performance", "documentation", "maintainability", "dependencies", "testing"
]
PriorityName = Literal["low", "medium", "high", "critical"]
EffortName = Literal["small", "medium", "large"]
OpportunityStatus = Literal["open", "planned", "implemented", "pr_open", "dismissed", "resolved"]


class Place(BaseModel):
    """One place an opportunity stands for: a repository-relative file and a line."""

    location: str
    line: int | None


def places_of(location: str, line: int | None, extra: Mapping[str, Any]) -> list[Place]:
    """Every place of an opportunity: the listed places of a grouped one, else its own."""
    listed = extra.get("locations")
    if isinstance(listed, list) and listed:
        return [
            Place(location=str(p["location"]), line=p.get("line"))
            for p in listed
            if isinstance(p, dict) and p.get("location")
        ]
    return [Place(location=location, line=line)]


class OpportunityFields(BaseModel):
    """A maintenance opportunity: every field but the stored row's ``id``."""

    number: int
    title: str
    description: str
    type: OpportunityTypeName
    priority: PriorityName
    effort_estimate: EffortName
    location: str
    line: int | None
    end_line: int | None
    rule: str
    snippet: str
    status: OpportunityStatus
    fingerprint: str
    fixable: bool
    #: Every place it stands for: many instances of one rule in one package are one
    #: opportunity (``location``/``line`` are its first place); otherwise its one place.
    locations: list[Place]

    @classmethod
    def of_finding(
        cls, finding: Finding, number: int, status: OpportunityStatus = "open"
    ) -> OpportunityFields:
        """A finding as an opportunity numbered ``number`` (a fresh scan's are all open)."""
        return cls.model_validate(
            {
                "number": number,
                "title": finding.title,
                "description": finding.description,
                "type": str(finding.type),
                "priority": str(finding.priority),
                "effort_estimate": str(finding.effort),
                "location": finding.location,
                "line": finding.line,
                "end_line": finding.end_line,
                "rule": finding.rule,
                "snippet": finding.snippet,
                "status": status,
                "fingerprint": finding.fingerprint,
                "fixable": finding.fixable,
                "locations": places_of(finding.location, finding.line, finding.extra),
            }
        )
