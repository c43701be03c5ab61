"""The engine's safe hands on git: check a source, clone or update it, read files.

Nothing from an analysed repository ever runs here: every git command goes
through :func:`run_git` with hooks pointed at an empty place, no system or user
configuration, no prompts, and only the transport protocols the source needs.
A token travels as an HTTP header in the process environment, never in
``.git/config``, and is redacted from any message this module raises.
"""

from __future__ import annotations

import base64
import fcntl
import os
import re
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aomaas.engine.refnames import check_branch_name
from aomaas.engine.releases import highest_release
from aomaas.errors import InvalidRequest, RepositoryTooLarge, WorkspaceError, without_locations

#: Configuration that every git command runs with, whatever the repository says.
HARDENED_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.hooksPath", os.devnull),
    ("core.fsmonitor", "false"),
    ("core.sshCommand", "false"),
    ("submodule.recurse", "false"),
    ("fetch.recurseSubmodules", "false"),
    ("protocol.allow", "never"),
    ("protocol.https.allow", "always"),
    ("credential.helper", ""),
    ("init.templateDir", ""),
    ("advice.detachedHead", "false"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
    ("safe.directory", "*"),
)

GITHUB_HOST_ONLY = "only repositories on the configured GitHub host (GITHUB_WEB_URL) are allowed"
#: The clone's configuration key holding the highest release tag the remote listed.
REMOTE_RELEASE_KEY = "aomaas.remoteRelease"
_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


@dataclass
class WorkspacePolicy:
    """Where clones live and what sources and sizes are allowed."""

    cache_dir: Path
    local_root: Path | None = None  # None: any local path (the CLI); the API passes its root
    github_host: str = "github.com"
    github_allow_http: bool = False
    allow_ssh: bool = False
    max_repo_bytes: int = 2_000_000_000
    max_files: int = 200_000
    clone_timeout: float = 600


@dataclass
class RepoSource:
    """A repository to clone: ``local`` (path or file:// URL) or ``github`` (https URL)."""

    provider: str
    url: str
    branch: str | None = None
    token: str | None = None

    def __repr__(self) -> str:  # never show the token
        return f"RepoSource(provider={self.provider!r}, url={self.url!r}, branch={self.branch!r})"


@dataclass(frozen=True)
class Checkout:
    """A working tree at a known commit."""

    path: Path
    commit: str
    branch: str


# --------------------------------------------------------------------------- git


