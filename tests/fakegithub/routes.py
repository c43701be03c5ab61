"""The stand-in's REST handlers, one per operationId of the OpenAPI subset.

Handlers are plain functions ``(fake, ctx) -> (status, body)`` run under the
stand-in's lock; they raise :class:`Fail` for GitHub-style error answers.
"""

from __future__ import annotations

import base64
import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tests.fakegithub import gitrepo
from tests.fakegithub.spec import example
from tests.fakegithub.state import (
    CheckRun,
    Comment,
    Issue,
    Reaction,
    Repo,
    Review,
    next_id,
    now_iso,
)

if TYPE_CHECKING:
    from tests.fakegithub.auth import MintedToken
    from tests.fakegithub.server import FakeGitHub

JSON = dict[str, Any]
Answer = tuple[int, Any]


class Fail(Exception):
    """An error answer: status and GitHub's message."""

    def __init__(self, status: int, message: str, errors: list[JSON] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


@dataclass
class Ctx:
    """One request as the handlers see it."""

    params: dict[str, str]
    query: dict[str, str]
    body: Any
    token: MintedToken | None = None
    repo: Repo | None = None
    total: int | None = None  # set by paginate(): the list's full length
    headers: dict[str, str] = dataclasses.field(default_factory=dict)  # extra answer headers

    @property
    def r(self) -> Repo:
        """The repository of a ``/repos/{owner}/{repo}`` route."""
        assert self.repo is not None
        return self.repo


Handler = Callable[["FakeGitHub", Ctx], Answer]
HANDLERS: dict[str, Handler] = {}
APP_AUTH = {
    "apps/get-authenticated",
    "apps/list-installations",
    "apps/get-installation",
    "apps/create-installation-access-token",
    "apps/list-webhook-deliveries",
    "apps/get-webhook-delivery",
    "apps/redeliver-webhook-delivery",
}
NO_AUTH = {"apps/create-from-manifest"}


def handles(operation_id: str) -> Callable[[Handler], Handler]:
    """Register a handler for an operationId."""

    def register(fn: Handler) -> Handler:
        HANDLERS[operation_id] = fn
        return fn

    return register


def _need(fake: FakeGitHub, ctx: Ctx, rev: str, what: str = "Reference") -> str:
    sha = gitrepo.resolve(ctx.r.bare, rev)
    if sha is None:
        raise Fail(404, f"{what} does not exist")
    return sha


def _issue(ctx: Ctx, pulls: bool | None = None) -> Issue:
    number = int(ctx.params.get("issue_number") or ctx.params["pull_number"])
    issue = ctx.r.issues.get(number)
    if issue is None or (pulls is not None and issue.is_pull != pulls):
        raise Fail(404, "Not Found")
    return issue


def head_sha(fake: FakeGitHub, repo: Repo, pull: Issue) -> str:
    """The pull request's head commit (kept after its branch is deleted)."""
    sha = gitrepo.resolve(repo.bare, f"refs/heads/{pull.head}")
    if sha is not None and pull.state == "open" and sha != pull.last_head_sha:
        pull.last_head_sha = sha
        gitrepo.git(repo.bare, "update-ref", f"refs/pull/{pull.number}/head", sha)
    return pull.last_head_sha or sha or gitrepo.ZERO


def _base_sha(repo: Repo, pull: Issue) -> str:
    return gitrepo.resolve(repo.bare, f"refs/heads/{pull.base}") or gitrepo.ZERO


def paginate(items: list[Any], ctx: Ctx) -> tuple[list[Any], int, int]:
    """(page of items, page, last page) from ``per_page``/``page``."""
    per_page = max(1, min(100, int(ctx.query.get("per_page", "30"))))
    page = max(1, int(ctx.query.get("page", "1")))
    last = max(1, -(-len(items) // per_page))
    ctx.total = len(items)
    return items[(page - 1) * per_page : page * per_page], page, last


# ------------------------------------------------------------------ apps


@handles("apps/get-authenticated")
def get_app(fake: FakeGitHub, ctx: Ctx) -> Answer:
    return 200, fake.shapes.app()


@handles("apps/list-installations")
def list_installations(fake: FakeGitHub, ctx: Ctx) -> Answer:
    return 200, [fake.shapes.installation(i) for i in fake.installations.values()]


@handles("apps/get-installation")
def get_installation(fake: FakeGitHub, ctx: Ctx) -> Answer:
    inst = fake.installations.get(int(ctx.params["installation_id"]))
    if inst is None:
        raise Fail(404, "Not Found")
    return 200, fake.shapes.installation(inst)


@handles("apps/create-installation-access-token")
def create_token(fake: FakeGitHub, ctx: Ctx) -> Answer:
    inst = fake.installations.get(int(ctx.params["installation_id"]))
    if inst is None:
        raise Fail(404, "Not Found")
    if inst.suspended:
        raise Fail(403, "This installation has been suspended")
    minted = fake.authority.mint(inst.id)
    expires = datetime.fromtimestamp(minted.expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    perms = fake.shapes.app()["permissions"]
    return 201, {
        "token": minted.token,
        "expires_at": expires,
        "permissions": perms,
        "repository_selection": "selected",
    }


@handles("apps/create-from-manifest")
def manifest_conversion(fake: FakeGitHub, ctx: Ctx) -> Answer:
    code = ctx.params["code"]
    if code not in fake.manifest_codes:
        raise Fail(404, "Not Found")
    fake.manifest_codes.discard(code)
    return 201, fake.shapes.manifest_conversion(fake.private_key_pem, fake.webhook_secret)


@handles("apps/list-repos-accessible-to-installation")
def installation_repos(fake: FakeGitHub, ctx: Ctx) -> Answer:
    assert ctx.token is not None
    inst = fake.installations[ctx.token.installation_id]
    repos = [fake.repos[name] for name in inst.repositories if name in fake.repos]
    page, _, _ = paginate(repos, ctx)
    return 200, {
        "total_count": len(repos),
        "repository_selection": "selected",
        "repositories": [fake.shapes.repository(r) for r in page],
    }


@handles("apps/revoke-installation-access-token")
def revoke_token(fake: FakeGitHub, ctx: Ctx) -> Answer:
    assert ctx.token is not None
    fake.authority.revoke(ctx.token.token)
    return 204, None


@handles("rate-limit/get")
def rate_limit(fake: FakeGitHub, ctx: Ctx) -> Answer:
    return 200, example("rate-limit-overview")


# ------------------------------------------------------------------ repositories and contents


@handles("repos/get")
def get_repo(fake: FakeGitHub, ctx: Ctx) -> Answer:
    return 200, fake.shapes.full_repository(ctx.r)


@handles("repos/get-branch")
def get_branch(fake: FakeGitHub, ctx: Ctx) -> Answer:
    branch = ctx.params["branch"]
    sha = _need(fake, ctx, f"refs/heads/{branch}", "Branch not found")
    return 200, fake.shapes.branch(ctx.r, branch, sha)


@handles("repos/get-collaborator-permission-level")
def collaborator_permission(fake: FakeGitHub, ctx: Ctx) -> Answer:
    login = ctx.params["username"]
    permission = ctx.r.collaborators.get(login)
    if permission is None:
        raise Fail(404, f"{login} is not a user")
    return 200, fake.shapes.permission(login, permission)


@handles("repos/get-content")
def get_content(fake: FakeGitHub, ctx: Ctx) -> Answer:
    ref = ctx.query.get("ref") or ctx.r.default_branch
    found = gitrepo.read_path(ctx.r.bare, ref, ctx.params["path"])
    if found is None:
        raise Fail(404, "Not Found")
    return 200, fake.shapes.content(ctx.r, ctx.params["path"].strip("/"), ref, found)


# ------------------------------------------------------------------ git data


@handles("git/get-ref")
def get_ref(fake: FakeGitHub, ctx: Ctx) -> Answer:
    ref = "refs/" + ctx.params["ref"]
    return 200, fake.shapes.git_ref(ctx.r, ref, _need(fake, ctx, ref))


@handles("git/create-ref")
def create_ref(fake: FakeGitHub, ctx: Ctx) -> Answer:
    ref, sha = ctx.body["ref"], ctx.body["sha"]
    if not ref.startswith("refs/") or ref.count("/") < 2:
        raise Fail(422, "Reference name must start with 'refs/' and have at least two slashes")
    if gitrepo.resolve(ctx.r.bare, ref):
        raise Fail(422, "Reference already exists")
    if gitrepo.object_type(ctx.r.bare, sha) != "commit":
        raise Fail(422, "Object does not exist")
    gitrepo.git(ctx.r.bare, "update-ref", ref, sha, gitrepo.ZERO)
    return 201, fake.shapes.git_ref(ctx.r, ref, sha)


@handles("git/update-ref")
def update_ref(fake: FakeGitHub, ctx: Ctx) -> Answer:
    ref = "refs/" + ctx.params["ref"]
    old = _need(fake, ctx, ref)
    sha = ctx.body["sha"]
    if gitrepo.object_type(ctx.r.bare, sha) != "commit":
        raise Fail(422, "Object does not exist")
    if not ctx.body.get("force") and gitrepo.merge_base(ctx.r.bare, old, sha) != old:
        raise Fail(422, "Update is not a fast forward")
    gitrepo.git(ctx.r.bare, "update-ref", ref, sha, old)
    return 200, fake.shapes.git_ref(ctx.r, ref, sha)


@handles("git/delete-ref")
def delete_ref(fake: FakeGitHub, ctx: Ctx) -> Answer:
    ref = "refs/" + ctx.params["ref"]
    if gitrepo.resolve(ctx.r.bare, ref) is None:
        raise Fail(422, "Reference does not exist")
    gitrepo.git(ctx.r.bare, "update-ref", "-d", ref)
    return 204, None


@handles("git/create-blob")
def create_blob(fake: FakeGitHub, ctx: Ctx) -> Answer:
    content = ctx.body["content"]
    data = base64.b64decode(content) if ctx.body.get("encoding") == "base64" else content.encode()
    return 201, fake.shapes.blob(ctx.r, gitrepo.hash_blob(ctx.r.bare, data))


@handles("git/create-tree")
def create_tree(fake: FakeGitHub, ctx: Ctx) -> Answer:
    base_tree = ctx.body.get("base_tree")
    for entry in ctx.body["tree"]:
        if entry.get("sha") and gitrepo.object_type(ctx.r.bare, entry["sha"]) is None:
            raise Fail(422, "Invalid tree info", [{"field": "tree.sha", "code": "invalid"}])
    sha = gitrepo.make_tree(ctx.r.bare, list(ctx.body["tree"]), base_tree)
    return 201, fake.shapes.tree(ctx.r, sha)


@handles("git/get-tree")
def get_tree(fake: FakeGitHub, ctx: Ctx) -> Answer:
    sha = _need(fake, ctx, ctx.params["tree_sha"] + "^{tree}", "Not Found")
    return 200, fake.shapes.tree(ctx.r, sha, recursive=bool(ctx.query.get("recursive")))


@handles("git/create-commit")
def create_commit(fake: FakeGitHub, ctx: Ctx) -> Answer:
    tree = ctx.body["tree"]
    if gitrepo.object_type(ctx.r.bare, tree) != "tree":
        raise Fail(422, "Tree SHA does not exist")
    parents = list(ctx.body.get("parents") or [])
    for parent in parents:
        if gitrepo.object_type(ctx.r.bare, parent) != "commit":
            raise Fail(422, "Parent SHA does not exist or is not a commit object")
    sha = gitrepo.commit_tree(ctx.r.bare, tree, parents, ctx.body["message"])
    return 201, fake.shapes.git_commit(ctx.r, sha)


@handles("git/get-commit")
def get_commit(fake: FakeGitHub, ctx: Ctx) -> Answer:
    sha = ctx.params["commit_sha"]
    if gitrepo.object_type(ctx.r.bare, sha) != "commit":
        raise Fail(404, "Not Found")
    return 200, fake.shapes.git_commit(ctx.r, gitrepo.resolve(ctx.r.bare, sha) or sha)


# ------------------------------------------------------------------ pull requests


def _pull_head(ctx: Ctx, head: str) -> str:
    owner, _, branch = head.rpartition(":")
    if owner and owner != ctx.r.owner:
        raise Fail(
            422,
            "Validation Failed",
            [{"resource": "PullRequest", "field": "head", "code": "invalid"}],
        )
    return branch


@handles("pulls/create")
def create_pull(fake: FakeGitHub, ctx: Ctx) -> Answer:
    head, base = _pull_head(ctx, ctx.body["head"]), ctx.body["base"]
    for field, branch in (("head", head), ("base", base)):
        if gitrepo.resolve(ctx.r.bare, f"refs/heads/{branch}") is None:
            raise Fail(
                422,
                "Validation Failed",
                [{"resource": "PullRequest", "field": field, "code": "invalid"}],
            )
    for other in ctx.r.issues.values():
        if other.is_pull and other.state == "open" and other.head == head and other.base == base:
            raise Fail(
                422,
                "Validation Failed",
                [
                    {
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": f"A pull request already exists for {ctx.r.owner}:{head}.",
                    }
                ],
            )
    login, kind = fake.actor(ctx)
    pull = Issue(
        number=ctx.r.next_number(),
        title=ctx.body.get("title") or head,
        body=ctx.body.get("body"),
        user=login,
        user_type=kind,
        head=head,
        base=base,
        draft=bool(ctx.body.get("draft")),
    )
    ctx.r.issues[pull.number] = pull
    return 201, fake.shapes.pull(ctx.r, pull, head_sha(fake, ctx.r, pull), _base_sha(ctx.r, pull))


@handles("pulls/get")
def get_pull(fake: FakeGitHub, ctx: Ctx) -> Answer:
    pull = _issue(ctx, pulls=True)
    return 200, fake.shapes.pull(ctx.r, pull, head_sha(fake, ctx.r, pull), _base_sha(ctx.r, pull))


@handles("pulls/update")
def update_pull(fake: FakeGitHub, ctx: Ctx) -> Answer:
    pull = _issue(ctx, pulls=True)
    _update_issue_fields(pull, ctx.body)
    if "base" in ctx.body:
        pull.base = ctx.body["base"]
    return 200, fake.shapes.pull(ctx.r, pull, head_sha(fake, ctx.r, pull), _base_sha(ctx.r, pull))


@handles("pulls/list")
def list_pulls(fake: FakeGitHub, ctx: Ctx) -> Answer:
    state = ctx.query.get("state", "open")
    head = ctx.query.get("head")
    pulls = [p for p in ctx.r.issues.values() if p.is_pull and state in ("all", p.state)]
    if head:
        owner, _, branch = head.rpartition(":")
        pulls = [p for p in pulls if p.head == branch and owner in ("", ctx.r.owner)]
    if ctx.query.get("base"):
        pulls = [p for p in pulls if p.base == ctx.query["base"]]
    pulls.sort(key=lambda p: p.number, reverse=ctx.query.get("direction", "desc") == "desc")
    page, _, _ = paginate(pulls, ctx)
    return 200, [
        fake.shapes.pull_simple(ctx.r, p, head_sha(fake, ctx.r, p), _base_sha(ctx.r, p))
        for p in page
    ]


def pull_diff(fake: FakeGitHub, repo: Repo, pull: Issue) -> list[JSON]:
    """The files a pull request changes (three-dot diff, as GitHub shows it)."""
    head = head_sha(fake, repo, pull)
    base = _base_sha(repo, pull)
    start = gitrepo.merge_base(repo.bare, base, head) or base
    return gitrepo.diff_files(repo.bare, start, head)


@handles("pulls/list-files")
def list_files(fake: FakeGitHub, ctx: Ctx) -> Answer:
    pull = _issue(ctx, pulls=True)
    head = head_sha(fake, ctx.r, pull)
    files = [fake.shapes.diff_entry(ctx.r, f, head) for f in pull_diff(fake, ctx.r, pull)]
    page, _, _ = paginate(files, ctx)
    return 200, page


_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def right_lines(patch: str) -> set[int]:
    """New-side line numbers a review comment may be placed on (added and context lines)."""
    lines: set[int] = set()
    number = 0
    for line in patch.splitlines():
        match = _HUNK.match(line)
        if match:
            number = int(match.group(1))
            continue
        if line.startswith("-") or line.startswith("\\"):
            continue
        lines.add(number)
        number += 1
    return lines


def left_lines(patch: str) -> set[int]:
    """Old-side line numbers (removed and context lines)."""
    lines: set[int] = set()
    number = 0
    for line in patch.splitlines():
        match = re.match(r"^@@ -(\d+)", line)
        if match:
            number = int(match.group(1))
            continue
        if line.startswith("+") or line.startswith("\\"):
            continue
        lines.add(number)
        number += 1
    return lines


def _inline(patches: dict[str, str], comment: JSON) -> JSON:
    """An inline comment placed on a line of the diff (GitHub's 422 otherwise)."""
    path = comment["path"]
    side = comment.get("side", "RIGHT")
    line = comment.get("line") or comment.get("position")
    allowed = (right_lines if side == "RIGHT" else left_lines)(patches.get(path, ""))
    if path not in patches or line not in allowed:
        raise Fail(
            422,
            "Unprocessable Entity",
            [f"Pull request review thread line must be part of the diff ({path}:{line} {side})"],
        )
    return {"id": next_id(), "path": path, "line": line, "side": side, "body": comment["body"]}


@handles("pulls/create-review-comment")
def create_review_comment(fake: FakeGitHub, ctx: Ctx) -> Answer:
    pull = _issue(ctx, pulls=True)
    patches = {f["filename"]: f["patch"] for f in pull_diff(fake, ctx.r, pull)}
    comment = _inline(patches, ctx.body)
    login, _ = fake.actor(ctx)
    review = Review(
        id=next_id(),
        pull_number=pull.number,
        body="",
        state="COMMENTED",
        user=login,
        commit_id=ctx.body.get("commit_id") or head_sha(fake, ctx.r, pull),
        comments=[comment],
    )
    ctx.r.reviews[review.id] = review
    return 201, fake.shapes.review_comment(ctx.r, review, comment, patches[comment["path"]])


@handles("pulls/create-review")
def create_review(fake: FakeGitHub, ctx: Ctx) -> Answer:
    pull = _issue(ctx, pulls=True)
    patches = {f["filename"]: f["patch"] for f in pull_diff(fake, ctx.r, pull)}
    comments = [_inline(patches, comment) for comment in ctx.body.get("comments") or []]
    event = ctx.body.get("event")
    state = {
        "APPROVE": "APPROVED",
        "REQUEST_CHANGES": "CHANGES_REQUESTED",
        "COMMENT": "COMMENTED",
    }.get(event or "", "PENDING")
    login, _ = fake.actor(ctx)
    review = Review(
        id=next_id(),
        pull_number=pull.number,
        body=ctx.body.get("body") or "",
        state=state,
        user=login,
        commit_id=ctx.body.get("commit_id") or head_sha(fake, ctx.r, pull),
        comments=comments,
    )
    ctx.r.reviews[review.id] = review
    return 200, fake.shapes.review(ctx.r, review)


@handles("pulls/list-reviews")
def list_reviews(fake: FakeGitHub, ctx: Ctx) -> Answer:
    pull = _issue(ctx, pulls=True)
    reviews = [r for r in ctx.r.reviews.values() if r.pull_number == pull.number]
    page, _, _ = paginate(reviews, ctx)
    return 200, [fake.shapes.review(ctx.r, r) for r in page]


# ------------------------------------------------------------------ issues, comments, reactions


def _update_issue_fields(issue: Issue, body: JSON) -> None:
    for key in ("title", "body"):
        if key in body and body[key] is not None:
            setattr(issue, key, body[key])
    if body.get("state") in ("open", "closed") and body["state"] != issue.state:
        issue.state = body["state"]
        issue.closed_at = now_iso() if issue.state == "closed" else None
    if "labels" in body:
        issue.labels = [
            lab if isinstance(lab, str) else lab["name"] for lab in body["labels"] or []
        ]
    issue.updated_at = now_iso()


@handles("issues/create")
def create_issue(fake: FakeGitHub, ctx: Ctx) -> Answer:
    login, kind = fake.actor(ctx)
    issue = Issue(
        number=ctx.r.next_number(),
        title=str(ctx.body["title"]),
        body=ctx.body.get("body"),
        user=login,
        user_type=kind,
        labels=[
            lab if isinstance(lab, str) else lab["name"] for lab in ctx.body.get("labels") or []
        ],
    )
    ctx.r.issues[issue.number] = issue
    return 201, fake.shapes.issue(ctx.r, issue)


@handles("issues/get")
def get_issue(fake: FakeGitHub, ctx: Ctx) -> Answer:
    return 200, fake.shapes.issue(ctx.r, _issue(ctx))


@handles("issues/update")
def update_issue(fake: FakeGitHub, ctx: Ctx) -> Answer:
    issue = _issue(ctx)
    _update_issue_fields(issue, ctx.body)
    return 200, fake.shapes.issue(ctx.r, issue)


@handles("issues/list-for-repo")
def list_issues(fake: FakeGitHub, ctx: Ctx) -> Answer:
    state = ctx.query.get("state", "open")
    issues = [i for i in ctx.r.issues.values() if state in ("all", i.state)]
    if ctx.query.get("labels"):
        wanted = set(ctx.query["labels"].split(","))
        issues = [i for i in issues if wanted <= set(i.labels)]
    issues.sort(key=lambda i: i.number, reverse=True)
    page, _, _ = paginate(issues, ctx)
    return 200, [fake.shapes.issue(ctx.r, i) for i in page]


@handles("issues/add-labels")
def add_labels(fake: FakeGitHub, ctx: Ctx) -> Answer:
    issue = _issue(ctx)
    body = ctx.body
    names = body if isinstance(body, list) else body.get("labels", [])
    for name in names:
        name = name if isinstance(name, str) else name["name"]
        if name not in issue.labels:
            issue.labels.append(name)
    return 200, [fake.shapes.label(ctx.r, name) for name in issue.labels]


@handles("issues/create-comment")
def create_comment(fake: FakeGitHub, ctx: Ctx) -> Answer:
    issue = _issue(ctx)
    login, kind = fake.actor(ctx)
    comment = Comment(
        id=next_id(),
        issue_number=issue.number,
        body=ctx.body["body"],
        user=login,
        user_type=kind,
        author_association="NONE",
    )
    ctx.r.comments[comment.id] = comment
    return 201, fake.shapes.comment(ctx.r, comment)


@handles("issues/list-comments")
def list_comments(fake: FakeGitHub, ctx: Ctx) -> Answer:
    issue = _issue(ctx)
    comments = [c for c in ctx.r.comments.values() if c.issue_number == issue.number]
    page, _, _ = paginate(comments, ctx)
    return 200, [fake.shapes.comment(ctx.r, c) for c in page]


@handles("issues/update-comment")
def update_comment(fake: FakeGitHub, ctx: Ctx) -> Answer:
    comment = ctx.r.comments.get(int(ctx.params["comment_id"]))
    if comment is None:
        raise Fail(404, "Not Found")
    comment.body = ctx.body["body"]
    comment.updated_at = now_iso()
    return 200, fake.shapes.comment(ctx.r, comment)


def _react(fake: FakeGitHub, ctx: Ctx, comment_id: int | None, issue_number: int | None) -> Answer:
    login, _ = fake.actor(ctx)
    for existing in ctx.r.reactions:
        if (existing.comment_id, existing.issue_number, existing.user, existing.content) == (
            comment_id,
            issue_number,
            login,
            ctx.body["content"],
        ):
            return 200, fake.shapes.reaction(existing)
    reaction = Reaction(
        id=next_id(),
        content=ctx.body["content"],
        user=login,
        comment_id=comment_id,
        issue_number=issue_number,
    )
    ctx.r.reactions.append(reaction)
    return 201, fake.shapes.reaction(reaction)


@handles("reactions/create-for-issue-comment")
def react_comment(fake: FakeGitHub, ctx: Ctx) -> Answer:
    comment_id = int(ctx.params["comment_id"])
    if comment_id not in ctx.r.comments:
        raise Fail(404, "Not Found")
    return _react(fake, ctx, comment_id, None)


@handles("reactions/create-for-issue")
def react_issue(fake: FakeGitHub, ctx: Ctx) -> Answer:
    return _react(fake, ctx, None, _issue(ctx).number)


# ------------------------------------------------------------------ checks


@handles("checks/create")
def create_check_run(fake: FakeGitHub, ctx: Ctx) -> Answer:
    body = ctx.body
    if gitrepo.object_type(ctx.r.bare, body["head_sha"]) != "commit":
        raise Fail(422, "No commit found for SHA: " + body["head_sha"])
    status = body.get("status", "queued")
    if body.get("conclusion") is not None:
        status = "completed"
    run = CheckRun(
        id=next_id(),
        name=body["name"],
        head_sha=body["head_sha"],
        status=status,
        conclusion=body.get("conclusion"),
        output=dict(body.get("output") or {}),
        details_url=body.get("details_url"),
        completed_at=now_iso() if status == "completed" else None,
    )
    ctx.r.check_runs[run.id] = run
    return 201, fake.shapes.check_run(ctx.r, run)


@handles("checks/update")
def update_check_run(fake: FakeGitHub, ctx: Ctx) -> Answer:
    run = ctx.r.check_runs.get(int(ctx.params["check_run_id"]))
    if run is None:
        raise Fail(404, "Not Found")
    body = ctx.body
    if "output" in body:
        run.output.update(body["output"])
    for key in ("name", "details_url"):
        if key in body:
            setattr(run, key, body[key])
    if body.get("status"):
        run.status = body["status"]
    if body.get("conclusion") is not None:
        run.conclusion = body["conclusion"]
        run.status = "completed"
    if run.status == "completed" and run.completed_at is None:
        run.completed_at = now_iso()
    return 200, fake.shapes.check_run(ctx.r, run)


# ------------------------------------------------------------------ contents writes and comparisons


@handles("repos/create-or-update-file-contents")
def put_content(fake: FakeGitHub, ctx: Ctx) -> Answer:
    path = ctx.params["path"].strip("/")
    branch = ctx.body.get("branch") or ctx.r.default_branch
    parent = _need(fake, ctx, f"refs/heads/{branch}", "Branch not found")
    existing = gitrepo.read_path(ctx.r.bare, parent, path)
    if existing is not None and not ctx.body.get("sha"):
        raise Fail(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
    if existing is not None and ctx.body.get("sha") != existing[1]:
        raise Fail(409, f"{path} does not match {ctx.body.get('sha')}")
    if existing is None and ctx.body.get("sha"):
        raise Fail(422, "sha was given but the file does not exist")
    data = base64.b64decode(ctx.body["content"])
    sha = gitrepo.commit_files(
        ctx.r.bare, f"refs/heads/{branch}", {path: data}, ctx.body["message"], parent
    )
    blob = gitrepo.resolve(ctx.r.bare, f"{sha}:{path}") or gitrepo.ZERO
    body = fake.shapes.file_commit(ctx.r, path, branch, blob, len(data), sha)
    return (200 if existing else 201), body


@handles("repos/compare-commits-with-basehead")
def compare(fake: FakeGitHub, ctx: Ctx) -> Answer:
    base_ref, _, head_ref = ctx.params["basehead"].partition("...")
    base = _need(fake, ctx, base_ref, "Not Found")
    head = _need(fake, ctx, head_ref, "Not Found")
    start = gitrepo.merge_base(ctx.r.bare, base, head) or base
    ahead = int(gitrepo.git(ctx.r.bare, "rev-list", "--count", f"{base}..{head}").strip())
    behind = int(gitrepo.git(ctx.r.bare, "rev-list", "--count", f"{head}..{base}").strip())
    status = (
        "identical"
        if base == head
        else "ahead"
        if not behind
        else "behind"
        if not ahead
        else "diverged"
    )
    files = [
        fake.shapes.diff_entry(ctx.r, f, head) for f in gitrepo.diff_files(ctx.r.bare, start, head)
    ]
    return 200, fake.shapes.comparison(ctx.r, base, start, status, ahead, behind, files)
