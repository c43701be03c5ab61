"""Texts the service writes on forges: pull-request bodies and proof summaries (pure functions)."""

from __future__ import annotations

from typing import Any

from unidiff.patch import PatchSet

FINGERPRINT_MARKER = "<!-- aomaas:fingerprint={fingerprint} -->"


def proof_summary(report: dict[str, Any] | None) -> str:
    """The proof as a Markdown table, saying plainly when the tests did not run."""
    if not report:
        return "_No proof was recorded._"
    lines = ["| check | outcome | time | detail |", "| --- | --- | --- | --- |"]
    for check in report.get("checks", []):
        detail = str(check.get("detail", "")).replace("\n", " ").replace("|", "\\|")[:300]
        lines.append(
            f"| {check.get('name')} | {check.get('outcome')} | {float(check.get('duration', 0)):.1f} s | {detail} |"
        )
    if not report.get("tests_ran", False):
        reason = report.get("tests_detail") or "no test command was found"
        lines.append("")
        lines.append(f"**Tests not run:** {reason}")
    if report.get("rebased"):
        lines.append("")
        lines.append(
            "The repository moved on after planning; the change was made and proven on the new head."
        )
    return "\n".join(lines)


def diff_summary(diff: str | None, files: list[str]) -> str:
    """Files changed with added/removed line counts (the diff parsed by unidiff)."""
    counts = {f.path: (f.added, f.removed) for f in PatchSet(diff or "")}
    rows = [f"- `{f}` (+{counts.get(f, (0, 0))[0]} -{counts.get(f, (0, 0))[1]})" for f in files]
    return "\n".join(rows) or "- (no files)"


def pull_request_body(
    *,
    opportunity: dict[str, Any],
    plan: dict[str, Any],
    report: dict[str, Any] | None,
    diff: str | None,
    files: list[str],
    extra: str | None = None,
) -> str:
    """The body of a pull request the bot opens: why, what, the proof, the diff summary."""
    where = opportunity["location"] + (f":{opportunity['line']}" if opportunity.get("line") else "")
    steps = "\n".join(
        f"{s['id']}. **{s['title']}**: {s['description']}" for s in plan.get("steps", [])
    )
    parts = [
        extra.strip() if extra else "",
        f"### Opportunity #{opportunity['number']}: {opportunity['title']}",
        f"`{opportunity['rule']}` · {opportunity['type']} · priority {opportunity['priority']} · "
        f"effort {opportunity['effort_estimate']} · `{where}`",
        "",
        opportunity["description"],
        "",
        "### Plan",
        steps or plan.get("description", ""),
        "",
        "### Proof",
        proof_summary(report),
        "",
        "### Changes",
        diff_summary(diff, files),
        "",
        "_Opened by AOMaaS. Comment `/aomaas help` for commands._",
        FINGERPRINT_MARKER.format(fingerprint=opportunity["fingerprint"]),
    ]
    return "\n".join(p for p in parts if p is not None).strip() + "\n"
