"""What an sdist says it needs, read from its archive without running it."""

from __future__ import annotations

from pathlib import Path

from aomaas.engine.sdists import build_requirements, declared_requirements, local_requirements
from tests.support.pyindex import make_archive


def _sdist(dest: Path, files: dict[str, str]) -> Path:
    return make_archive(dest, "requests-wsgi-adapter-0.4.1", files)


def test_an_old_sdist_names_its_requirements_in_egg_info(tmp_path: Path) -> None:
    """unearth's requests-wsgi-adapter: Metadata 2.1 without Requires-Dist, requires.txt."""
    path = _sdist(
        tmp_path,
        {
            "PKG-INFO": "Metadata-Version: 2.1\nName: requests-wsgi-adapter\nVersion: 0.4.1\n",
            "requests_wsgi_adapter.egg-info/requires.txt": "requests>=1.0\n\n[docs]\nsphinx\n",
            "setup.py": "raise SystemExit('never run')\n",
        },
    )
    assert declared_requirements(path) == ["requests>=1.0"]  # not the docs extra
    assert local_requirements(tmp_path) == [f"requests-wsgi-adapter @ {path.resolve().as_uri()}"]


def test_a_newer_sdist_names_them_in_pkg_info(tmp_path: Path) -> None:
    info = (
        "Metadata-Version: 2.2\nName: requests-wsgi-adapter\nVersion: 0.4.1\n"
        "Requires-Dist: requests>=2\nRequires-Dist: idna; python_version < '3.8'\n"
    )
    path = _sdist(tmp_path, {"PKG-INFO": info})
    assert declared_requirements(path) == ["requests>=2", "idna; python_version < '3.8'"]
    (tmp_path / "broken.tar.gz").write_bytes(b"not an archive")
    assert declared_requirements(tmp_path / "broken.tar.gz") == []


def test_what_building_an_sdist_needs_is_read_without_running_it(tmp_path: Path) -> None:
    """flake8-mutable's setup.py asks for pytest-runner (setup_requires) to be built."""
    setup_py = (
        "from setuptools import setup\nraise SystemExit('never run')\n"
        "setup(name='x', setup_requires=['pytest-runner'])\n"
    )
    path = _sdist(tmp_path, {"PKG-INFO": "Metadata-Version: 2.1\nName: x\n", "setup.py": setup_py})
    assert build_requirements(path) == ["setuptools>=40.8.0", "wheel", "pytest-runner"]
    other = tmp_path / "other"
    other.mkdir()
    pyproject = '[build-system]\nrequires = ["flit_core>=3.2"]\n'
    built = _sdist(other, {"pyproject.toml": pyproject, "setup.py": "x = ("})
    assert build_requirements(built) == ["flit_core>=3.2"]
