"""Publish a proven branch to GitHub: push it, open or update its pull request, show the proof.

* :func:`push_branch` — a token-authenticated ``git push`` over smart HTTP; the token
  goes in an ``http.extraHeader`` passed through the environment, never in the URL,
  ``.git/config`` or the process list. Hooks and credential helpers are disabled. An
  existing branch is replaced only when it is the app's
  (:mod:`aomaas.forges.branchpush`).
* :func:`open_or_update_pull` — one pull request per opportunity: the body carries a
  hidden ``<!-- aomaas:fingerprint=... -->`` marker, so a later run finds the bot's
  earlier pull request (same head branch or same marker) and updates it.
* :func:`report_proof` — a completed check run whose output shows the proof: its title is
  the proof level's headline, its conclusion ``success`` when proven, ``neutral`` when
  checked with the tests not run, ``failure`` when not proven.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aomaas.engine.proof import Proof, ProofLevel
from aomaas.engine.refnames import check_branch_name
from aomaas.engine.workspace import run_git
from aomaas.errors import (
    ForgeError,
    InvalidRequest,
    WorkspaceError,
    without_locations,
)
from aomaas.forges.branchpush import Remote, push_commit
from aomaas.forges.github.client import GitHubClient, git_auth_env

CHECK_NAME = "AOMaaS proof"
MARKER_RE = re.compile(r"<!-- aomaas:fingerprint=([A-Za-z0-9._:-]+) -->")
_SAFE_FINGERPRINT = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
MAX_OUTPUT = 65535  # GitHub's limit for a check run's summary and text
PUSH_TIMEOUT = 300.0
CONCLUSIONS = {
    ProofLevel.PROVEN: "success",
    ProofLevel.CHECKED: "neutral",
    ProofLevel.NOT_PROVEN: "failure",
}


@dataclass(frozen=True, slots=True)
class PublishedPull:
    """The pull request as it stands after publishing."""

    number: int
    html_url: str
    head_sha: str
    head_branch: str
    created: bool  # False when an earlier pull request was updated


def fingerprint_marker(fingerprint: str) -> str:
    """The hidden marker for an opportunity's fingerprint."""
    if not _SAFE_FINGERPRINT.match(fingerprint):
        raise InvalidRequest(f"not a fingerprint: {fingerprint!r}")
    return f"<!-- aomaas:fingerprint={fingerprint} -->"


def with_marker(body: str, fingerprint: str) -> str:
    """``body`` with exactly one marker for ``fingerprint``, at the end."""
    clean = MARKER_RE.sub("", body).rstrip()
    return f"{clean}\n\n{fingerprint_marker(fingerprint)}\n"


def _push(
    local_repo: Path,
    url: str,
    sha: str,
    branch: str,
    token: str,
    app_heads: Collection[str],
    timeout: float,
) -> None:
    """:func:`~aomaas.forges.branchpush.push_commit` with the token as a scoped header."""
    env = git_auth_env(token, url)
    remote = Remote(
        url,
        env=env,
        config=[("protocol.http.allow", "always")] if url.startswith("http://") else [],
        timeout=timeout,
        secrets=[token, env["GIT_CONFIG_VALUE_0"]],
    )
    push_commit(local_repo, remote, sha, branch, app_heads)


def _resolve(local_repo: Path, rev: str) -> str:
    try:
        return run_git(
            ["rev-parse", "--verify", "--end-of-options", f"{rev}^{{commit}}"], local_repo
        ).strip()
    except WorkspaceError:
        raise ForgeError(f"nothing to push: {rev} is not a commit in the working copy") from None


