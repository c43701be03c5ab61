"""Repository-level recipes: add the policy, licence, CI and test files a project lacks."""

from __future__ import annotations

import textwrap
from pathlib import Path

from aomaas.engine.findings import Finding
from aomaas.engine.recipes import community, templates
from aomaas.engine.recipes.base import Preflight, Recipe, RecipeFailed, RecipeSettings, write_new


def _place(finding: Finding, default: str) -> str:
    """The file the finding says a fix creates, else the conventional name."""
    return finding.location or default


def _go_ahead(verdict: Preflight) -> None:
    """Refuse (the checkout shows the file is not missing) before anything is written."""
    if verdict.refusal:
        raise RecipeFailed(verdict.refusal)


class SecurityPolicy(Recipe):
    """Add a SECURITY.md telling reporters how to reach the maintainers privately."""

    name = "security-policy"
    summary = "add a SECURITY.md with a private reporting route"
    rules = frozenset({"repo:missing-security-policy"})

    def preflight(self, root: Path | None, finding: Finding, facts: object = None) -> Preflight:
        """No policy where the owner's ``.github`` or the repository's docs already have one."""
        return community.security_policy(root, facts)

    def apply(self, root: Path, finding: Finding, settings: RecipeSettings) -> list[str]:
        """Write SECURITY.md naming the known private route (no promise on anyone's behalf)."""
        verdict, contact = community.security_policy_and_route(root, None)
        _go_ahead(verdict)
        reporting = textwrap.fill(
            templates.SECURITY_REPORTING.format(contact=contact),
            width=79,
            break_long_words=False,
            break_on_hyphens=False,
        )
        text = templates.SECURITY_POLICY.format(reporting=reporting)
        return write_new(root, _place(finding, "SECURITY.md"), text, settings)


class Contributing(Recipe):
    """Add a CONTRIBUTING.md saying how to set up, test and submit a change."""

    name = "contributing-guide"
    summary = "add a CONTRIBUTING.md with setup, test and submission steps"
    rules = frozenset({"repo:missing-contributing"})

    def preflight(self, root: Path | None, finding: Finding, facts: object = None) -> Preflight:
        """No guide where the profile, the owner's ``.github`` or the docs already have one."""
        return community.contributing(root, facts)

    def apply(self, root: Path, finding: Finding, settings: RecipeSettings) -> list[str]:
        """Write CONTRIBUTING.md naming only the command the proof runs in the sandbox.

        The proof of this change must run the tests (the validator refuses a
        CONTRIBUTING.md whose command did not run).
        """
        _go_ahead(community.contributing(root, None))
        text = templates.CONTRIBUTING.format(test_command=templates.PROOF_TEST_COMMAND)
        return write_new(root, _place(finding, "CONTRIBUTING.md"), text, settings)


class Changelog(Recipe):
    """Add a CHANGELOG.md in the Keep a Changelog layout."""

    name = "changelog"
    summary = "add a CHANGELOG.md with an Unreleased section"
    rules = frozenset({"repo:missing-changelog"})

    def preflight(self, root: Path | None, finding: Finding, facts: object = None) -> Preflight:
        """No changelog where history files or release tooling (release-drafter...) exist."""
        return community.changelog(root, facts)

    def apply(self, root: Path, finding: Finding, settings: RecipeSettings) -> list[str]:
        """Write CHANGELOG.md from the template."""
        _go_ahead(community.changelog(root, None))
        return write_new(root, _place(finding, "CHANGELOG.md"), templates.CHANGELOG, settings)


class License(Recipe):
    """Add the LICENSE the operator chose (MIT, ISC or BSD-3-Clause) with holder and year."""

    name = "license"
    summary = "add the licence chosen in the settings"
    rules = frozenset({"repo:missing-license"})

    def preflight(self, root: Path | None, finding: Finding, facts: object = None) -> Preflight:
        """No licence where the community profile or the checkout shows one."""
        return community.license_file(root, facts)

    def apply(self, root: Path, finding: Finding, settings: RecipeSettings) -> list[str]:
        """Write LICENSE from the chosen template."""
        _go_ahead(community.license_file(root, None))
        template = templates.LICENSES.get(settings.license_id)
        if template is None:
            known = ", ".join(sorted(templates.LICENSES))
            raise RecipeFailed(f"no template for licence {settings.license_id!r} (known: {known})")
        text = template.format(year=settings.year(), holder=settings.license_holder)
        return write_new(root, _place(finding, "LICENSE"), text, settings)


class CiWorkflow(Recipe):
    """Add a GitHub Actions workflow that runs the detected tests (operator permission needed)."""

    name = "ci-workflow"
    summary = "add a CI workflow running the repository's tests"
    rules = frozenset({"repo:no-ci"})

    def apply(self, root: Path, finding: Finding, settings: RecipeSettings) -> list[str]:
        """Write .github/workflows/tests.yml; refused unless workflows are allowed."""
        if not settings.allow_workflows:
            raise RecipeFailed("workflow changes are disabled (an operator must allow them)")
        command = str(finding.extra.get("test_command") or "python -m pytest")
        install = "pip install -e . pytest" if _has_project(root) else "pip install pytest"
        if (root / "requirements.txt").is_file():
            install = "pip install -r requirements.txt pytest"
        text = templates.CI_WORKFLOW.format(
            python=settings.python_version, install=install, command=command
        )
        rel = (
            finding.location
            if finding.location.startswith(".github/workflows/")
            else (".github/workflows/tests.yml")
        )
        return write_new(root, rel, text, settings)


class ScaffoldTests(Recipe):
    """Add ``tests/test_<package>_imports.py`` for a package that has no tests at all."""

    name = "test-scaffold"
    summary = "add a first test that imports the package"
    rules = frozenset({"repo:no-tests"})

    def apply(self, root: Path, finding: Finding, settings: RecipeSettings) -> list[str]:
        """Write a smoke test importing the top-level package."""
        module = finding.extra.get("package") or _top_package(root)
        if not module:
            raise RecipeFailed("no importable top-level package found to test")
        rel = finding.location
        if not (rel.startswith("tests/") and rel.endswith(".py")):
            rel = f"tests/test_{module}_imports.py"
        return write_new(root, rel, templates.TEST_SCAFFOLD.format(module=module), settings)


def _has_project(root: Path) -> bool:
    return (root / "pyproject.toml").is_file() or (root / "setup.py").is_file()


def _top_package(root: Path) -> str | None:
    for base in (root / "src", root):
        if not base.is_dir():
            continue
        for child in sorted(base.iterdir()):
            if (
                (child / "__init__.py").is_file()
                and not child.is_symlink()
                and child.name.isidentifier()
                and child.name not in {"tests", "test", "docs"}
            ):
                return child.name
    return None
