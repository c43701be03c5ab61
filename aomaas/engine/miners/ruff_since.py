"""When each ruff rule became stable, from the ruff that AOMaaS runs.

A repository that pins ruff (``rev`` of ``ruff-pre-commit`` in ``.pre-commit-config.yaml``,
``ruff==X.Y.Z`` in a requirements file or dependency group) is not checked against rules
its own ruff does not have: the ruff AOMaaS runs may be newer, and the selection ``UP`` of
a repository pinned at 0.4 does not contain ``UP045``. The release each rule became stable
in is what ``ruff rule --all --output-format json`` reports (``status: {"Stable": {"since":
...}}``), read once per process.
"""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from typing import Any

from aomaas.engine.index import RepoIndex
from aomaas.engine.miners.ruffrun import ruff_binary

_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")
_PIN = re.compile(r"^\s*ruff\s*(?:\[[^\]]*\])?\s*==\s*v?([\d.]+)", re.IGNORECASE)


def parse_version(text: str) -> tuple[int, int, int] | None:
    """``(major, minor, patch)`` of ``v0.4.1`` or ``0.4``, or None."""
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    return int(match[1]), int(match[2]), int(match[3] or 0)


@cache
def _since() -> dict[str, tuple[int, int, int]]:
    """Each rule's release, as the ruff binary reports it (empty if it cannot)."""
    try:
        done = subprocess.run(
            [ruff_binary(), "rule", "--all", "--output-format", "json"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        rules: list[dict[str, Any]] = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return {}
    out = {}
    for rule in rules:
        status = rule.get("status")
        # a stable rule: the release it became stable; a preview rule (reported only where
        # the repository enables preview): the release it appeared in
        state = next(
            (status[k] for k in ("Stable", "Preview") if isinstance(status, dict) and k in status),
            None,
        )
        version = parse_version(str(state.get("since", ""))) if isinstance(state, dict) else None
        if version is not None and isinstance(rule.get("code"), str):
            out[rule["code"]] = version
    return out


def stable_since(code: str) -> tuple[int, int, int] | None:
    """The ruff release a rule became stable in (None when ruff does not say)."""
    return _since().get(code)


def pinned_ruff(index: RepoIndex) -> tuple[int, int, int] | None:
    """The ruff version the repository pins (pre-commit first, then requirements), or None."""
    for _path, facts in sorted(index.facts.items()):
        rev = (facts.get("pre_commit") or {}).get("ruff_rev")
        if rev and (version := parse_version(str(rev))):
            return version
    for _path, manifest in sorted(index.manifests.items()):
        for dep in manifest.get("dependencies", []):
            match = _PIN.match(str(dep.get("raw", "")))
            if match and (version := parse_version(match[1])):
                return version
    return None


def newer_than(code: str, pin: tuple[int, int, int] | None) -> bool:
    """Whether ``code`` became stable after the pinned ruff ``pin`` (False without a pin)."""
    since = stable_since(code)
    return pin is not None and since is not None and since > pin
