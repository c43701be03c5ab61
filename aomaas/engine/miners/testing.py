"""Testing miner: weak assertions (bugbear, pytest-style rules) and missing tests, runner or CI."""

from __future__ import annotations

from aomaas.engine.findings import Finding, OpportunityType
from aomaas.engine.index import RepoIndex
from aomaas.engine.miners.common import repo_finding

TYPE = OpportunityType.TESTING
_SOURCE_LANGUAGES = ("python", "javascript", "typescript", "tsx")


def repo_checks(index: RepoIndex) -> list[Finding]:
    """No tests, tests without a runner, no CI, or CI that never runs the tests."""
    if not any(info.get("language") in _SOURCE_LANGUAGES for info in index.files.values()):
        return []
    tests = index.tests
    findings = []
    if not tests.get("files"):
        findings.append(
            repo_finding(
                "no-tests",
                "tests/test_smoke.py",
                "Add automated tests",
                "Start a test suite (for example pytest with tests/test_*.py) covering the main "
                "public functions, and run it in CI.",
            )
        )
    elif not tests.get("command"):
        findings.append(
            repo_finding(
                "no-test-command",
                "pyproject.toml",
                "Configure the test runner",
                "Declare the runner (for example [tool.pytest.ini_options] in pyproject.toml) so "
                "`python -m pytest` finds and runs the tests.",
            )
        )
    ci = index.docs.get("ci", [])
    if not ci:
        findings.append(
            repo_finding(
                "no-ci",
                ".github/workflows/tests.yml",
                "Run the tests in continuous integration",
                "Add a CI workflow (such as .github/workflows/tests.yml) that installs the project "
                "and runs the test suite on every push and pull request.",
            )
        )
    elif tests.get("files") and not tests.get("ci_runs_tests"):
        findings.append(
            repo_finding(
                "ci-without-tests",
                ci[0],
                "Make CI run the test suite",
                f"Add a step running `{tests.get('command') or 'the tests'}` to the CI configuration.",
            )
        )
    return findings
