"""The stand-in's git smart HTTP (git http-backend): clone, fetch, push with a token; refused without."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from aomaas.forges.github.client import git_auth_env
from tests.fakegithub import FakeGitHub

REPO = "octo-org/hello"


def git(
    *args: str, cwd: Path | None = None, token: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(cwd or "/tmp"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.test",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.test",
    }
    if token is not None:
        env.update(git_auth_env(token))
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def _setup(fake: FakeGitHub) -> tuple[str, str]:
    inst = fake.add_installation("octo-org")
    fake.add_repo(
        REPO, installation=inst, files={"README.md": "# hello\n", "pkg/mod.py": "X = 1\n"}
    )
    return fake.authority.mint(inst.id).token, f"{fake.git_url}/{REPO}.git"


def test_clone_fetch_and_push_with_token(fake_github: FakeGitHub, tmp_path: Path) -> None:
    token, url = _setup(fake_github)
    work = tmp_path / "work"
    assert git("clone", "--quiet", url, str(work), token=token).returncode == 0
    assert (work / "pkg" / "mod.py").read_text() == "X = 1\n"
    big = os.urandom(3 * 1024 * 1024)  # large enough for git to send a gzip/chunked body
    (work / "blob.bin").write_bytes(big)
    git("checkout", "-q", "-b", "topic", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-qm", "add blob", cwd=work)
    pushed = git("push", "--quiet", "origin", "topic", cwd=work, token=token)
    assert pushed.returncode == 0, pushed.stderr
    head = git("rev-parse", "HEAD", cwd=work).stdout.strip()
    assert fake_github.ref(REPO, "heads/topic") == head
    assert fake_github.file_at(REPO, "topic", "blob.bin") == big
    fake_github.commit(REPO, "main", {"NEWS.md": "news\n"}, "server-side change")
    assert git("fetch", "--quiet", "origin", cwd=work, token=token).returncode == 0
    assert git("show", "origin/main:NEWS.md", cwd=work).stdout == "news\n"


def test_refused_without_a_valid_token(fake_github: FakeGitHub, tmp_path: Path) -> None:
    token, url = _setup(fake_github)
    anonymous = git("clone", "--quiet", url, str(tmp_path / "a"))
    assert anonymous.returncode != 0
    wrong = git("clone", "--quiet", url, str(tmp_path / "b"), token="ghs_not-a-token")
    assert wrong.returncode != 0
    other = fake_github.add_installation("someone-else")
    foreign = git(
        "clone",
        "--quiet",
        url,
        str(tmp_path / "c"),
        token=fake_github.authority.mint(other.id).token,
    )
    assert foreign.returncode != 0
    fake_github.expire_tokens()
    expired = git("clone", "--quiet", url, str(tmp_path / "d"), token=token)
    assert expired.returncode != 0
    assert not (tmp_path / "a").exists() or not any((tmp_path / "a").iterdir())
    assert {entry.status for entry in fake_github.log if entry.operation_id == "git"} == {401}
