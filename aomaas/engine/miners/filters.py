"""Noise a maintainer would reject, decided by where a diagnostic is (docs/mining.md explains).

Each filter is ``(name, applies-to-path, drops-this-code)``; the first that
matches drops the diagnostic. Names are recorded in mining stats so the effect
of every filter is visible.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from aomaas.engine.index import is_test_path
from aomaas.engine.miners.rules import prefix_matches

_VENDORED = re.compile(
    r"(^|/)(_?vendor(ed)?|third_party|thirdparty|externals?|node_modules)/|_pb2(_grpc)?\.py$"
)
_MIGRATIONS = re.compile(r"(^|/)migrations/")
DOCS_EXAMPLES = re.compile(r"(^|/)(docs?|examples?|samples?|demo|scripts|benchmarks?|bench)/")
_FIXTURES = re.compile(r"(^|/)(fixtures?|testdata|test_data|data)/")
_LOCALE = re.compile(r"(^|/)locale/")
_TOOLING = re.compile(r"(^|/)(setup\.py|conftest\.py|noxfile\.py|fabfile\.py|conf\.py|manage\.py)$")


def _codes(*prefixes: str) -> Callable[[str], bool]:
    return lambda code: any(prefix_matches(p, code) for p in prefixes)


def _all(_code: str) -> bool:
    return True


def _not(*prefixes: str) -> Callable[[str], bool]:
    keep = _codes(*prefixes)
    return lambda code: not keep(code)


#: Testing rules, pyflakes, pyupgrade and debugger calls still matter in tests.
_TEST_KEEP = ("B011", "B015", "B017", "PT", "F", "UP", "T10")

FILTERS: list[tuple[str, Callable[[str], bool], Callable[[str], bool]]] = [
    ("vendored-or-generated", lambda p: bool(_VENDORED.search(p)), _all),
    ("migrations", lambda p: bool(_MIGRATIONS.search(p)), _not("F821", "PLE", "S")),
    ("tests", is_test_path, _not(*_TEST_KEEP)),
    ("fixtures", lambda p: bool(_FIXTURES.search(p)), _codes("S1", "D")),
    (
        "docs-and-examples",
        lambda p: bool(DOCS_EXAMPLES.search(p)),
        _codes("D", "S1", "S3", "S6", "T10", "C90"),
    ),
    ("tooling-scripts", lambda p: bool(_TOOLING.search(p)), _codes("D", "S1", "S6")),
    ("right-to-left-locale-data", lambda p: bool(_LOCALE.search(p)), _codes("PLE2502")),
    ("package-reexports", lambda p: p.endswith("__init__.py"), _codes("F401", "F403", "F405")),
]


def noise_reason(path: str, code: str, message: str = "") -> str | None:
    """The name of the filter that drops ``code`` at ``path``, or None to keep it."""
    if code == "T100" and message.startswith("Import for"):
        return "debugger-import"  # importing pdb is how debugging tools work; calls are the finding
    return _path_noise(path, code)


@lru_cache(maxsize=65_536)  # bounded: the worker mines many repositories over its life
def _path_noise(path: str, code: str) -> str | None:
    for name, applies, drops in FILTERS:
        if applies(path) and drops(code):
            return name
    return None


_STRING = re.compile(r"""(?:[rbuRBU]{0,2})("[^"\n]*"|'[^'\n]*')""")
_NAME_LIKE = re.compile(r"^[a-z_][a-z0-9_.-]*$")
_SECRET_WORDS = ("pass", "pwd", "secret", "token", "key", "auth", "credential")


def evidence_noise(code: str, snippet: str) -> str | None:
    """Drop findings whose own evidence shows them harmless (the filter's name, or None).

    Hard-coded "passwords" whose value is a field or setting *name* (``"password"``,
    ``"new_password1"``) or a marker of under four characters (``"!"``) are not secrets.
    """
    if code not in ("S105", "S106", "S107"):
        return None
    literals = [m.group(1)[1:-1] for m in _STRING.finditer(snippet)]
    if literals and all(_not_a_secret(value) for value in literals):
        return "password-field-names"
    return None


def _not_a_secret(value: str) -> bool:
    """A marker, a sentence, a constant word, or a field name that mentions secrets."""
    return (
        len(value) < 4
        or " " in value
        or value.isupper()
        or bool(_NAME_LIKE.match(value) and any(w in value for w in _SECRET_WORDS))
    )


_TEST_GLOBS = (
    "**/tests/**",
    "**/test/**",
    "**/testing/**",
    "**/__tests__/**",
    "**/spec/**",
    "**/test_*.py",
    "**/*_test.py",
    "**/*_tests.py",
    "**/conftest.py",
)
_VENDORED_GLOBS = (
    "**/vendor/**",
    "**/_vendor/**",
    "**/vendored/**",
    "**/_vendored/**",
    "**/third_party/**",
    "**/thirdparty/**",
    "**/external/**",
    "**/externals/**",
    "**/*_pb2.py",
    "**/*_pb2_grpc.py",
)
#: The bulk of the filters above, handed to ruff as ``--extend-per-file-ignores`` so that it
#: does not even report them. Each entry must drop a subset of what FILTERS drops there.
RUFF_PREFILTERS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (_TEST_GLOBS, ("S", "D", "C90", "PERF", "C4", "SIM", "ASYNC", "E7", "PLE")),
    (_VENDORED_GLOBS, ("ALL",)),
    (("**/migrations/**",), ("D", "C90", "SIM", "UP", "PERF", "C4", "E7", "T10", "ASYNC")),
)


def ruff_prefilters() -> str:
    """The ``--extend-per-file-ignores`` value for :data:`RUFF_PREFILTERS`."""
    return ",".join(
        f"{glob}:{code}" for globs, codes in RUFF_PREFILTERS for glob in globs for code in codes
    )
