"""Build a :class:`RepoIndex` for a commit, from scratch or from an older index.

Contents come from git's object store through ``git cat-file --batch``; large
trees are spread over worker processes (one ``cat-file`` each). With a
previous index, only the files ``git diff --raw -M`` reports are read; a pure
rename reuses what was known.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aomaas
from aomaas.engine.index.gitread import (
    Change,
    TreeEntry,
    diff_raw,
    list_tree,
    recent_committers,
)
from aomaas.engine.index.model import INDEX_FORMAT, RepoIndex
from aomaas.engine.index.parsing import language_of
from aomaas.engine.index.project import summarise
from aomaas.engine.index.reader import MAX_FILE_BYTES, read_batch
from aomaas.errors import WorkspaceError

Progress = Callable[[str], None]

#: Below this many bytes to read, a process pool costs more than it saves.
POOL_MIN_BYTES = 4_000_000
#: What a changed file of unknown size is assumed to cost (a typical source file).
UNKNOWN_FILE_BYTES = 8_000
_PER_FILE_KEYS = ("symbols", "imports", "facts")


def build_index(
    root: Path,
    commit: str,
    previous: RepoIndex | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> RepoIndex:
    """Index ``commit`` of the repository at ``root`` (incrementally when ``previous`` allows).

    With ``previous`` whose commit is still in the object store, only the files
    ``git diff --raw -M previous.commit commit`` reports are read (a rename with
    unchanged content is not even read); otherwise every file is.
    """
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    if previous is not None and previous.format != INDEX_FORMAT:
        previous = None  # built with other facts: read every file again
    changes = _changes_since(root, previous, commit)
    if previous is not None and changes is not None:
        index, to_read = _apply_changes(previous, commit, changes)
    else:
        index = RepoIndex(commit=commit)
        to_read = []
        for entry in list_tree(root, commit):
            index.files[entry.path] = _file_info(entry)
            if index.files[entry.path]["status"] == "ok":
                to_read.append(entry)
    listed = time.perf_counter()
    say(f"indexing {len(index.files)} files ({len(to_read)} to read)")
    results, processes = _read(root, to_read, workers)
    for result in results:
        _store(index, result)
    summarise(index)
    index.committers = recent_committers(root, commit)
    index.last_read_paths = sorted(r["path"] for r in results)
    finished = time.perf_counter()
    durations = {"list": listed - started, "read": finished - listed, "total": finished - started}
    index.stats = _stats(index, len(results), changes is not None, durations)
    index.stats["processes"] = processes
    say(f"indexed {len(index.files)} files in {finished - started:.2f} s")
    return index


def _changes_since(root: Path, previous: RepoIndex | None, commit: str) -> list[Change] | None:
    """The changes from ``previous.commit``, or None when a full index is needed."""
    if previous is None:
        return None
    if previous.commit == commit:
        return []
    try:
        return diff_raw(root, previous.commit, commit)
    except WorkspaceError:
        return None  # the older commit is gone (force-push, new clone): index from scratch


def _file_info(entry: TreeEntry) -> dict[str, Any]:
    status, error = "ok", None
    if entry.kind == "commit" or entry.mode == "160000":
        status, error = "submodule", "submodules are not fetched"
    elif entry.mode == "120000":
        status, error = "symlink", "symbolic links are never followed"
    elif entry.size > MAX_FILE_BYTES:
        status, error = "too_large", f"over {MAX_FILE_BYTES} bytes"
    return {
        "language": language_of(entry.path),
        "bytes": max(entry.size, 0),
        "lines": 0,
        "blob": entry.blob,
        "status": status,
        "error": error,
    }


def _apply_changes(
    previous: RepoIndex, commit: str, changes: list[Change]
) -> tuple[RepoIndex, list[TreeEntry]]:
    """A copy of ``previous`` with the changes applied; the entries whose content must be read."""
    index = RepoIndex(
        commit=commit,
        files=dict(previous.files),
        symbols=dict(previous.symbols),
        imports=dict(previous.imports),
        facts=dict(previous.facts),
    )
    to_read: list[TreeEntry] = []
    for change in changes:
        if change.status == "R" and change.old_path is not None:
            _drop(index, change.old_path)
            index.renamed[change.old_path] = change.path
        _drop(index, change.path)
        if change.status == "D":
            continue
        old = previous.files.get(change.old_path or "") if change.status == "R" else None
        if old is not None and old.get("blob") == change.blob:
            _move(previous, change.old_path or "", index, change.path)
            continue
        kind = "commit" if change.mode == "160000" else "blob"
        entry = TreeEntry(change.path, change.mode, kind, change.blob, -1)
        index.files[change.path] = _file_info(entry)
        if index.files[change.path]["status"] == "ok":
            to_read.append(entry)
    return index, to_read


def _drop(index: RepoIndex, path: str) -> None:
    index.files.pop(path, None)
    for key in _PER_FILE_KEYS:
        getattr(index, key).pop(path, None)


def _move(previous: RepoIndex, source: str, index: RepoIndex, path: str) -> None:
    """Carry a renamed, unchanged file's data over to its new path (language may change)."""
    index.files[path] = {**previous.files[source], "language": language_of(path)}
    for key in _PER_FILE_KEYS:
        store: dict[str, Any] = getattr(previous, key)
        if source in store:
            getattr(index, key)[path] = store[source]


