"""Read a test run's JUnit XML report (pytest's ``--junitxml``, family ``xunit1``).

The report, not the console output, says what ran: console text changes with
colour, verbosity and plugins, and a suite that stops at configuration time
prints no summary line at all. The XML is written by code of the repository
under test, so it is parsed with defusedxml (no entities, no external
references) and its size is bounded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_REPORT_BYTES = 64 * 1024 * 1024
COLLECTION_FAILURE = "collection failure"


class ReportUnreadable(Exception):
    """The report is missing, too large or not JUnit XML; the message says which."""


@dataclass(slots=True)
class JUnitResults:
    """What the report says ran: passed, failing (failure or error), skipped, uncollectable."""

    passed: int = 0
    skipped: int = 0
    failing: set[str] = field(default_factory=set)
    #: test files that could not be collected (imported), with the error's last line
    collection_errors: dict[str, str] = field(default_factory=dict)
    #: passed tests per test file
    passed_files: Counter[str] = field(default_factory=Counter)

    @property
    def collected(self) -> int:
        """Tests that were collected (run or skipped)."""
        return self.passed + self.skipped + len(self.failing)


def _node_id(case: Element) -> str:
    """pytest's node id (``path::Class::name``) rebuilt from ``file``, ``classname`` and ``name``."""
    name = case.get("name", "")
    path = case.get("file", "")
    classname = case.get("classname", "")
    if not path:
        return f"{classname}::{name}" if classname else name
    module = path.removesuffix(".py").replace("/", ".")
    if classname.startswith(module + "."):
        return f"{path}::{classname[len(module) + 1 :].replace('.', '::')}::{name}"
    return f"{path}::{name}"


def _last_error_line(text: str) -> str:
    """The ``E   ...`` line closest to the end (the exception), else the last line."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    errors = [line[1:].strip() for line in lines if line.startswith("E ")]
    return (errors[-1] if errors else lines[-1] if lines else "")[:300]


def read_report(path: Path) -> JUnitResults:
    """Parse the report at ``path``; ReportUnreadable when there is none or it is not JUnit XML."""
    if not path.is_file() or path.is_symlink():
        raise ReportUnreadable("no test report was written")
    if path.stat().st_size > MAX_REPORT_BYTES:
        raise ReportUnreadable("the test report is larger than 64 MiB")
    try:
        root = fromstring(path.read_bytes(), forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise ReportUnreadable(f"the test report is not valid XML: {exc}") from None
    if root.tag not in ("testsuites", "testsuite"):
        raise ReportUnreadable(f"the test report is not JUnit XML (root <{root.tag}>)")
    results = JUnitResults()
    for case in root.iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None and problem.get("message") == COLLECTION_FAILURE:
            where = case.get("file") or case.get("name", "?")
            results.collection_errors[where] = _last_error_line(problem.text or "")
        elif problem is not None:
            results.failing.add(_node_id(case))
        elif case.find("skipped") is not None:
            results.skipped += 1
        else:
            results.passed += 1
            results.passed_files[case.get("file", "")] += 1
    return results
