"""The proof: a change leaves the bot only if every check here holds.

1. ``finding-gone``: re-mining the changed files (repository-level rules: the
   repository check again) no longer reports the finding — neither its
   fingerprint nor as many hits of its rule in its file as before.
2. ``no-new-findings``: no rule reports more hits in a changed file than it did
   at the base commit.
3. ``compiles``: every changed Python file compiles (``compile()`` of the text;
   nothing is imported or run).
4. ``tests``: the repository's own suite runs before and after the change in
   the sandbox and is no worse (every test failing after also failed before, and
   every test module that imported before still imports). What ran is read
   from pytest's JUnit XML report. The run before the change must collect
   tests, import every test module and pass some; otherwise the check is
   ``skipped`` with "tests could not run: <why>" (or "tests not run: <why>" when
   the suite was not started), and the fix is at most ``checked``
   (:mod:`aomaas.engine.proof`).
5. ``repo-gates`` and ``oldest-python``: the repository's own linters and
   formatter find nothing new in the changed files, and vermin finds nothing
   that needs a newer Python than the repository declares
   (:mod:`aomaas.engine.gates`).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from aomaas.engine.findings import Finding, members
from aomaas.engine.gates import GateSettings, gate_check, python_check
from aomaas.engine.index import RepoIndex, build_index
from aomaas.engine.index.project import is_test_path
from aomaas.engine.miners import MINERS, mine
from aomaas.engine.testdeps import install_plan
from aomaas.engine.testenv import (
    SuiteNotRun,
    SuiteRun,
    SuiteSettings,
    installed,
    prepare_environment,
)
from aomaas.engine.testenv import run_tests as run_suite
from aomaas.engine.workspace import run_git

Outcome = Literal["passed", "failed", "skipped"]


@dataclass(slots=True)
class Check:
    """One check of the proof."""

    name: str
    outcome: Outcome
    duration: float
    detail: str


@dataclass(slots=True)
class ValidationReport:
    """What ran and how each check ended; ``passed`` only when none failed."""

    checks: list[Check]
    tests_ran: bool
    tests_detail: str
    passed: bool
    isolation: str = ""
    #: tests that passed before and after the change (None: the tests did not run)
    tests_passed_before: int | None = None
    tests_passed_after: int | None = None
    #: test files that import a changed module and passed after the change
    tests_covering: list[str] = field(default_factory=list)

    def failures(self) -> list[str]:
        """``name: detail`` of each failed check."""
        return [f"{c.name}: {c.detail}" for c in self.checks if c.outcome == "failed"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationReport:
        """Inverse of :meth:`to_dict`."""
        values = dict(data)
        values["checks"] = [Check(**check) for check in values.get("checks", [])]
        return cls(**values)


@dataclass(slots=True)
class ValidationSettings:
    """Whether and how the tests run (the other checks always run)."""

    tests: SuiteSettings = field(default_factory=SuiteSettings)
    run_tests: bool = True
    gates: GateSettings = field(default_factory=GateSettings)

    def gate_cache(self) -> Path:
        """Where the repository's pinned linters and formatters are installed."""
        return self.gates.cache_dir or self.tests.cache_dir


def _timed(name: str, body: Callable[[], tuple[Outcome, str]]) -> Check:
    started = time.monotonic()
    outcome, detail = body()
    return Check(name, outcome, round(time.monotonic() - started, 3), detail)


def _is_repo_level(finding: Finding) -> bool:
    return finding.rule.startswith("repo:")


T = TypeVar("T")


class BaseMemo(Generic[T]):
    """The last few results computed for a base commit, keyed by (repository, commit, ...).

    Proving several fixes from one base commit (a benchmark, a batch of
    opportunities) then indexes the base and runs its tests once; each fix's
    head is indexed incrementally from the base index.
    """

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, ...], T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, root: Path, key: tuple[str, ...], build: Callable[[], T]) -> T:
        """The memoised value for ``key`` in the repository of ``root`` (built when missing)."""
        common = run_git(["rev-parse", "--path-format=absolute", "--git-common-dir"], root)
        full = (common.strip(), *key)
        with self._lock:
            if full in self._items:
                self._items.move_to_end(full)
                return self._items[full]
        value = build()
        with self._lock:
            self._items[full] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


