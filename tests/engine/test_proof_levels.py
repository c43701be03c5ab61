"""Proofs that mean something: each failure seen on real repositories, in a small repository.

Every repository here is made by the test, fixed by the real recipe (``ruff:S113``,
a timeout added to ``requests.get``) and proven by the real validator, whose tests
run in the sandbox; the proof level must say what really ran.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from aomaas.engine.implementer import Identity, Implementation, ImplementSettings, implement
from aomaas.engine.index import build_index
from aomaas.engine.miners import mine
from aomaas.engine.planner import make_plan
from aomaas.engine.proof import ProofLevel
from aomaas.engine.testenv import SuiteSettings
from aomaas.engine.validator import ValidationSettings
from tests.engine.hands_util import GIT_ENV, PASSING_SUITE, git, make_repo, shared_cache

BOT = Identity("aomaas[bot]", "bot@example.org")
NET = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
#: ``requests`` is not installed in the sandbox: a stand-in module the code imports.
REQUESTS = "def get(url, **kwargs):\n    return (url, kwargs)\n"
FLAT = {**PASSING_SUITE, "calc/net.py": NET, "requests.py": REQUESTS}
#: A src-layout package with the same network call (and the same stand-in for requests).
SRC_PACKAGE = {
    "src/calcpkg/__init__.py": '"""Calculator."""\n\n\ndef add(a, b):\n    return a + b\n',
    "src/calcpkg/net.py": NET,
    "src/requests.py": REQUESTS,
}


def fix(root: Path, install: bool = False) -> Implementation:
    """Fix the repository's ``ruff:S113`` finding and prove it (tests in the sandbox)."""
    suite = SuiteSettings(
        cache_dir=shared_cache(), timeout=300, memory_mb=1024, install_dependencies=install
    )
    commit = git(root, "rev-parse", "HEAD").strip()
    item = next(f for f in mine(root, build_index(root, commit)) if f.rule == "ruff:S113")
    settings = ImplementSettings(validation=ValidationSettings(suite))
    return implement(root, commit, item, make_plan(item), "fix/timeout", BOT, settings)


def checked(result: Implementation) -> str:
    """The reason of a checked (tests not run) result, after asserting that it is one."""
    assert result.success, result.message
    assert result.report is not None and not result.report.tests_ran, result.report
    assert result.proof.level == ProofLevel.CHECKED, result.proof
    assert result.proof.headline.startswith("Checked, tests not run: tests could not run: ")
    return result.proof.reason


def test_a_test_module_failing_to_import_is_not_a_proof(tmp_path: Path) -> None:
    """'2 failing before, 2 after' from modules that do not import must not count as passing."""
    root = tmp_path / "repo"
    broken = "from calc.missing import thing\n\n\ndef test_thing():\n    assert thing\n"
    make_repo(root, {**FLAT, "tests/test_broken.py": broken})
    reason = checked(fix(root))
    assert "1 test module(s) could not be imported" in reason, reason
    assert "tests/test_broken.py" in reason and "No module named 'calc.missing'" in reason


def test_a_pytest_configuration_error_is_not_a_proof(tmp_path: Path) -> None:
    """pytest stopping at configuration time (no summary, no FAILED line) is no test run."""
    root = tmp_path / "repo"
    make_repo(root, {**FLAT, "pytest.ini": "[pytest]\naddopts = --no-such-option\n"})
    reason = checked(fix(root))
    assert "pytest stopped before running tests (exit 4" in reason, reason
    assert "--no-such-option" in reason