def git_env(env_extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment git runs with: no prompts, no system/global config, extra config as env."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "SSH_"))}
    env.update(
        {
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_ASKPASS": "true",
            "SSH_ASKPASS": "true",
            "GIT_PROTOCOL_FROM_USER": "0",
            "GIT_OPTIONAL_LOCKS": "0",
            "LC_ALL": "C",
        }
    )
    if env_extra:
        env.update(env_extra)
    return env


def config_env(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Express git config pairs as ``GIT_CONFIG_*`` variables (kept off the command line)."""
    env = {"GIT_CONFIG_COUNT": str(len(pairs))}
    for i, (key, value) in enumerate(pairs):
        env[f"GIT_CONFIG_KEY_{i}"] = key
        env[f"GIT_CONFIG_VALUE_{i}"] = value
    return env


def redact(text: str, secrets: list[str]) -> str:
    """Replace every secret (and its base64 header form) in ``text`` by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return re.sub(r"(?i)(authorization:\s*\w+\s+)\S+", r"\1***", text)


def run_git(
    args: list[str],
    cwd: Path,
    *,
    env_extra: Mapping[str, str] | None = None,
    timeout: float = 600,
    check: bool = True,
    config: list[tuple[str, str]] | None = None,
    input_bytes: bytes | None = None,
    secrets: list[str] | None = None,
) -> str:
    """Run ``git args`` in ``cwd`` with the hardened configuration; return stdout (text).

    ``config`` adds ``-c key=value`` pairs; ``env_extra`` adds environment (use
    :func:`config_env` for secrets so they stay off the command line). With
    ``check`` a non-zero exit raises :class:`WorkspaceError` carrying git's
    (redacted) message.
    """
    command = ["git"]
    for key, value in (*HARDENED_CONFIG, *(config or [])):
        command += ["-c", f"{key}={value}"]
    command += args
    try:
        proc = subprocess.run(
            command,
            cwd=cwd,
            env=git_env(env_extra),
            input=input_bytes,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise WorkspaceError(f"git {args[0]} timed out after {timeout:.0f} s") from exc
    except OSError as exc:
        raise WorkspaceError(f"git could not run: {exc.strerror}") from exc
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip()
        raise WorkspaceError(redact(describe_git_error(message), secrets or []))
    return proc.stdout.decode("utf-8", "surrogateescape")


_GIT_ERRORS: tuple[tuple[str, str], ...] = (
    ("not a git repository", "not a git repository"),
    ("does not appear to be a git repository", "not a git repository"),
    ("could not read from remote repository", "repository unreachable or access denied"),
    ("authentication failed", "authentication failed (no access to this repository)"),
    ("could not read username", "authentication required (private repository without access)"),
    ("the requested url returned error: 401", "authentication required"),
    ("the requested url returned error: 403", "access denied"),
    ("the requested url returned error: 404", "repository not found"),
    ("repository not found", "repository not found"),
    ("could not resolve host", "host unreachable"),
    ("failed to connect", "host unreachable"),
    ("connection refused", "host unreachable"),
    ("couldn't find remote ref", "branch not found"),
    ("remote branch", "branch not found"),
    ("transport", "transport not allowed"),
)


def describe_git_error(stderr: str) -> str:
    """Turn git's stderr into a short readable reason, keeping git's last line as detail
    (without the URLs, addresses and paths it names: see :func:`without_locations`)."""
    lower = stderr.lower()
    lines = [line for line in stderr.splitlines() if line.strip()]
    detail = without_locations(lines[-1]) if lines else "git failed"
    for needle, reason in _GIT_ERRORS:
        if needle in lower:
            return f"{reason}: {detail[:300]}"
    return detail[:300]


# ----------------------------------------------------------------------- checks


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def local_path_of(url: str) -> Path:
    """The filesystem path a ``local`` source names (plain path or file:// URL)."""
    if url.startswith("file://"):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise InvalidRequest("file:// URLs must not name a host")
        return Path(parts.path)
    if "://" in url or url.startswith(("ext::", "-")) or "::" in url:
        raise InvalidRequest("a local repository must be a path or a file:// URL")
    return Path(url)


def check_source(source: RepoSource, policy: WorkspacePolicy) -> None:
    """Refuse any source the policy does not allow (raises InvalidRequest, fetches nothing)."""
    url = source.url.strip()
    if not url or any(ch in url for ch in "\n\r\0") or url.startswith("-"):
        raise InvalidRequest("repository URL is empty or malformed")
    if url.lower().startswith("ext::") or "::" in url.split("/", 1)[0]:
        raise InvalidRequest("git remote helpers (such as ext::) are not allowed")
    if source.branch:
        check_branch_name(source.branch)
    if source.provider == "local":
        _check_local(url, policy)
    elif source.provider == "github":
        _check_github(url, policy)
    else:
        raise InvalidRequest(f"unknown provider {source.provider!r} (expected 'github' or 'local')")


def _check_local(url: str, policy: WorkspacePolicy) -> None:
    path = local_path_of(url)
    if not path.is_absolute() and policy.local_root is not None:
        raise InvalidRequest("a local repository path must be absolute")
    resolved = path.resolve()
    if policy.local_root is not None and not _under(resolved, policy.local_root.resolve()):
        raise InvalidRequest(
            "local repositories must be under the configured local root (AOMAAS_LOCAL_REPO_ROOT)"
        )
    if not resolved.is_dir():
        raise InvalidRequest(f"no such directory: {path}")


def _check_github(url: str, policy: WorkspacePolicy) -> None:
    lower = url.lower()
    if lower.startswith(("git@", "ssh://", "git+ssh://")):
        if not policy.allow_ssh:
            raise InvalidRequest("ssh repository URLs are not allowed")
        host = urlsplit(url).hostname if "://" in url else url[4:].split(":", 1)[0]
        if (host or "").lower() != policy.github_host.lower():
            raise InvalidRequest(GITHUB_HOST_ONLY)
        return
    parts = urlsplit(url)
    if parts.scheme == "http" and not policy.github_allow_http:
        raise InvalidRequest("plain http is not allowed; use https")
    if parts.scheme not in ("https", "http"):
        raise InvalidRequest(f"protocol {parts.scheme or url!r} is not allowed; use https")
    if parts.username or parts.password or "@" in parts.netloc:
        raise InvalidRequest("credentials must not be part of the repository URL")
    if parts.query or parts.fragment:
        raise InvalidRequest("repository URL must not have a query or fragment")
    if (parts.netloc or "").lower() != policy.github_host.lower():
        raise InvalidRequest(GITHUB_HOST_ONLY)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) != 2 or any(s in (".", "..") for s in segments):
        raise InvalidRequest("expected a repository URL like https://HOST/OWNER/REPO")


# ------------------------------------------------------------------------- sync


def _remote_url(source: RepoSource) -> str:
    if source.provider == "local":
        return local_path_of(source.url.strip()).resolve().as_uri()
    return source.url.strip()


def _transport(
    source: RepoSource, policy: WorkspacePolicy
) -> tuple[list[tuple[str, str]], dict[str, str], list[str]]:
    """Config pairs, environment and secrets for talking to the source's remote."""
    config: list[tuple[str, str]] = []
    env: dict[str, str] = {}
    secrets: list[str] = []
    if source.provider == "local":
        config.append(("protocol.file.allow", "always"))
    else:
        if policy.github_allow_http:
            config.append(("protocol.http.allow", "always"))
        if policy.allow_ssh:
            # Replaces the hardened "false" ssh command: no prompts, known hosts only.
            config.append(("protocol.ssh.allow", "always"))
            config.append(("core.sshCommand", "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes"))
    if source.token:
        basic = base64.b64encode(f"x-access-token:{source.token}".encode()).decode()
        scheme = urlsplit(source.url).scheme or "https"
        key = f"http.{scheme}://{policy.github_host}/.extraHeader"
        env.update(config_env([(key, f"Authorization: Basic {basic}")]))
        secrets += [source.token, basic]
    return config, env, secrets


@contextmanager
def locked(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive file lock on ``lock_path`` (threads and processes) for the block."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sync(source: RepoSource, policy: WorkspacePolicy, key: str) -> Checkout:
    """Clone ``source`` into ``policy.cache_dir/key`` (or fetch and hard-update it); return the checkout.

    Shallow (depth 1), no tags, no submodules, no hooks. Size and file-count
    limits are checked on the fetched commit before anything is checked out.
    """
    check_source(source, policy)
    if not _KEY_RE.match(key):
        raise InvalidRequest(f"invalid workspace key: {key!r}")
    policy.cache_dir.mkdir(parents=True, exist_ok=True)
    dest = policy.cache_dir / key
    with locked(policy.cache_dir / f".{key}.lock"):
        config, env, secrets = _transport(source, policy)
        if not (dest / ".git").is_dir():
            shutil.rmtree(dest, ignore_errors=True)
            dest.mkdir(parents=True)
            run_git(["init", "--quiet", "--template=", str(dest)], policy.cache_dir)
        remote = _remote_url(source)
        ref = f"refs/heads/{source.branch}" if source.branch else "HEAD"
        try:
            run_git(
                [
                    "fetch",
                    "--quiet",
                    "--depth=1",
                    "--no-tags",
                    "--no-recurse-submodules",
                    "--",
                    remote,
                    ref,
                ],
                dest,
                env_extra=env,
                config=config,
                timeout=policy.clone_timeout,
                secrets=secrets,
            )
        except WorkspaceError as exc:
            raise _explain_fetch_error(exc, source, dest, env, config, secrets, policy) from None
        commit = run_git(["rev-parse", "--verify", "FETCH_HEAD^{commit}"], dest).strip()

        def ls_remote(*options: str, pattern: str = "") -> str:
            return run_git(
                ["ls-remote", *options, "--", remote, *([pattern] if pattern else [])],
                dest,
                env_extra=env,
                config=config,
                timeout=policy.clone_timeout,
                secrets=secrets,
            )

        branch = source.branch or _default_branch(ls_remote)
        _enforce_limits(dest, commit, policy)
        run_git(["checkout", "--quiet", "--force", "-B", branch, commit], dest)
        run_git(["clean", "-ffdxq"], dest)
        run_git(["update-ref", f"refs/remotes/origin/{branch}", commit], dest)
        _record_remote_release(ls_remote, dest)
        return Checkout(path=dest, commit=commit, branch=branch)


def _explain_fetch_error(
    exc: WorkspaceError,
    source: RepoSource,
    dest: Path,
    env: dict[str, str],
    config: list[tuple[str, str]],
    secrets: list[str],
    policy: WorkspacePolicy,
) -> WorkspaceError:
    """Tell an empty repository and a missing branch apart from other fetch failures."""
    text = exc.detail.lower()
    if "couldn't find remote ref" not in text:
        return exc
    try:
        heads = run_git(
            ["ls-remote", "--heads", "--", _remote_url(source)],
            dest,
            env_extra=env,
            config=config,
            timeout=policy.clone_timeout,
            secrets=secrets,
        )
    except WorkspaceError:
        return exc
    if not heads.strip():
        return WorkspaceError("the repository is empty (it has no commits)")
    if source.branch:
        return WorkspaceError(f"branch {source.branch!r} does not exist in the repository")
    return exc


def _default_branch(ls_remote: Callable[..., str]) -> str:
    """The remote's default branch (what its HEAD points at), "main" if it does not say."""
    out = ls_remote("--symref", pattern="HEAD")
    match = re.search(r"^ref: refs/heads/(\S+)\s+HEAD", out, re.MULTILINE)
    return match.group(1) if match else "main"


def _record_remote_release(ls_remote: Callable[..., str], dest: Path) -> None:
    """Keep the highest release tag the remote lists (names only: the clone has no tags).

    A git-versioned project is built as that version in the test environment
    (:mod:`aomaas.engine.scmversion`). Best effort: a remote that does not answer
    leaves the clone's configuration without it.
    """
    try:
        out = ls_remote("--tags", "--refs")
    except WorkspaceError:
        out = ""
    names = [line.rsplit("refs/tags/", 1)[-1] for line in out.splitlines() if "refs/tags/" in line]
    found = highest_release(names)
    if found:
        run_git(["config", "--local", REMOTE_RELEASE_KEY, found], dest)
    else:
        run_git(["config", "--local", "--unset-all", REMOTE_RELEASE_KEY], dest, check=False)


def _enforce_limits(dest: Path, commit: str, policy: WorkspacePolicy) -> None:
    files = 0
    size = 0
    for line in run_git(["ls-tree", "-r", "-l", "-z", commit], dest).split("\0"):
        if not line:
            continue
        meta = line.split("\t", 1)[0].split()
        files += 1
        if len(meta) == 4 and meta[3].isdigit():
            size += int(meta[3])
    if files > policy.max_files or size > policy.max_repo_bytes:
        shutil.rmtree(dest, ignore_errors=True)
        raise RepositoryTooLarge(
            f"repository has {files} files and {size} bytes; the limits are "
            f"{policy.max_files} files and {policy.max_repo_bytes} bytes"
        )


# ------------------------------------------------------------------------- read


def safe_read(
    root: Path, rel: str, max_bytes: int | None = None, *, real_root: str | None = None
) -> bytes | None:
    """Read ``root/rel`` only if it is a regular file whose real path stays inside ``root``.

    Returns None for a missing file, a symlink leaving the tree, a directory, a
    device, or a path with ``..`` that escapes; never follows anything outside.
    ``real_root`` (``os.path.realpath(root)``) saves resolving the root on every call.
    """
    if not rel or rel.startswith("/") or "\0" in rel:
        return None
    base = real_root or os.path.realpath(root)
    real = os.path.realpath(os.path.join(base, rel))
    if not real.startswith(base.rstrip("/") + "/"):
        return None
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    with os.fdopen(fd, "rb") as handle:
        return handle.read() if max_bytes is None else handle.read(max_bytes)


def repo_toplevel(path: Path) -> Path:
    """The top directory of the git working tree containing ``path`` (WorkspaceError if none)."""
    if not path.is_dir():
        raise WorkspaceError(f"no such directory: {path}")
    top = run_git(["rev-parse", "--show-toplevel"], path).strip()
    return Path(top)


def head_commit(root: Path) -> str:
    """The commit HEAD points at (WorkspaceError on an empty repository)."""
    try:
        return run_git(["rev-parse", "--verify", "HEAD^{commit}"], root).strip()
    except WorkspaceError:
        raise WorkspaceError("the repository is empty (it has no commits)") from None


def uncommitted_changes(root: Path) -> list[str]:
    """Tracked files whose working-tree or staged content differs from HEAD (untracked ones
    are not listed: nothing reads them)."""
    out = run_git(["status", "--porcelain=v1", "-z", "--untracked-files=no"], root)
    records = iter(out.split("\0"))
    changed = []
    for record in records:
        if len(record) < 4:
            continue
        changed.append(record[3:])
        if record[0] in "RC":  # a rename or copy names its source in the next record
            next(records, None)
    return sorted(changed)


def git_dir(root: Path) -> Path:
    """The repository's shared git directory (the same for every worktree of it)."""
    return (root / run_git(["rev-parse", "--git-common-dir"], root).strip()).resolve()


@contextmanager
def detached_worktree(repo: Path, commit: str, prefix: str = "aomaas-work-") -> Iterator[Path]:
    """A scratch ``git worktree`` of ``repo`` at ``commit`` (detached), removed after the block."""
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    worktree = scratch / "tree"
    try:
        run_git(["worktree", "add", "--detach", str(worktree), commit], repo)
        yield worktree
    finally:
        run_git(["worktree", "remove", "--force", str(worktree)], repo, check=False)
        run_git(["worktree", "prune"], repo, check=False)
        shutil.rmtree(scratch, ignore_errors=True)