BASE_INDEXES: BaseMemo[RepoIndex] = BaseMemo()
BASE_RUNS: BaseMemo[SuiteRun] = BaseMemo()


def _mine(root: Path, index: RepoIndex, finding: Finding, paths: list[str]) -> list[Finding]:
    """The miners' findings at ``root`` (a checkout of ``index.commit``) for the relevant scope.

    Repository-level rules re-run only their type's repository checks (read from
    the index); code rules re-mine only the changed files.
    """
    if _is_repo_level(finding):
        return list(MINERS[finding.type].repo_checks(index))
    return [member for found in mine(root, index, paths=paths) for member in members(found)]


def _counts(findings: list[Finding], paths: set[str]) -> Counter[tuple[str, str]]:
    return Counter((f.rule, f.location) for f in findings if f.location in paths)


def _gone(finding: Finding, before: list[Finding], after: list[Finding]) -> tuple[Outcome, str]:
    """Gone: at every place of the (possibly grouped) finding, the rule hits the file
    fewer times than before, by as many places as the finding has there.

    Fingerprints number identical code by occurrence within a scope, so when one of
    two identical hits is fixed the other may inherit the fixed one's fingerprint;
    the count is what tells them apart.
    """
    places = Counter((m.rule, m.location) for m in members(finding))
    passed, failed = [], []
    for (rule, location), fixed in sorted(places.items()):
        was = sum(1 for f in before if (f.rule, f.location) == (rule, location))
        now = sum(1 for f in after if (f.rule, f.location) == (rule, location))
        if now > max(was - fixed, 0) or now >= max(was, 1):
            ids = {m.fingerprint for m in members(finding) if m.location == location}
            still = any(f.fingerprint in ids for f in after)
            where = "still reported" if still else f"still hits it {now} time(s) (was {was})"
            failed.append(f"{rule} {where} at {location}")
        else:
            passed.append(f"{rule} no longer reported at {location} ({was} → {now})")
    if failed:
        return "failed", "; ".join(failed)
    return "passed", "; ".join(passed)


def _nothing_new(
    changed: list[str], before: list[Finding], after: list[Finding]
) -> tuple[Outcome, str]:
    scope = set(changed)
    was, now = _counts(before, scope), _counts(after, scope)
    worse = [
        f"{rule} in {path} ({was[rule, path]} → {n})"
        for (rule, path), n in now.items()
        if n > was[rule, path]
    ]
    if worse:
        return "failed", "new findings: " + "; ".join(sorted(worse))
    return "passed", f"no new findings in {len(scope)} changed file(s)"


def _syntax_errors(worktree: Path, changed: list[str]) -> dict[str, str]:
    """Changed Python files that do not compile, with the error (nothing is imported or run)."""
    errors: dict[str, str] = {}
    for rel in changed:
        if rel.endswith(".py") and (worktree / rel).is_file():
            try:
                compile((worktree / rel).read_bytes(), rel, "exec", dont_inherit=True)
            except (SyntaxError, ValueError) as exc:
                errors[rel] = str(exc)
    return errors


def _compiles(changed: list[str], errors: dict[str, str]) -> tuple[Outcome, str]:
    python = [p for p in changed if p.endswith(".py")]
    if errors:
        return "failed", "; ".join(f"{rel} does not compile: {why}" for rel, why in errors.items())
    if not python:
        return "skipped", "no Python file changed"
    return "passed", f"{len(python)} Python file(s) compile"


