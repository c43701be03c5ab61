"""Noise a maintainer would reject, decided by where a diagnostic is (docs/mining.md explains).

Each filter is ``(name, applies-to-path, drops-this-code)``; the first that
matches drops the diagnostic. Names are recorded in mining stats so the effect
of every filter is visible.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from aomaas.engine.index import is_test_path
from aomaas.engine.miners.rules import prefix_matches

_VENDORED = re.compile(
    r"(^|/)(_?vendor(ed)?|third_party|thirdparty|externals?|node_modules)/|_pb2(_grpc)?\.py$"
)
_MIGRATIONS = re.compile(r"(^|/)migrations/")
_DOCS_EXAMPLES = re.compile(r"(^|/)(docs?|examples?|samples?|demo|scripts|benchmarks?|bench)/")
_FIXTURES = re.compile(r"(^|/)(fixtures?|testdata|test_data|data)/")
_TOOLING = re.compile(r"(^|/)(setup\.py|conftest\.py|noxfile\.py|fabfile\.py|conf\.py|manage\.py)$")


def _codes(*prefixes: str) -> Callable[[str], bool]:
    return lambda code: any(prefix_matches(p, code) for p in prefixes)


def _all(_code: str) -> bool:
    return True


def _not(*prefixes: str) -> Callable[[str], bool]:
    keep = _codes(*prefixes)
    return lambda code: not keep(code)


#: Testing rules, pyflakes, pyupgrade, pylint errors and debugger calls still matter in tests.
_TEST_KEEP = ("B011", "B015", "B017", "PT", "F", "UP", "PLE", "T10")

FILTERS: list[tuple[str, Callable[[str], bool], Callable[[str], bool]]] = [
    ("vendored-or-generated", lambda p: bool(_VENDORED.search(p)), _all),
    ("migrations", lambda p: bool(_MIGRATIONS.search(p)), _not("F821", "PLE", "S")),
    ("tests", is_test_path, _not(*_TEST_KEEP)),
    ("fixtures", lambda p: bool(_FIXTURES.search(p)), _codes("S1", "D")),
    (
        "docs-and-examples",
        lambda p: bool(_DOCS_EXAMPLES.search(p)),
        _codes("D", "S1", "S3", "S6", "T10"),
    ),
    ("tooling-scripts", lambda p: bool(_TOOLING.search(p)), _codes("D", "S1", "S6")),
    ("package-reexports", lambda p: p.endswith("__init__.py"), _codes("F401", "F403", "F405")),
]


def noise_reason(path: str, code: str) -> str | None:
    """The name of the filter that drops ``code`` at ``path``, or None to keep it."""
    for name, applies, drops in FILTERS:
        if applies(path) and drops(code):
            return name
    return None
