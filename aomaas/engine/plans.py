"""Plan types: the ordered, machine-readable steps that turn one finding into a change.

A plan names the recipe each step uses; ``supported=False`` says plainly that no
deterministic recipe can carry it out. These types are shared by the planner,
the brains that write plans and the implementer that follows them, so they sit
in a module of their own that imports none of those.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aomaas.engine.recipes import RecipeSettings
from aomaas.engine.recipes.community import CommunityFacts


@dataclass(slots=True)
class PlanStep:
    """One step: ``action`` is what the implementer executes (``{"kind": ...}``)."""

    id: int
    title: str
    description: str
    recipe: str | None = None
    action: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Plan:
    """A whole plan; ``supported`` is False when no recipe can carry it out."""

    title: str
    description: str
    steps: list[PlanStep]
    supported: bool
    recipe: str | None = None
    brain: str = "rules"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        """Inverse of :meth:`to_dict`."""
        values = dict(data)
        values["steps"] = [PlanStep(**step) for step in values.get("steps", [])]
        return cls(**values)


@dataclass(slots=True)
class PlanContext:
    """What a brain may look at besides the finding (all optional)."""

    root: Path | None = None
    recipe_settings: RecipeSettings = field(default_factory=RecipeSettings)
    community: CommunityFacts | None = None  # from the forge; None: nobody could ask one
