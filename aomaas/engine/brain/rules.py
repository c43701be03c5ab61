"""The rule-based brain: plans that name a deterministic recipe, or say there is none."""

from __future__ import annotations

from aomaas.engine.findings import Finding
from aomaas.engine.plans import Plan, PlanContext, PlanStep
from aomaas.engine.recipes import recipe_for

UNSUPPORTED = (
    "No deterministic recipe fixes {rule}. The rule-based brain cannot change this code "
    "safely; a model-backed brain (Claude) would be needed to propose a patch, or a person "
    "can follow the finding's advice: {advice}"
)


class RuleBrain:
    """Plans from the recipe registry; needs no network and no key."""

    name = "rules"

    def plan(self, finding: Finding, context: PlanContext, max_steps: int) -> Plan:
        """Recipe step, proof step, commit step (cut to ``max_steps``; proof always runs)."""
        recipe = recipe_for(finding)
        where = f"{finding.location}:{finding.line}" if finding.line else finding.location
        check = recipe.preflight(context.root, finding, context.community) if recipe else None
        if recipe is None or (check is not None and check.refusal):
            refusal = check.refusal if check is not None else None
            return Plan(
                title=f"No automatic fix for {finding.rule}",
                description=(
                    f"{refusal[0].upper()}{refusal[1:]}."
                    if refusal
                    else UNSUPPORTED.format(rule=finding.rule, advice=finding.description)
                ),
                steps=[
                    PlanStep(
                        id=1,
                        title="Fix by hand or with a model-backed brain",
                        description=f"Change {where}: {finding.title}",
                        recipe=None,
                        action={"kind": "manual", "rule": finding.rule, "path": finding.location},
                    )
                ],
                supported=False,
                recipe=None,
                brain=self.name,
            )
        steps = [
            PlanStep(
                id=1,
                title=f"Apply recipe {recipe.name}",
                description=f"{recipe.summary.capitalize()} at {where} ({finding.rule}).",
                recipe=recipe.name,
                action={
                    "kind": "recipe",
                    "recipe": recipe.name,
                    "rule": finding.rule,
                    "path": finding.location,
                    "line": finding.line,
                },
            ),
            PlanStep(
                id=2,
                title="Prove the change",
                description=(
                    "Re-mine the changed files (the finding is gone, nothing new appeared), "
                    "compile them, and run the repository's tests before and after in the "
                    "sandbox; any failure discards the change."
                ),
                action={"kind": "validate"},
            ),
            PlanStep(
                id=3,
                title="Commit on a new branch",
                description="Commit as the app identity on a new branch, created only once proven.",
                action={"kind": "commit"},
            ),
        ]
        return Plan(
            title=f"{finding.title} ({finding.rule})",
            description=" ".join(
                [
                    f"Fix {finding.rule} in {where} with the {recipe.name} recipe: "
                    f"{recipe.summary}.",
                    *(check.notes if check else []),
                ]
            ),
            steps=steps[:max_steps],
            supported=True,
            recipe=recipe.name,
            brain=self.name,
        )
