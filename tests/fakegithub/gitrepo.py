"""Bare git repositories behind the stand-in: plumbing for refs, blobs, trees, commits, diffs."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ZERO = "0" * 40
AUTHOR = {"name": "Fake GitHub", "email": "noreply@fake.github.test"}


def git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """An environment for git that ignores the user's and system configuration."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": tempfile.gettempdir(),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "LANG": "C",
    }
    env.update(extra or {})
    return env


def git(
    repo: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None
) -> str:
    """Run git in ``repo`` and return stdout (text); raise with stderr on failure."""
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        input=input,
        capture_output=True,
        env=git_env(env),
        check=False,
    )
    if done.returncode != 0:
        raise GitFailed(f"git {' '.join(args)}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode(errors="replace")


class GitFailed(Exception):
    """A git command failed in a bare repository."""


def create_bare(
    path: Path,
    default_branch: str,
    files: dict[str, str | bytes] | None = None,
    source: Path | None = None,
) -> str | None:
    """Create a bare repository at ``path`` from ``files`` or a local ``source`` repository.

    Returns the default branch's head sha (None for an empty repository).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if source is not None:
        subprocess.run(
            ["git", "clone", "--bare", "--quiet", "--no-hardlinks", str(source), str(path)],
            check=True,
            capture_output=True,
            env=git_env(),
        )
        git(path, "symbolic-ref", "HEAD", f"refs/heads/{default_branch}")
    else:
        path.mkdir(parents=True)
        git(path, "init", "--bare", "--quiet", f"--initial-branch={default_branch}")
        if files:
            commit_files(path, f"refs/heads/{default_branch}", files, "Initial commit", parent=None)
    return resolve(path, f"refs/heads/{default_branch}")


def commit_files(
    bare: Path, ref: str, files: dict[str, str | bytes | None], message: str, parent: str | None
) -> str:
    """Commit ``files`` (None deletes) on top of ``parent`` and point ``ref`` at it."""
    base_tree = commit_info(bare, parent)["tree"] if parent else None
    entries = []
    for name, content in files.items():
        if content is None:
            entries.append({"path": name, "sha": None, "mode": "100644"})
        else:
            data = content.encode() if isinstance(content, str) else content
            entries.append({"path": name, "sha": hash_blob(bare, data), "mode": "100644"})
    tree = make_tree(bare, entries, base_tree)
    sha = commit_tree(bare, tree, [parent] if parent else [], message)
    git(bare, "update-ref", ref, sha)
    return sha


def resolve(bare: Path, rev: str) -> str | None:
    """The object a revision names, or None."""
    try:
        spec = rev if ":" in rev or rev.endswith("}") else rev + "^{object}"
        return git(bare, "rev-parse", "--verify", "--quiet", spec).strip() or None
    except GitFailed:
        return None


def object_type(bare: Path, sha: str) -> str | None:
    """``commit``, ``tree``, ``blob``... or None when absent."""
    try:
        return git(bare, "cat-file", "-t", sha).strip()
    except GitFailed:
        return None


def hash_blob(bare: Path, data: bytes) -> str:
    """Store a blob and return its sha."""
    return git(bare, "hash-object", "-w", "--stdin", input=data).strip()


def make_tree(bare: Path, entries: list[dict[str, Any]], base_tree: str | None) -> str:
    """Write a tree: ``entries`` (path, mode, sha or content; sha None deletes) over ``base_tree``."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        if base_tree:
            git(bare, "read-tree", base_tree, env=env)
        else:
            git(bare, "read-tree", "--empty", env=env)
        for entry in entries:
            if "content" in entry and entry.get("content") is not None:
                entry = {**entry, "sha": hash_blob(bare, str(entry["content"]).encode())}
            if entry.get("sha") is None:
                removal = f"0 {ZERO}\t{entry['path']}\n".encode()
                git(bare, "update-index", "--index-info", input=removal, env=env)
            else:
                info = f"{entry.get('mode', '100644')},{entry['sha']},{entry['path']}"
                git(bare, "update-index", "--add", "--cacheinfo", info, env=env)
        return git(bare, "write-tree", env=env).strip()


def commit_tree(bare: Path, tree: str, parents: list[str], message: str) -> str:
    """Create a commit object (author and committer: the stand-in) and return its sha."""
    args = ["commit-tree", tree]
    for parent in parents:
        args += ["-p", parent]
    env = {
        "GIT_AUTHOR_NAME": AUTHOR["name"],
        "GIT_AUTHOR_EMAIL": AUTHOR["email"],
        "GIT_COMMITTER_NAME": AUTHOR["name"],
        "GIT_COMMITTER_EMAIL": AUTHOR["email"],
    }
    return git(bare, *args, input=message.encode(), env=env).strip()


def commit_info(bare: Path, sha: str) -> dict[str, Any]:
    """tree, parents, message, author/committer (name, email, ISO date) of a commit."""
    raw = git(bare, "cat-file", "commit", sha)
    header, _, message = raw.partition("\n\n")
    info: dict[str, Any] = {"sha": sha, "parents": [], "message": message}
    for line in header.splitlines():
        key, _, value = line.partition(" ")
        if key == "tree":
            info["tree"] = value
        elif key == "parent":
            info["parents"].append(value)
        elif key in ("author", "committer"):
            match = re.match(r"(.*) <(.*)> (\d+) ([+-]\d{4})", value)
            if match:
                date = datetime.fromtimestamp(int(match.group(3)), UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                )
                info[key] = {"name": match.group(1), "email": match.group(2), "date": date}
    return info


def ls_tree(bare: Path, tree: str, recursive: bool) -> list[dict[str, Any]]:
    """Entries of a tree: path, mode, type, sha, size."""
    args = ["ls-tree", "-l", "-z"] + (["-r", "-t"] if recursive else []) + [tree]
    entries = []
    for record in git(bare, *args).split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        mode, kind, sha, size = meta.split()
        entries.append(
            {
                "path": path,
                "mode": mode,
                "type": kind,
                "sha": sha,
                "size": None if size == "-" else int(size),
            }
        )
    return entries


def read_path(bare: Path, rev: str, path: str) -> tuple[str, str, bytes] | None:
    """(type, sha, content) of ``path`` at ``rev``; content empty for trees; None if absent."""
    spec = f"{rev}:{path.strip('/')}" if path.strip("/") else f"{rev}^{{tree}}"
    sha = resolve(bare, spec)
    if sha is None:
        return None
    kind = object_type(bare, sha) or ""
    if kind != "blob":
        return kind, sha, b""
    done = subprocess.run(
        ["git", "-C", str(bare), "cat-file", "blob", sha],
        capture_output=True,
        check=True,
        env=git_env(),
    )
    return kind, sha, done.stdout


def merge_base(bare: Path, base: str, head: str) -> str | None:
    """The best common ancestor of two commits."""
    try:
        return git(bare, "merge-base", base, head).strip() or None
    except GitFailed:
        return None


def diff_files(bare: Path, base: str, head: str) -> list[dict[str, Any]]:
    """Changed files between ``base`` and ``head``: filename, status, counts, sha and hunk text."""
    numstat = git(bare, "diff", "--no-renames", "--numstat", "-z", base, head)
    statuses = git(bare, "diff", "--no-renames", "--name-status", "-z", base, head).split("\0")
    status_of = {statuses[i + 1]: statuses[i] for i in range(0, len(statuses) - 1, 2)}
    names = {"A": "added", "D": "removed", "M": "modified", "T": "changed"}
    files = []
    for record in numstat.split("\0"):
        if not record:
            continue
        added, deleted, name = record.split("\t", 2)
        patch = git(bare, "diff", "--no-renames", "-U3", base, head, "--", name)
        hunks = patch[patch.find("\n@@") + 1 :] if "\n@@" in patch else ""
        files.append(
            {
                "filename": name,
                "status": names.get(status_of.get(name, "M"), "modified"),
                "additions": int(added) if added.isdigit() else 0,
                "deletions": int(deleted) if deleted.isdigit() else 0,
                "sha": resolve(bare, f"{head}:{name}") or ZERO,
                "patch": hunks.rstrip("\n"),
            }
        )
    return files
