"""Small but real repositories the integration tests index, mine, fix and review."""

from __future__ import annotations

from pathlib import Path

from tests.support.git import git_repo

DEMO_FILES = {
    "pyproject.toml": (
        '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.9"\n\n'
        '[tool.pytest.ini_options]\npythonpath = ["src"]\n'
    ),
    "README.md": "# demo\n\nA small library.\n",
    "src/acme/__init__.py": '"""Acme package."""\n',
    "src/acme/config.py": (
        '"""Configuration loading."""\n\nimport yaml\n\n\n'
        "def load(path):\n"
        '    """Load a YAML configuration file."""\n'
        "    with open(path) as handle:\n"
        "        return yaml.load(handle)\n"
    ),
    "src/acme/maths.py": (
        '"""Arithmetic helpers."""\n\n\n'
        "def add(a, b):\n"
        '    """The sum of a and b."""\n'
        "    return a + b\n"
    ),
    "tests/test_maths.py": "from acme.maths import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
}


def demo_repo(root: Path, name: str = "demo") -> Path:
    """A repository with a yaml.load finding and a passing pytest suite, under ``root``."""
    return git_repo(root, DEMO_FILES, name=name)
