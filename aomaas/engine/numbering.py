"""Opportunity numbers of a local checkout, by the service's rule: given when first seen, never reused.

``aomaas scan`` and ``aomaas fix`` keep them in the repository's own git
directory (``.git/aomaas/numbers.json``, shared by its worktrees), so a number
means the same finding whatever filters a scan used and from run to run, as the
per-repository ``number`` does in the API. New findings are numbered in rank
order.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from aomaas.engine.findings import Finding
from aomaas.engine.workspace import git_dir, locked

NUMBERS_FILE = Path("aomaas") / "numbers.json"


def numbers_path(root: Path) -> Path:
    """Where the numbers of the repository at ``root`` are kept."""
    return git_dir(root) / NUMBERS_FILE


def _load(path: Path) -> dict[str, int]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}  # unreadable or damaged: numbering starts again rather than failing the scan
    numbers = data.get("numbers") if isinstance(data, dict) else None
    if not isinstance(numbers, dict):
        return {}
    return {str(k): v for k, v in numbers.items() if isinstance(v, int) and v > 0}


def _save(path: Path, numbers: dict[str, int]) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".numbers-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"numbers": numbers}, handle, indent=0, sort_keys=True)
    os.replace(temporary, path)


def number_findings(
    root: Path, findings: Sequence[Finding], warn: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Every known fingerprint's number, after giving each new one of ``findings`` the next.

    When the git directory cannot be written the numbers still hold for this
    run (``warn`` is told why they are not kept).
    """
    path = numbers_path(root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with locked(path.with_name(".numbers.lock")):
            numbers = _assign(_load(path), findings)
            _save(path, numbers)
    except OSError as exc:
        if warn is not None:
            warn(f"opportunity numbers are not kept ({path} cannot be written: {exc.strerror})")
        numbers = _assign(_load(path), findings)
    return numbers


def _assign(numbers: dict[str, int], findings: Sequence[Finding]) -> dict[str, int]:
    following = max(numbers.values(), default=0) + 1
    for finding in sorted(findings, key=Finding.rank_key):
        if finding.fingerprint not in numbers:
            numbers[finding.fingerprint] = following
            following += 1
    return numbers
