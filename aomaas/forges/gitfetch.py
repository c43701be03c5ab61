"""Fetch a pull request's head and base into a scratch repository, for a review (any forge)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aomaas.engine.workspace import run_git
from aomaas.errors import ForgeError, WorkspaceError

HEAD_REF = "refs/aomaas/review/head"
BASE_REF = "refs/aomaas/review/base"


def fetch_for_review(
    checkout: Path,
    url: str,
    head: str,
    base: str,
    *,
    what: str,
    env: Mapping[str, str] | None = None,
    config: Sequence[tuple[str, str]] = (),
    secrets: Sequence[str] = (),
) -> tuple[str, str]:
    """Fetch ``head`` and ``base`` (full refs) of ``url`` into a new repository at ``checkout``,
    check the head out (detached) and return (diff base...head, head sha)."""
    checkout.mkdir(parents=True, exist_ok=True)
    run_git(["init", "--quiet", "--template=", str(checkout)], checkout.parent)
    try:
        run_git(
            [
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-recurse-submodules",
                "--",
                url,
                f"+{head}:{HEAD_REF}",
                f"+{base}:{BASE_REF}",
            ],
            checkout,
            env_extra=env,
            config=list(config),
            secrets=list(secrets),
        )
    except WorkspaceError as exc:
        raise ForgeError(f"could not fetch {what}: {exc.detail}") from None
    head_sha = run_git(["rev-parse", HEAD_REF], checkout).strip()
    diff = run_git(["diff", "--no-color", "--no-ext-diff", f"{BASE_REF}...{HEAD_REF}"], checkout)
    run_git(["checkout", "--quiet", "--detach", head_sha], checkout)
    return diff, head_sha
