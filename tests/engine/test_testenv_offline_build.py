"""The test environment's install: dependencies fetched with network, the project built without.

The repositories here are made by the tests; their ``setup.py`` tries to reach a
listener the test runs on the host (on loopback and on the host's other
addresses) and writes what it saw into the package it builds. The dependencies
come from the package index (PyPI, or the index the engine's environment names).
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
from pathlib import Path

import pytest

from aomaas.engine.poetryspec import poetry_specifier
from aomaas.engine.prefetch import prefetch_plan
from aomaas.engine.sandbox import isolation_level, run_sandboxed, sandbox_python
from aomaas.engine.testdeps import install_plan
from aomaas.engine.testenv import (
    SuiteNotRun,
    SuiteSettings,
    environment_key,
    installed,
    prepare_environment,
    reachable_cache,
    run_tests,
)
from aomaas.engine.validator import sandbox_dir
from tests.engine.hands_util import make_repo, shared_cache
from tests.support.services import unavailable

#: Tries every host address; returns what it saw (the interfaces and what it reached).
PROBE = """import json, socket


def probe(hosts, port):
    seen = {"interfaces": sorted(n for _, n in socket.if_nameindex()), "reached": [], "refused": []}
    for host in hosts:
        try:
            socket.create_connection((host, port), timeout=3).close()
            seen["reached"].append(host)
        except OSError as exc:
            seen["refused"].append(f"{host}: {exc}")
    return seen
"""
SETUP_PY = (
    PROBE
    + """

from setuptools import setup

with open("netprobe/built.json", "w") as out:
    json.dump(probe(HOSTS, PORT), out)
setup(packages=["netprobe"], package_data={"netprobe": ["built.json"]})
"""
)
PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "netprobe"
version = "1.0"
dependencies = []

[project.optional-dependencies]
test = ["six"]
"""
SUITE = """import importlib.metadata

import six


def test_installed():
    assert importlib.metadata.version("netprobe") == "1.0" and six.PY3
"""


@pytest.fixture(autouse=True)
def namespaces() -> None:
    """The install runs only where the repository's code can be isolated."""
    if isolation_level() != "namespaces":
        unavailable("user and network namespaces", "unshare is refused on this machine")


