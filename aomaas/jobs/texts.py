"""Texts the service writes on forges: pull-request bodies and proof summaries (pure functions)."""

from __future__ import annotations

from typing import Any

from unidiff.patch import PatchSet

from aomaas.engine.proof import ProofLevel, proof_of

FINGERPRINT_MARKER = "<!-- aomaas:fingerprint={fingerprint} -->"
DRAFT_NOTE = (
    "**This pull request is a draft: the repository's tests did not run for this change**, "
    "so it is checked (the finding is gone, nothing new, the files compile) but not proven."
)


def proof_summary(report: dict[str, Any] | None) -> str:
    """The proof level's headline, then the checks as a Markdown table."""
    if not report:
        return "_No proof was recorded._"
    proof = proof_of(report)
    lines = [f"**{proof.level.label}**: {proof.reason}", ""]
    lines += ["| check | outcome | time | detail |", "| --- | --- | --- | --- |"]
    for check in report.get("checks", []):
        detail = str(check.get("detail", "")).replace("\n", " ").replace("|", "\\|")[:300]
        lines.append(
            f"| {check.get('name')} | {check.get('outcome')} | {float(check.get('duration', 0)):.1f} s | {detail} |"
        )
    if report.get("rebased"):
        lines.append("")
        done = "proven" if proof.level == ProofLevel.PROVEN else "checked"
        lines.append(
            f"The repository moved on after planning; the change was made and {done} on the new head."
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
    unproven = report is not None and proof_of(report).level == ProofLevel.CHECKED
    parts = [
        DRAFT_NOTE if unproven else "",
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
