"""The test environment's install: dependencies fetched with network, the project built without.

The repositories here are made by the tests; their ``setup.py`` (and that of the
third-party sdists they name) tries to reach a listener the test runs on the host
(on loopback and on the host's other addresses) and writes what it saw into the
package it builds. The dependencies come from the package index (PyPI, or the index
the engine's environment names), and from a local index the test serves.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from aomaas.engine.poetryspec import poetry_requirements, poetry_specifier
from aomaas.engine.prefetch import prefetch_plan
from aomaas.engine.sandbox import run_sandboxed, sandbox_python
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
from tests.support.pyindex import local_index, make_sdist, make_wheel

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


#: The install runs only where the repository's code can be isolated (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("namespaces")


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
    assert wanted.left_out == ["--extra-index-url https://index.example.org/simple"]
    assert wanted.build == ["setuptools>=40.8.0", "wheel"]  # no [build-system]: the defaults


def test_the_fetch_takes_no_direct_url_and_no_index_of_the_repositorys(tmp_path: Path) -> None:
    """Archives and repositories the files point at, and the indexes they name, are code
    the repository picks: they are left out of the fetch (credentials not repeated)."""
    requirements = (
        "-i https://me:hunter22@index.example.org/simple\n-f https://example.org/links/\n"
        "--find-links ./wheels\nsix\ntool @ git+https://tok@github.com/o/tool\n"
    )
    pyproject = (
        '[build-system]\nrequires = ["setuptools", "backend @ https://example.org/b.tar.gz"]\n'
        '[project]\nname = "calc"\nversion = "1"\n'
        'dependencies = ["helper @ https://example.org/helper-1.0.tar.gz", "attrs"]\n'
    )
    make_repo(tmp_path, {"pyproject.toml": pyproject, "requirements.txt": requirements})
    wanted = prefetch_plan(tmp_path, install_plan(tmp_path))
    assert wanted.requirements == ["attrs", "six"]
    assert wanted.build == ["setuptools", "wheel"]
    assert wanted.left_out == [
        "helper @ https://example.org/helper-1.0.tar.gz",
        "--index-url https://index.example.org/simple",
        "--find-links https://example.org/links/",
        "tool @ git+https://github.com/o/tool",
        "backend @ https://example.org/b.tar.gz",
    ]
    assert "--" not in wanted.requirements_file() + wanted.build_file()


def test_poetry_constraints_are_fetched_as_pep_440() -> None:
    assert poetry_specifier("^1.2.3") == ">=1.2.3,<2.0.0"
    assert poetry_specifier("^0.2") == ">=0.2,<0.3"
    assert poetry_specifier("~1.2") == ">=1.2,<1.3"
    assert poetry_specifier(">= 1.2, < 2") == ">=1.2,<2"
    assert poetry_specifier("2.0") == "==2.0"
    assert poetry_specifier("^1 || ^2") == ""  # not sayable: any version, the build decides


def test_poetry_python_and_platform_keys_become_markers() -> None:
    """numpy's usual two entries, one per Python, are two requirements that cannot clash."""
    poetry = {
        "name": "calc",
        "dependencies": {
            "python": "^3.8",
            "numpy": [
                {"version": "~1.21", "python": "<3.10"},
                {"version": "^1.26", "python": ">=3.10"},
            ],
            "pywin32": {
                "version": "*",
                "platform": "win32",
                "markers": "implementation_name == 'cpython'",
            },
            "uvloop": {"version": "^0.19", "platform": "linux || darwin", "python": "^3.8"},
            "old": {"version": "1.0", "python": ">=3.6,<3.8 || 3.9.*"},
            "exact": {"version": "2", "python": "~3.9.1"},
        },
    }
    _, required, _ = poetry_requirements(poetry)
    assert required == [
        'numpy>=1.21,<1.22; python_version < "3.10"',
        'numpy>=1.26,<2.0; python_version >= "3.10"',
        "pywin32; sys_platform == \"win32\" and implementation_name == 'cpython'",
        'uvloop>=0.19,<0.20; python_version >= "3.8" and python_version < "4.0" and '
        '(sys_platform == "linux" or sys_platform == "darwin")',
        'old==1.0; (python_version >= "3.6" and python_version < "3.8") or '
        'python_version == "3.9.*"',
        'exact==2; python_full_version >= "3.9.1" and python_full_version < "3.10.0"',
    ]
    for spec in required:
        Requirement(spec)  # valid PEP 508
    marker = Requirement(required[0]).marker
    assert marker is not None and marker.evaluate({"python_version": "3.9"})
    assert not marker.evaluate({"python_version": "3.11"})


def probe_sdist_setup(name: str, hosts: list[str], port: int, version: str = "1.0") -> str:
    """The ``setup.py`` of a third-party sdist that reports, by connecting, that it ran."""
    return (
        f"{PROBE}\nprobe({hosts!r}, {port})\nfrom setuptools import setup\n"
        f"setup(name={name!r}, version={version!r})\n"
    )


