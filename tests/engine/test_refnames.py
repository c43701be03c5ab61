"""The one branch-name check agrees with ``git check-ref-format --branch`` and is narrower."""

from __future__ import annotations

import subprocess

import pytest

from aomaas.engine.refnames import BadBranchName, branch_problem, check_branch_name

# Names inside the allowed alphabet: the verdict must be git's own.
IN_ALPHABET = [
    "main", "feature/x", "fix-1.2", "a+b", "release/v1.0", "x_y", "aomaas/3-s506",
    "-x", "--upload-pack=x", "../../x", "a..b", "main.lock", "a/b.lock/c", ".hidden",
    "a/.b", "a/", "/a", "a//b", "a.", "HEAD", "a/b.", "x.lock.y",
]  # fmt: skip
# Valid for git, refused here: characters that mean something to shells and URLs.
NARROWER = ["main;id", "a$(b)", "a&b", "a'b", "a|b", "é", "a#b", "a,b"]


def _git_accepts(name: str) -> bool:
    run = subprocess.run(
        ["git", "check-ref-format", "--branch", name], capture_output=True, check=False
    )
    return run.returncode == 0


@pytest.mark.parametrize("name", IN_ALPHABET)
def test_agrees_with_git(name: str) -> None:
    assert (branch_problem(name) is None) == _git_accepts(name)


@pytest.mark.parametrize("name", NARROWER)
def test_refuses_what_git_would_take(name: str) -> None:
    assert _git_accepts(name)
    with pytest.raises(BadBranchName, match="only letters, digits"):
        check_branch_name(name)
