"""The stand-in's helpers for tests: seed installations, repositories, issues and pull requests,
read what the bot did, and build deliveries that match (mixed into :class:`FakeGitHub`)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from tests.fakegithub import gitrepo, hooks, webhooks
from tests.fakegithub.routes import head_sha, pull_diff
from tests.fakegithub.state import (
    Comment,
    HookDelivery,
    Installation,
    Issue,
    Repo,
    next_id,
    now_iso,
)


class Seeding:
    """State helpers (uses the host's ``lock``, ``installations``, ``repos``, ``authority``...)."""

    def add_installation(
        self,
        account: str = "octo-org",
        *,
        account_type: str = "Organization",
        installation_id: int | None = None,
    ) -> Installation:
        """Register an installation of the app on ``account``."""
        with self.lock:
            inst = Installation(
                id=installation_id or next_id(), account=account, account_type=account_type
            )
            self.installations[inst.id] = inst
            return inst

    def add_repo(
        self,
        full_name: str,
        *,
        installation: Installation | int | None = None,
        files: dict[str, str | bytes] | None = None,
        source: Path | None = None,
        default_branch: str = "main",
        private: bool = False,
        collaborators: dict[str, str] | None = None,
    ) -> Repo:
        """Create a repository (a real bare repo) from ``files`` or a local ``source`` repo."""
        owner, name = full_name.split("/")
        bare = self.repos_root / owner / f"{name}.git"
        gitrepo.create_bare(bare, default_branch, files=files, source=source)
        inst_id = installation.id if isinstance(installation, Installation) else installation
        with self.lock:
            repo = Repo(
                id=next_id(),
                owner=owner,
                name=name,
                bare=bare,
                default_branch=default_branch,
                installation_id=inst_id,
                private=private,
                collaborators=dict(collaborators or {}),
            )
            self.repos[full_name] = repo
            if inst_id is not None:
                self.installations[inst_id].repositories.append(full_name)
            return repo

    def commit(
        self,
        full_name: str,
        branch: str,
        files: dict[str, str | bytes | None],
        message: str = "change",
        *,
        start: str | None = None,
    ) -> str:
        """Commit ``files`` (None deletes) on ``branch`` (created from ``start``/default branch)."""
        repo = self.repos[full_name]
        with self.lock:
            parent = gitrepo.resolve(repo.bare, f"refs/heads/{branch}") or gitrepo.resolve(
                repo.bare, f"refs/heads/{start or repo.default_branch}"
            )
            return gitrepo.commit_files(repo.bare, f"refs/heads/{branch}", files, message, parent)

    def add_pull(
        self,
        full_name: str,
        head: str,
        *,
        title: str = "A change",
        body: str | None = "",
        base: str | None = None,
        user: str = "octocat",
    ) -> Issue:
        """Open a pull request by a human from an existing ``head`` branch."""
        repo = self.repos[full_name]
        with self.lock:
            pull = Issue(
                number=repo.next_number(),
                title=title,
                body=body,
                user=user,
                head=head,
                base=base or repo.default_branch,
            )
            repo.issues[pull.number] = pull
            head_sha(self, repo, pull)  # records refs/pull/N/head, as GitHub does
            return pull

    def close_pull(self, full_name: str, number: int, *, merge: bool = False) -> Issue:
        """Close a pull request; with ``merge`` its head is merged into its base (a merge commit)."""
        repo = self.repos[full_name]
        with self.lock:
            pull = repo.issues[number]
            head = head_sha(self, repo, pull)
            if merge:
                base = gitrepo.resolve(repo.bare, f"refs/heads/{pull.base}")
                tree = gitrepo.commit_info(repo.bare, head)["tree"]
                parents = [p for p in (base, head) if p]
                message = f"Merge pull request #{number} from {repo.owner}/{pull.head}"
                merged = gitrepo.commit_tree(repo.bare, tree, parents, message)
                gitrepo.git(repo.bare, "update-ref", f"refs/heads/{pull.base}", merged)
            pull.state = "closed"
            pull.merged = merge
            pull.closed_at = pull.updated_at = now_iso()
            return pull

    def add_issue(
        self,
        full_name: str,
        *,
        title: str = "An issue",
        body: str | None = "",
        user: str = "octocat",
    ) -> Issue:
        """Open an issue by a human."""
        repo = self.repos[full_name]
        with self.lock:
            issue = Issue(number=repo.next_number(), title=title, body=body, user=user)
            repo.issues[issue.number] = issue
            return issue

    def add_comment(
        self,
        full_name: str,
        number: int,
        body: str,
        *,
        user: str = "octocat",
        association: str = "OWNER",
    ) -> Comment:
        """A human comment on an issue or pull request (then replay the webhook for it)."""
        repo = self.repos[full_name]
        with self.lock:
            comment = Comment(
                id=next_id(),
                issue_number=number,
                body=body,
                user=user,
                author_association=association,
            )
            repo.comments[comment.id] = comment
            return comment

    def new_manifest_code(self) -> str:
        """A one-time code as GitHub hands it to the manifest flow's redirect."""
        code = secrets.token_hex(10)
        with self.lock:
            self.manifest_codes.add(code)
        return code

    def ref(self, full_name: str, ref: str) -> str | None:
        """The sha of ``refs/...`` (or ``heads/x``) in the bare repo, or None."""
        ref = ref if ref.startswith("refs/") else f"refs/{ref}"
        return gitrepo.resolve(self.repos[full_name].bare, ref)

    def file_at(self, full_name: str, rev: str, path: str) -> bytes | None:
        """A file's bytes at a revision, or None."""
        found = gitrepo.read_path(self.repos[full_name].bare, rev, path)
        return found[2] if found and found[0] == "blob" else None

    def pulls(self, full_name: str) -> list[Issue]:
        """Every pull request of a repository."""
        with self.lock:
            return [i for i in self.repos[full_name].issues.values() if i.is_pull]

    def pull_files(self, full_name: str, number: int) -> list[dict[str, Any]]:
        """The files a pull request changes (filename, status, patch...)."""
        repo = self.repos[full_name]
        with self.lock:
            return pull_diff(self, repo, repo.issues[number])

    def comments(self, full_name: str, number: int | None = None) -> list[Comment]:
        """Issue comments of a repository (of one issue/pull request when ``number`` is given)."""
        with self.lock:
            found = list(self.repos[full_name].comments.values())
        return [c for c in found if number is None or c.issue_number == number]

    def issue_state(self, full_name: str) -> Repo:
        """The repository's whole state (issues, reviews, check_runs, reactions...)."""
        return self.repos[full_name]

    def expire_tokens(self, installation_id: int | None = None) -> int:
        """Make every minted installation token (of one installation) expired now."""
        with self.lock:
            return self.authority.expire_tokens(installation_id)

    # ------------------------------------------------------------ webhooks

    def webhook_payload(
        self,
        event: str,
        file: str,
        *,
        repo: str | None = None,
        installation: Installation | int | None = None,
        **rewrites: Any,
    ) -> dict[str, Any]:
        """A real payload moved onto this stand-in: its URLs, ``repo`` and ``installation``."""
        inst_id = installation.id if isinstance(installation, Installation) else installation
        repository = None
        repositories = None
        if repo is not None:
            r = self.repos[repo]
            repository = {
                "id": r.id,
                "name": r.name,
                "full_name": r.full_name,
                "owner": r.owner,
                "default_branch": r.default_branch,
                "private": r.private,
            }
            inst_id = inst_id if inst_id is not None else r.installation_id
        if inst_id is not None:
            inst = self.installations[inst_id]
            repositories = [
                {
                    "id": self.repos[n].id,
                    "name": self.repos[n].name,
                    "full_name": n,
                    "private": self.repos[n].private,
                }
                for n in inst.repositories
            ]
            rewrites.setdefault("account", inst.account)
        return webhooks.webhook_payload(
            event,
            file,
            api_url=self.url,
            web_url=self.git_url,
            installation_id=inst_id,
            app_id=self.app_id,
            repository=repository,
            repositories=repositories,
            **rewrites,
        )

    def delivery(self, event: str, payload: dict[str, Any] | bytes) -> tuple[bytes, dict[str, str]]:
        """(body, headers) of a delivery signed with this app's webhook secret."""
        return webhooks.delivery(event, payload, self.webhook_secret)

    async def deliver(
        self, url: str, event: str, payload: dict[str, Any] | bytes, *, guid: str | None = None
    ) -> tuple[int, Any]:
        """POST a delivery signed with this app's secret to the bot at ``url``: (status, answer).

        The attempt is recorded with its outcome, as GitHub records it (``GET
        /app/hook/deliveries``); a bot that cannot be reached gives 502 ``failed to connect``.
        ``guid`` sends the delivery again under an earlier ``X-GitHub-Delivery``.
        """
        body, headers = self.delivery(event, payload)
        if guid is not None:
            headers["X-GitHub-Delivery"] = guid
        return await hooks.send(self, hooks.record(self, url, body, headers))

    def hook_attempts(self, guid: str | None = None) -> list[HookDelivery]:
        """Recorded delivery attempts (of one guid), oldest first."""
        with self.lock:
            found = sorted(self.hook_deliveries.values(), key=lambda a: a.id)
        return [a for a in found if guid is None or a.guid == guid]
