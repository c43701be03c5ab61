"""Deterministic fixers, one per module, and the registry that picks one for a finding.

Security codemods come first (they know the exact call to change), then the
repository-level files, then ruff's own fix for any other fixable ruff rule.
"""

from __future__ import annotations

from aomaas.engine.findings import Finding
from aomaas.engine.recipes.base import Recipe, RecipeFailed, RecipeSettings
from aomaas.engine.recipes.mktemp import SafeTempfile
from aomaas.engine.recipes.project_config import PytestConfig, RequiresPython
from aomaas.engine.recipes.repo_files import (
    Changelog,
    CiWorkflow,
    Contributing,
    License,
    ScaffoldTests,
    SecurityPolicy,
)
from aomaas.engine.recipes.requests_timeout import RequestsTimeout
from aomaas.engine.recipes.ruff_fix import RuffFix
from aomaas.engine.recipes.weak_hash import WeakHash
from aomaas.engine.recipes.yaml_safe_load import YamlSafeLoad

__all__ = ["RECIPES", "Recipe", "RecipeFailed", "RecipeSettings", "recipe_for", "recipe_named"]

RECIPES: tuple[Recipe, ...] = (
    RequestsTimeout(),
    YamlSafeLoad(),
    WeakHash(),
    SafeTempfile(),
    SecurityPolicy(),
    License(),
    Contributing(),
    Changelog(),
    PytestConfig(),
    RequiresPython(),
    CiWorkflow(),
    ScaffoldTests(),
    RuffFix(),
)


def recipe_for(finding: Finding) -> Recipe | None:
    """The recipe that fixes ``finding``, or None when only a model could."""
    return next((recipe for recipe in RECIPES if recipe.handles(finding)), None)


def recipe_named(name: str) -> Recipe | None:
    """The recipe registered under ``name`` (plans store names, not objects)."""
    return next((recipe for recipe in RECIPES if recipe.name == name), None)
