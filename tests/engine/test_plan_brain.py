"""Plans from the rule-based brain: recipes named, limits honoured, unsupported said plainly."""

from __future__ import annotations

import pytest

from aomaas.engine.brain import Brain, RuleBrain, make_brain
from aomaas.engine.planner import make_plan
from aomaas.engine.plans import Plan
from aomaas.errors import EngineError, InvalidRequest
from tests.engine.hands_util import finding


def test_supported_plan_names_its_recipe() -> None:
    plan = make_plan(finding("ruff:S113", "app/http.py", 12), max_steps=5)
    assert plan.supported and plan.recipe == "requests-timeout"
    assert [step.id for step in plan.steps] == [1, 2, 3]
    assert plan.steps[0].recipe == "requests-timeout"
    assert plan.steps[0].action == {
        "kind": "recipe",
        "recipe": "requests-timeout",
        "rule": "ruff:S113",
        "path": "app/http.py",
        "line": 12,
    }
    assert "app/http.py:12" in plan.description


def test_max_steps_is_honoured() -> None:
    plan = make_plan(finding("repo:missing-license", "LICENSE"), max_steps=1)
    assert len(plan.steps) == 1 and plan.steps[0].action["kind"] == "recipe"
    with pytest.raises(InvalidRequest):
        make_plan(finding("repo:missing-license", "LICENSE"), max_steps=0)


def test_unsupported_plan_says_so() -> None:
    item = finding("ruff:C901", "core.py", 3)
    item.fixable = False
    plan = make_plan(item)
    assert not plan.supported and plan.recipe is None
    assert "model-backed brain" in plan.description
    assert [step.action["kind"] for step in plan.steps] == ["manual"]


def test_plan_round_trips() -> None:
    plan = make_plan(finding("ruff:S506", "cfg.py", 2))
    assert Plan.from_dict(plan.to_dict()) == plan


def test_make_brain() -> None:
    brain = make_brain("rules")
    assert isinstance(brain, RuleBrain) and isinstance(brain, Brain)
    with pytest.raises(EngineError, match="not available yet"):
        make_brain("claude")
    with pytest.raises(EngineError, match="unknown brain"):
        make_brain("oracle")
