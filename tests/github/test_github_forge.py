"""GitHubForge (the Forge interface) against the stand-in, with the engine's real workspace."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from aomaas.engine.proof import Proof, ProofLevel
from aomaas.engine.reviewer import review_diff
from aomaas.engine.workspace import sync
from aomaas.forges.base import PullRef, PullRequestSpec, RepoRef, ReviewComment
from aomaas.forges.github.forge import GitHubForge
from aomaas.forges.registry import forge_for
from aomaas.jobs.engine_settings import workspace_policy
from tests.fakegithub import FakeGitHub
from tests.github.helpers import NAME, OWNER, REPO, seed
from tests.support.config import make_settings

FINGERPRINT = "fedcba9876543210fedcba9876543210"
PLANTED = "import os\n\n\ndef main():\n    return eval(os.getcwd())\n"


def _git(cwd: Path, *args: str) -> str:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(cwd),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "AOMaaS",
        "GIT_AUTHOR_EMAIL": "a@example.test",
        "GIT_COMMITTER_NAME": "AOMaaS",
        "GIT_COMMITTER_EMAIL": "a@example.test",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


async def test_clone_publish_and_update_through_the_forge(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    inst = seed(fake_github)
    settings = make_settings(tmp_path, None, **fake_github.settings_env())
    services: dict[str, object] = {}
    forge = forge_for("github", settings, services)
    assert isinstance(forge, GitHubForge)
    ref = RepoRef("github", f"{fake_github.git_url}/{REPO}", OWNER, NAME, None, inst)

    source = await forge.source(ref)
    assert "x-access-token" not in repr(source) and source.token not in repr(source)  # type: ignore[operator]
    checkout = await asyncio.to_thread(sync, source, workspace_policy(settings), "repo-1")
    assert checkout.branch == "main"
    assert (checkout.path / "README.md").read_text() == "# hello\n"
    assert source.token not in (checkout.path / ".git" / "config").read_text()  # type: ignore[operator]

    _git(checkout.path, "checkout", "-q", "-b", "aomaas/fix-1")
    (checkout.path / "src" / "app.py").write_text("from pathlib import Path\n")
    _git(checkout.path, "commit", "-qam", "Use pathlib")
    commit = _git(checkout.path, "rev-parse", "HEAD").strip()
    spec = PullRequestSpec(
        clone=checkout.path,
        branch="aomaas/fix-1",
        commit=commit,
        base="main",
        title="Use pathlib",
        body="Plan and proof",
        draft=False,
        fingerprint=FINGERPRINT,
        check_summary="finding gone; 3 tests passed",
        proof=Proof(ProofLevel.PROVEN, "tests ran: 3 passed before and after"),
    )
    first = await forge.publish(ref, spec)
    second = await forge_for("github", settings, services).publish(ref, spec)

    assert (first.number, first.status, first.head_sha) == ("1", "open", commit)
    assert not first.updated_existing and second.updated_existing and second.number == "1"
    assert fake_github.ref(REPO, "heads/aomaas/fix-1") == commit
    assert [run.output["summary"] for run in fake_github.issue_state(REPO).check_runs.values()] == [
        "finding gone; 3 tests passed"
    ] * 2
    # one token minted for clone and both publishes: the cache lives in `services`
    assert "github_installation_tokens" in services
    assert len(fake_github.requests_to("apps/create-installation-access-token")) == 1


async def test_review_a_human_pull_request(fake_github: FakeGitHub, tmp_path: Path) -> None:
    inst = seed(fake_github)
    settings = make_settings(tmp_path, None, **fake_github.settings_env())
    forge = GitHubForge.from_settings(settings, {})
    ref = RepoRef("github", f"{fake_github.git_url}/{REPO}", OWNER, NAME, "main", inst)
    # the repository selects bandit's rules, so an eval is reported (docs/mining.md, "Signal")
    selects_s = '[tool.ruff.lint]\nselect = ["S"]\n'
    files = {"src/app.py": PLANTED, "pyproject.toml": selects_s}
    fake_github.commit(REPO, "feature/eval", files, "planted")
    pull = fake_github.add_pull(REPO, "feature/eval", title="Human change")

    changes = await forge.pull_request_changes(ref, PullRef(str(pull.number)), tmp_path / "scratch")
    assert (changes.checkout / "src" / "app.py").read_text() == PLANTED
    assert "+    return eval(os.getcwd())" in changes.diff
    assert changes.head_sha == fake_github.ref(REPO, "heads/feature/eval")

    review = await asyncio.to_thread(review_diff, changes.checkout, changes.diff, "security")
    comments = [ReviewComment(c.path, c.line, c.body) for c in review.comments]
    assert any(c.path == "src/app.py" and c.line == 5 for c in comments)
    posted = await forge.post_review(
        ref, str(pull.number), changes.head_sha, review.summary, comments
    )

    [stored] = fake_github.issue_state(REPO).reviews.values()
    assert posted == str(stored.id)
    assert stored.commit_id == changes.head_sha and stored.body == review.summary
    assert {(c["path"], c["line"], c["side"]) for c in stored.comments} == {
        (c.path, c.line, "RIGHT") for c in comments
    }