def test_a_direct_url_and_the_repositorys_own_index_are_never_fetched(tmp_path: Path) -> None:
    """The repository names an archive on a server (here the test's) and its own index: the
    fetch, which has network, takes neither; the build, which has none, cannot either, and
    says what was left out. Nothing of the archive runs, nothing asks the server."""
    hosts = host_addresses()
    with socket.create_server(("0.0.0.0", 0)) as listener, local_index(tmp_path / "index") as index:
        port = listener.getsockname()[1]
        url = index.publish(
            make_sdist(tmp_path, "helper", "1.0", probe_sdist_setup("helper", hosts, port))
        )
        index.publish(make_wheel(tmp_path, "six", "99.0", "PY3 = 'from the repository'\n"))
        pyproject = PYPROJECT.replace("dependencies = []", f'dependencies = ["helper @ {url}"]')
        files = {
            "pyproject.toml": pyproject,
            "requirements-test.txt": f"--extra-index-url {index.simple}\nsix\n",
            "netprobe/__init__.py": "",
            "tests/test_probe.py": SUITE,
        }
        root = tmp_path / "repo"
        make_repo(root, files)
        settings = SuiteSettings(
            cache_dir=shared_cache(), timeout=300, memory_mb=1024, install_dependencies=True
        )
        with pytest.raises(SuiteNotRun) as stopped:
            prepare_environment(root, settings)
        assert connections(listener) == 0
    assert index.requests == []  # neither the archive nor the repository's index was asked
    reason = str(stopped.value)
    assert reason.startswith(
        "tests not run: installing the project with extras test; requirements-test.txt failed: "
        "it needs something that was not fetched before the build"
    ), reason
    assert f"not fetched: helper @ {url}, --extra-index-url {index.simple}" in reason, reason
    assert "Network connectivity is disabled" in reason, reason  # uv's words


def test_a_dependency_without_a_wheel_is_not_built_while_the_network_is_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any name may be an attacker's sdist on the index: the fetch takes wheels only. Where
    an older release has a wheel, that one is taken, and the offline build takes it too; a
    requirement with no wheel at all is built offline from its downloaded sdist."""
    hosts = host_addresses()
    with socket.create_server(("0.0.0.0", 0)) as listener, local_index(tmp_path / "index") as index:
        port = listener.getsockname()[1]
        for name, version in [("aomaas-sdist-only", "1.0"), ("aomaas-mixed", "2.0")]:
            setup_py = probe_sdist_setup(name, hosts, port, version)
            index.publish(make_sdist(tmp_path, name, version, setup_py))
        index.publish(make_wheel(tmp_path, "aomaas-mixed", "1.0", "VERSION = '1.0'\n"))
        monkeypatch.setenv("UV_EXTRA_INDEX_URL", index.simple)
        settings = SuiteSettings(
            cache_dir=shared_cache(), timeout=300, memory_mb=1024, install_dependencies=True
        )
        suite = (
            "import aomaas_mixed\n\n\ndef test_mixed():\n    assert aomaas_mixed.VERSION == '1.0'\n"
        )
        with sandbox_dir() as scratch:  # the sandbox user runs the suite in it
            mixed = scratch / "mixed"
            make_repo(mixed, {"requirements.txt": "aomaas-mixed\n", "tests/test_mixed.py": suite})
            run = run_tests(mixed, prepare_environment(mixed, settings), settings)
        assert run.passed == 1, run.output_tail
        # a requirement with only an sdist (unearth's requests-wsgi-adapter): its archive is
        # downloaded as bytes and built by the offline phase, where its code has no network
        only = (
            "import importlib.metadata\n\n\ndef test_built():\n"
            "    assert importlib.metadata.version('aomaas-sdist-only') == '1.0'\n"
        )
        with sandbox_dir() as scratch:
            tree = scratch / "only"
            make_repo(
                tree, {"requirements.txt": "aomaas-sdist-only>=1.0\n", "tests/test_x.py": only}
            )
            run = run_tests(tree, prepare_environment(tree, settings), settings)
        assert run.passed == 1, run.output_tail
        assert connections(listener) == 0  # neither sdist was built where it had network


PRINTING_SETUP_PY = """import json, os, sys

# what a build could do with what its environment holds: say it, and keep it
with open(os.path.join(os.environ["UV_CACHE_DIR"], "environment.json"), "w") as out:
    json.dump(dict(os.environ), out)
print(sorted(os.environ.items()))
sys.exit("the build prints its environment and stops")
"""


def test_the_build_never_sees_the_index_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine's index needs a user and a token: the fetch uses them, the offline build,
    which runs the repository's code, gets the index's address without them, and the
    reason the proof gives does not quote them."""
    token = "idx-token-2f9c7a51e3"
    with local_index(tmp_path / "index", "aomaas-reader", token) as index:
        index.publish(make_wheel(tmp_path, "aomaas-private", "1.0", "VALUE = 1\n"))
        monkeypatch.setenv("UV_EXTRA_INDEX_URL", index.simple)
        pyproject = PYPROJECT.replace("dependencies = []", 'dependencies = ["aomaas-private"]')
        root = tmp_path / "repo"
        make_repo(root, {"pyproject.toml": pyproject, "setup.py": PRINTING_SETUP_PY})
        settings = SuiteSettings(
            cache_dir=shared_cache(), timeout=300, memory_mb=1024, install_dependencies=True
        )
        with pytest.raises(SuiteNotRun) as stopped:
            prepare_environment(root, settings)
    fetched = [path for path, authorised in index.requests if authorised]
    assert "/files/aomaas_private-1.0-py3-none-any.whl" in fetched, index.requests
    reason = str(stopped.value)
    assert "the build prints its environment and stops" in reason, reason
    assert token not in reason and "aomaas-reader" not in reason
    cache = reachable_cache(settings.cache_dir) / "uv" / environment_key(root, settings)
    seen = json.loads((cache / "environment.json").read_text())
    assert seen["UV_EXTRA_INDEX_URL"] == f"{index.address}/simple/"  # its cache is found
    assert token not in json.dumps(seen) and "aomaas-reader" not in json.dumps(seen)
