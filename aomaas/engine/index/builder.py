"""Build a :class:`RepoIndex` for a commit, from scratch or from an older index.

Contents come from git's object store through ``git cat-file --batch``; large
trees are spread over worker processes (one ``cat-file`` each). With a
previous index, only the files ``git diff --name-status -M`` reports (and any
whose blob id differs) are read; a pure rename reuses what was known.
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
from aomaas.engine.index.gitread import TreeEntry, diff_names, has_commit, list_tree
from aomaas.engine.index.model import RepoIndex
from aomaas.engine.index.parsing import language_of
from aomaas.engine.index.project import summarise
from aomaas.engine.index.reader import MAX_FILE_BYTES, read_batch
from aomaas.errors import WorkspaceError

Progress = Callable[[str], None]

#: Below this many bytes to read, a process pool costs more than it saves.
POOL_MIN_BYTES = 4_000_000
_PER_FILE_KEYS = ("symbols", "imports", "facts")


def build_index(
    root: Path,
    commit: str,
    previous: RepoIndex | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> RepoIndex:
    """Index ``commit`` of the repository at ``root`` (incrementally when ``previous`` allows)."""
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    entries = list_tree(root, commit)
    index = RepoIndex(commit=commit)
    reuse: dict[str, str] = {}  # new path -> path in previous whose data still holds
    incremental = (
        previous is not None and previous.commit != commit and has_commit(root, previous.commit)
    )
    if previous is not None and previous.commit == commit:
        incremental = True
    if incremental and previous is not None:
        reuse, index.renamed = _reusable(root, previous, commit, entries)
    to_read: list[TreeEntry] = []
    for entry in entries:
        info = _file_info(entry)
        index.files[entry.path] = info
        source = reuse.get(entry.path)
        if source is not None and previous is not None:
            _copy(previous, source, index, entry.path)
        elif info["status"] == "ok":
            to_read.append(entry)
    listed = time.perf_counter()
    say(f"indexing {len(entries)} files ({len(to_read)} to read)")
    results = _read(root, to_read, workers)
    for result in results:
        _store(index, result)
    summarise(index)
    index.last_read_paths = sorted(r["path"] for r in results)
    finished = time.perf_counter()
    index.stats = _stats(
        index,
        len(results),
        incremental,
        {"list": listed - started, "read": finished - listed, "total": finished - started},
    )
    say(f"indexed {len(entries)} files in {finished - started:.2f} s")
    return index


def _file_info(entry: TreeEntry) -> dict[str, Any]:
    status, error = "ok", None
    if entry.kind == "commit":
        status, error = "submodule", "submodules are not fetched"
    elif entry.mode == "120000":
        status, error = "symlink", "symbolic links are never followed"
    elif entry.size > MAX_FILE_BYTES:
        status, error = "too_large", f"over {MAX_FILE_BYTES} bytes"
    return {
        "language": language_of(entry.path),
        "bytes": entry.size,
        "lines": 0,
        "blob": entry.blob,
        "status": status,
        "error": error,
    }


def _reusable(
    root: Path, previous: RepoIndex, commit: str, entries: list[TreeEntry]
) -> tuple[dict[str, str], dict[str, str]]:
    """Map each unchanged (or purely renamed) path to the previous path whose data it keeps."""
    changed: set[str] = set()
    renamed: dict[str, str] = {}
    if previous.commit != commit:
        for change in diff_names(root, previous.commit, commit):
            changed.add(change.path)
            if change.old_path is not None and change.status == "R":
                renamed[change.old_path] = change.path
    source_of = {new: old for old, new in renamed.items()}
    reuse: dict[str, str] = {}
    for entry in entries:
        old_path = source_of.get(entry.path, entry.path)
        old = previous.files.get(old_path)
        if old is None or old.get("blob") != entry.blob:
            continue
        if entry.path in changed and old_path == entry.path:
            continue  # a type change or the like: read again
        reuse[entry.path] = old_path
    return reuse, renamed


def _copy(previous: RepoIndex, source: str, index: RepoIndex, path: str) -> None:
    old = previous.files[source]
    index.files[path].update(
        lines=old.get("lines", 0), status=old.get("status", "ok"), error=old.get("error")
    )
    for key in _PER_FILE_KEYS:
        store: dict[str, Any] = getattr(previous, key)
        if source in store:
            getattr(index, key)[path] = store[source]


def _read(root: Path, entries: list[TreeEntry], workers: int | None) -> list[dict[str, Any]]:
    """Analyse entries inline, or spread over worker processes plus this one when it pays."""
    items = [(e.path, e.blob) for e in entries]
    total = sum(e.size for e in entries)
    count = workers if workers is not None else min(os.cpu_count() or 1, 8)
    if count <= 1 or total < POOL_MIN_BYTES:
        return read_batch(str(root), items)
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
    return results


def _communicate(proc: subprocess.Popen[bytes], payload: bytes, outputs: list[bytes]) -> None:
    out, _ = proc.communicate(payload)
    if proc.returncode == 0:
        outputs.append(out)


def _balanced(entries: list[TreeEntry], count: int) -> list[list[tuple[str, str]]]:
    """Split entries into ``count`` chunks of about equal work; the first (inline) one a bit lighter."""
    chunks: list[list[tuple[str, str]]] = [[] for _ in range(count)]
    sizes = [0] * count
    sizes[0] = sum(e.size for e in entries) // (
        count * 12
    )  # head start: workers pay a startup cost
    for entry in sorted(entries, key=lambda e: -e.size):
        smallest = sizes.index(min(sizes))
        chunks[smallest].append((entry.path, entry.blob))
        sizes[smallest] += entry.size + 2000  # a per-file cost, so many tiny files spread too
    return [chunk for chunk in chunks if chunk]


def _store(index: RepoIndex, result: dict[str, Any]) -> None:
    path = result["path"]
    index.files[path].update(status=result["status"], error=result["error"], lines=result["lines"])
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
