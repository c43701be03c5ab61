"""Project-metadata recipes: declare the test runner, declare the supported Pythons.

Both edit a configuration file by appending or inserting one well-formed
section or key (never rewriting what is there), and only from evidence in the
repository: the pytest section names the test directories that exist; the
Python floor is the oldest ``Programming Language :: Python :: 3.X`` classifier
the project already declares. Without evidence they refuse (a person or a
model-backed brain must choose).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from aomaas.engine.findings import Finding
from aomaas.engine.recipes.base import Recipe, RecipeFailed, RecipeSettings, target, write_new

_CLASSIFIER = re.compile(r"Programming Language :: Python :: 3\.(\d+)$")
_PROJECT_HEADER = re.compile(r"^\[project\][ \t]*$", re.M)
TEST_DIRS = ("tests", "test", "testing")


def _read_toml(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RecipeFailed(f"{path.name} is not valid TOML: {exc}") from exc


class PytestConfig(Recipe):
    """Declare pytest as the runner: ``[tool.pytest.ini_options]`` (or a ``pytest.ini``)."""

    name = "pytest-config"
    summary = "declare pytest and the test directories in the project configuration"
    rules = frozenset({"repo:no-test-command"})

    def apply(self, root: Path, finding: Finding, settings: RecipeSettings) -> list[str]:
        """Append the pytest section to pyproject.toml, or create pytest.ini."""
        dirs = [d for d in TEST_DIRS if (root / d).is_dir() and not (root / d).is_symlink()]
        pyproject = target(root, "pyproject.toml")
        if not pyproject.is_file():
            paths = " ".join(dirs)
            text = "[pytest]\n" + (f"testpaths = {paths}\n" if dirs else "")
            return write_new(root, "pytest.ini", text, settings)
        data = _read_toml(pyproject)
        tool = data.get("tool")
        if isinstance(tool, dict) and "pytest" in tool:
            raise RecipeFailed("pyproject.toml already configures pytest")
        text = pyproject.read_text(encoding="utf-8")
        section = "\n[tool.pytest.ini_options]\n"
        if dirs:
            section += "testpaths = [" + ", ".join(f'"{d}"' for d in dirs) + "]\n"
        pyproject.write_text(text.rstrip("\n") + "\n" + section, encoding="utf-8")
        return ["pyproject.toml"]


class RequiresPython(Recipe):
    """Declare ``requires-python`` from the oldest Python 3 classifier the project lists."""

    name = "requires-python"
    summary = "declare requires-python from the project's own version classifiers"
    rules = frozenset({"repo:missing-requires-python"})

    def apply(self, root: Path, finding: Finding, settings: RecipeSettings) -> list[str]:
        """Insert ``requires-python = ">=3.X"`` under ``[project]`` in pyproject.toml."""
        if finding.location != "pyproject.toml":
            raise RecipeFailed(f"only pyproject.toml is edited (metadata is in {finding.location})")
        pyproject = target(root, "pyproject.toml")
        project = _read_toml(pyproject).get("project")
        if not isinstance(project, dict):
            raise RecipeFailed("pyproject.toml has no [project] table")
        minors = [
            int(match.group(1))
            for item in project.get("classifiers", [])
            if isinstance(item, str) and (match := _CLASSIFIER.search(item.strip()))
        ]
        if not minors:
            raise RecipeFailed("no Python version classifiers to derive requires-python from")
        text = pyproject.read_text(encoding="utf-8")
        header = _PROJECT_HEADER.search(text)
        if header is None:
            raise RecipeFailed("the [project] table is not written as a plain header")
        line = f'requires-python = ">=3.{min(minors)}"\n'
        pyproject.write_text(text[: header.end() + 1] + line + text[header.end() + 1 :], "utf-8")
        return ["pyproject.toml"]
