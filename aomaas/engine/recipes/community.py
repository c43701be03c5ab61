"""Community files (SECURITY, CONTRIBUTING, CHANGELOG, LICENSE): what the repository already has.

Before a recipe adds one of these files it looks, in this order, at what the
forge knows (passed in as :class:`CommunityFacts`, plain data: GitHub's
community profile and the owner's ``.github`` repository, whose SECURITY and
CONTRIBUTING files GitHub shows for every repository of the owner), at the
repository's own documentation, and at the release tooling it uses. Where any
of them already covers the file, there is no fix to make, and the plan says
which file covers it. Where nobody could ask the forge (``aomaas fix``), the
plan says that the organisation's files could not be checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aomaas.engine.index.facts import (
    decode_text,
    extract_facts,
    fact_kind,
    is_guidance,
    names_security_route,
)
from aomaas.engine.index.gitread import recent_committers
from aomaas.engine.index.project import maintainer_contact
from aomaas.engine.recipes.base import Preflight

#: The findings of a community file that is missing (one recipe each, in ``repo_files``).
COMMUNITY_RULES = frozenset(
    {
        "repo:missing-security-policy",
        "repo:missing-contributing",
        "repo:missing-changelog",
        "repo:missing-license",
    }
)
#: How a refusal says that something already covers the file ("no fix needed: X already
#: provides the Y"); :mod:`aomaas.engine.recipes.covered` leaves such findings out.
COVERED = "no fix needed: "
UNCHECKED = (
    "The organisation's files (its .github repository and GitHub's community profile) "
    "could not be checked: {why}."
)
#: Where GitHub looks for a community file, in a repository and in the owner's ``.github``.
FOLDERS = ("", ".github/", "docs/")
OWNER_FILES = tuple(
    f"{folder}{stem}.md" for stem in ("SECURITY", "CONTRIBUTING") for folder in FOLDERS
)
RELEASE_TOOLING = (
    ".github/release-drafter.yml",
    ".github/release-drafter.yaml",
    ".github/release.yml",
    ".github/release.yaml",
    "release-please-config.json",
    ".release-please-manifest.json",
    ".releaserc",
    ".releaserc.json",
    ".releaserc.yml",
    "towncrier.toml",
    "changelog.d",
    "changes",
    "newsfragments",
)
#: How much of a README or guidance file is read for a security route.
MAX_GUIDANCE_BYTES = 1_000_000
HISTORY_STEMS = ("CHANGELOG", "CHANGES", "HISTORY", "NEWS", "RELEASE_NOTES", "RELEASES")


@dataclass(frozen=True, slots=True)
class CommunityFacts:
    """What the forge says: the community profile's files and the owner's ``.github`` files."""

    checked: bool = False
    why_unchecked: str = "no forge was asked"
    profile: dict[str, str | None] = field(default_factory=dict)  # key → html_url or None
    owner_files: dict[str, str] = field(default_factory=dict)  # path → where (owner/.github)


def _existing(root: Path, names: list[str]) -> str | None:
    for name in names:
        path = root / name
        if path.exists() and not path.is_symlink():
            return name
    return None


def _variants(stem: str) -> list[str]:
    return [
        f"{folder}{name}{ext}"
        for folder in FOLDERS
        for name in (stem, stem.lower(), stem.capitalize())
        for ext in ("", ".md", ".rst", ".txt")
    ]


def _readme_section(root: Path, words: tuple[str, ...]) -> str | None:
    for name in ("README.md", "README.rst", "README.txt", "README"):
        path = root / name
        if path.is_file() and not path.is_symlink():
            text = path.read_text(encoding="utf-8", errors="replace")
            for word in words:
                heading = rf"^(#+\s*{word}\b.*|{word}\b.*\n[=\-~^]{{3,}})\s*$"
                if re.search(heading, text, re.IGNORECASE | re.MULTILINE):
                    return f"{name} (section “{word}”)"
    return None


def _security_route(root: Path) -> str | None:
    """The README or contributor guidance (AGENTS.md, CONTRIBUTING) that says where
    security problems go, read as the index reads it."""
    candidates = sorted(
        p.relative_to(root).as_posix()
        for folder in (root, root / ".github", root / "docs")
        if folder.is_dir() and not folder.is_symlink()
        for p in folder.iterdir()
    )
    for name in candidates:
        path = root / name
        readme = fact_kind(name) == "readme"
        if not (readme or is_guidance(name)) or path.is_symlink() or not path.is_file():
            continue
        text = decode_text(path.read_bytes()[:MAX_GUIDANCE_BYTES]) or ""
        if names_security_route(text):
            return f"{name} (it says where security reports go)"
    return None


def _unchecked(facts: object) -> list[str]:
    if isinstance(facts, CommunityFacts) and facts.checked:
        return []
    why = facts.why_unchecked if isinstance(facts, CommunityFacts) else "no forge was asked"
    return [UNCHECKED.format(why=why)]


def _covered(where: str, what: str) -> Preflight:
    return Preflight(f"{COVERED}{where} already provides the {what}")


NO_CONTACT = (
    "no deterministic fix: the project's metadata names no address that reaches its "
    "maintainers privately (placeholders, no-reply addresses and public lists do not) "
    "and that someone committed with in the year before the last commit, "
    "and a policy must name a private route that really reaches them (an address, or "
    "GitHub's private vulnerability reporting once they enable it); only they can choose it"
)


def project_contact(root: Path) -> tuple[str, str] | None:
    """The maintainers' address from the checkout's root manifests, and where it is written."""
    manifests: dict[str, dict[str, Any]] = {}
    for name in ("pyproject.toml", "setup.cfg", "setup.py"):
        path = root / name
        if path.is_file() and not path.is_symlink():
            text = decode_text(path.read_bytes(), python=name.endswith(".py"))
            manifests[name] = extract_facts(name, "manifest", text or "")
    return maintainer_contact(manifests, recent_committers(root, "HEAD"))


def security_contact(root: Path | None) -> tuple[Preflight, str]:
    """The private route a new SECURITY.md names: the maintainers' address the project's
    metadata gives. Returns the verdict (a refusal when none is known) and the route's text.
    """
    if root is None:
        return Preflight(None, ["The contact is read from the project's metadata."]), ""
    contact = project_contact(root)
    if contact is None:
        return Preflight(NO_CONTACT), ""
    address, where = contact
    note = (
        f"The policy names {address}, the {where} address; change it in the pull request "
        "if security reports should go elsewhere."
    )
    return Preflight(None, [note]), f"the maintainers by email at {address}"


def security_policy(root: Path | None, facts: object) -> Preflight:
    """A SECURITY.md only where nobody has a policy and a private route is known."""
    return security_policy_and_route(root, facts)[0]


def security_policy_and_route(root: Path | None, facts: object) -> tuple[Preflight, str]:
    """:func:`security_policy`'s verdict and the route a new SECURITY.md names ("" when it
    is not to be written), read once."""
    if isinstance(facts, CommunityFacts):
        for path in OWNER_FILES:
            if path.rsplit("/", 1)[-1] == "SECURITY.md" and path in facts.owner_files:
                where = facts.owner_files[path]
                return _covered(where, "security policy for the organisation"), ""
    if root is not None:
        found = (
            _existing(root, _variants("SECURITY"))
            or _readme_section(
                root, ("security", "reporting security", "reporting a vulnerability")
            )
            or _security_route(root)
        )
        if found:
            return _covered(found, "security policy"), ""
    verdict, route = security_contact(root)
    return Preflight(verdict.refusal, _unchecked(facts) + verdict.notes), route


def contributing(root: Path | None, facts: object) -> Preflight:
    """A CONTRIBUTING.md only where no contributing guide exists anywhere GitHub or people look."""
    if isinstance(facts, CommunityFacts):
        if facts.profile.get("contributing"):
            return _covered(str(facts.profile["contributing"]), "contributing guide")
        for path, where in facts.owner_files.items():
            if path.endswith("CONTRIBUTING.md"):
                return _covered(where, "contributing guide for the organisation")
    if root is not None:
        found = (
            _existing(root, _variants("CONTRIBUTING"))
            or _existing(root, [*_variants("docs/development"), *_variants("docs/contributing")])
            or _readme_section(root, ("contributing", "development", "contribute"))
        )
        if found:
            return _covered(found, "contributing guide")
    return Preflight(None, _unchecked(facts))


def changelog(root: Path | None, facts: object) -> Preflight:
    """A CHANGELOG.md only where no history file and no release tooling exist."""
    if root is None:
        return Preflight(None, ["Release tooling is looked for when the recipe runs."])
    history = [f"{folder}{stem}{ext}" for folder in ("", "docs/") for stem in HISTORY_STEMS
               for ext in ("", ".md", ".rst", ".txt")]  # fmt: skip
    found = _existing(root, history) or _existing(root, list(RELEASE_TOOLING))
    pyproject = root / "pyproject.toml"
    if not found and pyproject.is_file():
        text = pyproject.read_text(encoding="utf-8", errors="replace")
        for table in ("tool.towncrier", "tool.semantic_release", "tool.commitizen"):
            if f"[{table}" in text:
                found = f"pyproject.toml [{table}]"
    if found:
        return _covered(found, "release notes")
    return Preflight()


def license_file(root: Path | None, facts: object) -> Preflight:
    """A LICENSE only where neither the profile nor the repository shows one."""
    if isinstance(facts, CommunityFacts) and facts.profile.get("license"):
        return _covered(str(facts.profile["license"]), "licence")
    if root is not None:
        names = [f"{stem}{ext}" for stem in ("LICENSE", "LICENCE", "COPYING")
                 for ext in ("", ".md", ".txt", ".rst")]  # fmt: skip
        found = _existing(root, names)
        if found:
            return _covered(found, "licence")
    return Preflight()
