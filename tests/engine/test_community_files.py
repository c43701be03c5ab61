"""Community files: never on the maintainers' behalf, never where something already covers them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aomaas.engine.findings import Finding, OpportunityType
from aomaas.engine.index import build_index
from aomaas.engine.miners import mine
from aomaas.engine.planner import PlanContext, make_plan
from aomaas.engine.recipes import RecipeFailed, RecipeSettings, recipe_for
from aomaas.engine.recipes.community import CommunityFacts
from tests.engine.hands_util import commit_as, finding

PROMISES = re.compile(
    r"\b(will|within|credit|guarantee|promise|respond|answer within|thank)\b", re.IGNORECASE
)
FILES = {
    "repo:missing-security-policy": "SECURITY.md",
    "repo:missing-contributing": "CONTRIBUTING.md",
    "repo:missing-changelog": "CHANGELOG.md",
}


#: A project whose metadata gives its maintainers' address (the route a SECURITY.md names).
PYPROJECT = """\
[project]
name = "calc"
authors = [{name = "Ada", email = "ada@calc.org"}]
maintainers = [{name = "Calc maintainers", email = "security@calc.org"}]
"""


@pytest.mark.parametrize("rule", sorted(FILES))
def test_generated_community_files_promise_nothing(tmp_path: Path, rule: str) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    commit_as(tmp_path, "security@calc.org")
    item = finding(rule, FILES[rule])
    recipe = recipe_for(item)
    assert recipe is not None
    recipe.apply(tmp_path, item, RecipeSettings())
    text = (tmp_path / FILES[rule]).read_text()
    assert not PROMISES.search(text), text


def test_organisation_security_policy_means_no_security_md(tmp_path: Path) -> None:
    facts = CommunityFacts(checked=True, owner_files={"SECURITY.md": "acme/.github SECURITY.md"})
    item = finding("repo:missing-security-policy", "SECURITY.md")
    plan = make_plan(item, context=PlanContext(root=tmp_path, community=facts))
    assert not plan.supported
    assert plan.description == (
        "No fix needed: acme/.github SECURITY.md already provides the security policy for "
        "the organisation."
    )


def test_without_a_forge_the_plan_says_the_organisation_was_not_checked(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    commit_as(tmp_path, "security@calc.org")
    item = finding("repo:missing-security-policy", "SECURITY.md")
    plan = make_plan(item, context=PlanContext(root=tmp_path))
    assert plan.supported
    assert "The organisation's files (its .github repository and GitHub's community profile) "
    "could not be checked: no forge was asked." in plan.description


def test_contributing_documented_elsewhere_is_not_added(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# calc\n\n## Development\n\nRun tox.\n")
    item = finding("repo:missing-contributing", "CONTRIBUTING.md")
    plan = make_plan(item, context=PlanContext(root=tmp_path))
    assert not plan.supported and "README.md (section “development”)" in plan.description
    recipe = recipe_for(item)
    assert recipe is not None
    with pytest.raises(RecipeFailed, match="already provides the contributing guide"):
        recipe.apply(tmp_path, item, RecipeSettings())
    profile = CommunityFacts(checked=True, profile={"contributing": "https://x/CONTRIBUTING.md"})
    plan = make_plan(item, context=PlanContext(root=None, community=profile))
    assert not plan.supported and "https://x/CONTRIBUTING.md" in plan.description


def test_release_drafter_means_no_changelog(tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github/release-drafter.yml").write_text("template: $CHANGES\n")
    item = finding("repo:missing-changelog", "CHANGELOG.md")
    plan = make_plan(item, context=PlanContext(root=tmp_path))
    assert not plan.supported
    assert "no fix needed: .github/release-drafter.yml already provides the release notes" in (
        plan.description.lower()
    )
    assert not (tmp_path / "CHANGELOG.md").exists()


def test_the_security_policy_names_the_maintainers_address_from_the_metadata(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    commit_as(tmp_path, "security@calc.org")
    item = finding("repo:missing-security-policy", "SECURITY.md")
    plan = make_plan(item, context=PlanContext(root=tmp_path))
    assert plan.supported
    assert "The policy names security@calc.org, the pyproject.toml ([project] or " in (
        plan.description
    )
    recipe = recipe_for(item)
    assert recipe is not None
    recipe.apply(tmp_path, item, RecipeSettings())
    text = (tmp_path / "SECURITY.md").read_text()
    assert "to the maintainers by email at security@calc.org, with" in text, text
    assert max(map(len, text.splitlines())) <= 79
    assert "vulnerability reporting" not in text  # not named: nobody checked it is enabled


@pytest.mark.parametrize(
    ("name", "manifest", "address"),
    [
        (
            "setup.cfg",
            "[metadata]\nname = d\nauthor_email = a@d.org\nmaintainer_email = m@d.org\n",
            "m@d.org",
        ),
        (
            "setup.py",
            "from setuptools import setup\nsetup(name='d', author_email='a@d.org')\n",
            "a@d.org",
        ),
        (
            "pyproject.toml",
            '[tool.poetry]\nname = "d"\nauthors = ["Dee <dee@d.org>"]\n',
            "dee@d.org",
        ),
    ],
)
def test_the_address_is_read_from_every_manifest_format(
    tmp_path: Path, name: str, manifest: str, address: str
) -> None:
    (tmp_path / name).write_text(manifest)
    commit_as(tmp_path, address)
    item = finding("repo:missing-security-policy", "SECURITY.md")
    recipe = recipe_for(item)
    assert recipe is not None
    recipe.apply(tmp_path, item, RecipeSettings())
    assert f"by email at {address}," in (tmp_path / "SECURITY.md").read_text()


def test_without_a_known_address_there_is_no_security_policy_to_write(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "calc"\n')
    item = finding("repo:missing-security-policy", "SECURITY.md")
    plan = make_plan(item, context=PlanContext(root=tmp_path))
    assert (
        not plan.supported
        and "names no address that reaches its maintainers privately" in plan.description
    )
    recipe = recipe_for(item)
    assert recipe is not None
    with pytest.raises(RecipeFailed, match="no deterministic fix"):
        recipe.apply(tmp_path, item, RecipeSettings())
    assert not (tmp_path / "SECURITY.md").exists()


@pytest.mark.parametrize(
    "address",
    ["you@example.com", "distutils-sig@python.org", "octo@users.noreply.github.com",
     "pkg@googlegroups.com", "dev@lists.pkg.org"],
)  # fmt: skip
def test_an_address_that_reaches_nobody_privately_is_no_route(tmp_path: Path, address: str) -> None:
    """A placeholder, a no-reply address or a public mailing list is not a private route."""
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "calc"\nauthors = [{{name = "A", email = "{address}"}}]\n'
    )
    item = finding("repo:missing-security-policy", "SECURITY.md")
    plan = make_plan(item, context=PlanContext(root=tmp_path))
    assert (
        not plan.supported
        and "names no address that reaches its maintainers privately" in plan.description
    )


def test_an_address_nobody_commits_with_is_no_route(tmp_path: Path) -> None:
    """twine's metadata still names its founder's address; others have committed for years."""
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    commit_as(tmp_path, "someone-else@calc.org")
    item = finding("repo:missing-security-policy", "SECURITY.md")
    plan = make_plan(item, context=PlanContext(root=tmp_path))
    assert not plan.supported and "someone committed with in the year" in plan.description
    (tmp_path / "CHANGES").write_text("1.0\n")
    commit_as(tmp_path, "security@calc.org")  # the maintainer commits again
    assert make_plan(item, context=PlanContext(root=tmp_path)).supported


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("AGENTS.md", "- Security related issues MUST NOT be discussed in public issues. "
                      "Open a draft security advisory instead.\n"),
        ("CONTRIBUTING.rst", "Please report vulnerabilities to security@calc.org.\n"),
    ],
)  # fmt: skip
def test_guidance_that_says_where_security_reports_go_is_a_policy(
    tmp_path: Path, name: str, text: str
) -> None:
    """bottle's AGENTS.md routes security issues to a draft advisory: no SECURITY.md."""
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / name).write_text(text)
    commit_as(tmp_path, "security@calc.org")
    item = finding("repo:missing-security-policy", "SECURITY.md")
    plan = make_plan(item, context=PlanContext(root=tmp_path))
    assert not plan.supported and f"{name} (it says where security reports go)" in plan.description


def test_the_finding_is_fixable_only_with_a_committing_address(tmp_path: Path) -> None:
    """The scan says so before any plan: fixable with an address someone commits with."""
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "calc").mkdir()
    (tmp_path / "calc/net.py").write_text("import ssl\n\nCTX = ssl.create_default_context()\n")

    def policy(commit: str) -> Finding:
        found = mine(tmp_path, build_index(tmp_path, commit), [OpportunityType.SECURITY])
        return next(f for f in found if f.rule == "repo:missing-security-policy")

    assert not policy(commit_as(tmp_path, "founder@old.org")).fixable
    (tmp_path / "CHANGES").write_text("1.0\n")
    fixable = policy(commit_as(tmp_path, "security@calc.org"))
    assert fixable.fixable and "security@calc.org, is the route a fix would name" in (
        fixable.description
    )
