"""What is reported, and in what order: the repository's selection, context, guards, grouping.

Applied to the code findings of every mining call (docs/mining.md, "Signal"):

1. The repository's own linter configuration decides style: a rule it selects is
   reported; outside that selection only :data:`CURATED` (real bugs, security findings
   with evidence), whatever the configuration.
2. Docstring rules only where the repository enforces docstrings; otherwise one
   summary opportunity per package.
3. Context: guards make undefined-name and version findings non-findings; tests,
   examples, documentation and scripts weigh less (priority low) and security findings
   there drop out; deliberate designs (``exec(compile(...))``) rank low.
4. Ranking: real bugs and exploitable security first (priority critical).
5. Many instances of one rule in one package are one opportunity, locations listed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from aomaas.engine.findings import PRIORITY_RANK, Effort, Finding, Priority, make_fingerprint
from aomaas.engine.index import RepoIndex, is_test_path
from aomaas.engine.miners.context import SourceContext
from aomaas.engine.miners.filters import DOCS_EXAMPLES
from aomaas.engine.miners.ruff_since import newer_than, pinned_ruff
from aomaas.engine.miners.rules import prefix_matches
from aomaas.engine.miners.selection import LintSelection, lint_selection

#: Reported whatever the repository's configuration selects, and why.
CURATED: dict[str, str] = {
    "F821": "an undefined name raises NameError when the line runs (guarded names excepted)",
    "F822": "a name in __all__ that the module does not define breaks `from module import *`",
    "F823": "a local variable read before assignment raises UnboundLocalError",
    "F50": "a %-format whose arguments do not match its placeholders raises at run time",
    "F52": "a str.format call whose arguments do not match its fields raises at run time",
    "F601": "a dictionary literal repeating a key silently drops a value",
    "F602": "a dictionary literal repeating a key silently drops a value",
    "F631": "an assert on a tuple is always true: the check never runs",
    "F632": "`is` with a literal compares identity, which differs between interpreters",
    "F7": "break/continue/return/yield outside their statement fail to compile",
    "PLE": "pylint errors: code that fails when it runs",
    "B002": "`++x` is not an increment in Python",
    "B012": "return/break/continue in finally silently swallows the exception",
    "B015": "a comparison whose result is unused is a missing assert or condition",
    "B016": "raising a literal raises TypeError instead",
    "B025": "a duplicate except clause never runs",
    "B026": "a star-argument after a keyword argument binds positionally: a TypeError "
    "or a wrong value",
    "B029": "`except ()` catches nothing",
    "B030": "an except clause naming a non-exception raises TypeError when reached",
    "B033": "a duplicate item in a set literal is a typo",
    "B035": "a static key in a dict comprehension keeps only the last value",
    "B011": "assert False disappears under python -O, so the code after it runs "
    "(outside tests only)",
    "B028": "a deprecation warning without stacklevel points at the library instead of the "
    "caller's code (only for a DeprecationWarning in a public function)",
    "T100": "a debugger call left in the code stops the program",
    "PERF102": "iterating .items() and discarding the key or the value builds tuples for "
    "nothing; .keys()/.values() says what is meant",
    "S113": "an HTTP request without a timeout can hang forever",
    "S202": "extracting an archive without a filter can write outside the target",
    "S324": "MD5/SHA-1 where the code names a secret (password, token, signature...) "
    "is a broken security control (only with that evidence)",
    "S306": "tempfile.mktemp is race-prone",
    "S323": "an unverified SSL context accepts any certificate",
    "S501": "verify=False accepts any certificate",
    "S502": "an insecure SSL/TLS protocol version",
    "S503": "an insecure SSL/TLS protocol version",
    "S504": "ssl.wrap_socket without a protocol version may allow insecure ones",
    "S505": "a cryptographic key too short to be safe",
    "S506": "yaml.load with an unsafe loader builds arbitrary objects",
    "S507": "accepting unknown SSH host keys allows man-in-the-middle attacks",
    "S602": "shell=True with a built command line (ruff's literal 'seems safe' excepted)",
    "S604": "shell=True with a built command line (ruff's literal 'seems safe' excepted)",
    "S608": "SQL built by string formatting may be injectable",
    "S701": "Jinja2 templates without autoescape allow cross-site scripting",
    "S702": "Mako templates do not escape HTML by default: cross-site scripting (only in "
    "a module that speaks HTTP or HTML)",
    "S103": "a file mode that lets anyone write, or a umask(0) inside the chmod (nothing "
    "restores it there), makes files world-writable (only with that evidence)",
}
#: Curated rules reported outside the selection only with evidence (see _held_back).
NEEDS_EVIDENCE = ("S324", "B028", "S103", "S702")
#: Codes under a curated prefix that are not curated themselves.
NOT_CURATED = ("PLE0704", "PLE0605")
#: Real bugs and exploitable security: ranked first (priority critical).
CRITICAL = (
    "F821",
    "F822",
    "F823",
    "F50",
    "F52",
    "F631",
    "F632",
    "F7",
    "PLE",
    "B002",
    "B012",
    "B016",
    "B025",
    "B026",
    "B029",
    "B030",
    "B035",
    "T100",
    "S323",
    "S501",
    "S502",
    "S503",
    "S506",
    "S602",
    "S604",
    "S608",
    "S701",
    "S702",
)
#: Curated security with evidence that is not directly exploitable: ranked high.
HIGH = ("S103", "S113", "S202", "S306", "S504", "S505", "S507")
#: Findings a guard (``except NameError``, ``if sys.version_info``...) makes unreachable or
#: deliberate (an import probing for a module is not an unused import).
GUARDED_CODES = ("F821", "F822", "F401", "UP")
#: Context where code is not the shipped package: weighs less, security drops out.
_TOOLING = re.compile(r"(^|/)(conf\.py|setup\.py|noxfile\.py|fabfile\.py|tasks\.py|manage\.py)$")
_NON_PACKAGE = re.compile(r"^(documentation|extras?|tools|tasks|contrib/scripts)/")
#: A docstring summary needs this share of undocumented public definitions, of at least
#: MIN_PUBLIC definitions: a package documenting most of its API is not asked for more.
UNDOCUMENTED_SHARE = 0.5
MIN_PUBLIC = 5
#: The rule a docstring summary is reported under.
DOCSTRING_SUMMARY = "ruff:D1"


def context_of(path: str) -> str:
    """``tests``, ``examples`` (docs, examples, scripts, tooling) or ``package``."""
    if is_test_path(path):
        return "tests"
    if DOCS_EXAMPLES.search(path) or _NON_PACKAGE.search(path) or _TOOLING.search(path):
        return "examples"
    return "package"


def package_of(path: str) -> str:
    """The top-level package (or module, or folder) a path belongs to: one group per package."""
    parts = path.split("/")
    if parts[0] in ("src", "lib", "python") and len(parts) > 2:
        return "/".join(parts[:2])
    return parts[0]


def _matches(code: str, prefixes: tuple[str, ...] | list[str] | Any) -> bool:
    return any(prefix_matches(prefix, code) for prefix in prefixes)


def apply_signal(
    findings: list[Finding],
    index: RepoIndex,
    parsed: Callable[[str], SourceContext],
    stats: dict[str, Any],
    held_back: list[tuple[Finding, str]] | None = None,
) -> list[Finding]:
    """The code findings worth reporting, prioritised and grouped (``parsed``: a file's AST).

    ``held_back``, when given, receives each finding that is not reported with the reason
    (the keys of ``stats["held_back"]``, and for docstring findings whose package gets no
    summary ``docstrings-documented-elsewhere``, ``docstrings-not-a-package`` or
    ``docstrings-mostly-documented``): for measuring what the policy drops.
    """
    selection = lint_selection(index)
    pin = pinned_ruff(index)
    held: dict[str, int] = defaultdict(int)

    kept: list[Finding] = []
    summaries: list[Finding] = []
    for finding in findings:
        code = str(finding.extra.get("code", ""))
        why = _held_back(finding, code, selection, parsed, pin)
        if why is not None:
            held[why] += 1
            if held_back is not None:
                held_back.append((finding, why))
            continue
        if code.startswith("D1") and not selection.docstrings:
            summaries.append(finding)
            continue
        kept.append(_prioritised(finding, code, selection, parsed))
    stats["held_back"] = dict(sorted(held.items()))
    stats["lint_selection"] = {
        "prefixes": list(selection.prefixes),
        "sources": list(selection.sources),
        "docstrings": selection.docstrings,
        "pinned_ruff": ".".join(map(str, pin)) if pin else None,
    }
    return group(kept) + _docstring_summaries(summaries, index, held_back)


def _held_back(
    finding: Finding,
    code: str,
    selection: LintSelection,
    parsed: Callable[[str], SourceContext],
    pin: tuple[int, int, int] | None = None,
) -> str | None:
    """Why a finding is not reported (a stats key), or None to report it."""
    path = finding.location
    where = context_of(path)
    if code.startswith("D1") and not selection.docstrings:
        return "docstrings-outside-package" if where != "package" else None
    curated = _matches(code, CURATED) and code not in NOT_CURATED
    if not selection.selects(code) and not curated:
        return "not-selected"
    if not curated and newer_than(code, pin):
        return "newer-than-pinned-ruff"  # the repository's own ruff does not have the rule
    if where == "examples" and (code.startswith("S") or code.startswith("T10")):
        return "example-or-tooling"
    if where == "examples" and not curated:
        return "style-outside-package"  # scripts and docs are linted loosely, if at all
    if where == "tests" and code == "B011":
        return "assert-false-in-tests"
    if (
        where == "tests"
        and code in ("F401", "F811")
        and parsed(path).import_in_scope(finding.line or 0)
    ):
        return "import-under-test"  # an import inside a test is what the test checks
    if _matches(code, GUARDED_CODES) and parsed(path).guard(finding.line or 0):
        return "guarded"
    if (
        code == "S324"
        and not selection.selects(code)
        and not parsed(path).secret_context(finding.line or 0)
    ):
        return "weak-hash-without-evidence"
    if (
        code == "B028"
        and not selection.selects(code)
        and not parsed(path).public_deprecation(finding.line or 0)
    ):
        return "warning-without-evidence"
    if code == "S702" and not selection.selects(code) and not parsed(path).web_module():
        return "template-without-web-evidence"  # Mako generating code or text, not a page
    if (
        code == "S103"
        and not selection.selects(code)
        and not parsed(path).world_writable(finding.line or 0)
    ):
        return "permissions-without-evidence"
    return None


def _prioritised(
    finding: Finding, code: str, selection: LintSelection, parsed: Callable[[str], SourceContext]
) -> Finding:
    """The finding with the priority its value to the maintainer gives it."""
    priority = finding.priority
    why = ""
    if _matches(code, CRITICAL) and finding.priority is not Priority.LOW:
        priority = Priority.CRITICAL
    elif _matches(code, HIGH) or (
        code == "S324" and parsed(finding.location).secret_context(finding.line or 0)
    ):
        priority = Priority.HIGH
    if code in ("S102", "S307") and parsed(finding.location).deliberate_exec(finding.line or 0):
        priority, why = Priority.LOW, "deliberate: runs code compiled from a file on purpose"
    where = context_of(finding.location)
    if where != "package":
        priority, why = Priority.LOW, f"in {where}: weighs less than the package's code"
    finding.priority = priority
    finding.extra["selected"] = selection.selects(code)
    if why:
        finding.extra["rank_note"] = why
    return finding


def group(findings: list[Finding]) -> list[Finding]:
    """One opportunity per rule and package when a rule hits a package more than once."""
    buckets: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        buckets[(finding.rule, package_of(finding.location))].append(finding)
    out: list[Finding] = []
    for (rule, package), members in buckets.items():
        out.append(members[0] if len(members) == 1 else _grouped(rule, package, members))
    return out


def _grouped(rule: str, package: str, members: list[Finding], title: str = "") -> Finding:
    members = sorted(members, key=lambda f: (f.location, f.line or 0))
    first = members[0]
    best = min((m.priority for m in members), key=PRIORITY_RANK.__getitem__)
    extra = dict(first.extra)
    extra.update(
        member_description=first.description,
        package=package,
        count=len(members),
        locations=[
            {
                "location": m.location,
                "line": m.line,
                "end_line": m.end_line,
                "column": m.extra.get("column"),
                "code": m.extra.get("code"),
                "fingerprint": m.fingerprint,
                "title": m.title,
            }
            for m in members
        ],
    )
    places = len({m.location for m in members})
    return replace(
        first,
        fingerprint=make_fingerprint(rule, package, "", scope="*"),
        priority=best,
        effort=Effort.MEDIUM
        if len(members) > 10 and first.effort is Effort.SMALL
        else first.effort,
        title=title or f"{first.title} ({len(members)} places in {places} file(s) of {package})",
        description=f"{first.description} Found {len(members)} times in {package}; one change "
        "fixes them all.",
        fixable=all(m.fixable for m in members),
        extra=extra,
    )


#: Files that show the project documents its API outside docstrings.
_DOCS_SITE = re.compile(
    r"^(docs?|documentation)/|^(\.readthedocs\.ya?ml|mkdocs\.ya?ml|readthedocs\.ya?ml)$"
)


def documented_elsewhere(index: RepoIndex) -> str | None:
    """Where the project documents its API besides docstrings (a documentation tree, a
    Read the Docs or MkDocs configuration, a README linking its documentation), or None."""
    found = next((path for path in index.files if _DOCS_SITE.match(path)), None)
    if found is not None:
        return found
    return next((p for p, f in index.facts.items() if f.get("links_docs")), None)


def is_package(index: RepoIndex, package: str) -> bool:
    """An importable package (a folder with ``__init__.py``) or a top-level module: not a
    folder of scripts or benchmarks, whose docstrings nobody imports."""
    if package.endswith(".py"):
        return "/" not in package
    return f"{package}/__init__.py" in index.files


def undocumented_share(index: RepoIndex, package: str) -> float:
    """The share of the package's public functions and classes without a docstring."""
    public = [
        symbol
        for path, symbols in index.symbols.items()
        if package_of(path) == package and context_of(path) == "package"
        for symbol in symbols
        if not any(part.startswith("_") for part in str(symbol.get("qualname", "_")).split("."))
    ]
    if len(public) < MIN_PUBLIC:
        return 0.0
    return sum(1 for symbol in public if not symbol.get("documented")) / len(public)


def _no_summary(index: RepoIndex, package: str, documented: bool) -> str | None:
    """Why ``package`` gets no docstring summary (a key of ``held_back``), or None."""
    if documented:
        return "docstrings-documented-elsewhere"
    if not is_package(index, package):
        return "docstrings-not-a-package"
    if undocumented_share(index, package) < UNDOCUMENTED_SHARE:
        return "docstrings-mostly-documented"
    return None


def _docstring_summaries(
    findings: list[Finding],
    index: RepoIndex,
    held_back: list[tuple[Finding, str]] | None = None,
) -> list[Finding]:
    """One low-priority opportunity per package whose public API is mostly undocumented
    (the findings of the other packages go into ``held_back`` when given)."""
    by_package: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_package[package_of(finding.location)].append(finding)
    elsewhere = documented_elsewhere(index) is not None
    out = []
    for package, members in sorted(by_package.items()):
        why = _no_summary(index, package, elsewhere)
        if why is not None:
            if held_back is not None:
                held_back.extend((member, why) for member in members)
            continue
        summary = _grouped(
            DOCSTRING_SUMMARY,
            package,
            members,
            title=f"{len(members)} public definitions without a docstring in {package}",
        )
        summary.rule = DOCSTRING_SUMMARY
        summary.priority = Priority.LOW
        summary.fixable = False
        summary.extra["code"] = "D1"
        summary.description = (
            f"Documentation: {len(members)} public modules, classes or functions in {package} "
            "have no docstring. The repository does not enforce docstrings, so this is one "
            "summary rather than one opportunity per definition."
        )
        out.append(summary)
    return out


def curated_markdown() -> str:
    """The curated set as Markdown (embedded in docs/mining.md)."""
    ranks = [(CRITICAL, "critical"), (HIGH, "high")]
    lines = [
        "| rule | ranked | why it is reported whatever the configuration |",
        "| --- | --- | --- |",
    ]
    for code, reason in CURATED.items():
        rank = next((name for codes, name in ranks if _matches(code, codes)), "as in the table")
        rank = "high" if code == "S324" else rank
        lines.append(f"| `ruff:{code}` | {rank} | {reason} |")
    return "\n".join(lines) + "\n"