def _read(
    root: Path, entries: list[TreeEntry], workers: int | None
) -> tuple[list[dict[str, Any]], int]:
    """Analyse entries inline, or spread over worker processes plus this one when it pays.

    Returns the results and how many processes read them (this one included).
    """
    items = [(e.path, e.blob) for e in entries]
    total = sum(_cost(e) for e in entries)
    count = workers if workers is not None else min(os.cpu_count() or 1, 8)
    if count <= 1 or total < POOL_MIN_BYTES:
        return read_batch(str(root), items), 1
    chunks = _balanced(entries, count)
    env = dict(os.environ)
    package_parent = str(Path(aomaas.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "aomaas.engine.index.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        for _ in chunks[1:]
    ]
    outputs: list[bytes] = []
    feeders = []
    for proc, chunk in zip(procs, chunks[1:], strict=True):
        payload = pickle.dumps((str(root), chunk))
        feeder = threading.Thread(target=_communicate, args=(proc, payload, outputs), daemon=True)
        feeder.start()
        feeders.append(feeder)
    results = read_batch(str(root), chunks[0])
    for feeder in feeders:
        feeder.join()
    if len(outputs) != len(procs) or any(proc.returncode != 0 for proc in procs):
        raise WorkspaceError("an index worker process failed")
    for output in outputs:
        results += pickle.loads(output)  # noqa: S301 - produced by our own worker
    return results, len(chunks)


def _communicate(proc: subprocess.Popen[bytes], payload: bytes, outputs: list[bytes]) -> None:
    out, _ = proc.communicate(payload)
    if proc.returncode == 0:
        outputs.append(out)


def _cost(entry: TreeEntry) -> int:
    """Bytes to read for an entry; a changed file from ``git diff`` has no size yet (-1)."""
    return entry.size if entry.size >= 0 else UNKNOWN_FILE_BYTES


def _balanced(entries: list[TreeEntry], count: int) -> list[list[tuple[str, str]]]:
    """Split entries into ``count`` chunks of about equal work; the first (inline) one a bit lighter."""
    chunks: list[list[tuple[str, str]]] = [[] for _ in range(count)]
    sizes = [0] * count
    sizes[0] = sum(_cost(e) for e in entries) // (count * 12)  # workers pay a startup cost
    for entry in sorted(entries, key=lambda e: -_cost(e)):
        smallest = sizes.index(min(sizes))
        chunks[smallest].append((entry.path, entry.blob))
        sizes[smallest] += _cost(entry) + 2000  # a per-file cost, so many tiny files spread too
    return [chunk for chunk in chunks if chunk]


def _store(index: RepoIndex, result: dict[str, Any]) -> None:
    path = result["path"]
    index.files[path].update(
        status=result["status"], error=result["error"], lines=result["lines"], bytes=result["bytes"]
    )
    for key in _PER_FILE_KEYS:
        if key in result:
            getattr(index, key)[path] = result[key]


def _stats(
    index: RepoIndex, files_read: int, incremental: bool, durations: dict[str, float]
) -> dict[str, Any]:
    languages: dict[str, dict[str, int]] = {}
    statuses: dict[str, int] = {}
    for info in index.files.values():
        lang = languages.setdefault(info.get("language") or "other", {"files": 0, "lines": 0})
        lang["files"] += 1
        lang["lines"] += info.get("lines", 0)
        statuses[info["status"]] = statuses.get(info["status"], 0) + 1
    return {
        "files": len(index.files),
        "lines": sum(info.get("lines", 0) for info in index.files.values()),
        "bytes": sum(info.get("bytes", 0) for info in index.files.values()),
        "languages": languages,
        "statuses": statuses,
        "symbols": sum(len(s) for s in index.symbols.values()),
        "files_read": files_read,
        "incremental": incremental,
        "durations": {k: round(v, 4) for k, v in durations.items()},
    }
