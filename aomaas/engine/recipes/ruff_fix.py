"""Ruff's own fixes for one rule in one file (safe first; unsafe only if allowed and needed).

Ruff runs with ``--select CODE`` on the finding's file only, so no other
rule's code is touched, and it reads the repository's own configuration for
everything else (line length, target version, ``unfixable``...). Unsafe fixes
are tried only when the safe pass changed nothing and the settings allow it;
either way the implementer's proof (finding gone, nothing new, compiles, tests
no worse) decides whether the change is kept.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from aomaas.engine.findings import Finding
from aomaas.engine.recipes.base import Recipe, RecipeFailed, RecipeSettings, target


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


def _run_fix(root: Path, rel: str, code: str, unsafe: bool) -> None:
    """Fix ``code`` in ``rel``; without the repository's configuration if ruff rejects it."""
    argv = [ruff_bin(), "check", "--fix-only", "--exit-zero", "--no-cache", "--quiet"]
    argv += ["--select", code, "--force-exclude"] + (["--unsafe-fixes"] if unsafe else [])
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
            return
        error = done.stderr.strip()[-500:]
    raise RecipeFailed(f"ruff could not fix {code} in {rel}: {error}")


class RuffFix(Recipe):
    """Apply ruff's fix for the finding's rule to the finding's file."""

    name = "ruff-fix"
    summary = "apply ruff's own fix for this rule to this file"

    def handles(self, finding: Finding) -> bool:
        """A ruff finding with a fix (safe, or unsafe to be proven)."""
        fix = finding.extra.get("fix_applicability")
        return (
            finding.rule.startswith("ruff:")
            and (finding.fixable or fix == "unsafe")
            and (ruff_code(finding) is not None)
        )

    def apply(self, root: Path, finding: Finding, settings: RecipeSettings) -> list[str]:
        """Run the safe fix, then (allowed and needed) the unsafe one."""
        code = ruff_code(finding)
        if code is None:
            raise RecipeFailed(f"{finding.rule} is not a ruff rule")
        path = target(root, finding.location)
        before = path.read_bytes()
        _run_fix(root, finding.location, code, unsafe=False)
        if path.read_bytes() == before and settings.allow_unsafe_fixes:
            _run_fix(root, finding.location, code, unsafe=True)
        if path.read_bytes() == before:
            raise RecipeFailed(f"ruff has no fix for {code} in {finding.location}")
        return [finding.location]
