"""sync() clones and updates real repositories safely, and fails with readable reasons."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from aomaas.engine.scmversion import UNRELEASED, release_version
from aomaas.engine.workspace import RepoSource, WorkspacePolicy, run_git, sync
from aomaas.errors import RepositoryTooLarge, WorkspaceError
from tests.support.git import git, git_repo


def _commit(repo: Path, files: dict[str, str], message: str = "change") -> str:
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def test_clone_then_update(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {"a.py": "x = 1\n", "pkg/b.py": "y = 2\n"})
    policy = WorkspacePolicy(cache_dir=tmp_path / "cache")
    first = sync(RepoSource("local", str(repo)), policy, "r1")
    assert first.branch == "main"
    assert first.commit == git(repo, "rev-parse", "HEAD").strip()
    assert (first.path / "pkg" / "b.py").read_text() == "y = 2\n"
    assert run_git(["rev-parse", "--is-shallow-repository"], first.path).strip() == "true"
    # A stray file left by an earlier run and a local edit are both cleaned away.
    (first.path / "stray.txt").write_text("left over")
    (first.path / "a.py").write_text("edited")
    second_commit = _commit(repo, {"a.py": "x = 3\n", "c.py": "z = 1\n"})
    second = sync(RepoSource("local", repo.as_uri()), policy, "r1")
    assert second.commit == second_commit != first.commit
    assert (second.path / "a.py").read_text() == "x = 3\n"
    assert not (second.path / "stray.txt").exists()
    # The previous commit is still in the object store (incremental index needs it).
    assert run_git(["cat-file", "-t", first.commit], second.path).strip() == "commit"


def test_named_branch_and_missing_branch(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {"a.py": "x = 1\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    feature = _commit(repo, {"f.py": "f = 1\n"})
    git(repo, "checkout", "-q", "main")
    policy = WorkspacePolicy(cache_dir=tmp_path / "cache")
    checkout = sync(RepoSource("local", str(repo), branch="feature"), policy, "feat")
    assert (checkout.commit, checkout.branch) == (feature, "feature")
    assert (checkout.path / "f.py").exists()
    with pytest.raises(WorkspaceError, match="branch 'nope' does not exist"):
        sync(RepoSource("local", str(repo), branch="nope"), policy, "nope")


def test_bad_sources_give_readable_errors(tmp_path: Path) -> None:
    policy = WorkspacePolicy(cache_dir=tmp_path / "cache")
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(WorkspaceError, match="not a git repository"):
        sync(RepoSource("local", str(plain)), policy, "plain")
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    with pytest.raises(WorkspaceError, match="empty"):
        sync(RepoSource("local", str(empty)), policy, "empty")
    unreachable = RepoSource("github", "http://127.0.0.1:9/o/r")
    http_policy = WorkspacePolicy(
        tmp_path / "cache", github_host="127.0.0.1:9", github_allow_http=True, clone_timeout=30
    )
    with pytest.raises(WorkspaceError, match="unreachable"):
        sync(unreachable, http_policy, "down")


def test_limits(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {f"f{i}.txt": "x" * 100 for i in range(5)})
    few = WorkspacePolicy(cache_dir=tmp_path / "cache", max_files=4)
    with pytest.raises(RepositoryTooLarge, match="5 files"):
        sync(RepoSource("local", str(repo)), few, "few")
    assert not (tmp_path / "cache" / "few").exists()
    small = WorkspacePolicy(cache_dir=tmp_path / "cache", max_repo_bytes=400)
    with pytest.raises(RepositoryTooLarge, match="500 bytes"):
        sync(RepoSource("local", str(repo)), small, "small")


def test_hooks_never_run_and_submodules_never_fetched(tmp_path: Path) -> None:
    inner = git_repo(tmp_path, {"secret.txt": "inner\n"}, name="inner")
    inner_commit = git(inner, "rev-parse", "HEAD").strip()
    repo = git_repo(
        tmp_path,
        {
            "a.py": "x = 1\n",
            ".gitmodules": f'[submodule "sub"]\n\tpath = sub\n\turl = {inner.as_uri()}\n',
        },
    )
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{inner_commit},sub")
    git(repo, "commit", "-q", "-m", "add submodule")
    policy = WorkspacePolicy(cache_dir=tmp_path / "cache")
    checkout = sync(RepoSource("local", str(repo)), policy, "hostile")
    assert not (checkout.path / "sub" / "secret.txt").exists()
    # A hook planted in the cached clone (as if a template or an attacker put it there).
    marker = tmp_path / "hook-ran"
    for name in ("post-checkout", "post-merge", "reference-transaction", "pre-auto-gc"):
        hook = checkout.path / ".git" / "hooks" / name
        hook.parent.mkdir(exist_ok=True)
        hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
        hook.chmod(0o755)
    _commit(repo, {"b.py": "y = 1\n"})
    sync(RepoSource("local", str(repo)), policy, "hostile")
    assert not marker.exists()


def test_concurrent_syncs(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {"a.py": "x = 1\n"})
    policy = WorkspacePolicy(cache_dir=tmp_path / "cache")
    errors: list[BaseException] = []

    def work(key: str) -> None:
        try:
            sync(RepoSource("local", str(repo)), policy, key)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(key,)) for key in ("k1", "k2", "k1", "k2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert (tmp_path / "cache" / "k1" / "a.py").exists() and (
        tmp_path / "cache" / "k2" / "a.py"
    ).exists()


def test_a_shallow_clone_knows_the_remote_s_highest_release(tmp_path: Path) -> None:
    """The clone fetches no tags; the highest release tag the remote lists is kept in its
    configuration, so a git-versioned project is not built as 0.0.0."""
    repo = git_repo(tmp_path, {"a.py": "x = 1\n"})
    policy = WorkspacePolicy(cache_dir=tmp_path / "cache")
    bare = sync(RepoSource("local", str(repo)), policy, "r0")
    assert release_version(bare.path) == UNRELEASED
    for tag in ("v1.9.0", "2.9.0.post0", "3.0.dev1", "nightly"):
        git(repo, "tag", tag)
    _commit(repo, {"a.py": "x = 2\n"})  # the tags are behind HEAD: describe would find them
    checkout = sync(RepoSource("local", str(repo)), policy, "r1")
    assert run_git(["tag", "--list"], checkout.path).strip() == ""  # still no tags fetched
    assert release_version(checkout.path) == "2.9.0.post0"
    git(repo, "tag", "-d", "2.9.0.post0")
    again = sync(RepoSource("local", str(repo)), policy, "r1")
    assert release_version(again.path) == "1.9.0"  # what the remote lists now