@contextmanager
def sandbox_dir(prefix: str = "aomaas-validate-") -> Iterator[Path]:
    """A temporary directory the sandbox user can traverse (removed afterwards)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        path.chmod(0o755)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _copy_tree(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    return dest


def runnable(suite: dict[str, Any]) -> str | None:
    """Why the indexed suite cannot run under pytest in the sandbox (None: it can)."""
    if not suite.get("files"):
        return "tests not run: the repository has no tests"
    command = suite.get("command")
    if suite.get("framework") not in (None, "pytest", "unittest") or (
        command and not str(command).startswith("python -m")
    ):
        return (
            f"tests not run: the suite runs with `{command}`; the sandbox runs pytest suites only"
        )
    return None


def _module_of(path: str) -> str | None:
    """The dotted module a Python file defines (``src/`` layouts included)."""
    if not path.endswith(".py"):
        return None
    parts = path.removesuffix(".py").removeprefix("src/").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or None


def importing_tests(index: RepoIndex, changed: list[str]) -> list[str]:
    """Test files that import a changed module (or a module inside a changed package)."""
    modules = {m for m in map(_module_of, changed) if m}
    found = []
    for path in sorted(index.files):
        if not is_test_path(path):
            continue
        imports = index.imports.get(path, [])
        if any(i == m or i.startswith(m + ".") for i in imports for m in modules):
            found.append(path)
    return sorted(found)


@dataclass(slots=True)
class _TestsOutcome:
    check: Check
    isolation: str = ""
    passed_before: int | None = None
    passed_after: int | None = None
    covering: list[str] = field(default_factory=list)


def _baseline_problem(run: SuiteRun) -> str | None:
    """Why the run before the change is no test run (None: it is one)."""
    if run.stopped:
        return run.stopped
    if run.collection_errors:
        items = list(run.collection_errors.items())
        shown = "; ".join(f"{path} ({why})" for path, why in items[:3])
        more = f" and {len(items) - 3} more" if len(items) > 3 else ""
        return f"{len(items)} test module(s) could not be imported: {shown}{more}"
    if run.collected == 0:
        return "pytest collected no tests"
    if run.passed == 0:
        return (
            f"no test passed ({len(run.failing)} failing): the suite does not run in this "
            "environment"
        )
    return None


@dataclass(slots=True)
class _Attempt:
    """One environment and the run before the change in it, or why there is none."""

    python: Path | None = None
    run: SuiteRun | None = None
    why: str = ""  # why it is no test run ("" when it is one)
    lasting: bool = False  # another attempt would fail alike (a timeout, no index)

    def ran(self) -> bool:
        """Whether the suite ran here."""
        return self.run is not None and not self.why


def _baseline(
    base_tree: Path,
    head_tree: Path,
    settings: ValidationSettings,
    scratch: Path,
    index: RepoIndex,
    base_commit: str,
) -> tuple[Path, SuiteRun, str] | str:
    """The environment and the run before the change, or why the tests cannot run.

    With today's releases first; when the project's dependencies are installed and the
    suite does not run with them (the install fails, or no test runs), once more with
    the releases published before the base commit, as its own CI last saw them, unless
    today's attempt timed out or could not reach the package index (another attempt
    would only double the wait). Returns the python, the run and a note saying which
    releases were used, or the reason.
    """

    def attempt(as_of: str) -> _Attempt:
        try:
            python = prepare_environment(head_tree, settings.tests, index.manifests, as_of)
        except SuiteNotRun as reason:
            return _Attempt(why=str(reason), lasting=reason.lasting)
        run = BASE_RUNS.get(
            base_tree,
            (base_commit, str(python)),
            lambda: run_suite(
                _copy_tree(base_tree, scratch / f"before{as_of[:10]}"), python, settings.tests
            ),
        )
        problem = _baseline_problem(run)
        why = f"tests could not run: {problem}" if problem else ""
        return _Attempt(python, run, why, run.timed_out)

    today = attempt("")
    if today.ran() or not settings.tests.install_dependencies or install_plan(head_tree).empty():
        if today.python is None or today.run is None:
            return today.why
        return today.python, today.run, ""  # the caller says why a run is no test run
    if today.lasting:
        return (
            f"{today.why} (not tried again with the releases before the commit's date: "
            "that would fail alike, after as long a wait)"
        )
    moment = run_git(["log", "-1", "--format=%cI", base_commit], base_tree, check=False).strip()
    then = attempt(moment) if moment else _Attempt(why="the base commit has no date")
    if then.ran() and then.python is not None and then.run is not None:  # (for mypy)
        return then.python, then.run, f" (with today's releases: {_shortened(today.why)})"
    return f"{today.why}; with the releases before {moment} neither: {then.why}"


def _shortened(text: str, limit: int = 300) -> str:
    """``text`` cut to ``limit`` characters, saying so."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _tests(
    base_tree: Path,
    head_tree: Path,
    settings: ValidationSettings,
    scratch: Path,
    index: RepoIndex,
    base_commit: str,
    changed: list[str],
) -> _TestsOutcome:
    """Run the suite before (once per base and environment) and after the change.

    The check is skipped, with the reason, when the tests could not run.
    """
    started = time.monotonic()

    def done(outcome: Outcome, detail: str, isolation: str = "") -> _TestsOutcome:
        check = Check("tests", outcome, round(time.monotonic() - started, 3), detail)
        return _TestsOutcome(check, isolation)

    if not settings.run_tests:
        return done("skipped", "tests not run: disabled by the settings")
    reason = runnable(index.tests)
    if reason:
        return done("skipped", reason)
    baseline = _baseline(base_tree, head_tree, settings, scratch, index, base_commit)
    if isinstance(baseline, str):
        return done("skipped", baseline)
    python, before, released = baseline
    problem = _baseline_problem(before)
    if problem:
        return done("skipped", f"tests could not run: {problem}", before.isolation)
    after = run_suite(_copy_tree(head_tree, scratch / "after"), python, settings.tests)
    if after.stopped:
        return done("failed", f"tests failed to run after the change: {after.stopped}")
    if after.collection_errors:
        lost = "; ".join(f"{p} ({why})" for p, why in list(after.collection_errors.items())[:5])
        return done("failed", f"test modules no longer import after the change: {lost}")
    broken = sorted(after.failing - before.failing)
    if broken:
        detail = f"tests broken by the change: {', '.join(broken[:20])}"
        return done("failed", detail, after.isolation)
    covering = [p for p in importing_tests(index, changed) if after.passed_files.get(p)]
    failing = f", {len(before.failing)} failing before and {len(after.failing)} after"
    what = installed(python)
    detail = (
        f"tests ran: {before.passed} passed before and {after.passed} after"
        f"{failing if before.failing or after.failing else ''}"
        f"{'; ' + what if what else ''}{released}; "
        f"{before.duration:.1f} s + {after.duration:.1f} s, isolation: {after.isolation}"
    )
    outcome = done("passed", detail, after.isolation)
    outcome.passed_before, outcome.passed_after, outcome.covering = (
        before.passed,
        after.passed,
        covering,
    )
    return outcome


