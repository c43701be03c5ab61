"""Brains decide how a finding is fixed; :func:`make_brain` picks one by settings."""

from __future__ import annotations

from typing import Any

from aomaas.engine.brain.base import Brain
from aomaas.engine.brain.rules import RuleBrain
from aomaas.errors import EngineError

__all__ = ["BRAIN_KINDS", "Brain", "RuleBrain", "make_brain"]

BRAIN_KINDS = ("rules", "claude")


def make_brain(kind: str = "rules", **options: Any) -> Brain:
    """The brain named ``kind``: ``"rules"`` (default) or ``"claude"`` (not available yet)."""
    if kind == "rules":
        if options:
            raise EngineError(f"the rule-based brain takes no options (got {', '.join(options)})")
        return RuleBrain()
    if kind == "claude":
        raise EngineError(
            "the Claude brain is not available yet; use the rule-based brain (kind 'rules')"
        )
    raise EngineError(f"unknown brain {kind!r}; choose one of {', '.join(BRAIN_KINDS)}")
