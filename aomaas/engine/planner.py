"""Plans: the ordered, machine-readable steps that turn one finding into a change.

A plan names the recipe each step uses. Where no deterministic recipe exists,
the plan says so plainly (``supported=False``) and that a model-backed brain
would be needed; it never pretends. The brain that writes plans is chosen by
the caller (:func:`aomaas.engine.brain.make_brain`); the rule-based one is the
default.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aomaas.engine.findings import Finding
from aomaas.engine.recipes import RecipeSettings
from aomaas.errors import InvalidRequest

if TYPE_CHECKING:
    from aomaas.engine.brain import Brain

MAX_STEPS_LIMIT = 20


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
    index: Any = None
    recipe_settings: RecipeSettings = field(default_factory=RecipeSettings)
    community: Any = None  # CommunityFacts from the forge; None: nobody could ask one


def make_plan(
    finding: Finding,
    max_steps: int = 5,
    brain: Brain | None = None,
    context: PlanContext | None = None,
) -> Plan:
    """Plan a change for ``finding`` with ``brain`` (the rule-based brain by default)."""
    if not 1 <= max_steps <= MAX_STEPS_LIMIT:
        raise InvalidRequest(f"max_steps must be between 1 and {MAX_STEPS_LIMIT}")
    if brain is None:
        from aomaas.engine.brain import RuleBrain

        brain = RuleBrain()
    return brain.plan(finding, context or PlanContext(), max_steps)
