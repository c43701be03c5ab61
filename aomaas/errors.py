"""One error tree for the whole project; the API maps it to HTTP answers in one place.

Every error carries the HTTP status it stands for and a short machine-readable
``type``; its message is safe to show to the caller (no secrets, no stack).
"""

from __future__ import annotations

import re

_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
_ADDRESS = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\blocalhost:\d+\b")
_ABSOLUTE_PATH = re.compile(r"(?<![\w.~/:-])/[^\s'\":,;)]+")


def without_locations(text: str) -> str:
    """``text`` (say, a tool's error output) with URLs, network addresses and absolute
    paths replaced by ``<url>``, ``<address>`` and ``<path>``: a caller learns what
    failed, not the host's layout or the addresses the service talks to.
    """
    text = _URL.sub("<url>", text)
    text = _ADDRESS.sub("<address>", text)
    return _ABSOLUTE_PATH.sub("<path>", text)


class AomaasError(Exception):
    """Base of every error this project raises on purpose."""

    status: int = 500
    type: str = "internal_error"
    retryable: bool = False  # a background task failing with it may be tried again

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.__class__.__doc__ or self.type)
        self.detail = detail or (self.__class__.__doc__ or self.type).strip()


class InvalidRequest(AomaasError):
    """The request is not valid."""

    status = 400
    type = "invalid_request"


class Unauthorized(AomaasError):
    """Authentication is required or the credentials are not valid."""

    status = 401
    type = "unauthorized"


class Forbidden(AomaasError):
    """The caller may not do this."""

    status = 403
    type = "forbidden"


class NotFound(AomaasError):
    """No such object (or not one the caller may see)."""

    status = 404
    type = "not_found"


class Conflict(AomaasError):
    """The object is not in a state that allows this."""

    status = 409
    type = "conflict"


class PayloadTooLarge(AomaasError):
    """The request body is too large."""

    status = 413
    type = "payload_too_large"


class RateLimited(AomaasError):
    """Too many requests."""

    status = 429
    type = "rate_limited"

    def __init__(self, detail: str = "", retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ServiceUnavailable(AomaasError):
    """A part this request needs is not configured or not reachable."""

    status = 503
    type = "service_unavailable"

    def __init__(self, detail: str = "", retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after  # seconds, when the part is expected back (an outage)


class EngineError(AomaasError):
    """The maintainer engine could not do what was asked (a readable reason)."""

    status = 400
    type = "engine_error"


class WorkspaceError(EngineError):
    """The repository could not be cloned, updated or read."""

    type = "workspace_error"


class RepositoryTooLarge(WorkspaceError):
    """The repository is over the configured size or file-count limits."""

    type = "repository_too_large"


class PatchRejected(EngineError):
    """A patch touches a path it may not touch."""

    type = "patch_rejected"


class ForgeError(AomaasError):
    """The code host refused or failed a request."""

    status = 502
    type = "forge_error"
    retryable = True


class BranchTaken(ForgeError):
    """The branch exists on the code host and is not the app's: publishing never overwrites it."""

    status = 409
    type = "branch_taken"
    retryable = False
