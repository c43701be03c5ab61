"""Webhook deliveries that match the stand-in's state, built from GitHub's recorded payloads.

Each builder starts from a real example under ``tests/data/github/webhooks``,
moves it onto the stand-in (ids, names, URLs) and fills in the objects the
stand-in holds, so the bot receives what GitHub would send for that state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fakegithub import gitrepo
from tests.fakegithub.state import Comment, Installation, Issue

if TYPE_CHECKING:
    from tests.fakegithub.server import FakeGitHub

JSON = dict[str, Any]


def _user(login: str, kind: str, template: JSON) -> JSON:
    user = dict(template)
    user.update(login=login, type=kind)
    return user


def _repositories(fake: FakeGitHub, names: list[str]) -> list[JSON]:
    return [
        {
            "id": fake.repos[n].id,
            "node_id": f"R_{fake.repos[n].id}",
            "name": fake.repos[n].name,
            "full_name": n,
            "private": fake.repos[n].private,
        }
        for n in names
    ]


def installation(fake: FakeGitHub, inst: Installation, action: str = "created") -> tuple[str, JSON]:
    """``installation`` (created, deleted, suspend, unsuspend, new_permissions_accepted)."""
    payload = fake.webhook_payload("installation", f"{action}.payload.json", installation=inst)
    body = payload["installation"]
    body["account"]["login"] = inst.account
    body["account"]["type"] = inst.account_type
    body["target_type"] = inst.account_type
    body["repository_selection"] = "selected"
    if "repositories" in payload or action == "created":
        payload["repositories"] = _repositories(fake, inst.repositories)
    return "installation", payload


def installation_repositories(
    fake: FakeGitHub,
    inst: Installation,
    added: list[str] = (),
    removed: list[str] = (),  # type: ignore[assignment]
) -> tuple[str, JSON]:
    """``installation_repositories`` added/removed for the stand-in's repositories."""
    action = "added" if added else "removed"
    payload = fake.webhook_payload(
        "installation_repositories", f"{action}.payload.json", installation=inst
    )
    payload["installation"]["account"]["login"] = inst.account
    payload["repository_selection"] = "selected"
    payload["repositories_added"] = _repositories(fake, list(added))
    payload["repositories_removed"] = _repositories(fake, list(removed))
    return "installation_repositories", payload


def _issue_fields(fake: FakeGitHub, full_name: str, issue: Issue, body: JSON) -> JSON:
    api = f"{fake.url}/repos/{full_name}"
    body.update(
        number=issue.number,
        id=issue.id,
        title=issue.title,
        body=issue.body,
        state=issue.state,
        locked=False,
        labels=[],
        url=f"{api}/issues/{issue.number}",
        html_url=f"{fake.git_url}/{full_name}/issues/{issue.number}",
        comments_url=f"{api}/issues/{issue.number}/comments",
        events_url=f"{api}/issues/{issue.number}/events",
        labels_url=f"{api}/issues/{issue.number}/labels{{/name}}",
    )
    body["user"] = _user(issue.user, issue.user_type, body["user"])
    if issue.is_pull:
        body["pull_request"] = {
            "url": f"{api}/pulls/{issue.number}",
            "html_url": f"{fake.git_url}/{full_name}/pull/{issue.number}",
            "diff_url": f"{fake.git_url}/{full_name}/pull/{issue.number}.diff",
            "patch_url": f"{fake.git_url}/{full_name}/pull/{issue.number}.patch",
            "merged_at": None,
        }
    else:
        body.pop("pull_request", None)
    return body


def issue_comment(
    fake: FakeGitHub, full_name: str, comment: Comment, action: str = "created"
) -> tuple[str, JSON]:
    """``issue_comment`` for a comment the stand-in holds (on an issue or a pull request)."""
    repo = fake.repos[full_name]
    file = (
        "created.with-installation.payload.json"
        if action == "created"
        else f"{action}.payload.json"
    )
    payload = fake.webhook_payload("issue_comment", file, repo=full_name)
    issue = repo.issues[comment.issue_number]
    _issue_fields(fake, full_name, issue, payload["issue"])
    body = payload["comment"]
    body.update(
        id=comment.id,
        body=comment.body,
        author_association=comment.author_association,
        url=f"{fake.url}/repos/{full_name}/issues/comments/{comment.id}",
        html_url=f"{fake.git_url}/{full_name}/issues/{issue.number}#issuecomment-{comment.id}",
        issue_url=f"{fake.url}/repos/{full_name}/issues/{issue.number}",
    )
    body["user"] = _user(comment.user, comment.user_type, body["user"])
    payload["sender"] = _user(comment.user, comment.user_type, payload["sender"])
    if action == "edited":
        payload["changes"] = {"body": {"from": ""}}
    return "issue_comment", payload


def issues(
    fake: FakeGitHub, full_name: str, issue: Issue, action: str = "opened"
) -> tuple[str, JSON]:
    """``issues`` opened/edited for an issue the stand-in holds."""
    payload = fake.webhook_payload("issues", f"{action}.payload.json", repo=full_name)
    _issue_fields(fake, full_name, issue, payload["issue"])
    payload["sender"] = _user(issue.user, issue.user_type, payload["sender"])
    return "issues", payload


def pull_request(
    fake: FakeGitHub, full_name: str, pull: Issue, action: str = "closed"
) -> tuple[str, JSON]:
    """``pull_request`` (opened, closed with ``merged`` as the stand-in says, ...)."""
    repo = fake.repos[full_name]
    payload = fake.webhook_payload("pull_request", f"{action}.payload.json", repo=full_name)
    body = payload["pull_request"]
    head = (
        gitrepo.resolve(repo.bare, f"refs/pull/{pull.number}/head")
        or pull.last_head_sha
        or gitrepo.ZERO
    )
    base = gitrepo.resolve(repo.bare, f"refs/heads/{pull.base}") or gitrepo.ZERO
    body.update(
        number=pull.number,
        id=pull.id,
        title=pull.title,
        body=pull.body,
        state="closed" if pull.state == "closed" else "open",
        merged=pull.merged,
        closed_at=pull.closed_at,
        merged_at=pull.closed_at if pull.merged else None,
        draft=pull.draft,
        url=f"{fake.url}/repos/{full_name}/pulls/{pull.number}",
        html_url=f"{fake.git_url}/{full_name}/pull/{pull.number}",
    )
    body["user"] = _user(pull.user, pull.user_type, body["user"])
    for side, branch, sha in (("head", pull.head, head), ("base", pull.base, base)):
        body[side].update(ref=branch, sha=sha, label=f"{repo.owner}:{branch}")
        body[side]["repo"] = payload["repository"]
    payload["number"] = pull.number
    return "pull_request", payload


def push(
    fake: FakeGitHub, full_name: str, before: str, after: str, branch: str | None = None
) -> tuple[str, JSON]:
    """``push`` of ``before..after`` to a branch (default: the default branch)."""
    repo = fake.repos[full_name]
    payload = fake.webhook_payload("push", "with-installation.payload.json", repo=full_name)
    payload.update(
        ref=f"refs/heads/{branch or repo.default_branch}",
        before=before,
        after=after,
        created=before == gitrepo.ZERO,
        deleted=after == gitrepo.ZERO,
        forced=False,
        base_ref=None,
        compare=f"{fake.git_url}/{full_name}/compare/{before[:12]}...{after[:12]}",
    )
    if payload.get("head_commit"):
        payload["head_commit"]["id"] = after
    return "push", payload
