"""Code findings: one ruff run over the wanted Python files, mapped through the rule table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from aomaas.engine.findings import Finding, OpportunityType, Priority
from aomaas.engine.index import RepoIndex
from aomaas.engine.miners.common import assign_fingerprints
from aomaas.engine.miners.context import SourceContext
from aomaas.engine.miners.filters import evidence_noise, noise_reason
from aomaas.engine.miners.ruffrun import RuffSetup, ruff_setup, run_ruff
from aomaas.engine.miners.rules import ruff_selection, rule_for
from aomaas.engine.miners.signal import apply_signal
from aomaas.engine.workspace import safe_read

#: How many lines of a finding feed its snippet and fingerprint.
MAX_SNIPPET_LINES = 5


def mine_code(
    root: Path,
    index: RepoIndex,
    types: set[OpportunityType],
    files: list[str],
    stats: dict[str, Any],
    progress: Callable[[str], None],
    held_back: list[tuple[Finding, str]] | None = None,
) -> list[Finding]:
    """Findings of the ruff families for ``types`` in ``files``; counts go into ``stats``
    (and what the signal policy holds back into ``held_back``, when given)."""
    select = ruff_selection(types)
    setup = ruff_setup(index)
    progress(f"mining: ruff on {len(files)} Python files")
    diagnostics = run_ruff(root, files, select, setup)
    stats.update(
        ruff_diagnostics=len(diagnostics),
        ruff_isolated=setup.isolated,
        ruff_isolated_reason=setup.reason,
        target_version=setup.target_version,
    )
    filtered: dict[str, int] = {}
    findings: list[Finding] = []
    lines_cache: dict[str, list[bytes]] = {}
    real_root = root.resolve()
    for diagnostic in diagnostics:
        finding, why = _convert(diagnostic, real_root, setup, types)
        if finding is None:
            filtered[why] = filtered.get(why, 0) + 1
            continue
        source = _source_lines(real_root, finding.location, lines_cache)
        first = (finding.line or 1) - 1
        last = min(finding.end_line or first + 1, first + MAX_SNIPPET_LINES)
        code = b"\n".join(source[first : max(last, first + 1)]).decode("utf-8", "replace")
        code = code.replace("\r", "")
        noise = evidence_noise(str(finding.extra["code"]), code)
        if noise is not None:
            filtered[noise] = filtered.get(noise, 0) + 1
            continue
        finding.snippet = code
        flagged = _flagged_text(finding, source)
        if flagged:
            finding.extra["flagged"] = flagged
        findings.append(finding)
    contexts: dict[str, SourceContext] = {}

    def parsed(path: str) -> SourceContext:
        if path not in contexts:
            text = b"\n".join(_source_lines(real_root, path, lines_cache))
            contexts[path] = SourceContext.parse(text.decode("utf-8", "replace"))
        return contexts[path]

    assign_fingerprints(findings, lambda f: parsed(f.location).scope(f.line or 0))
    stats["filtered"] = filtered
    return apply_signal(findings, index, parsed, stats, held_back)


def _convert(
    diagnostic: dict[str, Any], root: Path, setup: RuffSetup, types: set[OpportunityType]
) -> tuple[Finding | None, str]:
    """A finding for one ruff diagnostic, or None and the reason it was dropped."""
    code = diagnostic.get("code")
    if not code:
        return None, "syntax-error"
    path = _relative(root, diagnostic.get("filename", ""))
    rule = rule_for(code)
    if path is None or rule is None or rule.type not in types:
        return None, "not-selected"
    if setup.ignored(path, code):
        return None, "repository-ignore"
    message = str(diagnostic.get("message", "")).strip()
    noise = noise_reason(path, code, message)
    if noise is not None:
        return None, noise
    location = diagnostic.get("location") or {}
    end = diagnostic.get("end_location") or location
    fix = diagnostic.get("fix") or {}
    name = diagnostic.get("name", "")
    how = fix.get("message") or f"see {diagnostic.get('url') or 'the ruff documentation'}"
    priority = rule.priority
    if code in ("S602", "S604", "S605") and "seems safe" in message:
        priority = Priority.LOW  # ruff saw a literal command line: nothing injectable today
    return Finding(
        fingerprint="",
        rule=f"ruff:{code}",
        type=rule.type,
        priority=priority,
        effort=rule.effort,
        title=_title(message),
        description=f"{rule.why} Ruff {code} ({name}): {message} How to fix: {how}.",
        location=path,
        line=location.get("row"),
        end_line=end.get("row"),
        fixable=rule.codemod or fix.get("applicability") == "safe",
        extra={
            "tool": "ruff",
            "code": code,
            "name": name,
            "column": location.get("column"),
            "end_column": end.get("column"),
            "fix_applicability": fix.get("applicability"),
            "fix_message": fix.get("message"),
            "url": diagnostic.get("url"),
        },
    ), ""


def _flagged_text(finding: Finding, source: list[bytes]) -> str:
    """The line up to the end of ruff's range, when the range lies on one line ("" otherwise).

    It keeps what tells the finding apart (the statement around it) and leaves out what
    follows: fixing another finding later on the same line (a ``timeout=`` added after a
    flagged ``verify=False``) leaves it unchanged.
    """
    line, start, end = finding.line, finding.extra.get("column"), finding.extra.get("end_column")
    if not line or line != finding.end_line or not isinstance(start, int):
        return ""
    if not isinstance(end, int) or not 0 < start < end or line > len(source):
        return ""
    text = source[line - 1].decode("utf-8", "replace")
    return text[: end - 1].strip()


def _relative(root: Path, filename: str) -> str | None:
    prefix = f"{root}/"
    if filename.startswith(prefix):
        return filename[len(prefix) :]
    try:
        return Path(filename).resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def _title(message: str) -> str:
    first = message.split(". ")[0].rstrip(".")
    return first if len(first) <= 120 else first[:117] + "..."


def _source_lines(root: Path, path: str, cache: dict[str, list[bytes]]) -> list[bytes]:
    """The file's lines as bytes (decoded only where a finding needs them)."""
    if path not in cache:
        data = safe_read(root, path, real_root=str(root))
        cache[path] = data.split(b"\n") if data is not None else []
    return cache[path]
