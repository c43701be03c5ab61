"""Fault injection for the stand-in: answer the next requests to an operation with an error.

Mixed into :class:`~tests.fakegithub.server.FakeGitHub`: 5xx, 401 (expired token),
403 secondary limit with ``retry-after``, 403 primary limit until
``x-ratelimit-reset``, 404.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Fault:
    """An injected answer for the next ``times`` requests to an operation."""

    operation_id: str
    status: int
    message: str
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)


class FaultInjection:
    """Queue of injected answers (uses the host's ``lock`` and ``_faults``)."""

    def inject(
        self,
        operation_id: str,
        status: int,
        *,
        times: int = 1,
        message: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` requests to ``operation_id`` (``*`` = any) with ``status``."""
        with self.lock:
            self._faults.append(
                Fault(
                    operation_id,
                    status,
                    message or REASONS.get(status, "Error"),
                    times,
                    dict(headers or {}),
                )
            )

    def fail_server_error(self, operation_id: str, times: int = 1, status: int = 502) -> None:
        """5xx for the next ``times`` requests."""
        self.inject(operation_id, status, times=times, message="Server Error")

    def fail_expired_token(self, operation_id: str, times: int = 1) -> None:
        """401 Bad credentials (as for an expired installation token)."""
        self.inject(operation_id, 401, times=times, message="Bad credentials")

    def fail_secondary_limit(
        self, operation_id: str, retry_after: int | None = 3, times: int = 1
    ) -> None:
        """403 secondary rate limit, with ``retry-after`` unless None."""
        headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
        self.inject(
            operation_id,
            403,
            times=times,
            headers=headers,
            message="You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        )

    def fail_rate_limit(self, operation_id: str, reset_in: int = 5, times: int = 1) -> None:
        """403 primary rate limit: ``x-ratelimit-remaining: 0`` until ``x-ratelimit-reset``."""
        reset = str(int(time.time()) + reset_in)
        self.inject(
            operation_id,
            403,
            times=times,
            message="API rate limit exceeded for installation.",
            headers={
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": reset,
                "x-ratelimit-limit": "5000",
                "x-ratelimit-used": "5000",
            },
        )

    def fail_not_found(self, operation_id: str, times: int = 1) -> None:
        """404 Not Found."""
        self.inject(operation_id, 404, times=times, message="Not Found")

    def clear_faults(self) -> None:
        """Drop every fault not yet used."""
        with self.lock:
            self._faults.clear()

    def _take_fault(self, operation_id: str) -> Fault | None:
        with self.lock:
            for fault in self._faults:
                if fault.operation_id in (operation_id, "*") and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None


REASONS = {
    401: "Bad credentials",
    403: "Forbidden",
    404: "Not Found",
    500: "Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