def validate(
    worktree: Path,
    base_commit: str,
    finding: Finding,
    changed: list[str],
    settings: ValidationSettings,
) -> ValidationReport:
    """Prove the committed change in ``worktree`` (HEAD) against ``base_commit``."""
    head = run_git(["rev-parse", "HEAD"], worktree).strip()
    checks: list[Check] = []
    with sandbox_dir() as scratch:
        base_tree = scratch / "base"
        run_git(["worktree", "add", "--detach", str(base_tree), base_commit], worktree)
        try:
            base_index = BASE_INDEXES.get(
                worktree, (base_commit,), lambda: build_index(worktree, base_commit)
            )
            head_index = build_index(worktree, head, previous=base_index)
            before = _mine(base_tree, base_index, finding, changed)
            after = _mine(worktree, head_index, finding, changed)
            errors = _syntax_errors(worktree, changed)
            if any(member.location in errors for member in members(finding)):
                gone: Check = Check("finding-gone", "failed", 0.0, "the file no longer parses")
            else:
                gone = _timed("finding-gone", lambda: _gone(finding, before, after))
            checks.append(gone)
            checks.append(_timed("no-new-findings", lambda: _nothing_new(changed, before, after)))
            checks.append(_timed("compiles", lambda: _compiles(changed, errors)))
            checks.append(
                _timed(
                    "repo-gates",
                    lambda: gate_check(
                        base_tree, worktree, changed, settings.gates, settings.gate_cache()
                    ),
                )
            )
            checks.append(
                _timed("oldest-python", lambda: python_check(base_tree, worktree, changed))
            )
            tests = _tests(base_tree, worktree, settings, scratch, head_index, base_commit, changed)
            checks.append(tests.check)
        finally:
            run_git(["worktree", "remove", "--force", str(base_tree)], worktree, check=False)
    ran = tests.check.outcome != "skipped"
    if finding.rule == "repo:missing-contributing" and not ran:
        why = f"CONTRIBUTING.md names a test command the sandbox did not run ({tests.check.detail})"
        checks.append(Check("contributing-commands", "failed", 0.0, why))
    passed = all(check.outcome != "failed" for check in checks)
    return ValidationReport(
        checks,
        ran,
        tests.check.detail,
        passed,
        tests.isolation,
        tests_passed_before=tests.passed_before,
        tests_passed_after=tests.passed_after,
        tests_covering=tests.covering,
    )
