"""Pull-request operations beyond the basics: list its commits, bring its branch up to date.

``GET .../pulls/{n}/commits``: the commits on the head not on the base, oldest first, at
most 250, paginated. ``PUT .../pulls/{n}/update-branch``: merges the base branch into the
head branch with a real merge commit (``git merge-tree``), refusing (422) a stale
``expected_head_sha``, a closed pull request, a head that already has the base, or a conflict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.fakegithub import gitrepo
from tests.fakegithub.objects import JSON
from tests.fakegithub.routes import Answer, Ctx, Fail, _issue, handles, head_sha, paginate
from tests.fakegithub.spec import example
from tests.fakegithub.state import Repo

if TYPE_CHECKING:
    from tests.fakegithub.server import FakeGitHub

MAX_COMMITS = 250


def commit(fake: FakeGitHub, repo: Repo, sha: str) -> JSON:
    """A ``commit`` as the REST API lists it."""
    info = gitrepo.commit_info(repo.bare, sha)
    body: JSON = example("commit-items")[0]
    api = f"{fake.url}/repos/{repo.full_name}"
    web = f"{fake.git_url}/{repo.full_name}"
    body.update(
        sha=sha,
        node_id=f"C_{sha[:20]}",
        url=f"{api}/commits/{sha}",
        html_url=f"{web}/commit/{sha}",
        comments_url=f"{api}/commits/{sha}/comments",
        author={},  # the stand-in's commit authors are no GitHub users (empty-object)
        committer={},
        parents=[
            {"sha": p, "url": f"{api}/commits/{p}", "html_url": f"{web}/commit/{p}"}
            for p in info["parents"]
        ],
    )
    body["commit"] = {
        "url": f"{api}/git/commits/{sha}",
        "author": info.get("author"),
        "committer": info.get("committer"),
        "message": info["message"].rstrip("\n"),
        "comment_count": 0,
        "tree": {"sha": info["tree"], "url": f"{api}/git/trees/{info['tree']}"},
        "verification": {
            "verified": False,
            "reason": "unsigned",
            "signature": None,
            "payload": None,
            "verified_at": None,
        },
    }
    return body


@handles("pulls/list-commits")
def list_commits(fake: FakeGitHub, ctx: Ctx) -> Answer:
    pull = _issue(ctx, pulls=True)
    head = head_sha(fake, ctx.r, pull)
    base = gitrepo.resolve(ctx.r.bare, f"refs/heads/{pull.base}")
    span = f"{base}..{head}" if base else head
    shas = gitrepo.git(ctx.r.bare, "rev-list", "--reverse", span).split()[:MAX_COMMITS]
    page, _, _ = paginate(shas, ctx)
    return 200, [commit(fake, ctx.r, sha) for sha in page]


@handles("pulls/update-branch")
def update_branch(fake: FakeGitHub, ctx: Ctx) -> Answer:
    pull = _issue(ctx, pulls=True)
    if pull.state != "open":
        raise Fail(422, "Pull request is not open")
    head_ref = f"refs/heads/{pull.head}"
    head = gitrepo.resolve(ctx.r.bare, head_ref)
    base = gitrepo.resolve(ctx.r.bare, f"refs/heads/{pull.base}")
    if head is None or base is None:
        raise Fail(422, "The head or base branch of this pull request no longer exists")
    expected = (ctx.body or {}).get("expected_head_sha")
    if expected and expected != head:
        raise Fail(422, "expected head sha didn't match current head ref.")
    if gitrepo.merge_base(ctx.r.bare, base, head) == base:
        raise Fail(422, "There are no new commits on the base branch.")
    try:
        tree = gitrepo.git(ctx.r.bare, "merge-tree", "--write-tree", head, base).split()[0]
    except gitrepo.GitFailed:
        raise Fail(422, "merge conflict between base and head") from None
    message = f"Merge branch '{pull.base}' into {pull.head}"
    merged = gitrepo.commit_tree(ctx.r.bare, tree, [head, base], message)
    gitrepo.git(ctx.r.bare, "update-ref", head_ref, merged, head)
    head_sha(fake, ctx.r, pull)  # refs/pull/N/head follows, as on GitHub
    return 202, {
        "message": "Updating pull request branch.",
        "url": f"{fake.git_url}/{ctx.r.full_name}/pull/{pull.number}",
    }