async def push_branch(
    client: GitHubClient,
    installation_id: int,
    owner: str,
    repo: str,
    local_repo: Path,
    branch: str,
    *,
    local_ref: str = "HEAD",
    app_heads: Collection[str] = (),
    allow_http: bool = False,
    timeout: float = PUSH_TIMEOUT,
) -> str:
    """Push ``local_ref`` of ``local_repo`` to ``refs/heads/<branch>``; returns the pushed sha.

    An existing branch is replaced only when it is the app's (its ``aomaas/`` namespace,
    or its head is one of ``app_heads``, the commits the app made for it); any other
    raises BranchTaken (the rule is :mod:`aomaas.forges.branchpush`'s).
    Plain ``http`` is refused unless ``allow_http`` (the operator's GITHUB_ALLOW_HTTP).
    On an authentication failure the token is minted again and the push retried once.
    """
    check_branch_name(branch)
    url = client.clone_url(owner, repo)
    if url.startswith("http://") and not allow_http:
        raise ForgeError(
            "refusing to push over plain http to the GitHub host; use https "
            "(GITHUB_ALLOW_HTTP is only for a local stand-in)"
        )
    sha = await asyncio.to_thread(_resolve, local_repo, local_ref)
    failure = ""
    for attempt in (1, 2):
        token = await client.installation_token(installation_id)
        try:
            await asyncio.to_thread(_push, local_repo, url, sha, branch, token, app_heads, timeout)
            return sha
        except WorkspaceError as exc:
            failure = exc.detail
        auth_failed = any(s in failure for s in ("401", "Authentication failed", "Username"))
        if attempt == 1 and auth_failed:
            client.tokens.invalidate(installation_id)
            continue
        break
    raise ForgeError(
        f"git push to {owner}/{repo} ({branch}) failed: {without_locations(failure)[-500:]}"
    )


async def open_or_update_pull(
    client: GitHubClient,
    installation_id: int,
    owner: str,
    repo: str,
    *,
    branch: str,
    base: str,
    title: str,
    body: str,
    fingerprint: str,
    draft: bool = False,
) -> PublishedPull:
    """Open the pull request for ``branch``, or update the bot's open one for this opportunity."""
    marker = fingerprint_marker(fingerprint)
    text = with_marker(body, fingerprint)
    existing = await client.find_pull(
        installation_id, owner, repo, head_branch=branch, marker=marker
    )
    if existing is not None:
        pull = await client.update_pull(
            installation_id, owner, repo, existing["number"], title=title, body=text
        )
        created = False
    else:
        pull = await client.create_pull(
            installation_id,
            owner,
            repo,
            title=title,
            head=branch,
            base=base,
            body=text,
            draft=draft,
        )
        created = True
    return PublishedPull(
        number=int(pull["number"]),
        html_url=str(pull["html_url"]),
        head_sha=str(pull["head"]["sha"]),
        head_branch=str(pull["head"]["ref"]),
        created=created,
    )


async def report_proof(
    client: GitHubClient,
    installation_id: int,
    owner: str,
    repo: str,
    head_sha: str,
    *,
    proof: Proof,
    summary: str,
    text: str = "",
    details_url: str | None = None,
) -> dict[str, Any]:
    """A completed check run on ``head_sha`` showing the proof, concluded by its level."""
    output = {
        "title": proof.headline[:255],
        "summary": summary[:MAX_OUTPUT],
        "text": text[:MAX_OUTPUT],
    }
    return await client.create_check_run(
        installation_id,
        owner,
        repo,
        name=CHECK_NAME,
        head_sha=head_sha,
        status="completed",
        conclusion=CONCLUSIONS[proof.level],
        output=output,
        details_url=details_url,
    )


async def publish(
    client: GitHubClient,
    installation_id: int,
    owner: str,
    repo: str,
    *,
    local_repo: Path,
    branch: str,
    base: str,
    title: str,
    body: str,
    fingerprint: str,
    proof: Proof | None = None,
    proof_summary: str = "",
    proof_text: str = "",
    draft: bool = False,
    commit: str = "HEAD",
    app_heads: Collection[str] = (),
    allow_http: bool = False,
) -> PublishedPull:
    """Push ``commit`` as ``branch``, open or update its pull request, and show the proof.

    The proof becomes a check run when ``proof`` is given. ``app_heads`` are the commits
    the app made earlier for ``branch`` (see :func:`push_branch`).
    """
    await push_branch(
        client,
        installation_id,
        owner,
        repo,
        local_repo,
        branch,
        local_ref=commit,
        app_heads=app_heads,
        allow_http=allow_http,
    )
    pull = await open_or_update_pull(
        client,
        installation_id,
        owner,
        repo,
        branch=branch,
        base=base,
        title=title,
        body=body,
        fingerprint=fingerprint,
        draft=draft,
    )
    if proof is not None:
        await report_proof(
            client,
            installation_id,
            owner,
            repo,
            pull.head_sha,
            proof=proof,
            summary=proof_summary or proof.headline,
            text=proof_text,
        )
    return pull
