"""Plans: make one for a finding with a brain.

A plan names the recipe each step uses. Where no deterministic recipe exists,
the plan says so plainly (``supported=False``) and that a model-backed brain
would be needed; it never pretends. The brain that writes plans is chosen by
the caller (:func:`aomaas.engine.brain.make_brain`); the rule-based one is the
default. The plan types live in :mod:`aomaas.engine.plans`.
"""

from __future__ import annotations

from aomaas.engine.brain import Brain, RuleBrain
from aomaas.engine.findings import Finding
from aomaas.engine.plans import Plan, PlanContext
from aomaas.errors import InvalidRequest

MAX_STEPS_LIMIT = 20


def make_plan(
    finding: Finding,
    max_steps: int = 5,
    brain: Brain | None = None,
    context: PlanContext | None = None,
) -> Plan:
    """Plan a change for ``finding`` with ``brain`` (the rule-based brain by default)."""
    if not 1 <= max_steps <= MAX_STEPS_LIMIT:
        raise InvalidRequest(f"max_steps must be between 1 and {MAX_STEPS_LIMIT}")
    chosen = brain if brain is not None else RuleBrain()
    return chosen.plan(finding, context or PlanContext(), max_steps)
