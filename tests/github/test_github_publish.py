"""Publishing a proven branch: push with the token, one pull request per fingerprint, proof, review."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from aomaas.engine.proof import Proof, ProofLevel
from aomaas.errors import BranchTaken, ForgeError, InvalidRequest
from aomaas.forges.github.client import GitHubError, git_auth_env
from aomaas.forges.github.publish import (
    CHECK_NAME,
    fingerprint_marker,
    publish,
    push_branch,
    with_marker,
)
from tests.fakegithub import FakeGitHub
from tests.github.helpers import NAME, OWNER, REPO, github

FINGERPRINT = "0123456789abcdef0123456789abcdef"


def run_git(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    base = {
        "PATH": os.environ["PATH"],
        "HOME": str(cwd or Path.cwd()),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "AOMaaS",
        "GIT_AUTHOR_EMAIL": "bot@example.test",
        "GIT_COMMITTER_NAME": "AOMaaS",
        "GIT_COMMITTER_EMAIL": "bot@example.test",
        "GIT_TERMINAL_PROMPT": "0",
    }
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def clone(url: str, token: str, work: Path) -> Path:
    """A clone of the stand-in's repository at ``work``, authenticated by ``token``."""
    run_git("clone", "--quiet", url, str(work), env=git_auth_env(token))
    return work


def test_marker_helpers() -> None:
    body = with_marker(with_marker("Fixes things", FINGERPRINT), FINGERPRINT)
    assert body.count("aomaas:fingerprint") == 1
    assert body.endswith(f"{fingerprint_marker(FINGERPRINT)}\n")
    with pytest.raises(InvalidRequest):
        fingerprint_marker("--> <script>")


