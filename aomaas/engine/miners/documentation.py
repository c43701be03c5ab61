"""Documentation miner: public API without docstrings (ruff D1) and the project's front-door files."""

from __future__ import annotations

from aomaas.engine.findings import Finding, OpportunityType
from aomaas.engine.index import RepoIndex
from aomaas.engine.miners.common import repo_finding

TYPE = OpportunityType.DOCUMENTATION


def repo_checks(index: RepoIndex) -> list[Finding]:
    """README (present, with install and usage), LICENSE, and, where nothing else covers
    them, CONTRIBUTING (no README, no docs) and a changelog (no release tooling)."""
    findings = []
    if not index.docs.get("license"):
        findings.append(
            repo_finding(
                "missing-license",
                "LICENSE",
                "Add a LICENSE file",
                "Add the licence text the maintainers choose (the one declared in the package "
                "metadata, if any) as LICENSE at the repository root.",
            )
        )
    readmes = [p for p in index.docs.get("readme", []) if "/" not in p]
    declared = [
        str(m["readme"]) for m in index.manifests.values() if m.get("readme") in index.files
    ]
    if not readmes and not declared:
        findings.append(
            repo_finding(
                "missing-readme",
                "README.md",
                "Add a README",
                "Add README.md with what the project does, how to install it and a short example.",
            )
        )
    elif readmes and not index.facts.get(readmes[0], {}).get("links_docs"):
        readme = readmes[0]  # a README linking its documentation leaves install and usage there
        facts = index.facts.get(readme, {})
        if facts.get("kind") == "readme" and not facts.get("has_install"):
            findings.append(
                repo_finding(
                    "readme-missing-install",
                    readme,
                    "Say in the README how to install the project",
                    "Add an Installation section with the install command (for example pip install NAME).",
                )
            )
        if facts.get("kind") == "readme" and not facts.get("has_usage"):
            findings.append(
                repo_finding(
                    "readme-missing-usage",
                    readme,
                    "Add a usage example to the README",
                    "Add a Usage section with a minimal, runnable example.",
                )
            )
    if (
        not index.docs.get("contributing")
        and not readmes
        and not declared
        and not _docs_tree(index)
    ):
        # with a README or documentation the process may be described there or in the
        # owner's organisation-wide .github, which the miner cannot see: no evidence of a gap
        findings.append(
            repo_finding(
                "missing-contributing",
                "CONTRIBUTING.md",
                "Add a contributing guide",
                "Add CONTRIBUTING.md: how to set up a development environment, run the tests and "
                "submit a change.",
            )
        )
    if not index.docs.get("changelog") and not release_tooling(index):
        findings.append(
            repo_finding(
                "missing-changelog",
                "CHANGELOG.md",
                "Keep a changelog",
                "Add CHANGELOG.md listing user-visible changes per release.",
            )
        )
    return findings


#: Files that show the project publishes release notes without a changelog file.
RELEASE_TOOLING = (
    ".github/release-drafter.yml",
    ".github/release-drafter.yaml",
    ".github/release.yml",
    ".github/release.yaml",
    "towncrier.toml",
    ".changeset/config.json",
    ".releaserc.json",
    "release-please-config.json",
)


def release_tooling(index: RepoIndex) -> str | None:
    """How the project publishes release notes (a tool's file, towncrier, a releases URL)."""
    found = next((path for path in RELEASE_TOOLING if path in index.files), None)
    if found is not None:
        return found
    for path, facts in sorted(index.facts.items()):
        if facts.get("towncrier") or facts.get("release_notes_url"):
            return path
    return None


def _docs_tree(index: RepoIndex) -> bool:
    return any(path.startswith(("docs/", "doc/")) for path in index.files)
