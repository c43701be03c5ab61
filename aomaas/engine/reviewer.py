"""Review a pull request: findings on the lines it adds, and nothing else.

The miners run on the changed files of a checkout of the pull request's head;
a finding is kept only when its line is one the diff adds (mapped with
``unidiff``), so a review never blames a contributor for code they did not
write. The review type narrows the findings to one opportunity type.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from aomaas.engine.findings import Finding, OpportunityType, members
from aomaas.engine.index import build_index
from aomaas.engine.miners import mine
from aomaas.engine.workspace import head_commit
from aomaas.errors import InvalidRequest

REVIEW_TYPES: dict[str, OpportunityType | None] = {
    "general": None,
    "security": OpportunityType.SECURITY,
    "performance": OpportunityType.PERFORMANCE,
    "documentation": OpportunityType.DOCUMENTATION,
}


@dataclass(slots=True)
class ReviewComment:
    """One inline comment on an added line."""

    path: str
    line: int
    body: str
    rule: str
    priority: str


@dataclass(slots=True)
class Review:
    """A summary and the line comments."""

    summary: str
    comments: list[ReviewComment] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def added_lines(diff_text: str) -> dict[str, set[int]]:
    """For each file the diff adds to or creates: the new-side numbers of its added lines."""
    try:
        patch = PatchSet(diff_text)
    except UnidiffParseError as exc:
        raise InvalidRequest(f"not a valid unified diff: {exc}") from exc
    lines: dict[str, set[int]] = {}
    for patched in patch:
        if patched.is_removed_file:
            continue
        path = patched.path
        added = {line.target_line_no for hunk in patched for line in hunk if line.is_added}
        lines[path] = {n for n in added if n is not None}
    return lines


def _comment(finding: Finding) -> ReviewComment:
    body = f"**{finding.title}** ({finding.rule}, {finding.priority})\n\n{finding.description}"
    return ReviewComment(
        finding.location, finding.line or 0, body, finding.rule, str(finding.priority)
    )


def review_diff(root: Path, diff_text: str, review_type: str = "general") -> Review:
    """Mine the files ``diff_text`` changes in the checkout ``root`` (the PR head) and comment."""
    if review_type not in REVIEW_TYPES:
        raise InvalidRequest(
            f"unknown review type {review_type!r}; use one of {', '.join(REVIEW_TYPES)}"
        )
    lines = added_lines(diff_text)
    wanted = REVIEW_TYPES[review_type]
    comments: list[ReviewComment] = []
    paths = sorted(path for path, numbers in lines.items() if numbers)
    if paths:
        index = build_index(root, head_commit(root))
        types = [str(wanted)] if wanted else None
        found = [m for f in mine(root, index, types=types, paths=paths) for m in members(f)]
        for finding in sorted(found, key=Finding.rank_key):
            if finding.line is not None and finding.line in lines.get(finding.location, set()):
                comments.append(_comment(finding))
    kind = "" if wanted is None else f"{review_type} "
    if comments:
        summary = (
            f"{len(comments)} {kind}finding(s) on the lines this pull request adds "
            f"({len(paths)} file(s) reviewed)."
        )
    else:
        summary = f"No {kind}findings on the lines this pull request adds ({len(paths)} file(s) reviewed)."
    return Review(summary, comments)
