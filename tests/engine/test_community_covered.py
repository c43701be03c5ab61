"""Findings the owner's community files cover are left out, in the recipes' own words."""

from __future__ import annotations

from pathlib import Path

import pytest

from aomaas.engine.planner import PlanContext, make_plan
from aomaas.engine.recipes.community import CommunityFacts
from aomaas.engine.recipes.covered import describe, leave_out_covered, owner_checkout_facts
from aomaas.errors import InvalidRequest
from tests.engine.hands_util import finding

SECURITY = finding("repo:missing-security-policy", "SECURITY.md")
CONTRIBUTING = finding("repo:missing-contributing", "CONTRIBUTING.md")
CHANGELOG = finding("repo:missing-changelog", "CHANGELOG.md")
LICENSE = finding("repo:missing-license", "LICENSE")
TIMEOUT = finding("ruff:S113", "calc/net.py", 5, "requests.get(url)")
MINED = [TIMEOUT, SECURITY, LICENSE, CONTRIBUTING, CHANGELOG]
ORG = CommunityFacts(
    checked=True,
    owner_files={
        "SECURITY.md": "acme/.github SECURITY.md",
        ".github/CONTRIBUTING.md": "acme/.github .github/CONTRIBUTING.md",
    },
)


def test_the_organisations_files_leave_out_what_they_provide() -> None:
    kept, left_out = leave_out_covered(MINED, ORG)
    assert kept == [TIMEOUT, LICENSE, CHANGELOG]
    assert [(item.finding, item.reason) for item in left_out] == [
        (SECURITY, "acme/.github SECURITY.md already provides the security policy for the "
         "organisation"),
        (CONTRIBUTING, "acme/.github .github/CONTRIBUTING.md already provides the contributing "
         "guide for the organisation"),
    ]  # fmt: skip
    assert describe(left_out).startswith("2 left out: acme/.github SECURITY.md already provides")
    assert describe([]) == ""


def test_the_reason_is_what_the_plan_says() -> None:
    profile = CommunityFacts(checked=True, profile={"license": "https://x/acme/calc/LICENSE"})
    kept, left_out = leave_out_covered(MINED, profile)
    assert [item.finding for item in left_out] == [LICENSE] and LICENSE not in kept
    for item in leave_out_covered(MINED, ORG)[1] + left_out:
        facts = ORG if item.finding is not LICENSE else profile
        plan = make_plan(item.finding, context=PlanContext(root=None, community=facts))
        assert not plan.supported
        assert plan.description == f"No fix needed: {item.reason}."


@pytest.mark.parametrize(
    "facts",
    [
        CommunityFacts(),  # nobody asked a forge
        CommunityFacts(checked=False, why_unchecked="GitHub answered 503"),
        CommunityFacts(checked=True),  # asked: nothing covers anything
    ],
)
def test_nothing_is_left_out_when_nothing_is_known_to_cover_it(facts: CommunityFacts) -> None:
    assert leave_out_covered(MINED, facts) == (MINED, [])


def test_the_owners_contributing_guide_is_no_security_policy() -> None:
    facts = CommunityFacts(checked=True, owner_files={"CONTRIBUTING.md": "acme/.github x"})
    kept, left_out = leave_out_covered([SECURITY], facts)
    assert kept == [SECURITY] and left_out == []


def test_a_local_checkout_of_the_owners_github_repository(tmp_path: Path) -> None:
    owner = tmp_path / "acme" / ".github"
    (owner / "docs").mkdir(parents=True)
    (owner / "SECURITY.md").write_text("# Security\n")
    (owner / "docs/CONTRIBUTING.md").write_text("# Contributing\n")
    (owner / "README.md").write_text("# acme\n")  # not a file GitHub shows for other repos
    outside = tmp_path / "elsewhere"
    (outside / ".github").mkdir(parents=True)
    (outside / "CONTRIBUTING.md").write_text("# not the owner's\n")
    (outside / ".github/SECURITY.md").write_text("# not the owner's\n")
    (owner / "CONTRIBUTING.md").symlink_to(outside / "CONTRIBUTING.md")
    (owner / ".github").symlink_to(outside / ".github", target_is_directory=True)
    (owner / "docs/SECURITY.md").symlink_to(owner / "SECURITY.md")  # inside, still a link
    facts = owner_checkout_facts(owner)
    assert facts.owner_files == {
        "SECURITY.md": ".github SECURITY.md",
        "docs/CONTRIBUTING.md": ".github docs/CONTRIBUTING.md",
    }
    assert not facts.checked and facts.profile == {}
    assert facts.why_unchecked == (
        "GitHub's community profile is not known for a local repository (the owner's .github "
        f"files were read from {owner.resolve()})"
    )
    kept, left_out = leave_out_covered(MINED, facts)
    assert [item.finding for item in left_out] == [SECURITY, CONTRIBUTING]
    assert kept == [TIMEOUT, LICENSE, CHANGELOG]


def test_owner_files_must_be_a_directory(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest, match="not a directory"):
        owner_checkout_facts(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InvalidRequest, match="not a directory"):
        owner_checkout_facts(tmp_path / "file")
