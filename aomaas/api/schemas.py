"""Pydantic models of the /api/v1 contract: they validate requests and describe answers.

The OpenAPI document is generated from these same models.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, GetPydanticSchema
from pydantic_core import PydanticCustomError, core_schema

from aomaas.engine.opportunity import OpportunityFields, OpportunityTypeName
from aomaas.engine.refnames import MAX_LENGTH, BadBranchName, check_branch_name
from aomaas.store import states


def _as_strings(enum: type[StrEnum]) -> GetPydanticSchema:
    """Validate and document a stored state as the plain strings of ``enum``.

    The contract shows the values inline (``{"enum": [...], "type": "string"}``,
    as a ``Literal`` would); a validated value is the enum's member.
    """
    values = [member.value for member in enum]
    return GetPydanticSchema(
        lambda _type, _handler: core_schema.no_info_after_validator_function(
            enum, core_schema.literal_schema(values)
        )
    )


TaskStatus = Annotated[states.TaskStatus, _as_strings(states.TaskStatus)]
ProviderType = Annotated[states.Provider, _as_strings(states.Provider)]
PullRequestStatus = Annotated[states.PullRequestStatus, _as_strings(states.PullRequestStatus)]
ReviewType = Literal["security", "performance", "documentation", "general"]


def _branch_name(value: str) -> str:
    try:
        return check_branch_name(value)
    except BadBranchName as exc:
        raise PydanticCustomError("branch_name", str(exc)) from None


def _repository_url(value: str) -> str:
    value = value.strip()
    if not value:
        raise PydanticCustomError("repository_url", "the repository URL is empty")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise PydanticCustomError(
            "repository_url", "the repository URL must not contain control characters"
        )
    return value


#: A git branch name, checked by :func:`aomaas.engine.refnames.check_branch_name`.
BranchName = Annotated[str, Field(max_length=MAX_LENGTH), AfterValidator(_branch_name)]
#: A repository URL or path without surrounding blanks or control characters.
RepositoryUrl = Annotated[
    str, Field(min_length=1, max_length=1000), AfterValidator(_repository_url)
]


class Request(BaseModel):
    """Base of request bodies: unknown fields are refused, strings are not coerced to numbers."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ErrorOut(BaseModel):
    """The one error envelope."""

    detail: str
    type: str


# auth ---------------------------------------------------------------------------------


class TokenIn(Request):
    """Credentials for a bearer token."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    """A bearer token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a scheme name, not a secret)
    expires_in: int


class UserOut(BaseModel):
    """The caller's account."""

    username: str
    email: str | None
    full_name: str | None
    disabled: bool
    is_admin: bool = False
    owners: list[str] = []


# tasks --------------------------------------------------------------------------------


class TaskResultOut(BaseModel):
    """What a finished task reports."""

    success: bool
    message: str
    data: dict[str, Any] | list[Any] | None = None


class TaskOut(BaseModel):
    """A background task."""

    id: str
    kind: str
    status: TaskStatus
    result: TaskResultOut
    progress: str | None = None
    attempts: int
    created_at: str
    updated_at: str


class TaskAccepted(BaseModel):
    """A task was created for the request."""

    task_id: str
    status: TaskStatus


# repositories -------------------------------------------------------------------------


class IndexIn(Request):
    """Index (clone, then read) a repository."""

    repository_url: RepositoryUrl
    provider_type: ProviderType = states.Provider.GITHUB
    branch: BranchName | None = None


class IndexAccepted(TaskAccepted):
    """Indexing started."""

    repository_id: str


class MineIn(Request):
    """Mine a repository for opportunities."""

    repository_id: str
    opportunity_types: list[OpportunityTypeName] | None = None
    max_opportunities: int = Field(default=20, ge=1, le=1000)


class RepositoryOut(BaseModel):
    """A repository the caller may see."""

    id: str
    provider_type: ProviderType
    url: str
    owner: str
    name: str
    branch: str | None
    indexed_commit: str | None
    indexed_at: str | None
    index_stats: dict[str, Any] | None
    created_at: str


class RepositoryList(BaseModel):
    """A page of repositories."""

    repositories: list[RepositoryOut]
    total: int


class OpportunityOut(OpportunityFields):
    """A maintenance opportunity (the fields ``aomaas scan --format json`` lists, and its id)."""

    id: str


class OpportunityList(BaseModel):
    """Opportunities of a repository."""

    opportunities: list[OpportunityOut]
    total: int
    mine_run_id: str | None = None


# plans and implementations ------------------------------------------------------------


class PlanIn(Request):
    """Plan a fix for an opportunity."""

    opportunity_id: str
    max_steps: int = Field(default=5, ge=1, le=50)


class PlanAccepted(TaskAccepted):
    """Planning started."""

    plan_id: str


class PlanStepOut(BaseModel):
    """One step of a plan."""

    id: int
    title: str
    description: str
    recipe: str | None = None
    action: dict[str, Any] = {}


class PlanOut(BaseModel):
    """A plan."""

    id: str
    opportunity_id: str
    title: str
    description: str
    steps: list[PlanStepOut]
    supported: bool
    status: TaskStatus


class ImplementationIn(Request):
    """Carry out a plan on a new branch."""

    plan_id: str
    branch_name: BranchName | None = None


class ImplementationAccepted(TaskAccepted):
    """Implementation started."""

    implementation_id: str


class ImplementationOut(BaseModel):
    """A plan carried out, with its proof."""

    id: str
    plan_id: str
    branch_name: str
    status: TaskStatus
    files_changed: list[str]
    commit_id: str | None
    base_commit: str | None = None
    message: str | None = None
    validation: dict[str, Any] | None = None
    diff: str | None = None
    proof_level: Literal["proven", "checked", "not proven"] | None = Field(
        default=None,
        description="proven: the tests ran; checked: every check held but the tests did not "
        "run; not proven: a check failed (unset while the implementation runs)",
    )
    proof: str | None = Field(
        default=None, description="the proof level's line, as the CLI and the pull request say it"
    )


# pull requests ------------------------------------------------------------------------


class PullRequestIn(Request):
    """Publish an implementation's branch and open a pull request."""

    implementation_id: str
    title: str | None = Field(default=None, max_length=256)
    description: str | None = Field(default=None, max_length=60_000)
    draft: bool = False
    provider_type: ProviderType | None = None


class PullRequestOut(BaseModel):
    """A pull request."""

    pr_id: str
    provider_type: ProviderType
    provider_pr_number: str
    url: str
    status: PullRequestStatus
    task_id: str | None = None
    title: str | None = None
    body: str | None = None
    draft: bool = False
    review: dict[str, Any] | None = None


class ReviewIn(Request):
    """Review a pull request."""

    review_type: ReviewType = "general"
