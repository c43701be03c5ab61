"""Publishing never overwrites a branch that is not the app's: the local forge over real
repositories, and the API's ``branch_name`` end to end."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aomaas.errors import BranchTaken
from aomaas.forges.base import PullRequestSpec, RepoRef
from aomaas.forges.local import LocalForge
from aomaas.jobs.engine_settings import workspace_policy
from tests.integration.conftest import Flow
from tests.support.git import git, git_repo


def _spec(clone: Path, branch: str, commit: str, app_heads: frozenset[str]) -> PullRequestSpec:
    return PullRequestSpec(
        clone=clone,
        branch=branch,
        commit=commit,
        base="main",
        title="Fix",
        body="The plan and the proof",
        draft=False,
        fingerprint="0123456789abcdef",
        app_heads=app_heads,
    )


class Remote:
    """A bare repository with ``main`` and a maintainer's branches, and a clone to fix in."""

    def __init__(self, tmp_path: Path) -> None:
        seed = git_repo(tmp_path, {"README.md": "# demo\n"}, name="seed")
        git(seed, "branch", "ahead")  # the default branch's head: a fix would fast-forward it
        git(seed, "checkout", "-q", "-b", "release")
        (seed / "CHANGES.md").write_text("1.0\n")
        git(seed, "add", "CHANGES.md")
        git(seed, "commit", "-qm", "Release 1.0")
        self.bare = tmp_path / "remote.git"
        git(tmp_path, "clone", "-q", "--bare", str(seed), str(self.bare))
        self.clone = tmp_path / "clone"
        git(tmp_path, "clone", "-q", str(self.bare), str(self.clone))
        self.ref = RepoRef("local", str(self.bare), "local", "remote", "main")

    def head(self, branch: str) -> str:
        """The commit ``branch`` holds in the bare repository."""
        return git(self.bare, "rev-parse", f"refs/heads/{branch}").strip()

    def fix(self, text: str) -> str:
        """A new commit on top of ``main`` (each one a sibling of the others)."""
        git(self.clone, "checkout", "-q", "--detach", "origin/main")
        (self.clone / "NEWS.md").write_text(text)
        git(self.clone, "add", "NEWS.md")
        git(self.clone, "commit", "-qm", text)
        return git(self.clone, "rev-parse", "HEAD").strip()

    async def publish(self, branch: str, commit: str, *app_heads: str) -> str:
        """Publish through the local forge; returns what the branch holds afterwards."""
        await LocalForge().publish(
            self.ref, _spec(self.clone, branch, commit, frozenset(app_heads))
        )
        return self.head(branch)


async def test_local_publish_never_overwrites_a_branch_the_app_did_not_make(
    tmp_path: Path,
) -> None:
    remote = Remote(tmp_path)
    before = {branch: remote.head(branch) for branch in ("main", "ahead", "release")}
    commit = remote.fix("news\n")
    for branch in before:
        with pytest.raises(BranchTaken, match=f"'{branch}' already exists"):
            await remote.publish(branch, commit)
    assert {branch: remote.head(branch) for branch in before} == before


async def test_local_publish_replaces_the_apps_own_branches_on_a_rerun(tmp_path: Path) -> None:
    remote = Remote(tmp_path)
    first = remote.fix("first try\n")
    assert await remote.publish("aomaas/7-news", first) == first
    assert await remote.publish("fix/news", first) == first
    assert await remote.publish("fix/news", first) == first  # a publish tried again: no change
    second = remote.fix("second try\n")  # not a fast-forward of the first
    assert await remote.publish("aomaas/7-news", second) == second
    with pytest.raises(BranchTaken):
        await remote.publish("fix/news", second)  # no commit of the app's is known for it
    assert await remote.publish("fix/news", second, first) == second
    git(remote.clone, "checkout", "-q", "--detach", second)
    git(remote.clone, "commit", "-q", "--allow-empty", "-m", "A maintainer's change")
    git(remote.clone, "push", "-q", "origin", "HEAD:refs/heads/fix/news")
    maintainer = remote.head("fix/news")  # a maintainer's push on top makes it theirs
    with pytest.raises(BranchTaken):
        await remote.publish("fix/news", remote.fix("third try\n"), first, second)
    assert remote.head("fix/news") == maintainer


async def test_api_branch_name_of_an_existing_branch_is_refused_and_the_apps_is_rerun(
    flow: Flow,
) -> None:
    """``branch_name: "release"`` (a maintainer's branch): the fix is proven, publishing is
    refused and ``release`` is untouched. A named branch the app made takes the fix run again
    on a worker that has no copy of it (the commit the app made for it is in the store)."""
    git(flow.repo, "checkout", "-q", "-b", "release")
    (flow.repo / "CHANGES.md").write_text("1.0\n")
    git(flow.repo, "add", "CHANGES.md")
    git(flow.repo, "commit", "-qm", "Release 1.0")
    git(flow.repo, "checkout", "-q", "main")
    release = git(flow.repo, "rev-parse", "release").strip()
    repo_id = await flow.index()
    await flow.mine(repo_id, ["security"])
    finding = next(o for o in await flow.opportunities(repo_id) if o["rule"] == "ruff:S506")
    plan = await flow.plan(finding["id"])

    async def implement_and_publish(branch: str) -> tuple[dict[str, object], int, dict[str, str]]:
        status, body = await flow.call(
            "POST", "/implementations/create", {"plan_id": plan["id"], "branch_name": branch}
        )
        assert status == 202 and (await flow.done(body["task_id"]))["status"] == "completed"
        status, impl = await flow.call("GET", f"/implementations/{body['implementation_id']}")
        assert impl["branch_name"] == branch, impl
        status, pr = await flow.call(
            "POST", "/pull-requests/create", {"implementation_id": impl["id"], "title": "Fix"}
        )
        return impl, status, pr

    _, status, pr = await implement_and_publish("release")
    assert status == 400 and "'release' already exists" in pr["detail"], pr
    assert git(flow.repo, "rev-parse", "release").strip() == release

    first, status, pr = await implement_and_publish("fix/yaml")
    assert status == 201, pr
    shutil.rmtree(workspace_policy(flow.server.settings).cache_dir / repo_id)  # another worker
    (flow.repo / "NOTES.md").write_text("main moved on\n")
    git(flow.repo, "add", "NOTES.md")
    git(flow.repo, "commit", "-qm", "Notes")
    second, status, pr = await implement_and_publish("fix/yaml")
    assert status == 201, pr
    assert second["commit_id"] != first["commit_id"]
    assert git(flow.repo, "rev-parse", "fix/yaml").strip() == second["commit_id"]
