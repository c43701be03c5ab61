"""What every recipe is: a name, the rules it fixes, and ``apply`` on a checkout.

A recipe is deterministic: the same tree and finding give the same change. It
writes only inside the checkout it is given (paths are checked with the patch
guard's rules first) and returns the repository-relative paths it changed. The
implementer then diffs, guards, commits and proves the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from aomaas.engine.findings import Finding
from aomaas.engine.patchguard import check_path
from aomaas.errors import EngineError


@dataclass(frozen=True, slots=True)
class RecipeSettings:
    """Operator choices the recipes honour (plain data; the service maps its settings here)."""

    requests_timeout: int = 30
    license_id: str = "MIT"
    license_holder: str = "The project's contributors"
    license_year: int | None = None
    allow_workflows: bool = False
    allow_unsafe_fixes: bool = (
        True  # ruff's unsafe fixes, only tried after the safe ones and still proven
    )
    python_version: str = "3.12"

    def year(self) -> int:
        """The copyright year: the configured one, else this year."""
        return self.license_year or dt.datetime.now(dt.UTC).year


@dataclass(frozen=True, slots=True)
class Preflight:
    """A recipe's verdict before it runs: a refusal (said plainly), or notes for the plan."""

    refusal: str | None = None
    notes: list[str] = field(default_factory=list)


class RecipeFailed(EngineError):
    """The recipe could not change the code for this finding."""

    type = "recipe_failed"


class Recipe:
    """Base of every recipe: ``rules`` it handles and the ``apply`` that fixes one finding."""

    name: ClassVar[str] = "recipe"
    summary: ClassVar[str] = ""
    rules: ClassVar[frozenset[str]] = frozenset()

    def handles(self, finding: Finding) -> bool:
        """Whether this recipe can fix ``finding``."""
        return finding.rule in self.rules

    def preflight(self, root: Path | None, finding: Finding, facts: object = None) -> Preflight:
        """What the plan must say before this recipe runs (``root``: the checkout, if any).

        ``facts`` is what the caller learnt from the forge about the repository's
        community files (:class:`aomaas.engine.recipes.community.CommunityFacts`).
        """
        return Preflight()

    def apply(self, root: Path, finding: Finding, settings: RecipeSettings) -> list[str]:
        """Change the checkout at ``root`` to fix ``finding``; return the changed paths."""
        raise NotImplementedError


def target(root: Path, rel: str, settings: RecipeSettings | None = None) -> Path:
    """The checked absolute path of ``rel`` inside ``root`` (refuses escapes and symlinks)."""
    check_path(root, rel, allow_workflows=bool(settings and settings.allow_workflows))
    return root / rel


def write_new(root: Path, rel: str, text: str, settings: RecipeSettings | None = None) -> list[str]:
    """Create a file the finding says is missing; refuse to overwrite one."""
    path = target(root, rel, settings)
    if path.exists():
        raise RecipeFailed(f"{rel} already exists; nothing to add")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [rel]


def rewrite(root: Path, rel: str, transform: Callable[[str], str]) -> list[str]:
    """Rewrite one source file through ``transform``; fail when it changes nothing."""
    path = target(root, rel)
    if not path.is_file():
        raise RecipeFailed(f"{rel} is not a file in the checkout")
    before = path.read_text(encoding="utf-8")
    after = transform(before)
    if after == before:
        raise RecipeFailed(f"the recipe found nothing to change in {rel}")
    path.write_text(after, encoding="utf-8")
    return [rel]
