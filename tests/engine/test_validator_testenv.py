"""The repository's own tests, run in the sandbox from a cached environment."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from aomaas.engine.sandbox import isolation_level, sandbox_can_enter
from aomaas.engine.testdeps import install_plan
from aomaas.engine.testenv import (
    SuiteNotRun,
    SuiteSettings,
    installed,
    prepare_environment,
    reachable_cache,
    run_tests,
)
from aomaas.engine.validator import sandbox_dir
from tests.engine.hands_util import PASSING_SUITE, shared_cache

SUITE = {
    **PASSING_SUITE,
    "tests/test_more.py": (
        "import os, socket\n\n\ndef test_fails():\n    assert 1 == 2\n\n\n"
        "def test_no_secret():\n    assert 'AOMAAS_SECRET_KEY' not in os.environ\n"
        "    assert 'GITHUB_WEBHOOK_SECRET' not in os.environ\n\n\n"
        "def test_localhost_works():\n    server = socket.create_server(('127.0.0.1', 0))\n"
        "    socket.create_connection(server.getsockname(), timeout=2)\n"
    ),
}


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


NETWORK_TEST = """import socket

import pytest


def test_host_is_unreachable():
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", {port}), timeout=2)
"""


def test_suite_runs_and_failures_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AOMAAS_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", "y" * 40)
    settings = SuiteSettings(cache_dir=shared_cache(), timeout=60, memory_mb=1024)
    listener = socket.create_server(("127.0.0.1", 0))  # a service on the host's loopback
    files = dict(SUITE)
    if isolation_level() == "namespaces":
        files["tests/test_net.py"] = NETWORK_TEST.format(port=listener.getsockname()[1])
    with listener, sandbox_dir() as scratch:
        tree = write(scratch / "tree", files)
        python = prepare_environment(tree, settings)
        assert prepare_environment(tree, settings) == python  # cached by dependency files
        run = run_tests(tree, python, settings)
    assert run.returncode == 1, run.output_tail
    assert run.failing == {"tests/test_more.py::test_fails"}
    assert run.usable()


def test_declared_dependencies_without_install_are_reported() -> None:
    settings = SuiteSettings(cache_dir=shared_cache(), install_dependencies=False)
    with sandbox_dir() as scratch:
        tree = write(scratch / "tree", {**PASSING_SUITE, "requirements.txt": "requests>=2\n"})
        with pytest.raises(SuiteNotRun, match=r"tests not run: .*requests>=2"):
            prepare_environment(tree, settings)


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root engine switches to the sandbox user")
def test_private_cache_falls_back_to_a_reachable_one(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    cache = reachable_cache(private / "cache")
    assert cache != private / "cache" and sandbox_can_enter(cache)
    settings = SuiteSettings(cache_dir=private / "cache", timeout=60)
    with sandbox_dir() as scratch:
        tree = write(scratch / "tree", PASSING_SUITE)
        run = run_tests(tree, prepare_environment(tree, settings), settings)
    assert run.returncode == 0, run.output_tail


def test_a_venv_is_complete_only_by_a_marker_the_sandbox_cannot_write() -> None:
    """The venv is writable while the project builds in it: the marker that says it is
    complete lives beside it, and a marker planted inside it is neither trusted nor read."""
    settings = SuiteSettings(cache_dir=shared_cache(), timeout=60, memory_mb=1024)
    with sandbox_dir() as scratch:
        tree = write(scratch / "tree", SUITE)
        python = prepare_environment(tree, settings)
        venv = python.parent.parent
        assert not (venv / ".complete").exists()
        assert venv.with_name(venv.name + ".complete").is_file()
        secret = scratch / "secret.txt"
        secret.write_text("TOPSECRET")
        recorded = installed(python)
        assert recorded.startswith("installed:"), recorded  # what the real marker says
        planted = venv / ".complete"  # the venv is cached: leave it as it was found
        planted.unlink(missing_ok=True)
        planted.symlink_to(secret)
        try:
            assert "TOPSECRET" not in installed(python)
            assert installed(python) == recorded
        finally:
            planted.unlink()


def test_tox_requirement_files_outside_the_tree_are_not_used(tmp_path: Path) -> None:
    outside = tmp_path / "host-requirements.txt"
    outside.write_text("six\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "ci").mkdir()
    (tree / "ci/reqs.txt").write_text("six\n")  # a name only tox's deps can bring in
    (tree / "tox.ini").write_text(f"[testenv]\ndeps =\n    -r {outside}\n    -r ci/reqs.txt\n")
    plan = install_plan(tree)
    assert str(outside) not in plan.requirement_files
    assert plan.requirement_files == ["ci/reqs.txt"]


def test_pdm_dev_dependency_groups_named_like_tests_are_installed(tmp_path: Path) -> None:
    """unearth declares its test dependencies (flask, pytest-httpserver) only as PDM
    dev-dependencies; the project's own editable entry is left out."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "u"\nversion = "1"\n\n[tool.pdm.dev-dependencies]\n'
        'test = ["pytest>=6.1", "flask>=2.1.2", "-e file:///${PROJECT_ROOT}/#egg=u"]\n'
        'doc = ["sphinx"]\n'
    )
    plan = install_plan(tmp_path)
    assert plan.project and plan.dev_requirements == ["pytest>=6.1", "flask>=2.1.2"]
    assert "-e" not in " ".join(plan.arguments()) and "flask>=2.1.2" in plan.arguments()
    assert plan.describe() == "the project; PDM dev-dependencies (pytest>=6.1, flask>=2.1.2)"
