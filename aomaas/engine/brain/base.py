"""The brain interface: what the engine asks of whatever decides how to fix a finding.

Two implementations are meant to sit behind it, chosen by settings: the
rule-based brain (deterministic recipes, no network, no key) and a Claude brain
(a later issue) that may also propose patches and reviews.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from aomaas.engine.findings import Finding
from aomaas.engine.plans import Plan, PlanContext


@runtime_checkable
class Brain(Protocol):
    """Decides how a finding is fixed.

    A model-backed brain will add ``propose_patch(finding, context) -> str`` (a
    unified diff that goes through the patch guard like every other change) and
    a review hook; the rule-based brain needs neither, its recipes write the code.
    """

    name: str

    def plan(self, finding: Finding, context: PlanContext, max_steps: int) -> Plan:
        """An ordered plan of at most ``max_steps`` steps for ``finding``."""
        ...
