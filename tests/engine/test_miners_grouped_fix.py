"""A grouped opportunity is fixed at every place it lists, and proven gone at every place."""

from __future__ import annotations

from pathlib import Path

from aomaas.engine.findings import Finding, members
from aomaas.engine.implementer import Identity, ImplementSettings, implement
from aomaas.engine.index import build_index
from aomaas.engine.miners import mine
from aomaas.engine.opportunity import OpportunityFields
from aomaas.engine.planner import make_plan
from aomaas.engine.validator import ValidationSettings, validate
from tests.engine.hands_util import PASSING_SUITE, git, make_repo

BOT = Identity("aomaas[bot]", "bot@example.org")
NET = (
    "import requests\n\n\n"
    "def fetch(url):\n    return requests.get(url)\n\n\n"
    "def send(url, data):\n    return requests.post(\n        url,\n        data=data,\n    )\n"
)
OTHER = "import requests\n\n\ndef ping(url):\n    return requests.head(url)\n"


def _group(root: Path) -> Finding:
    commit = git(root, "rev-parse", "HEAD").strip()
    (group,) = [f for f in mine(root, build_index(root, commit)) if f.rule == "ruff:S113"]
    return group


def test_a_group_is_one_opportunity_listing_every_place(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_repo(root, {**PASSING_SUITE, "calc/net.py": NET, "calc/other.py": OTHER})
    group = _group(root)
    assert group.extra["count"] == 3 and "3 places in 2 file(s) of calc" in group.title
    places = [(m.location, m.line) for m in members(group)]
    assert places == [("calc/net.py", 5), ("calc/net.py", 9), ("calc/other.py", 5)]
    assert (group.location, group.line) == places[0]
    assert all("3 places" not in m.title for m in members(group))
    listed = OpportunityFields.of_finding(group, 1).model_dump(mode="json")["locations"]
    assert [(p["location"], p["line"]) for p in listed] == places  # scan's JSON and the API


def test_fixing_a_group_changes_every_place_and_proves_each_gone(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    base = make_repo(root, {**PASSING_SUITE, "calc/net.py": NET, "calc/other.py": OTHER})
    group = _group(root)
    no_tests = ImplementSettings(validation=ValidationSettings(run_tests=False))
    result = implement(root, base, group, make_plan(group), "fix/timeouts", BOT, no_tests)
    assert result.success, result.message
    assert sorted(result.files_changed) == ["calc/net.py", "calc/other.py"]
    net = git(root, "show", "fix/timeouts:calc/net.py")
    assert "requests.get(url, timeout=30)" in net and net.count("timeout=30") == 2
    assert "requests.head(url, timeout=30)" in git(root, "show", "fix/timeouts:calc/other.py")
    assert result.report is not None
    gone = next(c for c in result.report.checks if c.name == "finding-gone")
    assert "calc/net.py (2 → 0)" in gone.detail and "calc/other.py (1 → 0)" in gone.detail


def test_a_place_left_unfixed_fails_the_proof(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    base = make_repo(root, {**PASSING_SUITE, "calc/net.py": NET, "calc/other.py": OTHER})
    group = _group(root)
    (root / "calc/net.py").write_text(
        NET.replace("requests.get(url)", "requests.get(url, timeout=5)")
    )
    (root / "calc/other.py").write_text(OTHER.replace("(url)", "(url, timeout=5)"))
    git(root, "commit", "-qam", "two of three")
    changed = ["calc/net.py", "calc/other.py"]
    report = validate(root, base, group, changed, ValidationSettings(run_tests=False))
    gone = next(c for c in report.checks if c.name == "finding-gone")
    assert gone.outcome == "failed" and not report.passed
    assert "ruff:S113 still reported at calc/net.py" in gone.detail
