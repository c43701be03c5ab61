"""Reviews comment only on the lines a pull request adds, filtered by review type."""

from __future__ import annotations

from pathlib import Path

import pytest

from aomaas.engine.reviewer import added_lines, review_diff
from aomaas.errors import InvalidRequest
from tests.engine.hands_util import git, make_repo

OLD = "import requests\n\n\ndef old(url):\n    return requests.get(url)\n"
NEW = (
    OLD
    + "\n\ndef new(url, data):\n    requests.post(url, data=data)\n    return [k for k, _ in data.items()]\n"
)


@pytest.fixture
def pull(tmp_path: Path) -> tuple[Path, str]:
    root = tmp_path / "repo"
    # the repository enforces docstrings (D1), so missing ones are reported one by one
    base = make_repo(root, {"app/net.py": OLD, "ruff.toml": '[lint]\nextend-select = ["D1"]\n'})
    git(root, "checkout", "-q", "-b", "feature")
    (root / "app/net.py").write_text(NEW)
    git(root, "commit", "-qam", "add new()")
    return root, git(root, "diff", base, "HEAD")


def test_only_added_lines_are_commented(pull: tuple[Path, str]) -> None:
    root, diff = pull
    review = review_diff(root, diff, "security")
    assert [(c.path, c.line, c.rule) for c in review.comments] == [("app/net.py", 9, "ruff:S113")]
    assert review.summary.startswith("1 security finding(s)")
    assert "S113" in review.comments[0].body


def test_review_type_filters(pull: tuple[Path, str]) -> None:
    root, diff = pull
    general = review_diff(root, diff, "general")
    assert {c.rule for c in general.comments} >= {"ruff:S113"}
    assert all(c.line >= 8 for c in general.comments)
    documentation = review_diff(root, diff, "documentation")
    assert [(c.rule, c.line) for c in documentation.comments] == [("ruff:D103", 8)]
    with pytest.raises(InvalidRequest):
        review_diff(root, diff, "vibes")


def test_added_lines_map(pull: tuple[Path, str]) -> None:
    _, diff = pull
    assert added_lines(diff) == {"app/net.py": {6, 7, 8, 9, 10}}
