"""Implementations on real repositories: proven branches, caught breakage, no branch left."""

from __future__ import annotations

from pathlib import Path

import pytest

from aomaas.engine.findings import Finding
from aomaas.engine.implementer import Identity, ImplementSettings, implement
from aomaas.engine.index import build_index
from aomaas.engine.miners import mine
from aomaas.engine.planner import make_plan
from aomaas.engine.testenv import SuiteSettings
from aomaas.engine.validator import ValidationSettings
from aomaas.errors import InvalidRequest
from tests.engine.hands_util import PASSING_SUITE, git, make_repo, shared_cache

BOT = Identity("aomaas[bot]", "bot@example.org")
NET = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
SCRATCH = "import tempfile\n\n\ndef scratch_name():\n    return tempfile.mktemp(suffix='.db')\n"
SCRATCH_TEST = (
    "import os\nfrom calc.scratch import scratch_name\n\n\n"
    "def test_name_is_free():\n    assert not os.path.exists(scratch_name())\n"
)


def settings(run_tests: bool = True) -> ImplementSettings:
    suite = SuiteSettings(cache_dir=shared_cache(), timeout=120, memory_mb=1024)
    return ImplementSettings(validation=ValidationSettings(suite, run_tests=run_tests))


def mined(root: Path, rule: str) -> Finding:
    commit = git(root, "rev-parse", "HEAD").strip()
    return next(f for f in mine(root, build_index(root, commit)) if f.rule == rule)


def branches(root: Path) -> list[str]:
    return git(root, "branch", "--format=%(refname:short)").split()


def test_proven_fix_gets_a_branch_and_leaves_the_checkout_alone(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    base = make_repo(root, {**PASSING_SUITE, "calc/net.py": NET})
    item = mined(root, "ruff:S113")
    result = implement(root, base, item, make_plan(item), "fix/timeout", BOT, settings())
    assert result.success, result.message
    assert result.status == "completed" and result.branch == "fix/timeout"
    assert result.files_changed == ["calc/net.py"]
    assert "+    return requests.get(url, timeout=30)" in result.diff
    assert result.report is not None and result.report.tests_ran
    outcomes = {c.name: c.outcome for c in result.report.checks}
    assert outcomes == {
        "finding-gone": "passed",
        "no-new-findings": "passed",
        "compiles": "passed",
        "repo-gates": "skipped",  # the repository configures no linter or formatter
        "oldest-python": "skipped",  # nor an oldest Python
        "tests": "passed",
    }
    # the checkout is untouched: same HEAD, same files, clean status, no stray worktree
    assert git(root, "rev-parse", "HEAD").strip() == base
    assert (root / "calc/net.py").read_text() == NET
    assert git(root, "status", "--porcelain") == ""
    assert len(git(root, "worktree", "list").splitlines()) == 1
    # the branch holds the commit, authored and committed by the app
    assert git(root, "rev-parse", "fix/timeout").strip() == result.commit_id
    who = git(root, "log", "-1", "--format=%an <%ae>|%cn <%ce>", "fix/timeout").strip()
    assert who == "aomaas[bot] <bot@example.org>|aomaas[bot] <bot@example.org>"
    assert "timeout=30" in git(root, "show", "fix/timeout:calc/net.py")


def test_a_fix_that_breaks_a_test_fails_and_leaves_no_branch(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    files = {**PASSING_SUITE, "calc/scratch.py": SCRATCH, "tests/test_scratch.py": SCRATCH_TEST}
    base = make_repo(root, files)
    item = mined(root, "ruff:S306")
    result = implement(root, base, item, make_plan(item), "fix/mktemp", BOT, settings())
    assert not result.success and result.status == "failed"
    assert result.branch is None
    assert "tests/test_scratch.py::test_name_is_free" in result.message
    assert result.report is not None and result.report.tests_ran
    assert {c.name: c.outcome for c in result.report.checks}["tests"] == "failed"
    assert branches(root) == ["main"]
    assert len(git(root, "worktree", "list").splitlines()) == 1


def test_taken_branch_name_gets_a_suffix(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    base = make_repo(root, {**PASSING_SUITE, "calc/net.py": NET})
    git(root, "branch", "fix/t")
    git(root, "branch", "fix/t-2")
    item = mined(root, "ruff:S113")
    result = implement(root, base, item, make_plan(item), "fix/t", BOT, settings(run_tests=False))
    assert result.success and result.branch == "fix/t-3"
    with pytest.raises(InvalidRequest):
        implement(root, base, item, make_plan(item), "bad..name", BOT, settings(run_tests=False))


def test_repository_level_fix_and_tests_not_run_reason(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    base = make_repo(root, {**PASSING_SUITE, "requirements.txt": "requests==2.32.3\n"})
    item = mined(root, "repo:missing-license")
    result = implement(root, base, item, make_plan(item), "fix/license", BOT, settings())
    assert result.success, result.message
    assert result.files_changed == ["LICENSE"]
    assert result.report is not None and not result.report.tests_ran
    assert result.report.tests_detail.startswith("tests not run:")
    assert "requests==2.32.3" in result.report.tests_detail
    assert git(root, "show", "fix/license:LICENSE").startswith("MIT License")
