"""Whose branch the app may move: the lease rule of forges/branchpush.py, case by case."""

from __future__ import annotations

import pytest

from aomaas.errors import BranchTaken
from aomaas.forges.branchpush import lease


def test_the_apps_branch_with_someone_elses_commit_on_top_is_not_replaced() -> None:
    """A review suggestion committed onto the app's branch makes the branch theirs."""
    with pytest.raises(BranchTaken, match="holds commits AOMaaS did not make"):
        lease("aomaas/fix-1", "suggestion", "new", app_heads={"first-fix"})


def test_the_apps_own_head_is_replaced_under_a_lease() -> None:
    assert lease("aomaas/fix-1", "first-fix", "new", {"first-fix"}) == (
        "--force-with-lease=refs/heads/aomaas/fix-1:first-fix"
    )
    assert lease("aomaas/fix-1", "new", "new", {"first-fix"}) is None  # already there


def test_without_a_record_the_namespace_decides() -> None:
    """The local forge and a lost database know no app commits: aomaas/ is the app's."""
    assert lease("aomaas/fix-1", "whatever", "new", ()) is not None
    with pytest.raises(BranchTaken, match="was not made by AOMaaS"):
        lease("release", "whatever", "new", ())
