"""GitHub-shaped JSON for the stand-in's answers, built from the OpenAPI examples.

Each builder starts from GitHub's own example for that object, moves its URLs
to the stand-in, and fills in the stand-in's state, so the answers carry every
field GitHub's schema asks for.
"""

from __future__ import annotations

import base64
from typing import Any

from tests.fakegithub import gitrepo
from tests.fakegithub.spec import example
from tests.fakegithub.state import CheckRun, Comment, Installation, Issue, Reaction, Repo, Review

JSON = dict[str, Any]
EXAMPLE_REPO = "octocat/Hello-World"


def relocate(value: Any, pairs: list[tuple[str, str]]) -> Any:
    """Replace URL prefixes in every string of a JSON value."""
    if isinstance(value, str):
        for old, new in pairs:
            value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [relocate(item, pairs) for item in value]
    if isinstance(value, dict):
        return {key: relocate(item, pairs) for key, item in value.items()}
    return value


class Shapes:
    """Builders of GitHub objects for one stand-in (its URLs, its app)."""

    def __init__(self, api_url: str, web_url: str, app_id: int, app_slug: str) -> None:
        self.api = api_url
        self.web = web_url
        self.app_id = app_id
        self.app_slug = app_slug

    @property
    def bot_login(self) -> str:
        """The app's user login, as GitHub shows it on its comments and pull requests."""
        return f"{self.app_slug}[bot]"

    def _moved(self, value: Any, full_name: str | None = None) -> Any:
        pairs = []
        if full_name:
            pairs += [
                (f"https://api.github.com/repos/{EXAMPLE_REPO}", f"{self.api}/repos/{full_name}"),
                (f"https://github.com/{EXAMPLE_REPO}", f"{self.web}/{full_name}"),
            ]
        pairs += [("https://api.github.com", self.api), ("https://github.com", self.web)]
        return relocate(value, pairs)

    # ------------------------------------------------------------ people and apps

    def user(self, login: str, kind: str = "User", user_id: int | None = None) -> JSON:
        """A simple-user."""
        user = self._moved(example("issue-comment")["user"])
        user = relocate(user, [("/octocat", f"/{login}")])
        user.update(login=login, type=kind, id=user_id or _stable_id(login), site_admin=False)
        return user  # type: ignore[no-any-return]

    def app(self) -> JSON:
        """The integration (``GET /app``, check runs' ``app``)."""
        app = self._moved(example("integration"))
        app.update(id=self.app_id, slug=self.app_slug, name=self.app_slug)
        app["permissions"] = {
            "contents": "write",
            "pull_requests": "write",
            "issues": "write",
            "checks": "write",
            "metadata": "read",
        }
        app["events"] = ["issues", "issue_comment", "pull_request", "push"]
        return app  # type: ignore[no-any-return]

    def manifest_conversion(self, pem: str, webhook_secret: str) -> JSON:
        """The answer of ``POST /app-manifests/{code}/conversions``."""
        answer = self._moved(example("integration-from-manifest"))
        answer.update(
            id=self.app_id,
            slug=self.app_slug,
            name=self.app_slug,
            pem=pem,
            webhook_secret=webhook_secret,
            client_id=f"Iv1.{self.app_id:016x}",
            client_secret="fake-client-secret",
        )
        return answer  # type: ignore[no-any-return]

    def installation(self, inst: Installation) -> JSON:
        """An installation."""
        body = self._moved(example("base-installation"))
        body.update(
            id=inst.id,
            app_id=self.app_id,
            app_slug=self.app_slug,
            target_id=inst.account_id,
            target_type=inst.account_type,
            created_at=inst.created_at,
            access_tokens_url=f"{self.api}/app/installations/{inst.id}/access_tokens",
            repositories_url=f"{self.api}/installation/repositories",
            html_url=f"{self.web}/settings/installations/{inst.id}",
            suspended_at=None,
            suspended_by=None,
            repository_selection="selected",
        )
        body["account"] = self.user(inst.account, inst.account_type, inst.account_id)
        return body  # type: ignore[no-any-return]

    # ------------------------------------------------------------ repositories

    def repository(self, repo: Repo) -> JSON:
        """A ``repository`` (as in lists and pull requests)."""
        body = self._moved(example("repository-paginated-2")["repositories"][0], repo.full_name)
        return self._fill_repo(body, repo)

    def full_repository(self, repo: Repo) -> JSON:
        """A ``full-repository`` (``GET /repos/{owner}/{repo}``)."""
        body = self._moved(example("full-repository-default-response"), repo.full_name)
        for key in ("parent", "source", "template_repository", "organization"):
            body.pop(key, None)
        body["language"] = None
        return self._fill_repo(body, repo)

    def _fill_repo(self, body: JSON, repo: Repo) -> JSON:
        body = relocate(body, [("/octocat/", f"/{repo.owner}/"), ("Hello-World", repo.name)])
        body.update(
            id=repo.id,
            name=repo.name,
            full_name=repo.full_name,
            private=repo.private,
            visibility="private" if repo.private else "public",
            default_branch=repo.default_branch,
            fork=False,
            clone_url=f"{self.web}/{repo.full_name}.git",
            html_url=f"{self.web}/{repo.full_name}",
        )
        body["owner"] = self.user(repo.owner, "Organization")
        body.pop("template_repository", None)
        return body

    def branch(self, repo: Repo, name: str, sha: str) -> JSON:
        """A ``branch-with-protection``."""
        body = self._moved(example("branch-get"), repo.full_name)
        body["name"] = name
        body["commit"] = self.commit_summary(repo, sha, body["commit"])
        body["protected"] = False
        return body  # type: ignore[no-any-return]

    def commit_summary(self, repo: Repo, sha: str, template: JSON) -> JSON:
        """The ``commit`` object of a branch answer for ``sha``."""
        info = gitrepo.commit_info(repo.bare, sha)
        template.update(sha=sha, url=f"{self.api}/repos/{repo.full_name}/commits/{sha}")
        inner = template["commit"]
        inner.update(
            message=info["message"], author=info.get("author"), committer=info.get("committer")
        )
        inner["tree"] = {
            "sha": info["tree"],
            "url": f"{self.api}/repos/{repo.full_name}/git/trees/{info['tree']}",
        }
        template["parents"] = [
            {"sha": p, "url": f"{self.api}/repos/{repo.full_name}/commits/{p}"}
            for p in info["parents"]
        ]
        return template

    # ------------------------------------------------------------ git data

    def git_ref(self, repo: Repo, ref: str, sha: str) -> JSON:
        """A ``git-ref``."""
        base = f"{self.api}/repos/{repo.full_name}/git"
        return {
            "ref": ref,
            "node_id": _node("Ref", ref),
            "url": f"{base}/{ref}",
            "object": {"type": "commit", "sha": sha, "url": f"{base}/commits/{sha}"},
        }

    def blob(self, repo: Repo, sha: str) -> JSON:
        """A ``short-blob``."""
        return {"url": f"{self.api}/repos/{repo.full_name}/git/blobs/{sha}", "sha": sha}

    def tree(self, repo: Repo, sha: str, recursive: bool = False) -> JSON:
        """A ``git-tree``."""
        base = f"{self.api}/repos/{repo.full_name}/git"
        entries = []
        for entry in gitrepo.ls_tree(repo.bare, sha, recursive):
            item = {
                "path": entry["path"],
                "mode": entry["mode"],
                "type": entry["type"],
                "sha": entry["sha"],
                "url": f"{base}/{'trees' if entry['type'] == 'tree' else 'blobs'}/{entry['sha']}",
            }
            if entry["size"] is not None:
                item["size"] = entry["size"]
            entries.append(item)
        return {"sha": sha, "url": f"{base}/trees/{sha}", "tree": entries, "truncated": False}

    def git_commit(self, repo: Repo, sha: str) -> JSON:
        """A ``git-commit``."""
        info = gitrepo.commit_info(repo.bare, sha)
        body = self._moved(example("git-commit"), repo.full_name)
        base = f"{self.api}/repos/{repo.full_name}/git"
        body.update(
            sha=sha,
            node_id=_node("Commit", sha),
            url=f"{base}/commits/{sha}",
            html_url=f"{self.web}/{repo.full_name}/commit/{sha}",
            author=info["author"],
            committer=info["committer"],
            message=info["message"],
        )
        body["tree"] = {"sha": info["tree"], "url": f"{base}/trees/{info['tree']}"}
        body["parents"] = [
            {
                "sha": p,
                "url": f"{base}/commits/{p}",
                "html_url": f"{self.web}/{repo.full_name}/commit/{p}",
            }
            for p in info["parents"]
        ]
        return body  # type: ignore[no-any-return]

    def content(self, repo: Repo, path: str, ref: str, found: tuple[str, str, bytes]) -> Any:
        """A ``content-file`` or a directory listing (``GET .../contents/{path}``)."""
        kind, sha, data = found
        base = f"{self.api}/repos/{repo.full_name}/contents"
        if kind == "tree":
            return [
                self._content_entry(
                    repo,
                    f"{path.strip('/')}/{e['path']}".strip("/"),
                    e["type"],
                    e["sha"],
                    e["size"] or 0,
                    ref,
                )
                for e in gitrepo.ls_tree(repo.bare, sha, recursive=False)
            ]
        body = self._content_entry(repo, path, "blob", sha, len(data), ref)
        body.update(encoding="base64", content=base64.encodebytes(data).decode())
        body["url"] = f"{base}/{path}?ref={ref}"
        return body

    def _content_entry(
        self, repo: Repo, path: str, kind: str, sha: str, size: int, ref: str
    ) -> JSON:
        api = f"{self.api}/repos/{repo.full_name}"
        html = f"{self.web}/{repo.full_name}/blob/{ref}/{path}"
        return {
            "type": "dir" if kind == "tree" else "file",
            "size": size,
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "url": f"{api}/contents/{path}?ref={ref}",
            "git_url": f"{api}/git/{'trees' if kind == 'tree' else 'blobs'}/{sha}",
            "html_url": html,
            "download_url": None
            if kind == "tree"
            else f"{self.web}/{repo.full_name}/raw/{ref}/{path}",
            "_links": {
                "self": f"{api}/contents/{path}?ref={ref}",
                "git": f"{api}/git/blobs/{sha}",
                "html": html,
            },
        }

    def file_commit(
        self, repo: Repo, path: str, branch: str, blob: str, size: int, commit: str
    ) -> JSON:
        """A ``file-commit`` (``PUT .../contents/{path}``)."""
        body = self._moved(example("file-commit-example-for-creating-a-file"), repo.full_name)
        body["content"] = {
            **self._content_entry(repo, path, "blob", blob, size, branch),
            "download_url": f"{self.web}/{repo.full_name}/raw/{branch}/{path}",
        }
        body["commit"] = {
            key: value
            for key, value in self.git_commit(repo, commit).items()
            if key in body["commit"]
        }
        return body  # type: ignore[no-any-return]

    def comparison(
        self,
        repo: Repo,
        base: str,
        merge_base: str,
        status: str,
        ahead: int,
        behind: int,
        files: list[JSON],
    ) -> JSON:
        """A ``commit-comparison`` (``GET .../compare/{basehead}``); commits are left out."""
        body = self._moved(example("commit-comparison"), repo.full_name)
        for key, sha in (("base_commit", base), ("merge_base_commit", merge_base)):
            body[key] = self.commit_summary(repo, sha, body[key])
        body.update(
            status=status,
            ahead_by=ahead,
            behind_by=behind,
            total_commits=ahead,
            commits=[],
            files=files,
        )
        return body  # type: ignore[no-any-return]

    # ------------------------------------------------------------ issues and pulls

    def issue(self, repo: Repo, issue: Issue) -> JSON:
        """An ``issue``."""
        body = self._moved(example("issue"), repo.full_name)
        body = relocate(body, [("/1347", f"/{issue.number}")])
        comments = sum(1 for c in repo.comments.values() if c.issue_number == issue.number)
        body.update(
            id=issue.id,
            node_id=_node("Issue", issue.id),
            number=issue.number,
            title=issue.title,
            body=issue.body,
            state=issue.state,
            created_at=issue.created_at,
            updated_at=issue.updated_at,
            closed_at=issue.closed_at,
            comments=comments,
            labels=[self.label(repo, name) for name in issue.labels],
            assignee=None,
            assignees=[],
            milestone=None,
            closed_by=None,
            author_association="OWNER",
            pinned_comment=None,
            locked=False,
            active_lock_reason=None,
        )
        # state_reason is a nullable enum; openapi-core rejects null there, so leave it out when open.
        body.pop("state_reason", None)
        if issue.state == "closed":
            body["state_reason"] = "completed"
        body["user"] = self.user(issue.user, issue.user_type)
        if not issue.is_pull:
            body.pop("pull_request", None)
        return body  # type: ignore[no-any-return]

    def label(self, repo: Repo, name: str) -> JSON:
        """A ``label``."""
        return {
            "id": _stable_id(f"{repo.full_name}:{name}"),
            "node_id": _node("Label", name),
            "url": f"{self.api}/repos/{repo.full_name}/labels/{name}",
            "name": name,
            "description": None,
            "color": "ededed",
            "default": False,
        }

    def pull(self, repo: Repo, pull: Issue, head_sha: str, base_sha: str) -> JSON:
        """A ``pull-request``."""
        body = self._moved(example("pull-request"), repo.full_name)
        body = relocate(body, [("/1347", f"/{pull.number}")])
        self._fill_pull(body, repo, pull, head_sha, base_sha)
        body.update(
            merged=pull.merged,
            mergeable=None,
            rebaseable=None,
            mergeable_state="unknown",
            merged_by=None,
            comments=sum(1 for c in repo.comments.values() if c.issue_number == pull.number),
            review_comments=sum(
                len(r.comments) for r in repo.reviews.values() if r.pull_number == pull.number
            ),
            maintainer_can_modify=False,
            commits=1,
            additions=0,
            deletions=0,
            changed_files=0,
        )
        return body  # type: ignore[no-any-return]

    def pull_simple(self, repo: Repo, pull: Issue, head_sha: str, base_sha: str) -> JSON:
        """A ``pull-request-simple`` (list items)."""
        body = self._moved(example("pull-request-simple-items")[0], repo.full_name)
        body = relocate(body, [("/1347", f"/{pull.number}")])
        self._fill_pull(body, repo, pull, head_sha, base_sha)
        return body  # type: ignore[no-any-return]

    def _fill_pull(self, body: JSON, repo: Repo, pull: Issue, head_sha: str, base_sha: str) -> None:
        body.update(
            id=pull.id,
            node_id=_node("PullRequest", pull.id),
            number=pull.number,
            state="closed" if pull.state == "closed" else "open",
            title=pull.title,
            body=pull.body,
            created_at=pull.created_at,
            updated_at=pull.updated_at,
            closed_at=pull.closed_at,
            merged_at=pull.closed_at if pull.merged else None,
            draft=pull.draft,
            labels=[],
            milestone=None,
            assignee=None,
            assignees=[],
            requested_reviewers=[],
            requested_teams=[],
            author_association="NONE",
            auto_merge=None,
            merge_commit_sha=None,
            locked=False,
            active_lock_reason=None,
        )
        body["user"] = self.user(pull.user, pull.user_type)
        repository = self.repository(repo)
        owner = self.user(repo.owner, "Organization")
        for side, branch, sha in (("head", pull.head, head_sha), ("base", pull.base, base_sha)):
            body[side] = {
                "label": f"{repo.owner}:{branch}",
                "ref": branch,
                "sha": sha,
                "user": owner,
                "repo": repository,
            }

    def diff_entry(self, repo: Repo, entry: JSON, head_sha: str) -> JSON:
        """A ``diff-entry``."""
        name = entry["filename"]
        return {
            **entry,
            "changes": entry["additions"] + entry["deletions"],
            "blob_url": f"{self.web}/{repo.full_name}/blob/{head_sha}/{name}",
            "raw_url": f"{self.web}/{repo.full_name}/raw/{head_sha}/{name}",
            "contents_url": f"{self.api}/repos/{repo.full_name}/contents/{name}?ref={head_sha}",
        }

    def comment(self, repo: Repo, comment: Comment) -> JSON:
        """An ``issue-comment``."""
        body = self._moved(example("issue-comment"), repo.full_name)
        body.update(
            id=comment.id,
            node_id=_node("IssueComment", comment.id),
            body=comment.body,
            created_at=comment.created_at,
            updated_at=comment.updated_at,
            author_association=comment.author_association,
            url=f"{self.api}/repos/{repo.full_name}/issues/comments/{comment.id}",
            html_url=f"{self.web}/{repo.full_name}/issues/{comment.issue_number}#issuecomment-{comment.id}",
            issue_url=f"{self.api}/repos/{repo.full_name}/issues/{comment.issue_number}",
        )
        body["user"] = self.user(comment.user, comment.user_type)
        return body  # type: ignore[no-any-return]

    def reaction(self, reaction: Reaction) -> JSON:
        """A ``reaction``."""
        body = example("reaction")
        body.update(
            id=reaction.id, node_id=_node("Reaction", reaction.id), content=reaction.content
        )
        body["user"] = self.user(
            reaction.user, "Bot" if reaction.user.endswith("[bot]") else "User"
        )
        return body  # type: ignore[no-any-return]

    def review(self, repo: Repo, review: Review) -> JSON:
        """A ``pull-request-review``."""
        body = self._moved(example("pull-request-review"), repo.full_name)
        body = relocate(body, [("/12", f"/{review.pull_number}"), ("/80", f"/{review.id}")])
        body.update(
            id=review.id,
            node_id=_node("PullRequestReview", review.id),
            body=review.body,
            state=review.state,
            submitted_at=review.submitted_at,
            commit_id=review.commit_id,
            author_association="NONE",
        )
        body["user"] = self.user(review.user, "Bot" if review.user.endswith("[bot]") else "User")
        return body  # type: ignore[no-any-return]

    def review_comment(self, repo: Repo, review: Review, comment: JSON, hunk: str) -> JSON:
        """A ``pull-request-review-comment`` (a single inline comment)."""
        body = self._moved(
            example("pull-request-review-comment-example-for-a-multi-line-comment"), repo.full_name
        )
        body = relocate(body, [("/1347", f"/{review.pull_number}")])
        body.update(
            id=comment["id"],
            node_id=_node("PullRequestReviewComment", comment["id"]),
            pull_request_review_id=review.id,
            path=comment["path"],
            line=comment["line"],
            original_line=comment["line"],
            side=comment["side"],
            start_line=None,
            original_start_line=None,
            position=1,
            original_position=1,
            body=comment["body"],
            diff_hunk=hunk,
            commit_id=review.commit_id,
            original_commit_id=review.commit_id,
            created_at=review.submitted_at,
            updated_at=review.submitted_at,
            author_association="NONE",
        )
        for key in ("in_reply_to_id", "start_side"):  # optional, and not nullable in the schema
            body.pop(key, None)
        body["user"] = self.user(review.user, "Bot" if review.user.endswith("[bot]") else "User")
        return body  # type: ignore[no-any-return]

    def check_run(self, repo: Repo, run: CheckRun) -> JSON:
        """A ``check-run``."""
        body = self._moved(example("check-run"), repo.full_name)
        body = relocate(body, [("github/hello-world", repo.full_name)])
        body.update(
            id=run.id,
            node_id=_node("CheckRun", run.id),
            name=run.name,
            head_sha=run.head_sha,
            status=run.status,
            conclusion=run.conclusion,
            started_at=run.started_at,
            completed_at=run.completed_at,
            details_url=run.details_url,
            external_id="",
            url=f"{self.api}/repos/{repo.full_name}/check-runs/{run.id}",
            html_url=f"{self.web}/{repo.full_name}/runs/{run.id}",
            pull_requests=[],
        )
        body["output"] = {
            "title": run.output.get("title"),
            "summary": run.output.get("summary"),
            "text": run.output.get("text"),
            "annotations_count": 0,
            "annotations_url": f"{self.api}/repos/{repo.full_name}/check-runs/{run.id}/annotations",
        }
        body["app"] = self.app()
        return body  # type: ignore[no-any-return]

    def permission(self, login: str, permission: str) -> JSON:
        """A ``repository-collaborator-permission``."""
        body = self._moved(
            example("repository-collaborator-permission-response-if-user-has-admin-permissions")
        )
        body.update(permission=permission, role_name=permission)
        body["user"] = {
            **self.user(login),
            "role_name": permission,
            "permissions": {
                "admin": permission == "admin",
                "maintain": permission == "admin",
                "push": permission in ("admin", "write"),
                "triage": permission in ("admin", "write"),
                "pull": permission != "none",
            },
        }
        return body  # type: ignore[no-any-return]

    def error(self, message: str, status: int) -> JSON:
        """A ``basic-error`` body."""
        return {
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
            "status": str(status),
        }


def _stable_id(text: str) -> int:
    return 1_000 + sum((i + 1) * ord(c) for i, c in enumerate(text)) % 9_000_000


def _node(kind: str, value: object) -> str:
    return base64.b64encode(f"0:{kind}{value}".encode()).decode()
