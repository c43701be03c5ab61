"""The payload shapes the bot relies on, checked at its edge before any handler runs.

One pydantic model per event the bot handles, naming only the fields its handlers
read (every other field is allowed and kept). A signed delivery whose payload does
not fit fails its task once with :class:`MalformedPayload`, which says which fields
are wrong: retrying cannot make it fit.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aomaas.errors import InvalidRequest

MAX_REPORTED = 5  # validation errors named in the task's message


class MalformedPayload(InvalidRequest):
    """A webhook payload does not have the shape GitHub documents for its event."""

    type = "malformed_payload"
    retryable = False


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class Account(_Shape):
    """The user or organization an installation belongs to."""

    login: str


class InstallationRef(_Shape):
    """``installation`` as every app delivery carries it (at least its id)."""

    id: int


class Installation(InstallationRef):
    """``installation`` of ``installation`` and ``installation_repositories`` events."""

    account: Account | None = None
    permissions: dict[str, str] | None = None


class Owner(_Shape):
    """A repository's owner."""

    login: str


class Repository(_Shape):
    """``repository`` of repository events."""

    id: int
    name: str
    full_name: str
    owner: Owner
    default_branch: str | None = None
    master_branch: str | None = None


class RepositoryListed(_Shape):
    """A repository in an installation's lists (``repositories``, ``repositories_added``...)."""

    id: int
    name: str
    full_name: str


class User(_Shape):
    """The author of an issue or comment."""

    login: str
    type: str | None = None


class Issue(_Shape):
    """``issue`` of ``issues`` and ``issue_comment`` events."""

    number: int
    body: str | None = None
    user: User
    author_association: str | None = None
    pull_request: dict[str, Any] | None = None


class Comment(_Shape):
    """``comment`` of ``issue_comment`` events."""

    id: int
    body: str | None = None
    user: User
    author_association: str


class BodyChange(_Shape):
    """``changes.body`` of an edit."""

    from_: str | None = Field(None, alias="from")


class Changes(_Shape):
    """``changes`` of an edit."""

    body: BodyChange | None = None


class PullRequest(_Shape):
    """``pull_request`` of ``pull_request`` events."""

    number: int
    merged: bool | None = None


class InstallationEvent(_Shape):
    """``installation``: created, deleted, suspend, unsuspend, new_permissions_accepted."""

    action: str
    installation: Installation
    repositories: list[RepositoryListed] | None = None


class InstallationRepositoriesEvent(_Shape):
    """``installation_repositories``: added, removed."""

    action: str
    installation: Installation
    repositories_added: list[RepositoryListed] | None = None
    repositories_removed: list[RepositoryListed] | None = None


class PushEvent(_Shape):
    """``push``."""

    ref: str
    deleted: bool = False
    repository: Repository
    installation: InstallationRef | None = None


class IssuesEvent(_Shape):
    """``issues``: opened, edited."""

    action: str
    issue: Issue
    repository: Repository
    installation: InstallationRef | None = None
    changes: Changes | None = None


class IssueCommentEvent(IssuesEvent):
    """``issue_comment``: created, edited."""

    comment: Comment


class PullRequestEvent(_Shape):
    """``pull_request``: closed."""

    action: str
    pull_request: PullRequest
    repository: Repository


SHAPES: dict[str, type[_Shape]] = {
    "installation": InstallationEvent,
    "installation_repositories": InstallationRepositoriesEvent,
    "push": PushEvent,
    "issues": IssuesEvent,
    "issue_comment": IssueCommentEvent,
    "pull_request": PullRequestEvent,
}


def check_payload(event: str, payload: object) -> None:
    """Raise :class:`MalformedPayload` unless ``payload`` fits the bot's model of ``event``.

    Events without a model (the bot does not act on them) only need to be a JSON object.
    """
    if not isinstance(payload, dict):
        raise MalformedPayload(f"malformed {event} payload: a JSON object is expected")
    shape = SHAPES.get(event)
    if shape is None:
        return
    try:
        shape.model_validate(payload)
    except ValidationError as exc:
        raise MalformedPayload(f"malformed {event} payload: {describe(exc)}") from None


def describe(exc: ValidationError) -> str:
    """The first few problems, each as ``field.path: what is wrong``."""
    problems = [
        f"{'.'.join(str(part) for part in error['loc']) or '(payload)'}: {error['msg']}"
        for error in exc.errors(include_url=False, include_input=False)
    ]
    more = len(problems) - MAX_REPORTED
    text = "; ".join(problems[:MAX_REPORTED])
    return f"{text} (and {more} more)" if more > 0 else text
