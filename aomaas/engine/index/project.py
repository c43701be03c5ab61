"""Repository-level summary derived from the indexed files and their facts.

Pure functions over a :class:`RepoIndex`: which docs and policy files exist,
which manifests declare what, the test framework and the command to run it,
and the Python versions the project says it supports.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from aomaas.engine.index.model import RepoIndex

_DOC_KINDS: dict[str, re.Pattern[str]] = {
    "readme": re.compile(r"^readme(\.\w+)?$", re.IGNORECASE),
    "license": re.compile(r"^(licen[cs]e|copying|unlicense)([.-]\w+)*$", re.IGNORECASE),
    "contributing": re.compile(r"^contributing(\.\w+)?$", re.IGNORECASE),
    "security": re.compile(r"^security(\.\w+)?$", re.IGNORECASE),
    "code_of_conduct": re.compile(r"^code[_-]of[_-]conduct(\.\w+)?$", re.IGNORECASE),
    "changelog": re.compile(
        r"^(changelog|changes|history|news|releases?|release[-_]notes|versions|whats_?new)(\.\w+)?$",
        re.IGNORECASE,
    ),
}
_DOC_DIRS = ("", ".github/", "docs/", "doc/")
_DOCS_TREES = ("docs/", "doc/")
#: Kinds a project often keeps deeper in its documentation (docs/internals/security.txt).
_DEEP_KINDS = frozenset({"contributing", "security", "code_of_conduct", "changelog"})
#: Release notes kept as a folder (Django's docs/releases/, towncrier fragments) are a changelog.
_RELEASE_NOTES = re.compile(
    r"^((docs?/)(releases?|release-notes|changelog)|changelog\.d|newsfragments|changes)/"
    r"|^(changelog|history|releases?)/",
    re.IGNORECASE,
)
_TEST_FILE = re.compile(
    r"(^|/)(tests?|testing|__tests__|spec)/|(^|/)test_[^/]*\.py$|_tests?\.py$|(^|/)conftest\.py$|"
    r"\.(test|spec)\.[cm]?[jt]sx?$"
)


def is_test_path(path: str) -> bool:
    """Whether a path is test code (a tests/ folder, test_*.py, *.test.js, conftest.py...)."""
    return bool(_TEST_FILE.search(path))


def summarise(index: RepoIndex) -> None:
    """Fill ``docs``, ``manifests``, ``tests`` and ``requires_python`` from files and facts."""
    index.docs = _docs(index)
    index.manifests = {
        path: facts for path, facts in index.facts.items() if facts.get("kind") == "manifest"
    }
    index.requires_python = _requires_python(index.manifests)
    index.tests = _tests(index)


def _docs(index: RepoIndex) -> dict[str, list[str]]:
    """Policy and docs files at the root, in .github/ or in the documentation tree."""
    docs: dict[str, list[str]] = {kind: [] for kind in _DOC_KINDS}
    for path in index.files:
        folder, _, name = path.rpartition("/")
        folder = f"{folder}/" if folder else ""
        in_docs_tree = folder.startswith(_DOCS_TREES)
        if _RELEASE_NOTES.match(path) and not any(map(_RELEASE_NOTES.match, docs["changelog"])):
            docs["changelog"].append(path)  # one file stands for a folder of release notes
        if folder not in _DOC_DIRS and not in_docs_tree:
            continue
        for kind, pattern in _DOC_KINDS.items():
            if pattern.match(name) and (folder in _DOC_DIRS or kind in _DEEP_KINDS):
                docs[kind].append(path)
    docs["ci"] = sorted(p for p, f in index.facts.items() if f.get("kind") == "ci")
    return {kind: sorted(paths, key=lambda p: (p.count("/"), p)) for kind, paths in docs.items()}


def _requires_python(manifests: dict[str, dict[str, Any]]) -> str | None:
    for path in sorted(manifests, key=lambda p: (p.count("/"), p)):
        value = manifests[path].get("requires_python")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def python_versions(index: RepoIndex) -> list[str]:
    """Python versions the root manifests list as classifiers (e.g. ["3.9", "3.10"])."""
    versions: set[str] = set()
    for path, facts in index.manifests.items():
        if "/" not in path:
            versions.update(facts.get("python_classifiers") or [])
    return sorted(versions, key=lambda v: tuple(int(x) for x in v.split(".")))


def _tests(index: RepoIndex) -> dict[str, Any]:
    test_files = [
        p
        for p, info in index.files.items()
        if info.get("language") in ("python", "javascript", "typescript", "tsx") and is_test_path(p)
    ]
    names = {p.rsplit("/", 1)[-1]: p for p in sorted(index.files, key=lambda p: -p.count("/"))}
    configs = [f for f in index.facts.values() if f.get("kind") in ("config", "manifest")]
    test_imports = {m.split(".")[0] for p in test_files for m in index.imports.get(p, [])}
    dep_names = {
        d.get("name", "").lower()
        for f in index.manifests.values()
        for d in f.get("dependencies", [])
    }
    uses_pytest = (
        "conftest.py" in names
        or "pytest.ini" in names
        or any(f.get("pytest") for f in configs)
        or "pytest" in test_imports
        or "pytest" in dep_names
    )
    runner = next((p for p in ("runtests.py", "tests/runtests.py") if p in index.files), None)
    node_test = next(
        (
            f["test_script"]
            for p, f in sorted(index.manifests.items())
            if f.get("format") == "package.json" and f.get("test_script")
        ),
        "",
    )
    framework, command = None, None
    if runner:
        framework, command = ("pytest" if uses_pytest else "unittest"), f"python {runner}"
    elif uses_pytest:
        framework, command = "pytest", "python -m pytest"
    elif "unittest" in test_imports:
        framework, command = "unittest", "python -m unittest discover"
    elif node_test:
        framework, command = "npm", "npm test"
    alternatives = []
    if "tox.ini" in index.files:
        alternatives.append("tox")
    if "noxfile.py" in index.files:
        alternatives.append("nox")
    if node_test and command != "npm test":
        alternatives.append("npm test")
    return {
        "framework": framework,
        "command": command,
        "alternatives": alternatives,
        "files": len(test_files),
        "ci_runs_tests": any(
            f.get("runs_tests") for f in index.facts.values() if f.get("kind") == "ci"
        ),
    }


#: Where each manifest format keeps its people, for saying where an address came from.
_PEOPLE_FIELDS = {
    "pyproject": "pyproject.toml ([project] or [tool.poetry]) {role}",
    "setup.cfg": "setup.cfg [metadata] {role}",
    "setup.py": "setup.py's setup() {role}",
}


#: Domains that reach nobody: reserved for examples and tests, local names, GitHub's
#: no-reply addresses.
_NOWHERE = re.compile(
    r"(^|\.)(example\.(com|org|net)|example|invalid|test|localhost|local)$"
    r"|^users\.noreply\.github\.com$",
    re.IGNORECASE,
)
#: Public mailing lists: a report sent there is published.
_LIST_DOMAIN = re.compile(r"(^|\.)(googlegroups\.com|groups\.io|freelists\.org)$|^lists?\.", re.I)
_LIST_NAME = re.compile(
    r"([-_.](sig|dev|devel|discuss|users|announce|list|general))$"
    r"|^(discuss|users|announce|dev|devel|general|noreply|no-reply|donotreply)$",
    re.IGNORECASE,
)


def private_address(email: str) -> bool:
    """Whether ``email`` can reach the maintainers privately: not a placeholder, a
    no-reply address or a public mailing list (``distutils-sig@python.org``)."""
    local, _, domain = email.rpartition("@")
    if not local or not domain:
        return False
    return not (_NOWHERE.search(domain) or _LIST_DOMAIN.search(domain) or _LIST_NAME.search(local))


def maintainer_contact(
    manifests: dict[str, dict[str, Any]], committers: Collection[str]
) -> tuple[str, str] | None:
    """The address the project's own metadata gives for its maintainers, and where it says so.

    Root manifests only, pyproject before setup.cfg before setup.py, and in each the
    maintainers before the authors; an address counts only when it can reach them
    privately (:func:`private_address`) and someone still commits with it (it is among
    ``committers``, the addresses of the year's commits: a founder's old address in the
    metadata of a project others now maintain does not). None when no address counts.
    """
    active = {c.lower() for c in committers}
    for fmt in _PEOPLE_FIELDS:
        for path, facts in sorted(manifests.items()):
            if "/" in path or facts.get("format") != fmt:
                continue
            for contact in facts.get("contacts") or []:
                email = contact["email"]
                if not private_address(email) or email.lower() not in active:
                    continue
                role = "maintainer" if contact["role"] == "maintainers" else "author"
                return contact["email"], _PEOPLE_FIELDS[fmt].format(role=role)
    return None
