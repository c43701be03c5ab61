"""Security miner: ruff's bandit rules (S) plus a repository-level disclosure-policy check."""

from __future__ import annotations

from aomaas.engine.findings import Finding, OpportunityType
from aomaas.engine.index import RepoIndex, is_test_path
from aomaas.engine.index.project import maintainer_contact
from aomaas.engine.miners.common import repo_finding

TYPE = OpportunityType.SECURITY


#: Imports that give a project an attack surface: network, TLS, credentials, crypto, archives.
SURFACE_MODULES = frozenset(
    {
        "socket",
        "ssl",
        "http",
        "urllib3",
        "requests",
        "httpx",
        "aiohttp",
        "socketserver",
        "wsgiref",
        "hmac",
        "keyring",
        "cryptography",
        "paramiko",
        "tarfile",
        "zipfile",
    }
)


def attack_surface(index: RepoIndex) -> list[str]:
    """The surface modules the project's own (non-test) code imports."""
    found = {
        module.split(".")[0]
        for path, modules in index.imports.items()
        if not is_test_path(path)
        for module in modules
    }
    if any(m.startswith("urllib.request") for ms in index.imports.values() for m in ms):
        found.add("urllib.request")
    return sorted(found & (SURFACE_MODULES | {"urllib.request"}))


def repo_checks(index: RepoIndex) -> list[Finding]:
    """A missing security policy (SECURITY.md at the root, .github/ or docs/).

    Only for a project with an attack surface (it imports network, TLS, credential,
    cryptography or archive modules): a pure-computation library has nothing to disclose.
    """
    if index.docs.get("security"):
        return []
    if any(facts.get("security_contact") for facts in index.facts.values()):
        return []  # the issue chooser already points reporters at a private channel
    surface = attack_surface(index)
    if not surface:
        return []
    contact = maintainer_contact(index.manifests, index.committers)
    route = (
        f"The address {contact[1]} gives, {contact[0]}, is the route a fix would name."
        if contact
        else "The project's metadata names no address that reaches its maintainers privately "
        "and that someone committed with in the last year, so only they can choose the "
        "route: there is no deterministic fix."
    )
    finding = repo_finding(
        "missing-security-policy",
        "SECURITY.md",
        "Add a security policy (SECURITY.md)",
        "Add SECURITY.md saying how to report a vulnerability privately. The project "
        f"handles untrusted data through {', '.join(surface)}. {route}",
    )
    finding.fixable = finding.fixable and contact is not None
    return [finding]
