"""The one table mapping analyzer rules to opportunity type, priority and effort.

``RULES`` is keyed by a ruff code or code prefix (longest match wins) or by a
``repo:`` check name. ``EXCLUDED`` lists rules never reported, with the reason.
docs/mining.md embeds :func:`rules_markdown`, and a test keeps them equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from aomaas.engine.findings import Effort, OpportunityType, Priority

T = OpportunityType
P = Priority
E = Effort


@dataclass(frozen=True)
class Rule:
    """How one rule (or family) is reported."""

    type: OpportunityType
    priority: Priority
    effort: Effort
    why: str
    codemod: bool = False  # the rule-based brain has a deterministic recipe for it


_SEC = "Security: "
_PERF = "Performance: "
_MAINT = "Maintainability: "

RULES: dict[str, Rule] = {
    # ------------------------------------------------------------- security (ruff S)
    "S": Rule(T.SECURITY, P.MEDIUM, E.MEDIUM, _SEC + "a pattern bandit reports as risky."),
    "S101": Rule(
        T.SECURITY,
        P.LOW,
        E.SMALL,
        _SEC + "assert is removed under python -O, so it must not guard behaviour.",
    ),
    "S102": Rule(T.SECURITY, P.HIGH, E.MEDIUM, _SEC + "exec runs arbitrary code."),
    "S103": Rule(
        T.SECURITY,
        P.MEDIUM,
        E.SMALL,
        _SEC + "files made world-writable can be altered by other users.",
    ),
    "S104": Rule(
        T.SECURITY,
        P.LOW,
        E.SMALL,
        _SEC + "binding to all interfaces exposes a service beyond the host.",
    ),
    "S105": Rule(
        T.SECURITY, P.MEDIUM, E.SMALL, _SEC + "a password in source code leaks with the code."
    ),
    "S106": Rule(
        T.SECURITY, P.MEDIUM, E.SMALL, _SEC + "a password in source code leaks with the code."
    ),
    "S107": Rule(
        T.SECURITY,
        P.MEDIUM,
        E.SMALL,
        _SEC + "a default password in source code leaks with the code.",
    ),
    "S108": Rule(
        T.SECURITY,
        P.LOW,
        E.SMALL,
        _SEC + "fixed paths in a shared temp directory can be pre-created by another user.",
    ),
    "S110": Rule(
        T.SECURITY,
        P.LOW,
        E.SMALL,
        _SEC + "silently swallowed exceptions hide failures, including security ones.",
    ),
    "S112": Rule(
        T.SECURITY,
        P.LOW,
        E.SMALL,
        _SEC + "silently swallowed exceptions hide failures, including security ones.",
    ),
    "S113": Rule(
        T.SECURITY,
        P.MEDIUM,
        E.SMALL,
        _SEC + "an HTTP request without a timeout can hang forever (denial of service).",
        codemod=True,
    ),
    "S201": Rule(
        T.SECURITY, P.HIGH, E.SMALL, _SEC + "the Flask debugger allows arbitrary code execution."
    ),
    "S202": Rule(
        T.SECURITY,
        P.HIGH,
        E.MEDIUM,
        _SEC + "extracting an untrusted archive can write outside the target directory.",
    ),
    "S301": Rule(
        T.SECURITY, P.MEDIUM, E.MEDIUM, _SEC + "unpickling untrusted data runs arbitrary code."
    ),
    "S302": Rule(T.SECURITY, P.MEDIUM, E.MEDIUM, _SEC + "unmarshalling untrusted data is unsafe."),
    "S303": Rule(
        T.SECURITY, P.MEDIUM, E.SMALL, _SEC + "MD5/SHA1 are broken for security purposes."
    ),
    "S304": Rule(T.SECURITY, P.HIGH, E.MEDIUM, _SEC + "the cipher is broken."),
    "S305": Rule(T.SECURITY, P.HIGH, E.MEDIUM, _SEC + "the cipher mode is insecure."),
    "S306": Rule(
        T.SECURITY,
        P.MEDIUM,
        E.SMALL,
        _SEC + "tempfile.mktemp is race-prone; another process can take the name first.",
        codemod=True,
    ),
    "S307": Rule(
        T.SECURITY,
        P.HIGH,
        E.MEDIUM,
        _SEC + "eval runs arbitrary code; ast.literal_eval parses literals safely.",
    ),
    "S308": Rule(
        T.SECURITY,
        P.LOW,
        E.MEDIUM,
        _SEC + "mark_safe disables escaping; it must only wrap trusted markup.",
    ),
    "S310": Rule(T.SECURITY, P.LOW, E.SMALL, _SEC + "urlopen accepts file:// and custom schemes."),
    "S312": Rule(T.SECURITY, P.MEDIUM, E.MEDIUM, _SEC + "Telnet sends everything in clear text."),
    "S313": Rule(
        T.SECURITY,
        P.MEDIUM,
        E.MEDIUM,
        _SEC + "the standard XML parsers are open to entity-expansion attacks (use defusedxml).",
    ),
    "S321": Rule(T.SECURITY, P.MEDIUM, E.MEDIUM, _SEC + "FTP sends credentials in clear text."),
    "S323": Rule(
        T.SECURITY, P.HIGH, E.SMALL, _SEC + "an unverified SSL context accepts any certificate."
    ),
    "S324": Rule(
        T.SECURITY,
        P.MEDIUM,
        E.SMALL,
        _SEC + "a weak hash; if not used for security, say so with usedforsecurity=False.",
        codemod=True,
    ),
    "S501": Rule(
        T.SECURITY,
        P.HIGH,
        E.SMALL,
        _SEC + "verify=False accepts any certificate (man in the middle).",
    ),
    "S502": Rule(T.SECURITY, P.HIGH, E.SMALL, _SEC + "an insecure SSL/TLS protocol version."),
    "S503": Rule(T.SECURITY, P.HIGH, E.SMALL, _SEC + "an insecure SSL/TLS protocol version."),
    "S504": Rule(
        T.SECURITY,
        P.MEDIUM,
        E.SMALL,
        _SEC + "ssl.wrap_socket without a protocol version may allow insecure ones.",
    ),
    "S505": Rule(T.SECURITY, P.HIGH, E.SMALL, _SEC + "a cryptographic key too short to be safe."),
    "S506": Rule(
        T.SECURITY,
        P.HIGH,
        E.SMALL,
        _SEC + "yaml.load can build arbitrary Python objects; yaml.safe_load cannot.",
        codemod=True,
    ),
    "S507": Rule(
        T.SECURITY,
        P.HIGH,
        E.SMALL,
        _SEC + "accepting unknown SSH host keys allows man-in-the-middle attacks.",
    ),
    "S601": Rule(
        T.SECURITY, P.HIGH, E.MEDIUM, _SEC + "a shell command built from data may be injectable."
    ),
    "S602": Rule(
        T.SECURITY,
        P.HIGH,
        E.MEDIUM,
        _SEC + "shell=True with a built command line allows shell injection.",
    ),
    "S604": Rule(
        T.SECURITY,
        P.HIGH,
        E.MEDIUM,
        _SEC + "shell=True with a built command line allows shell injection.",
    ),
    "S605": Rule(
        T.SECURITY,
        P.MEDIUM,
        E.MEDIUM,
        _SEC + "starting a process through a shell allows shell injection.",
    ),
    "S608": Rule(
        T.SECURITY,
        P.MEDIUM,
        E.MEDIUM,
        _SEC + "SQL built by string formatting may be injectable; use parameters.",
    ),
    "S609": Rule(
        T.SECURITY,
        P.MEDIUM,
        E.SMALL,
        _SEC + "a wildcard in a shell command can be abused with crafted file names.",
    ),
    "S610": Rule(
        T.SECURITY, P.MEDIUM, E.MEDIUM, _SEC + "QuerySet.extra with data may be injectable."
    ),
    "S611": Rule(T.SECURITY, P.MEDIUM, E.MEDIUM, _SEC + "RawSQL with data may be injectable."),
    "S701": Rule(
        T.SECURITY,
        P.HIGH,
        E.SMALL,
        _SEC + "templates without autoescape allow cross-site scripting.",
    ),
    "S702": Rule(
        T.SECURITY,
        P.MEDIUM,
        E.SMALL,
        _SEC + "Mako templates do not escape by default (cross-site scripting).",
    ),
    # ------------------------------------------------------------- performance
    "PERF": Rule(
        T.PERFORMANCE, P.LOW, E.SMALL, _PERF + "a loop pattern with a faster, clearer equivalent."
    ),
    "PERF101": Rule(
        T.PERFORMANCE,
        P.MEDIUM,
        E.SMALL,
        _PERF + "list() around an iterable that is already iterable copies it for nothing.",
    ),
    "C4": Rule(
        T.PERFORMANCE, P.LOW, E.SMALL, _PERF + "an unnecessary intermediate collection or call."
    ),
    "ASYNC": Rule(
        T.PERFORMANCE,
        P.MEDIUM,
        E.MEDIUM,
        _PERF + "a blocking call inside async code stalls the event loop.",
    ),
    # ------------------------------------------------------------- documentation
    "D1": Rule(
        T.DOCUMENTATION,
        P.LOW,
        E.SMALL,
        "Documentation: a public module, class or function without a docstring.",
    ),
    "D419": Rule(
        T.DOCUMENTATION, P.LOW, E.SMALL, "Documentation: an empty docstring documents nothing."
    ),
    # ------------------------------------------------------------- maintainability
    "F": Rule(T.MAINTAINABILITY, P.MEDIUM, E.SMALL, _MAINT + "pyflakes: dead or broken code."),
    "F401": Rule(
        T.MAINTAINABILITY,
        P.LOW,
        E.SMALL,
        _MAINT + "an unused import slows start-up and misleads readers.",
    ),
    "F811": Rule(
        T.MAINTAINABILITY,
        P.MEDIUM,
        E.SMALL,
        _MAINT + "a redefinition hides the earlier definition.",
    ),
    "F821": Rule(
        T.MAINTAINABILITY,
        P.HIGH,
        E.SMALL,
        _MAINT + "an undefined name raises NameError when reached.",
    ),
    "F841": Rule(
        T.MAINTAINABILITY, P.LOW, E.SMALL, _MAINT + "an unused local variable is dead code."
    ),
    "PLE": Rule(
        T.MAINTAINABILITY, P.HIGH, E.SMALL, _MAINT + "pylint error: code that fails when it runs."
    ),
    "PLE0704": Rule(
        T.MAINTAINABILITY,
        P.LOW,
        E.SMALL,
        _MAINT + "a bare raise outside an except block fails unless called while handling one.",
    ),
    "B": Rule(
        T.MAINTAINABILITY, P.MEDIUM, E.SMALL, _MAINT + "bugbear: a likely bug or design problem."
    ),
    "B010": Rule(
        T.MAINTAINABILITY,
        P.LOW,
        E.SMALL,
        _MAINT + "setattr with a constant name is a plain assignment.",
    ),
    "B018": Rule(
        T.MAINTAINABILITY,
        P.LOW,
        E.SMALL,
        _MAINT + "an expression whose value is unused is dead code, unless kept for a side effect.",
    ),
    "B006": Rule(
        T.MAINTAINABILITY,
        P.MEDIUM,
        E.SMALL,
        _MAINT + "a mutable default argument is shared between calls.",
    ),
    "B904": Rule(
        T.MAINTAINABILITY,
        P.LOW,
        E.SMALL,
        _MAINT + "re-raising without 'from' loses or confuses the exception chain.",
    ),
    "E711": Rule(
        T.MAINTAINABILITY, P.LOW, E.SMALL, _MAINT + "comparisons to None should use 'is'."
    ),
    "E712": Rule(
        T.MAINTAINABILITY,
        P.LOW,
        E.SMALL,
        _MAINT + "comparisons to True/False should use 'is' or truthiness.",
    ),
    "E721": Rule(
        T.MAINTAINABILITY,
        P.LOW,
        E.SMALL,
        _MAINT + "type comparisons should use isinstance or 'is'.",
    ),
    "E722": Rule(
        T.MAINTAINABILITY,
        P.MEDIUM,
        E.SMALL,
        _MAINT + "a bare except also catches KeyboardInterrupt and SystemExit.",
    ),
    "SIM": Rule(T.MAINTAINABILITY, P.LOW, E.SMALL, _MAINT + "code that has a simpler equivalent."),
    "UP": Rule(
        T.MAINTAINABILITY,
        P.LOW,
        E.SMALL,
        _MAINT + "syntax that the supported Python versions no longer need.",
    ),
    "C90": Rule(
        T.MAINTAINABILITY,
        P.MEDIUM,
        E.LARGE,
        _MAINT + "a function too complex to read and test (McCabe complexity).",
    ),
    "T10": Rule(
        T.MAINTAINABILITY,
        P.HIGH,
        E.SMALL,
        _MAINT + "a debugger call left in the code stops the program.",
    ),
    # ------------------------------------------------------------- testing
    "B011": Rule(
        T.TESTING,
        P.LOW,
        E.SMALL,
        "Testing: assert False disappears under python -O; use pytest.fail or raise AssertionError.",
    ),
    "B015": Rule(
        T.TESTING,
        P.MEDIUM,
        E.SMALL,
        "Testing: a comparison whose result is unused is probably a missing assert.",
    ),
    "B017": Rule(
        T.TESTING,
        P.MEDIUM,
        E.SMALL,
        "Testing: asserting that any Exception is raised passes on unrelated errors.",
    ),
    "PT011": Rule(
        T.TESTING,
        P.LOW,
        E.SMALL,
        "Testing: pytest.raises with a broad exception passes on unrelated errors.",
    ),
    "PT012": Rule(
        T.TESTING,
        P.LOW,
        E.SMALL,
        "Testing: several statements in pytest.raises hide which one raised.",
    ),
    "PT015": Rule(
        T.TESTING, P.LOW, E.SMALL, "Testing: an assertion that always fails should be pytest.fail."
    ),
    "PT017": Rule(
        T.TESTING,
        P.LOW,
        E.SMALL,
        "Testing: asserting on an exception inside except should use pytest.raises.",
    ),
    # ------------------------------------------------------------- repository-level
    "repo:missing-security-policy": Rule(
        T.SECURITY,
        P.MEDIUM,
        E.SMALL,
        "No SECURITY.md: reporters do not know how to disclose a vulnerability privately.",
        codemod=True,
    ),
    "repo:missing-license": Rule(
        T.DOCUMENTATION,
        P.HIGH,
        E.SMALL,
        "No LICENSE file: without one nobody may legally reuse the code.",
        codemod=True,
    ),
    "repo:missing-readme": Rule(
        T.DOCUMENTATION,
        P.HIGH,
        E.MEDIUM,
        "No README: visitors cannot tell what the project does or how to use it.",
    ),
    "repo:readme-missing-install": Rule(
        T.DOCUMENTATION, P.MEDIUM, E.SMALL, "The README does not say how to install the project."
    ),
    "repo:readme-missing-usage": Rule(
        T.DOCUMENTATION, P.MEDIUM, E.SMALL, "The README has no usage section or example."
    ),
    "repo:missing-contributing": Rule(
        T.DOCUMENTATION,
        P.LOW,
        E.SMALL,
        "No CONTRIBUTING guide: contributors must guess how to set up, test and submit.",
    ),
    "repo:missing-changelog": Rule(
        T.DOCUMENTATION,
        P.LOW,
        E.SMALL,
        "No changelog: users cannot see what changed between releases.",
    ),
    "repo:no-tests": Rule(
        T.TESTING, P.HIGH, E.LARGE, "No tests: changes cannot be checked automatically."
    ),
    "repo:no-test-command": Rule(
        T.TESTING,
        P.LOW,
        E.SMALL,
        "Tests exist but no runner is configured, so contributors and CI must guess how to run them.",
    ),
    "repo:no-ci": Rule(
        T.TESTING,
        P.MEDIUM,
        E.MEDIUM,
        "No continuous integration: nothing runs the tests on each change.",
    ),
    "repo:ci-without-tests": Rule(
        T.TESTING, P.MEDIUM, E.SMALL, "CI is configured but no job runs the test suite."
    ),
    "repo:unpinned-requirement": Rule(
        T.DEPENDENCIES,
        P.LOW,
        E.SMALL,
        "A requirements file entry without an exact pin makes installs unreproducible.",
    ),
    "repo:missing-requires-python": Rule(
        T.DEPENDENCIES,
        P.MEDIUM,
        E.SMALL,
        "No declared Python version range: installers cannot refuse unsupported interpreters.",
    ),
    "repo:eol-python-supported": Rule(
        T.DEPENDENCIES,
        P.LOW,
        E.MEDIUM,
        "The declared Python range includes versions past end of life, which no longer get security fixes.",
    ),
    "repo:legacy-setup-py": Rule(
        T.DEPENDENCIES,
        P.LOW,
        E.MEDIUM,
        "Packaging only through setup.py: pyproject.toml is the standard place for metadata (PEP 621).",
    ),
}

#: Rules never reported, and why (the noise a maintainer would reject).
EXCLUDED: dict[str, str] = {
    "S311": "random for non-cryptographic purposes is the normal case",
    "S4": "suspicious imports duplicate the call-site rules (S3xx) without evidence of use",
    "S603": "every subprocess call without shell; not a finding by itself",
    "S606": "starting a process without a shell is the safe form",
    "S607": "partial executable paths are how tools are normally found on PATH",
    "C408": "dict()/list() calls versus literals is a style preference",
    "D105": "magic methods are documented by the language",
    "D107": "__init__ is documented by its class docstring in most styles",
    "SIM105": "contextlib.suppress is a style preference and slower",
    "SIM108": "ternary versus if/else is a style preference",
    "B008": "calls in defaults are idiomatic in dependency-injection frameworks",
    "B905": "zip(strict=) is a style choice where lengths are known equal",
    "PLE0605": "computed __all__ (list concatenation) is valid Python",
    "UP015": "redundant open modes are harmless style",
    "UP031": "printf-style formatting is a deliberate choice in many code bases (logging, i18n)",
    "UP032": "f-string versus str.format is a style preference",
    "PERF203": "try/except in a loop costs nothing since Python 3.11",
}


def ruff_selection(types: set[OpportunityType]) -> list[str]:
    """Ruff ``--select`` prefixes for the wanted types (none covered by another)."""
    return list(_selection(frozenset(types)))


@cache
def _selection(types: frozenset[OpportunityType]) -> tuple[str, ...]:
    codes = [c for c, rule in RULES.items() if not c.startswith("repo:") and rule.type in types]
    return tuple(
        sorted(c for c in codes if not any(o != c and prefix_matches(o, c) for o in codes))
    )


def _alpha(code: str) -> str:
    index = 0
    while index < len(code) and code[index].isalpha():
        index += 1
    return code[:index]


def prefix_matches(prefix: str, code: str) -> bool:
    """Ruff prefix semantics: "S" matches S101 but not SIM101; "PL" matches PLE0101; "ALL" all."""
    if prefix == "ALL":
        return True
    if not code.startswith(prefix):
        return False
    alpha = _alpha(code)
    if prefix.isalpha():
        return alpha == prefix or (prefix == "PL" and alpha in ("PLC", "PLE", "PLR", "PLW"))
    return _alpha(prefix) == alpha


@cache
def rule_for(code: str) -> Rule | None:
    """The table entry for a ruff code (longest matching prefix), None if unmapped or excluded."""
    if any(prefix_matches(prefix, code) for prefix in EXCLUDED):
        return None
    best = None
    for prefix in RULES:
        if (
            not prefix.startswith("repo:")
            and prefix_matches(prefix, code)
            and (best is None or len(prefix) > len(best))
        ):
            best = prefix
    return RULES[best] if best is not None else None


def rules_markdown() -> str:
    """The rule table as Markdown (embedded in docs/mining.md)."""
    lines = [
        "| rule | type | priority | effort | recipe | why it matters |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for code, rule in RULES.items():
        name = code if code.startswith("repo:") else f"ruff:{code}"
        lines.append(
            f"| `{name}` | {rule.type} | {rule.priority} | {rule.effort} | "
            f"{'codemod' if rule.codemod else ''} | {rule.why} |"
        )
    lines += ["", "| never reported | why |", "| --- | --- |"]
    lines += [f"| `ruff:{code}` | {reason} |" for code, reason in EXCLUDED.items()]
    return "\n".join(lines) + "\n"
