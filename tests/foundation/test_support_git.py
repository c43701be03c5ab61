"""The shared ``git_repo`` helper makes real repositories without any global git setup."""

from __future__ import annotations

from pathlib import Path

from tests.support.git import git, git_repo


def test_git_repo_commits_the_files(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {"pkg/mod.py": "x = 1\n", "README.md": "hi\n"}, branch="trunk")
    assert (repo / "pkg" / "mod.py").read_text() == "x = 1\n"
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "trunk"
    assert sorted(git(repo, "ls-files").split()) == ["README.md", "pkg/mod.py"]
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "log", "--format=%an <%ae>").strip() == "AOMaaS Tests <tests@aomaas.invalid>"