def test_a_conftest_that_does_not_import_is_not_a_proof(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_repo(root, {**FLAT, "tests/conftest.py": "import not_installed_anywhere\n"})
    reason = checked(fix(root))
    assert "pytest stopped before running tests" in reason
    assert "not_installed_anywhere" in reason, reason


def test_a_suite_where_nothing_passes_is_not_a_proof(tmp_path: Path) -> None:
    """'425 failing before, 425 after' (the project was never importable) is no proof."""
    root = tmp_path / "repo"
    failing = "def test_one():\n    assert False\n\n\ndef test_two():\n    assert False\n"
    make_repo(root, {**FLAT, "tests/test_calc.py": failing})
    reason = checked(fix(root))
    assert "no test passed (2 failing)" in reason, reason


ERRORING = """import inspect

import pytest

from calc import net


@pytest.fixture
def no_timeout():
    assert "timeout" not in inspect.getsource(net.fetch)


def test_fetch_has_no_timeout(no_timeout):
    assert net.fetch("u")[0] == "u"
"""
COLOURED_CONFTEST = """import os

os.environ["FORCE_COLOR"] = "1"
os.environ["PY_COLORS"] = "1"
"""


def test_errors_are_seen_whatever_colour_the_repository_forces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ERROR (a fixture failing at setup) after the change fails the proof, colours or not."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("PY_COLORS", "1")
    root = tmp_path / "repo"
    files = {
        **FLAT,
        "pytest.ini": "[pytest]\naddopts = --color=yes -rA\n",
        "tests/conftest.py": COLOURED_CONFTEST,
        "tests/test_net.py": ERRORING,
    }
    make_repo(root, files)
    result = fix(root)
    assert not result.success, result.message
    assert result.proof.level == ProofLevel.NOT_PROVEN
    assert "tests broken by the change: tests/test_net.py::test_fetch_has_no_timeout" in (
        result.message
    )


def test_a_proven_fix_says_how_many_passed_and_which_tests_import_the_change(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    uses = "from calc.net import fetch\n\n\ndef test_fetch():\n    assert fetch('u')[0] == 'u'\n"
    make_repo(root, {**FLAT, "tests/test_net.py": uses})
    result = fix(root)
    assert result.success and result.proof.level == ProofLevel.PROVEN, result.message
    assert result.proof.reason == (
        "tests ran: 2 passed before and after, including tests/test_net.py, "
        "which import the changed modules"
    )
    assert result.message.startswith("Proven: tests ran: 2 passed before and after")


UNITTEST_SUITE = """import unittest

from calc import add
from calc.net import fetch


class CalcTest(unittest.TestCase):
    def test_add(self):
        self.assertEqual(add(2, 3), 5)

    def test_fetch(self):
        self.assertEqual(fetch("u")[0], "u")


if __name__ == "__main__":
    unittest.main()
"""


def test_a_unittest_only_repository_is_proven_from_the_report(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    files = {**FLAT, "tests/__init__.py": "", "tests/test_calc.py": UNITTEST_SUITE}
    make_repo(root, files)
    result = fix(root)
    assert result.proof.level == ProofLevel.PROVEN, result.message
    assert result.report is not None and result.report.tests_passed_before == 2
    assert result.report.tests_passed_after == 2


SRC_PYPROJECT = """[build-system]
requires = ["flit_core>=3.4,<4"]
build-backend = "flit_core.buildapi"

[project]
name = "calcpkg"
version = "1.0"
description = "A calculator"
dependencies = []

[project.optional-dependencies]
test = ["six"]

[dependency-groups]
dev = ["typing-extensions"]
"""
SRC_TEST = """import importlib.metadata

import six
import typing_extensions

from calcpkg import add
from calcpkg.net import fetch


def test_installed():
    assert importlib.metadata.version("calcpkg") == "1.0"
    assert six.PY3 and typing_extensions.Literal


def test_add():
    assert add(2, 3) == 5 and fetch("u")[0] == "u"
"""


def test_a_project_that_must_be_installed_is_installed_with_its_test_dependencies(
    tmp_path: Path,
) -> None:
    """src layout, metadata read by the tests, test deps as an extra and a dependency group."""
    root = tmp_path / "repo"
    files = {
        "pyproject.toml": SRC_PYPROJECT,
        **SRC_PACKAGE,
        "tests/test_calc.py": SRC_TEST,
    }
    make_repo(root, files)
    result = fix(root, install=True)
    assert result.proof.level == ProofLevel.PROVEN, result.message
    assert result.report is not None and result.report.tests_passed_after == 2
    assert "installed: the project with extras test; dependency groups dev" in (
        result.report.tests_detail
    )
    # without installing, the same repository is not tested, and the proof says why
    git(root, "branch", "-D", "fix/timeout")
    skipped = fix(root, install=False)
    assert skipped.proof.level == ProofLevel.CHECKED
    assert "installing dependencies is disabled" in skipped.proof.reason


SCM_PYPROJECT = """[build-system]
requires = ["setuptools>=64", "setuptools-scm>=8"]
build-backend = "setuptools.build_meta"

[project]
name = "calcpkg"
dynamic = ["version"]
description = "A calculator"

[tool.setuptools_scm]
"""

SCM_TEST = """import importlib.metadata

from calcpkg import add
from calcpkg.net import fetch


def test_installed():
    assert importlib.metadata.version("calcpkg") == "2.5.1"
    assert add(1, 2) == 3 and fetch("u")[0] == "u"
"""


def test_a_project_versioned_by_git_tags_installs_from_the_copy_without_git(
    tmp_path: Path,
) -> None:
    """setuptools-scm reads the version from .git, which the install's copy has not: the
    release tag is handed to it, so the install (and the proof) does not fail on it."""
    root = tmp_path / "repo"
    files = {
        "pyproject.toml": SCM_PYPROJECT,
        **SRC_PACKAGE,
        "tests/test_calc.py": SCM_TEST,
    }
    make_repo(root, files)
    git(root, "tag", "v2.5.1")
    result = fix(root, install=True)
    assert result.proof.level == ProofLevel.PROVEN, result.message
    assert result.report is not None and result.report.tests_passed_after == 1


def test_a_post_release_tag_versions_the_build(tmp_path: Path) -> None:
    """A tag like dateutil's ``2.9.0.post0`` is a release: built as 0.0.0, a test dependency
    requiring the project at a real version could not be resolved."""
    root = tmp_path / "repo"
    files = {
        "pyproject.toml": SCM_PYPROJECT,
        **SRC_PACKAGE,
        "tests/test_calc.py": SCM_TEST.replace('"2.5.1"', '"2.9.0.post0"'),
    }
    make_repo(root, files)
    git(root, "tag", "2.9.0.post0")
    result = fix(root, install=True)
    assert result.proof.level == ProofLevel.PROVEN, result.message


#: A suite whose conftest needs the release of six of its time (1.10.0, 2015), not today's.
OF_ITS_TIME = {
    "pyproject.toml": '[project]\nname = "calcpkg"\nversion = "1.0"\ndependencies = ["six"]\n',
    **SRC_PACKAGE,
    "tests/conftest.py": 'import six\n\nassert six.__version__ == "1.10.0", six.__version__\n',
    "tests/test_calc.py": "from calcpkg import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
}


def test_a_suite_that_needs_the_releases_of_its_time_runs_with_them(tmp_path: Path) -> None:
    """Today's releases break the suite of an older commit (dateutil under pytest 9.1): the
    proof builds the environment again with the releases published before the commit."""
    root = tmp_path / "repo"
    make_repo(root, OF_ITS_TIME)
    dated = {**os.environ, **GIT_ENV, "GIT_COMMITTER_DATE": "2016-03-01T12:00:00Z"}
    subprocess.run(
        ["git", "commit", "-q", "--amend", "--no-edit", "--date", "2016-03-01T12:00:00Z"],
        cwd=root,
        env=dated,
        check=True,
    )
    result = fix(root, install=True)
    assert result.proof.level == ProofLevel.PROVEN, result.message
    detail = result.report.tests_detail if result.report else ""
    assert "installed: the project, as released before 2016-03-01T12:00:00+00:00" in detail
    assert "(with today's releases: tests could not run: pytest stopped before" in detail, detail


def test_a_suite_that_runs_with_no_releases_says_both_attempts(tmp_path: Path) -> None:
    """When neither today's releases nor those of the commit's time run the suite, both
    reasons are given and nothing is called proven."""
    root = tmp_path / "repo"
    never = {**OF_ITS_TIME, "tests/conftest.py": "import six\n\nassert six.__version__ == '0'\n"}
    make_repo(root, never)
    reason = checked(fix(root, install=True))
    assert "with the releases before " in reason and " neither: " in reason, reason


def test_an_index_out_of_reach_is_not_asked_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The releases of the commit's time come from the same index: when it cannot be
    reached, the second attempt would only double the wait, and the reason says so."""
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]  # nothing listens there once it is closed
    monkeypatch.setenv("UV_INDEX_URL", f"http://127.0.0.1:{port}/simple")
    root = tmp_path / "repo"
    make_repo(root, OF_ITS_TIME)
    result = fix(root, install=True)
    assert result.report is not None and not result.report.tests_ran, result.report
    reason = result.report.tests_detail
    assert reason.startswith("tests not run: the package index could not be reached"), reason
    assert "Connection refused" in reason, reason  # uv's words
    assert reason.endswith(
        "(not tried again with the releases before the commit's date: that would fail alike, "
        "after as long a wait)"
    ), reason