def host_addresses() -> list[str]:
    """The host's loopback and its other IPv4 addresses (outside the sandbox's namespace)."""
    shown = subprocess.run(
        ["ip", "-o", "-4", "addr", "show", "scope", "global"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return ["127.0.0.1", *re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", shown)]


def connections(listener: socket.socket) -> int:
    """How many connections reached ``listener`` (its backlog, drained)."""
    listener.setblocking(False)
    count = 0
    while True:
        try:
            listener.accept()[0].close()
        except BlockingIOError:
            return count
        count += 1


def probe_setup(hosts: list[str], port: int) -> str:
    return SETUP_PY.replace("HOSTS", repr(hosts)).replace("PORT", str(port))


def test_the_project_is_built_without_network_after_its_dependencies_are_fetched() -> None:
    hosts = host_addresses()
    with socket.create_server(("0.0.0.0", 0)) as listener, sandbox_dir() as scratch:
        port = listener.getsockname()[1]
        # the probe does reach the host where the sandbox keeps the network
        control = run_sandboxed(
            [sandbox_python(), "-c", f"{PROBE}\nprint(json.dumps(probe({hosts!r}, {port})))"],
            scratch,
            timeout=30,
            memory_mb=512,
            writable=[scratch],
            network=True,
        )
        assert sorted(json.loads(control.stdout)["reached"]) == sorted(hosts), control
        assert connections(listener) == len(hosts)

        root = scratch / "repo"  # the sandbox user runs the suite in it
        files = {
            "pyproject.toml": PYPROJECT,
            "setup.py": probe_setup(hosts, port),
            "netprobe/__init__.py": "",
            "tests/test_probe.py": SUITE,
        }
        make_repo(root, files)
        settings = SuiteSettings(
            cache_dir=shared_cache(), timeout=300, memory_mb=1024, install_dependencies=True
        )
        python = prepare_environment(root, settings)
        assert connections(listener) == 0  # neither phase let the repository's code reach it
        run = run_tests(root, python, settings)

    site = next(python.parent.parent.glob("lib/python*/site-packages"))
    seen = json.loads((site / "netprobe" / "built.json").read_text())
    assert seen["interfaces"] == ["lo"], seen
    assert seen["reached"] == [] and len(seen["refused"]) == len(hosts), seen
    assert "installed: the project with extras test" in installed(python)
    assert run.passed == 1 and not run.failing, run.output_tail  # six came from the index


NEEDY_SETUP_PY = """import os

from setuptools import setup

# what the build could leave for a later fetch, which has network, to use
with open(os.path.join(os.environ["UV_CACHE_DIR"], "planted"), "a") as out:
    out.write("x")
setup(name="needy", version="1.0", packages=["needy"], install_requires=["s" + "ix"])
"""


def test_a_build_that_needs_an_undeclared_dependency_says_why_the_tests_did_not_run(
    tmp_path: Path,
) -> None:
    """setup.py computes a requirement: the fetch could not know it, the offline build stops.
    What that build wrote into the repository's uv cache is gone when the next attempt fetches."""
    root = tmp_path / "repo"
    files = {"setup.py": NEEDY_SETUP_PY, "needy/__init__.py": "", "tests/test_x.py": SUITE}
    make_repo(root, files)
    settings = SuiteSettings(
        cache_dir=shared_cache(), timeout=300, memory_mb=1024, install_dependencies=True
    )
    planted = reachable_cache(settings.cache_dir) / "uv" / environment_key(root, settings)
    planted /= "planted"
    reasons, runs = [], []
    for _ in range(2):
        with pytest.raises(SuiteNotRun) as stopped:
            prepare_environment(root, settings)
        reasons.append(str(stopped.value))
        runs.append(len(planted.read_text()))
    assert reasons[0] == reasons[1]
    assert reasons[0].startswith("tests not run: installing the project failed: it needs "), reasons
    assert "not fetched before the build, which has no network" in reasons[0], reasons
    assert "six" in reasons[0], reasons  # setuptools (fetched) ran setup.py; six was not fetched
    assert runs[0] > 0 and runs[1] == runs[0], runs  # the second attempt began with an empty cache


def test_the_fetch_names_only_declared_third_party_requirements(tmp_path: Path) -> None:
    """Paths, editables and file: URLs are the repository's own code, built offline only;
    the project's self-reference adds its extra; a linked file leading out is not read."""
    outside = tmp_path / "outside.txt"
    outside.write_text("leaked-name\n")
    root = tmp_path / "repo"
    requirements = (
        "-r requirements/base.txt\n-e .\n./vendor/lib\nlocal @ file:///tmp/lib\n"
        "--extra-index-url https://index.example.org/simple\n"
        "pinned==2.0 --hash=sha256:00 \\\n    --hash=sha256:11\n-c constraints.txt\n"
        "-r requirements/linked.txt\n"
    )
    pyproject = (
        '[project]\nname = "calc"\nversion = "1"\ndependencies = ["attrs"]\n'
        '[project.optional-dependencies]\ntest = ["calc[extra]", "six"]\nextra = ["idna"]\n'
        '[dependency-groups]\ndev = ["typing-extensions", {include-group = "lint"}]\n'
        'lint = ["ruff"]\n'
    )
    make_repo(
        root,
        {
            "pyproject.toml": pyproject,
            "requirements-dev.txt": requirements,
            "requirements/base.txt": "click\n",
            "constraints.txt": "click<9\n",
        },
    )
    (root / "requirements" / "linked.txt").symlink_to(outside)
    wanted = prefetch_plan(root, install_plan(root))
    assert wanted.requirements == [
        "attrs",
        "idna",
        "six",
        "typing-extensions",
        "ruff",
        "click",
        "pinned==2.0",
    ]
    assert wanted.constraints == ["click<9"]
    assert wanted.options == ["--extra-index-url https://index.example.org/simple"]
    assert wanted.build == ["setuptools>=40.8.0", "wheel"]  # no [build-system]: the defaults


def test_poetry_constraints_are_fetched_as_pep_440() -> None:
    assert poetry_specifier("^1.2.3") == ">=1.2.3,<2.0.0"
    assert poetry_specifier("^0.2") == ">=0.2,<0.3"
    assert poetry_specifier("~1.2") == ">=1.2,<1.3"
    assert poetry_specifier(">= 1.2, < 2") == ">=1.2,<2"
    assert poetry_specifier("2.0") == "==2.0"
    assert poetry_specifier("^1 || ^2") == ""  # not sayable: any version, the build decides
