"""Read a commit's tree and blobs with two git processes, whatever the file count.

``git ls-tree`` lists the tree with blob ids and sizes; one ``git cat-file
--batch`` streams the contents. Content comes from the object store, never the
working tree, so a symlink or an edited file cannot change what is indexed.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from aomaas.engine.workspace import HARDENED_CONFIG, git_env, run_git


@dataclass(frozen=True, slots=True)
class TreeEntry:
    """One entry of ``git ls-tree -r -l``."""

    path: str
    mode: str
    kind: str  # blob | commit (submodule)
    blob: str
    size: int


def list_tree(root: Path, commit: str) -> list[TreeEntry]:
    """Every entry of the commit's tree (recursively), in git's order."""
    out = run_git(["ls-tree", "-r", "-l", "-z", "--full-tree", commit], root)
    entries = []
    for record in out.split("\0"):
        if not record:
            continue
        meta, path = record.split("\t", 1)
        mode, kind, blob, size = meta.split()
        entries.append(TreeEntry(path, mode, kind, blob, int(size) if size.isdigit() else 0))
    return entries


@dataclass(frozen=True, slots=True)
class Change:
    """One record of ``git diff --raw -M``: status letter, path, new mode and blob, old path."""

    status: str
    path: str
    mode: str = "100644"
    blob: str = ""
    old_path: str | None = None


def diff_raw(root: Path, old: str, new: str) -> list[Change]:
    """Files changed between two commits with their new blob ids, renames detected (``-M``)."""
    out = run_git(["diff", "--raw", "-z", "-M", "--no-abbrev", old, new, "--"], root)
    fields = out.split("\0")
    changes: list[Change] = []
    i = 0
    while i + 1 < len(fields) and fields[i].startswith(":"):
        _, new_mode, _, blob, status = fields[i][1:].split()
        if status[0] in "RC":
            changes.append(Change(status[0], fields[i + 2], new_mode, blob, fields[i + 1]))
            i += 3
        else:
            changes.append(Change(status[0], fields[i + 1], new_mode, blob))
            i += 2
    return changes


def read_blobs(root: Path, blobs: Iterable[str]) -> Iterator[tuple[str, bytes | None]]:
    """Yield ``(blob id, content)`` for each id through one ``git cat-file --batch``."""
    command = ["git"]
    for key, value in HARDENED_CONFIG:
        command += ["-c", f"{key}={value}"]
    command += ["cat-file", "--batch"]
    wanted = list(blobs)
    with subprocess.Popen(
        command,
        cwd=root,
        env=git_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        request = "".join(f"{blob}\n" for blob in wanted).encode()
        writer = threading.Thread(target=_feed, args=(proc.stdin, request), daemon=True)
        writer.start()
        for blob in wanted:
            header = proc.stdout.readline().split()
            if len(header) < 3:  # "<id> missing"
                yield blob, None
                continue
            size = int(header[2])
            data = proc.stdout.read(size)
            proc.stdout.read(1)
            yield blob, data
        writer.join()


def _feed(pipe: IO[bytes], data: bytes) -> None:
    """Write the whole request then close (in a thread, so output never blocks input)."""
    try:
        pipe.write(data)
        pipe.close()
    except (BrokenPipeError, ValueError):
        pass


#: How far back a commit's author still counts as one of the project's committers.
COMMITTER_YEARS = 1


def recent_committers(root: Path, commit: str) -> list[str]:
    """Author and committer addresses (lower case, sorted) of ``commit`` and the commits of
    the :data:`COMMITTER_YEARS` before it that the clone's history holds."""
    when = run_git(["log", "-1", "--format=%ct", commit], root, check=False).strip()
    if not when.isdigit():
        return []
    since = int(when) - COMMITTER_YEARS * 366 * 86400
    out = run_git(["log", f"--since={since}", "--format=%ae%n%ce", commit, "--"], root, check=False)
    return sorted({line.strip().lower() for line in out.splitlines() if "@" in line})
