"""The repository index as plain, JSON-serialisable data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: File statuses: read and parsed, not text, not decodable, parsed with errors,
#: over the read limit, a symbolic link (never followed), a submodule (never fetched).
#: Bumped when the facts extracted from files change: an older index is rebuilt, never reused.
INDEX_FORMAT = 4

FILE_STATUSES = ("ok", "binary", "undecodable", "syntax_error", "too_large", "symlink", "submodule")


@dataclass
class RepoIndex:
    """What the engine knows about one commit of one repository.

    ``files`` maps a repository-relative path to ``{language, bytes, lines, blob,
    status, error}``; ``facts`` keeps what was extracted from a file's content
    (manifest data, README sections, CI steps) so an incremental update never
    re-reads an unchanged file. ``summary`` is derived from files and facts.
    """

    commit: str
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    symbols: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    imports: dict[str, list[str]] = field(default_factory=dict)
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    manifests: dict[str, dict[str, Any]] = field(default_factory=dict)
    tests: dict[str, Any] = field(default_factory=dict)
    docs: dict[str, list[str]] = field(default_factory=dict)
    requires_python: str | None = None
    renamed: dict[str, str] = field(default_factory=dict)
    #: Author and committer addresses (lower case) of the commits of the year before this
    #: one, as far as the clone's history goes (a shallow clone: this commit's only)
    committers: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    #: Paths whose content this build read (not serialised: it describes one build).
    last_read_paths: list[str] = field(default_factory=list, compare=False)
    #: The format this index was built with (:data:`INDEX_FORMAT` for a new one).
    format: int = field(default=INDEX_FORMAT, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (everything but ``last_read_paths``)."""
        return {
            "version": self.format,
            "commit": self.commit,
            "files": self.files,
            "symbols": self.symbols,
            "imports": self.imports,
            "facts": self.facts,
            "manifests": self.manifests,
            "tests": self.tests,
            "docs": self.docs,
            "requires_python": self.requires_python,
            "renamed": self.renamed,
            "committers": self.committers,
            "stats": self.stats,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RepoIndex:
        """Inverse of :meth:`to_dict`."""
        return cls(
            commit=data["commit"],
            files=dict(data.get("files", {})),
            symbols=dict(data.get("symbols", {})),
            imports=dict(data.get("imports", {})),
            facts=dict(data.get("facts", {})),
            manifests=dict(data.get("manifests", {})),
            tests=dict(data.get("tests", {})),
            docs=dict(data.get("docs", {})),
            requires_python=data.get("requires_python"),
            renamed=dict(data.get("renamed", {})),
            committers=list(data.get("committers", [])),
            stats=dict(data.get("stats", {})),
            format=int(data.get("version", 1)),
        )

    def paths(self, language: str | None = None, status: str | None = "ok") -> list[str]:
        """Sorted paths, optionally of one language and one status."""
        return sorted(
            path
            for path, info in self.files.items()
            if (language is None or info.get("language") == language)
            and (status is None or info.get("status") == status)
        )
