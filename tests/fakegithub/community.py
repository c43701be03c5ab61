"""``GET /repos/{owner}/{repo}/community/profile``: community health files, as GitHub finds them.

GitHub looks for each file in the repository's root, ``docs/`` and ``.github/`` on the
default branch; for the code of conduct, contributing guide and issue and pull-request
templates it falls back to the owner's public ``.github`` repository (never for the README
or the licence). ``health_percentage`` is the share of the seven checklist items present:
description, README, code of conduct, contributing, licence, issue template, pull-request
template.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from tests.fakegithub import gitrepo
from tests.fakegithub.routes import Answer, Ctx, handles
from tests.fakegithub.state import Repo

if TYPE_CHECKING:
    from tests.fakegithub.server import FakeGitHub

FOLDERS = ("", "docs/", ".github/")
EXTENSIONS = ("", ".md", ".markdown", ".rst", ".txt")
LICENSE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "LICENCE.md", "COPYING")
# (marker in the licence text, key, name, SPDX id)
LICENSES = (
    ("Permission is hereby granted, free of charge", "mit", "MIT License", "MIT"),
    ("Apache License", "apache-2.0", "Apache License 2.0", "Apache-2.0"),
    ("GNU GENERAL PUBLIC LICENSE", "gpl-3.0", "GNU General Public License v3.0", "GPL-3.0"),
    (
        "Redistribution and use in source and binary forms",
        "bsd-3-clause",
        'BSD 3-Clause "New" or "Revised" License',
        "BSD-3-Clause",
    ),
    ("Mozilla Public License", "mpl-2.0", "Mozilla Public License 2.0", "MPL-2.0"),
)
CHECKLIST = 7
JSON = dict[str, Any]


def _names(stem: str) -> list[str]:
    return [f"{folder}{stem}{ext}" for folder in FOLDERS for ext in EXTENSIONS]


def _first(repo: Repo, candidates: list[str]) -> tuple[str, bytes] | None:
    """The first candidate path that exists (a file, or a non-empty folder) and its content."""
    for path in candidates:
        found = gitrepo.read_path(repo.bare, repo.default_branch, path)
        if found is None:
            continue
        kind, sha, data = found
        if kind == "blob" or (kind == "tree" and gitrepo.ls_tree(repo.bare, sha, False)):
            return path, data
    return None


def _file(fake: FakeGitHub, repo: Repo, path: str) -> JSON:
    return {
        "url": f"{fake.url}/repos/{repo.full_name}/contents/{path}",
        "html_url": f"{fake.git_url}/{repo.full_name}/blob/{repo.default_branch}/{path}",
    }


def _license(fake: FakeGitHub, repo: Repo, path: str, text: bytes) -> JSON:
    content = text.decode(errors="replace")
    key, name, spdx = "other", "Other", "NOASSERTION"
    for marker, known_key, known_name, known_spdx in LICENSES:
        if marker.lower() in content.lower():
            key, name, spdx = known_key, known_name, known_spdx
            break
    return {
        "key": key,
        "name": name,
        "spdx_id": spdx,
        "url": None if key == "other" else f"{fake.url}/licenses/{key}",
        "node_id": base64.b64encode(f"07:License{key}".encode()).decode(),
        "html_url": _file(fake, repo, path)["html_url"],
    }


def _code_of_conduct(fake: FakeGitHub, repo: Repo, path: str, text: bytes) -> JSON:
    covenant = b"contributor covenant" in text.lower()
    key = "contributor_covenant" if covenant else "other"
    return {
        "key": key,
        "name": "Contributor Covenant" if covenant else "Other",
        "url": f"{fake.url}/repos/{repo.full_name}/community/code_of_conduct",
        "html_url": _file(fake, repo, path)["html_url"],
    }


def profile(fake: FakeGitHub, repo: Repo) -> JSON:
    """The community profile of ``repo`` (with the owner's ``.github`` repository as fallback)."""
    defaults = fake.repos.get(f"{repo.owner}/.github")
    if defaults is not None and (defaults.private or defaults is repo):
        defaults = None

    def find(candidates: list[str], inherit: bool) -> tuple[Repo, str, bytes] | None:
        for source in (repo, defaults) if inherit else (repo,):
            if source is None:
                continue
            found = _first(source, candidates)
            if found is not None:
                return source, found[0], found[1]
        return None

    files: JSON = {}
    readme = find(_names("README"), inherit=False)
    files["readme"] = _file(fake, readme[0], readme[1]) if readme else None
    licence = find(list(LICENSE_NAMES), inherit=False)
    files["license"] = _license(fake, *licence) if licence else None
    conduct = find(_names("CODE_OF_CONDUCT"), inherit=True)
    files["code_of_conduct"] = _code_of_conduct(fake, *conduct) if conduct else None
    files["code_of_conduct_file"] = _file(fake, conduct[0], conduct[1]) if conduct else None
    for key, stem in (
        ("contributing", "CONTRIBUTING"),
        ("issue_template", "ISSUE_TEMPLATE"),
        ("pull_request_template", "PULL_REQUEST_TEMPLATE"),
    ):
        found = find(_names(stem), inherit=True)
        files[key] = _file(fake, found[0], found[1]) if found else None
    present = bool(repo.description) + sum(
        files[key] is not None
        for key in (
            "readme",
            "code_of_conduct",
            "contributing",
            "license",
            "issue_template",
            "pull_request_template",
        )
    )
    head = gitrepo.resolve(repo.bare, f"refs/heads/{repo.default_branch}")
    body: JSON = {
        "health_percentage": present * 100 // CHECKLIST,
        "description": repo.description,
        "documentation": None,
        "files": files,
        "updated_at": gitrepo.commit_info(repo.bare, head)["committer"]["date"] if head else None,
    }
    installation = fake.installations.get(repo.installation_id or 0)
    if installation is not None and installation.account_type == "Organization":
        body["content_reports_enabled"] = False  # only organization-owned repositories say
    return body


@handles("repos/get-community-profile-metrics")
def community_profile(fake: FakeGitHub, ctx: Ctx) -> Answer:
    return 200, profile(fake, ctx.r)
