"""Ruff's own fix for one finding: the edits ruff proposes for that diagnostic only.

Ruff runs with ``--select CODE`` on the finding's file (reading the
repository's own configuration for everything else — line length, target
version — and without it only if ruff rejects it) and reports its fixes as
JSON. Only the edits of the diagnostics on the finding's line are applied, so
neither other rules' code nor other hits of the same rule are touched. Safe
fixes are used as they are; unsafe ones only when the settings allow them —
the proof (finding gone, nothing new, compiles, tests no worse) then decides.

Some fixes leave a pattern another rule flags (PERF102's ``for k in d.keys()``
is SIM118); those follow-up fixes are applied to the changed lines only.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from aomaas.engine.findings import Finding
from aomaas.engine.recipes.base import Recipe, RecipeFailed, RecipeSettings, target

#: Rules whose fix can leave a pattern another rule reports, and the rules that tidy it.
FOLLOW_UPS: dict[str, tuple[str, ...]] = {"PERF102": ("SIM118",)}


def ruff_bin() -> str:
    """The ruff executable that ships with the ``ruff`` package."""
    from ruff.__main__ import find_ruff_bin

    return str(find_ruff_bin())


def ruff_code(finding: Finding) -> str | None:
    """The ruff rule code of a finding (``extra["code"]`` or the part after ``ruff:``)."""
    code = finding.extra.get("code")
    if isinstance(code, str) and code:
        return code
    if finding.rule.startswith("ruff:"):
        return finding.rule.split(":", 1)[1]
    return None


def diagnostics(root: Path, rel: str, codes: list[str]) -> list[dict[str, Any]]:
    """Ruff's JSON diagnostics (with proposed fixes) for ``codes`` in one file."""
    argv = [ruff_bin(), "check", "--no-fix", "--exit-zero", "--no-cache", "--quiet"]
    argv += ["--output-format", "json", "--force-exclude", "--select", ",".join(codes)]
    error = ""
    for extra in ([], ["--isolated"]):
        done = subprocess.run(
            [*argv, *extra, "--", rel],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode == 0:
            return [d for d in json.loads(done.stdout or "[]") if d.get("code") in codes]
        error = done.stderr.strip()[-500:]
    raise RecipeFailed(f"ruff could not check {rel}: {error}")


def _offset(starts: list[int], place: dict[str, int]) -> int:
    return starts[place["row"] - 1] + place["column"] - 1


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply ruff's edits (1-based row/column ranges) to ``text``; overlapping ones are refused."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    spans = sorted(
        (
            (_offset(starts, e["location"]), _offset(starts, e["end_location"]), e["content"])
            for e in edits
        ),
        reverse=True,
    )
    limit = len(text) + 1
    for begin, end, content in spans:
        if end > limit:
            raise RecipeFailed("ruff proposed overlapping edits")
        text = text[:begin] + content + text[end:]
        limit = begin
    return text


def _usable(diagnostic: dict[str, Any], unsafe: bool) -> bool:
    applicability = (diagnostic.get("fix") or {}).get("applicability")
    return applicability == "safe" or (unsafe and applicability == "unsafe")


def _fix_lines(
    root: Path, rel: str, codes: list[str], rows: set[int] | None, unsafe: bool
) -> set[int]:
    """Apply the fixes of ``codes`` on ``rows`` (all rows when None); return the rows touched."""
    chosen = [
        d
        for d in diagnostics(root, rel, codes)
        if _usable(d, unsafe) and (rows is None or d["location"]["row"] in rows)
    ]
    if not chosen:
        return set()
    edits = [edit for d in chosen for edit in d["fix"]["edits"]]
    path = root / rel
    path.write_text(apply_edits(path.read_text(encoding="utf-8"), edits), encoding="utf-8")
    first = min(e["location"]["row"] for e in edits)
    last = max(e["end_location"]["row"] for e in edits)
    return set(range(first, last + 1))


class RuffFix(Recipe):
    """Apply ruff's fix for the finding's diagnostic (and its follow-ups) in its file."""

    name = "ruff-fix"
    summary = "apply ruff's own fix for this rule at this place"

    def handles(self, finding: Finding) -> bool:
        """A ruff finding with a fix (safe, or unsafe to be proven)."""
        fix = finding.extra.get("fix_applicability")
        return (
            finding.rule.startswith("ruff:")
            and (finding.fixable or fix == "unsafe")
            and ruff_code(finding) is not None
        )

    def apply(self, root: Path, finding: Finding, settings: RecipeSettings) -> list[str]:
        """Fix the diagnostic on the finding's line, then tidy what the fix left."""
        code = ruff_code(finding)
        if code is None:
            raise RecipeFailed(f"{finding.rule} is not a ruff rule")
        rel = finding.location
        target(root, rel)
        rows = {finding.line} if finding.line else None
        touched = _fix_lines(root, rel, [code], rows, settings.allow_unsafe_fixes)
        if not touched:
            raise RecipeFailed(f"ruff has no usable fix for {code} at {rel}:{finding.line}")
        follow = list(FOLLOW_UPS.get(code, ()))
        if follow:
            _fix_lines(root, rel, follow, touched, settings.allow_unsafe_fixes)
        return [rel]
