"""What the bot says in comments: constants and pure builders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

WORKING = "⏳ Working on `{command}`…"
NOT_ALLOWED = (
    "🔒 @{login}, only repository owners, members and collaborators with write access can run "
    "`/aomaas` commands."
)
NOT_UNDERSTOOD = "❓ I could not read line {line} of your comment: {message}\n\nComment `/aomaas help` for the commands."
REVIEW_ONLY_ON_PULLS = (
    "`/aomaas review` works in pull requests; comment it on the pull request to review."
)


def opportunity_table(rows: Sequence[dict[str, Any]]) -> str:
    """A ranked Markdown table of opportunities with the numbers `plan`, `fix` and `ignore` take."""
    if not rows:
        return "_No opportunities found._"
    lines = [
        "| # | type | priority | effort | where | what |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        where = row["location"] + (f":{row['line']}" if row.get("line") else "")
        fix = " 🛠" if row.get("fixable") else ""
        title = str(row["title"]).replace("|", "\\|")
        lines.append(
            f"| {row['number']} | {row['type']} | {row['priority']} | {row['effort_estimate']} | `{where}` | {title}{fix} |"
        )
    lines.append("")
    lines.append(
        "🛠 = a deterministic, proven fix is available: `/aomaas fix <number>`. `/aomaas ignore <number>` dismisses one for good."
    )
    return "\n".join(lines)
