"""The version a git-versioned project is built with, read from its tags (no code runs)."""

from __future__ import annotations

from pathlib import Path

from aomaas.engine.scmversion import UNRELEASED, release_version
from tests.engine.hands_util import git, make_repo


def test_the_nearest_release_tag_is_the_version(tmp_path: Path) -> None:
    make_repo(tmp_path, {"a.txt": "a\n"})
    assert release_version(tmp_path) == UNRELEASED
    git(tmp_path, "tag", "2.9.0.post0")
    assert release_version(tmp_path) == "2.9.0.post0"
    git(tmp_path, "tag", "nightly")  # not a release: ignored
    git(tmp_path, "tag", "v3.0.dev1")  # a development release is not a release either
    assert release_version(tmp_path) == "2.9.0.post0"


def test_without_a_tag_behind_head_the_highest_release_tag_counts(tmp_path: Path) -> None:
    """A shallow clone with a release tag fetched beside it, not behind its commit."""
    make_repo(tmp_path, {"a.txt": "a\n"})
    git(tmp_path, "checkout", "-q", "-b", "side")
    (tmp_path / "b.txt").write_text("b\n")
    git(tmp_path, "add", "b.txt")
    git(tmp_path, "commit", "-q", "-m", "side")
    git(tmp_path, "tag", "v1.4")
    git(tmp_path, "tag", "V1.10")
    git(tmp_path, "checkout", "-q", "main")
    assert release_version(tmp_path) == "1.10"