async def test_push_open_then_update_the_same_pull_request(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    async with github(fake_github) as gh:
        client, inst = gh.client, gh.installation_id
        token = await client.installation_token(inst)
        work = clone(client.clone_url(OWNER, NAME), token, tmp_path / "work")
        assert "x-access-token" not in (work / ".git" / "config").read_text()
        assert token not in (work / ".git" / "config").read_text()
        run_git("checkout", "-q", "-b", "aomaas/fix-1", cwd=work)
        (work / "src" / "app.py").write_text(
            "from pathlib import Path\n\n\ndef main():\n    return Path.cwd()\n"
        )
        run_git("commit", "-qam", "Use pathlib", cwd=work)

        first = await publish(
            client,
            inst,
            OWNER,
            NAME,
            local_repo=work,
            branch="aomaas/fix-1",
            base="main",
            title="Use pathlib",
            body="The plan...",
            fingerprint=FINGERPRINT,
            allow_http=True,
            proof=Proof(ProofLevel.PROVEN, "tests ran: 3 passed before and after"),
            proof_summary="finding gone",
            proof_text="tests: 3 passed",
        )
        (work / "README.md").write_text("# hello\n\nUpdated.\n")
        run_git("commit", "-qam", "Second try", cwd=work)
        second = await publish(
            client,
            inst,
            OWNER,
            NAME,
            local_repo=work,
            branch="aomaas/fix-1",
            base="main",
            title="Use pathlib (v2)",
            body="The new plan...",
            fingerprint=FINGERPRINT,
            allow_http=True,
        )

        pull = await client.get_pull(inst, OWNER, NAME, first.number)
        found = await client.find_pull(inst, OWNER, NAME, marker=fingerprint_marker(FINGERPRINT))

    assert first.created and not second.created
    assert first.number == second.number == pull["number"]
    assert [p.number for p in fake_github.pulls(REPO)] == [first.number]
    assert pull["title"] == "Use pathlib (v2)" and pull["user"]["login"] == fake_github.bot_login
    assert pull["body"].count(fingerprint_marker(FINGERPRINT)) == 1
    assert found is not None and found["number"] == first.number
    head = run_git("rev-parse", "HEAD", cwd=work).strip()
    assert second.head_sha == head == fake_github.ref(REPO, "heads/aomaas/fix-1")
    assert fake_github.file_at(REPO, "aomaas/fix-1", "src/app.py").startswith(b"from pathlib")  # type: ignore[union-attr]
    assert fake_github.file_at(REPO, "main", "src/app.py").startswith(b"import os")  # type: ignore[union-attr]
    [run] = fake_github.issue_state(REPO).check_runs.values()
    assert (run.name, run.conclusion, run.head_sha) == (CHECK_NAME, "success", first.head_sha)
    assert run.output["title"] == "Proven: tests ran: 3 passed before and after"
    assert run.output["text"] == "tests: 3 passed"
    changed = {f["filename"] for f in fake_github.pull_files(REPO, first.number)}
    assert changed == {"src/app.py", "README.md"}


async def test_a_fix_whose_tests_did_not_run_opens_a_draft_with_a_neutral_check(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    async with github(fake_github) as gh:
        client, inst = gh.client, gh.installation_id
        token = await client.installation_token(inst)
        work = clone(client.clone_url(OWNER, NAME), token, tmp_path / "work")
        run_git("checkout", "-q", "-b", "aomaas/fix-2", cwd=work)
        (work / "README.md").write_text("# hello\n\nChecked.\n")
        run_git("commit", "-qam", "Checked only", cwd=work)
        proof = Proof(ProofLevel.CHECKED, "tests could not run: pytest collected no tests")
        published = await publish(
            client,
            inst,
            OWNER,
            NAME,
            local_repo=work,
            branch="aomaas/fix-2",
            base="main",
            title="Checked only",
            body="The plan...",
            fingerprint=FINGERPRINT,
            allow_http=True,
            draft=True,
            proof=proof,
        )
        pull = await client.get_pull(inst, OWNER, NAME, published.number)
    assert pull["draft"] is True
    [run] = fake_github.issue_state(REPO).check_runs.values()
    assert (run.conclusion, run.head_sha) == ("neutral", published.head_sha)
    assert run.output["title"] == (
        "Checked, tests not run: tests could not run: pytest collected no tests"
    )


async def test_push_refused_branch_names_and_missing_commit(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    async with github(fake_github) as gh:
        with pytest.raises(InvalidRequest):
            await publish(
                gh.client,
                gh.installation_id,
                OWNER,
                NAME,
                local_repo=tmp_path,
                branch="--upload-pack=x",
                base="main",
                title="t",
                body="b",
                fingerprint=FINGERPRINT,
                allow_http=True,
            )
        run_git("init", "-q", str(tmp_path / "empty"))
        with pytest.raises(ForgeError, match="nothing to push"):
            await publish(
                gh.client,
                gh.installation_id,
                OWNER,
                NAME,
                local_repo=tmp_path / "empty",
                branch="aomaas/x",
                base="main",
                title="t",
                body="b",
                fingerprint=FINGERPRINT,
                allow_http=True,
            )
        with pytest.raises(ForgeError, match="plain http"):
            await push_branch(gh.client, gh.installation_id, OWNER, NAME, tmp_path, "aomaas/x")
    assert fake_github.requests_to("pulls/create") == []


async def test_a_branch_the_app_did_not_make_is_never_overwritten(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    """A name a user gave (the API's ``branch_name``) that is a maintainer's branch: refused,
    whether the push would be a fast-forward (``ahead`` = the default branch's head) or not."""
    async with github(fake_github) as gh:
        client, inst = gh.client, gh.installation_id
        release = fake_github.commit(REPO, "release", {"CHANGES.md": "1.0\n"}, "Release 1.0")
        ahead = fake_github.commit(REPO, "ahead", {}, "Same as main", start="main")
        token = await client.installation_token(inst)
        work = clone(client.clone_url(OWNER, NAME), token, tmp_path / "work")
        (work / "NEWS.md").write_text("news\n")
        run_git("add", "NEWS.md", cwd=work)
        run_git("commit", "-qm", "fix", cwd=work)
        for branch in ("release", "ahead", "main"):
            with pytest.raises(BranchTaken, match=f"{branch}' already exists"):
                await publish(
                    client,
                    inst,
                    OWNER,
                    NAME,
                    local_repo=work,
                    branch=branch,
                    base="main",
                    title="t",
                    body="b",
                    fingerprint=FINGERPRINT,
                    allow_http=True,
                )
    assert fake_github.ref(REPO, "heads/release") == release
    assert fake_github.ref(REPO, "heads/ahead") == ahead
    assert fake_github.file_at(REPO, "main", "NEWS.md") is None
    assert fake_github.requests_to("pulls/create") == []


async def test_the_apps_own_branches_are_replaced_when_a_fix_is_run_again(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    """Its ``aomaas/`` branches, and a named branch whose head is a commit the app made for it,
    take a rewritten commit; a maintainer's push on top makes either one theirs."""
    async with github(fake_github) as gh:
        client, inst = gh.client, gh.installation_id
        token = await client.installation_token(inst)
        work = clone(client.clone_url(OWNER, NAME), token, tmp_path / "work")

        def fix(text: str) -> str:
            run_git("reset", "-q", "--hard", "origin/main", cwd=work)
            (work / "NEWS.md").write_text(text)
            run_git("add", "NEWS.md", cwd=work)
            run_git("commit", "-qm", text, cwd=work)
            return run_git("rev-parse", "HEAD", cwd=work).strip()

        async def push(branch: str, *app_heads: str) -> str:
            return await push_branch(
                client, inst, OWNER, NAME, work, branch, app_heads=app_heads, allow_http=True
            )

        first = fix("first try\n")
        assert await push("aomaas/7-news") == await push("fix/news") == first
        second = fix("second try\n")  # not a fast-forward of the first
        assert await push("aomaas/7-news") == second
        with pytest.raises(BranchTaken):
            await push("fix/news")  # the app made no commit for it that it knows of
        assert await push("fix/news", first) == second
        maintainer = fake_github.commit(REPO, "fix/news", {"NEWS.md": "edited\n"}, "Edit")
        third = fix("third try\n")
        with pytest.raises(BranchTaken):
            await push("fix/news", first, second)
        assert await push("aomaas/7-news", first, second) == third
        reviewer = fake_github.commit(REPO, "aomaas/7-news", {"NEWS.md": "suggested\n"}, "Apply")
        with pytest.raises(BranchTaken, match="holds commits AOMaaS did not make"):
            await push("aomaas/7-news", first, second, fix("fourth try\n"))
    assert fake_github.ref(REPO, "heads/aomaas/7-news") == reviewer
    assert fake_github.ref(REPO, "heads/fix/news") == maintainer


async def test_review_with_inline_comments(fake_github: FakeGitHub) -> None:
    async with github(fake_github) as gh:
        client, inst = gh.client, gh.installation_id
        sha = fake_github.commit(
            REPO,
            "feature/eval",
            {
                "src/app.py": b"import os\n\n\ndef main():\n    return eval(os.getcwd())\n",
                "README.md": None,
            },
            "Planted issue",
        )
        pull = fake_github.add_pull(REPO, "feature/eval", title="Human change")
        files = fake_github.pull_files(REPO, pull.number)
        with pytest.raises(GitHubError) as refused:
            await client.create_review(
                inst,
                OWNER,
                NAME,
                pull.number,
                body="x",
                comments=[{"path": "src/app.py", "line": 1, "body": "not in the diff"}],
            )
        review = await client.create_review(
            inst,
            OWNER,
            NAME,
            pull.number,
            body="1 security finding",
            comments=[{"path": "src/app.py", "line": 5, "body": "`eval` runs arbitrary code"}],
            commit_id=sha,
        )
    assert refused.value.github_status == 422
    assert {f["filename"]: f["status"] for f in files} == {
        "src/app.py": "modified",
        "README.md": "removed",
    }
    assert (
        "+    return eval(os.getcwd())" in files[-1]["patch"]
        or "+    return eval(os.getcwd())" in files[0]["patch"]
    )
    assert review["state"] == "COMMENTED" and review["commit_id"] == sha
    [stored] = fake_github.issue_state(REPO).reviews.values()
    assert stored.comments[0]["path"] == "src/app.py"
    assert (stored.comments[0]["line"], stored.comments[0]["side"]) == (5, "RIGHT")
    assert fake_github.file_at(REPO, "feature/eval", "README.md") is None


async def test_push_mints_a_new_token_once_when_git_is_refused(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    async with github(fake_github) as gh:
        token = await gh.client.installation_token(gh.installation_id)
        work = clone(gh.client.clone_url(OWNER, NAME), token, tmp_path / "work")
        (work / "NEWS.md").write_text("news\n")
        run_git("add", "NEWS.md", cwd=work)
        run_git("commit", "-qm", "news", cwd=work)
        fake_github.expire_tokens()  # the client's cache still believes in its token
        sha = await push_branch(
            gh.client, gh.installation_id, OWNER, NAME, work, "aomaas/news", allow_http=True
        )
    assert fake_github.ref(REPO, "heads/aomaas/news") == sha
    git_statuses = [entry.status for entry in fake_github.log if entry.operation_id == "git"]
    assert 401 in git_statuses and git_statuses[-1] == 200
    assert len(fake_github.requests_to("apps/create-installation-access-token")) == 2
