"""Source checks refuse what the policy does not allow, before anything is fetched."""

from __future__ import annotations

from pathlib import Path

import pytest

from aomaas.engine.workspace import RepoSource, WorkspacePolicy, check_source, safe_read
from aomaas.errors import InvalidRequest


def _policy(tmp_path: Path, **kw: object) -> WorkspacePolicy:
    return WorkspacePolicy(cache_dir=tmp_path / "cache", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "kw", "message"),
    [
        ("http://github.com/o/r", {}, "plain http"),
        ("https://evil.example/o/r", {}, "only repositories on the configured GitHub host"),
        ("https://user:pw@github.com/o/r", {}, "credentials"),
        ("https://tok@github.com/o/r", {}, "credentials"),
        ("ext::sh -c touch% /tmp/pwned", {}, "remote helpers"),
        ("git@github.com:o/r.git", {}, "ssh"),
        ("ssh://git@github.com/o/r", {}, "ssh"),
        ("file:///etc", {}, "protocol"),
        ("https://github.com/o/r?x=1", {}, "query"),
        ("https://github.com/o/../r", {}, "expected a repository URL"),
        ("-uhttps://github.com/o/r", {}, "malformed"),
        ("http://127.0.0.1:9/o/r", {"github_allow_http": True}, "only repositories on"),
    ],
)
def test_github_urls_refused(tmp_path: Path, url: str, kw: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        check_source(RepoSource("github", url), _policy(tmp_path, **kw))


def test_github_urls_allowed(tmp_path: Path) -> None:
    check_source(RepoSource("github", "https://github.com/o/r.git"), _policy(tmp_path))
    policy = _policy(tmp_path, github_host="127.0.0.1:8080", github_allow_http=True)
    check_source(RepoSource("github", "http://127.0.0.1:8080/o/r"), policy)
    ssh = _policy(tmp_path, allow_ssh=True)
    check_source(RepoSource("github", "git@github.com:o/r.git"), ssh)
    with pytest.raises(InvalidRequest, match="only repositories"):
        check_source(RepoSource("github", "git@evil.example:o/r.git"), ssh)


def test_local_paths_under_root_only(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "repo").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "link").symlink_to(outside)
    policy = _policy(tmp_path, local_root=root)
    check_source(RepoSource("local", str(root / "repo")), policy)
    check_source(RepoSource("local", (root / "repo").as_uri()), policy)
    for bad in (
        str(outside),
        outside.as_uri(),
        str(root / "link"),
        str(root / "repo" / ".." / ".."),
    ):
        with pytest.raises(InvalidRequest, match="must be under"):
            check_source(RepoSource("local", bad), policy)
    with pytest.raises(InvalidRequest, match="absolute"):
        check_source(RepoSource("local", "repo"), policy)
    with pytest.raises(InvalidRequest, match="must not name a host"):
        check_source(RepoSource("local", "file://evil.example/x"), policy)
    with pytest.raises(InvalidRequest, match="path or a file:// URL"):
        check_source(RepoSource("local", "https://github.com/o/r"), policy)
    # The CLI (no root) may name any existing directory.
    check_source(RepoSource("local", str(outside)), _policy(tmp_path))


@pytest.mark.parametrize("branch", ["-b", "a..b", "a b", "x/", "--upload-pack=x"])
def test_bad_branch_names(tmp_path: Path, branch: str) -> None:
    with pytest.raises(InvalidRequest, match="not a valid branch name"):
        check_source(
            RepoSource("github", "https://github.com/o/r", branch=branch), _policy(tmp_path)
        )


def test_unknown_provider_and_token_not_in_repr(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest, match="unknown provider"):
        check_source(RepoSource("gitlab", "https://gitlab.com/o/r"), _policy(tmp_path))
    assert "s3cret" not in repr(RepoSource("github", "https://github.com/o/r", token="s3cret"))


def test_safe_read_refuses_escaping_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("inside\n")
    secret = tmp_path / "secret.txt"
    secret.write_text("outside\n")
    (root / "leak").symlink_to(secret)
    (root / "pkg" / "alias.py").symlink_to(root / "pkg" / "a.py")
    (root / "dirlink").symlink_to(tmp_path)
    assert safe_read(root, "pkg/a.py") == b"inside\n"
    assert safe_read(root, "pkg/alias.py") == b"inside\n"  # stays inside the tree
    assert safe_read(root, "leak") is None
    assert safe_read(root, "dirlink/secret.txt") is None
    assert safe_read(root, "../secret.txt") is None
    assert safe_read(root, "/etc/passwd") is None
    assert safe_read(root, "pkg") is None
    assert safe_read(root, "missing.py") is None
