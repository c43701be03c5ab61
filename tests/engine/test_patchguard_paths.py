"""The patch guard refuses every path-escape shape before anything is written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aomaas.engine.patchguard import check_patch
from aomaas.errors import PatchRejected
from tests.engine.hands_util import git, make_repo


def new_file(path: str, text: str = "owned\n") -> str:
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1111111\n"
        f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1 @@\n+{text}\n"
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    make_repo(root, {"README.md": "hello\n", "pkg/mod.py": "x = 1\n"})
    return root


def assert_untouched(root: Path) -> None:
    assert git(root, "status", "--porcelain", "--ignored") == ""


ESCAPES = {
    "dotdot": new_file("../escaped.txt"),
    "dotdot-inside": new_file("pkg/../../escaped.txt"),
    "absolute": new_file("/tmp/aomaas-escaped.txt")
    .replace("b//tmp", "b/tmp")
    .replace("+++ b/tmp", "+++ /tmp"),
    "git-hooks": new_file(".git/hooks/pre-commit", "#!/bin/sh"),
    "nested-git": new_file("pkg/.git/config"),
    "workflow": new_file(".github/workflows/evil.yml", "on: push"),
    "rename-out": (
        "diff --git a/README.md b/../outside.md\nsimilarity index 100%\n"
        "rename from README.md\nrename to ../outside.md\n"
    ),
    "rename-in-from-outside": (
        "diff --git a/../../etc/passwd b/stolen\nsimilarity index 100%\n"
        "rename from ../../etc/passwd\nrename to stolen\n"
    ),
    "symlink-then-file": (
        "diff --git a/link b/link\nnew file mode 120000\nindex 0000000..2222222\n"
        "--- /dev/null\n+++ b/link\n@@ -0,0 +1 @@\n+/tmp\n\\ No newline at end of file\n"
        + new_file("link/aomaas-through-link.txt")
    ),
}


@pytest.mark.parametrize("shape", sorted(ESCAPES))
def test_escape_shapes_are_rejected_before_any_write(repo: Path, shape: str) -> None:
    with pytest.raises(PatchRejected):
        check_patch(repo, ESCAPES[shape])
    assert_untouched(repo)
    assert not (repo.parent / "escaped.txt").exists()
    assert not Path("/tmp/aomaas-escaped.txt").exists()
    assert not Path("/tmp/aomaas-through-link.txt").exists()


def test_existing_symlink_in_the_tree_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, repo / "docs")
    with pytest.raises(PatchRejected, match="symbolic link"):
        check_patch(repo, new_file("docs/index.md"))
    assert list(outside.iterdir()) == []


def test_workflow_allowed_only_with_permission(repo: Path) -> None:
    patch = new_file(".github/workflows/tests.yml", "on: push")
    assert check_patch(repo, patch, allow_workflows=True) == [".github/workflows/tests.yml"]
    with pytest.raises(PatchRejected, match="workflow"):
        check_patch(repo, patch)


def test_a_plain_patch_passes(repo: Path) -> None:
    patch = "--- a/pkg/mod.py\n+++ b/pkg/mod.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
    assert check_patch(repo, patch) == ["pkg/mod.py"]


def test_garbage_is_not_a_patch(repo: Path) -> None:
    with pytest.raises(PatchRejected):
        check_patch(repo, "this is not a diff")
