"""Helpers every miner shares: building findings from the rule table, stable fingerprints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from aomaas.engine.findings import Finding, make_fingerprint, normalise_code
from aomaas.engine.index import RepoIndex
from aomaas.engine.miners.rules import RULES


def repo_finding(
    rule: str,
    location: str,
    title: str,
    how: str,
    *,
    line: int | None = None,
    key: str = "",
    snippet: str = "",
) -> Finding:
    """A repository-level finding for ``repo:<rule>``; ``key`` tells apart several at one location."""
    name = f"repo:{rule}"
    entry = RULES[name]
    return Finding(
        fingerprint=make_fingerprint(name, location, key),
        rule=name,
        type=entry.type,
        priority=entry.priority,
        effort=entry.effort,
        title=title,
        description=f"{entry.why} {how}",
        location=location,
        line=line,
        end_line=line,
        snippet=snippet,
        fixable=entry.codemod,
        extra={"check": rule},
    )


def assign_fingerprints(
    findings: Iterable[Finding], scope_of: Callable[[Finding], str] = lambda _f: ""
) -> None:
    """Fingerprint code findings: rule, path, normalised code, scope, occurrence.

    The code is the line up to the end of what the tool flagged when that lies on one
    line (``extra["flagged"]``), else the snippet, so that a change after it on the line
    (another finding fixed there) keeps the id.

    ``scope_of`` gives the enclosing functions and classes of a finding; the occurrence
    counts identical (rule, path, code) earlier *in the same scope* only, so fixing one
    of several identical lines in other functions changes no other finding's id.
    """
    seen: Counter[tuple[str, str, str, str]] = Counter()
    for finding in sorted(
        findings, key=lambda f: (f.location, f.line or 0, f.extra.get("column", 0), f.rule)
    ):
        code = normalise_code(str(finding.extra.get("flagged") or finding.snippet))
        scope = scope_of(finding)
        key = (finding.rule, finding.location, code, scope)
        finding.fingerprint = make_fingerprint(
            finding.rule, finding.location, code, seen[key], scope=scope
        )
        seen[key] += 1


def has_file(index: RepoIndex, *paths: str) -> str | None:
    """The first of ``paths`` present in the index."""
    return next((path for path in paths if path in index.files), None)
