"""Read and analyse a batch of blobs: status, lines, symbols, imports, facts.

:func:`read_batch` is what a worker process runs; it only takes and returns
plain data so it can run in a process pool or inline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aomaas.engine.index.facts import decode_text, extract_facts, fact_kind
from aomaas.engine.index.gitread import read_blobs
from aomaas.engine.index.parsing import PARSED_LANGUAGES, language_of, parse_source

#: Files above this size are recorded as ``too_large`` and never read.
MAX_FILE_BYTES = 2_000_000
_BINARY_PROBE = 8000


def read_batch(root: str, items: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Analyse ``(path, blob id)`` items of the repository at ``root``; one result per item."""
    by_blob: dict[str, list[str]] = {}
    for path, blob in items:
        by_blob.setdefault(blob, []).append(path)
    results = []
    for blob, data in read_blobs(Path(root), list(by_blob)):
        for path in by_blob[blob]:
            results.append(analyse(path, data))
    return results


def count_lines(data: bytes) -> int:
    """Lines in ``data`` (a last line without newline counts)."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def analyse(path: str, data: bytes | None) -> dict[str, Any]:
    """Everything the index keeps about one file's content."""
    result: dict[str, Any] = {"path": path, "status": "ok", "error": None, "lines": 0, "bytes": 0}
    if data is None:
        result.update(status="undecodable", error="blob missing from the object store")
        return result
    result["bytes"] = len(data)
    if len(data) > MAX_FILE_BYTES:  # size was unknown before reading (incremental updates)
        result.update(status="too_large", error=f"over {MAX_FILE_BYTES} bytes")
        return result
    if b"\0" in data[:_BINARY_PROBE]:
        result["status"] = "binary"
        return result
    result["lines"] = count_lines(data)
    language = language_of(path)
    kind = fact_kind(path)
    if language not in PARSED_LANGUAGES and kind is None:
        return result
    try:
        text = data.decode("utf-8-sig")
        source = data.removeprefix(b"\xef\xbb\xbf")
    except UnicodeDecodeError:
        decoded = decode_text(data, python=language == "python")
        if decoded is None:
            result.update(status="undecodable", error="not valid UTF-8 (nor its declared encoding)")
            return result
        text, source = decoded, decoded.encode("utf-8")
    if language in PARSED_LANGUAGES:
        parsed = parse_source(language, source)
        result["symbols"] = parsed["symbols"]
        result["imports"] = parsed["imports"]
        if parsed["error"]:
            result.update(status="syntax_error", error=parsed["error"])
    if kind is not None:
        result["facts"] = extract_facts(path, kind, text)
    return result
