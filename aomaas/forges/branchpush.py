"""Push a proven commit to a branch without ever overwriting someone else's branch.

The rule, the same on every forge (``docs/fixing.md``, "Publishing"):

* a branch that does not exist is created, and only if it still does not exist when
  the push lands (``--force-with-lease=refs/heads/B:`` with an empty value). That push
  is tried first, so the common case costs one request; only when it is refused is
  the branch's head read (``ls-remote``) and the rest of the rule applied;
* a branch that already holds the commit is left as it is (a publish tried again);
* a branch the app owns is moved to the commit whatever it held, provided it still
  holds what was read just before (``--force-with-lease=refs/heads/B:<sha read>``), so
  a push that lands in between is never lost. The app owns a branch whose head is a
  commit the app made for that very branch (``app_heads``), and, where nothing records
  the app's commits for it (``app_heads`` empty: the local forge, a lost database), a
  branch of its namespace (``aomaas/…``, :func:`~aomaas.engine.refnames.is_app_branch`);
  a commit someone pushed onto the app's branch (a review suggestion) makes it theirs;
* any other existing branch (a maintainer's ``release``, the default branch) is never
  touched: :class:`~aomaas.errors.BranchTaken`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from aomaas.engine.refnames import check_branch_name, is_app_branch
from aomaas.engine.workspace import run_git
from aomaas.errors import BranchTaken, WorkspaceError


@dataclass(frozen=True)
class Remote:
    """A repository to push to, and how git reaches it (credentials in ``env``, not the URL)."""

    url: str
    env: Mapping[str, str] | None = None
    config: list[tuple[str, str]] | None = None
    timeout: float = 300
    secrets: list[str] | None = None

    def git(self, args: list[str], local_repo: Path) -> str:
        """``git ARGS URL…`` in ``local_repo`` with this remote's environment and limits."""
        return run_git(
            args,
            local_repo,
            env_extra=self.env,
            config=self.config,
            timeout=self.timeout,
            secrets=self.secrets,
        )


def remote_head(local_repo: Path, remote: Remote, branch: str) -> str | None:
    """The commit ``refs/heads/<branch>`` of ``remote`` holds (None: no such branch)."""
    ref = f"refs/heads/{check_branch_name(branch)}"
    listing = remote.git(["ls-remote", "--heads", "--", remote.url, ref], local_repo)
    for line in listing.splitlines():
        sha, _, name = line.partition("\t")
        if name == ref:
            return sha.strip()
    return None


def lease(branch: str, current: str, commit: str, app_heads: Collection[str]) -> str | None:
    """The ``--force-with-lease`` option that moves the existing ``branch`` from ``current``.

    None when the branch already holds ``commit`` (nothing to push); BranchTaken when the
    branch is not the app's.
    """
    if current == commit:
        return None
    if current in app_heads or (is_app_branch(branch) and not app_heads):
        return f"--force-with-lease=refs/heads/{branch}:{current}"
    if is_app_branch(branch):
        raise BranchTaken(
            f"branch {branch!r} holds commits AOMaaS did not make (someone pushed to it, a "
            "review suggestion perhaps): they are never overwritten; merge or close its pull "
            "request, or implement the fix again on a new branch name"
        )
    raise BranchTaken(
        f"branch {branch!r} already exists in the repository and was not made by AOMaaS: "
        "it is never overwritten; implement the fix again on a new branch name "
        "(or leave the name out to get the app's own aomaas/… branch)"
    )


def push_commit(
    local_repo: Path,
    remote: Remote,
    commit: str,
    branch: str,
    app_heads: Collection[str] = (),
) -> None:
    """Push ``commit`` of ``local_repo`` to ``refs/heads/<branch>`` of ``remote`` by the rule above.

    Hooks never run (``--no-verify`` and the hardened git configuration); git's refusals
    raise WorkspaceError, a branch that is not the app's BranchTaken.
    """
    check_branch_name(branch)

    def push(option: str) -> None:
        target = f"{commit}:refs/heads/{branch}"
        remote.git(["push", "--quiet", "--no-verify", option, "--", remote.url, target], local_repo)

    try:
        push(f"--force-with-lease=refs/heads/{branch}:")  # only while no such branch exists
        return
    except WorkspaceError as refused:
        current = remote_head(local_repo, remote, branch)
        if current is None:
            raise refused from None  # not refused for the branch: another failure
    option = lease(branch, current, commit, app_heads)
    if option is not None:
        push(option)
