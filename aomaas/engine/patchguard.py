"""The patch guard: the paths a change may write, checked twice before it is committed.

Recipes write their change into a scratch worktree, and each file they write goes
through :func:`check_path` first. The diff they leave is then checked as a whole
with :func:`check_patch` before the implementer commits it: it is parsed with
``unidiff`` and refused (:class:`aomaas.errors.PatchRejected`) when any path it
names — source, target, or a rename's from/to — is absolute, climbs with ``..``,
lies under ``.git/``, passes through a symbolic link in the tree (any existing
component), or touches ``.github/workflows/`` without an operator's explicit
permission. A refused change is never committed; the scratch worktree is thrown away.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from aomaas.errors import PatchRejected

_RENAME = re.compile(r"^(?:rename|copy) (?:from|to) (.+)$", re.M)
_GIT_HEADER = re.compile(r"^diff --git (\S+) (\S+)$", re.M)
_SYMLINK_MODE = re.compile(r"^(?:new file |deleted file |old |new )?mode 120000", re.M)
WORKFLOWS = (".github", "workflows")


def _strip_prefix(raw: str) -> str:
    """Drop git's ``a/``/``b/`` prefix; ``/dev/null`` stays as it is."""
    path = raw.strip().strip('"')
    if path == "/dev/null":
        return path
    if path.startswith(("a/", "b/")):
        return path[2:]
    return path


def _named_paths(diff_text: str, patch: PatchSet) -> set[str]:
    paths: set[str] = set()
    for patched in patch:
        for raw in (patched.source_file, patched.target_file):
            if raw:
                paths.add(_strip_prefix(raw))
    # Headers unidiff may not expose on every version: renames, copies, git's own header.
    paths.update(match.group(1).strip().strip('"') for match in _RENAME.finditer(diff_text))
    for match in _GIT_HEADER.finditer(diff_text):
        paths.update(_strip_prefix(group) for group in match.groups())
    paths.discard("/dev/null")
    return paths


def check_path(root: Path, rel: str, allow_workflows: bool = False) -> None:
    """Refuse one repository-relative path a change may not write (see the module text)."""
    if not rel or "\0" in rel or "\\" in rel:
        raise PatchRejected(f"patch names an unusable path: {rel!r}")
    pure = PurePosixPath(rel)
    if pure.is_absolute():
        raise PatchRejected(f"patch names an absolute path: {rel}")
    if ".." in pure.parts:
        raise PatchRejected(f"patch climbs out of the tree: {rel}")
    if ".git" in (part.lower() for part in pure.parts):
        raise PatchRejected(f"patch touches git's own files: {rel}")
    if pure.parts[:2] == WORKFLOWS and not allow_workflows:
        raise PatchRejected(f"patch touches a CI workflow without permission: {rel}")
    current = root
    for part in pure.parts:
        current = current / part
        if current.is_symlink():
            raise PatchRejected(f"patch goes through a symbolic link: {rel}")


def check_patch(root: Path, diff_text: str, allow_workflows: bool = False) -> list[str]:
    """Check a unified diff against the tree at ``root``; return the paths it touches.

    Raises :class:`PatchRejected` on the first path the diff may not touch, or
    when the text is not a diff at all. Nothing is written.
    """
    try:
        patch = PatchSet(diff_text)
    except UnidiffParseError as exc:
        raise PatchRejected(f"not a valid unified diff: {exc}") from exc
    paths = _named_paths(diff_text, patch)
    if not paths:
        raise PatchRejected("the patch changes no file")
    if _SYMLINK_MODE.search(diff_text):
        raise PatchRejected("patch creates or changes a symbolic link")
    for rel in sorted(paths):
        check_path(root, rel, allow_workflows)
        if any(other.startswith(rel + "/") for other in paths):
            raise PatchRejected(f"patch writes both a file and beneath it: {rel}")
    return sorted(paths)
