"""Repository-level recipes: SECURITY.md, LICENSE, CI workflow (only when allowed), test scaffold."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml

from aomaas.engine.recipes import RecipeFailed, RecipeSettings, recipe_for
from tests.engine.hands_util import commit_as, finding


def apply(
    root: Path, rule: str, location: str, settings: RecipeSettings | None = None, **extra: object
) -> list[str]:
    item = finding(rule, location, **extra)
    recipe = recipe_for(item)
    assert recipe is not None, rule
    return recipe.apply(root, item, settings or RecipeSettings())


def test_security_policy(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[metadata]\nmaintainer_email = security@calc.org\n")
    commit_as(tmp_path, "security@calc.org")
    assert apply(tmp_path, "repo:missing-security-policy", "SECURITY.md") == ["SECURITY.md"]
    text = (tmp_path / "SECURITY.md").read_text()
    assert text.startswith("# Security policy") and "security@calc.org" in text


def test_license_from_settings(tmp_path: Path) -> None:
    settings = RecipeSettings(
        license_id="BSD-3-Clause", license_holder="Ada Lovelace", license_year=2031
    )
    apply(tmp_path, "repo:missing-license", "LICENSE", settings)
    text = (tmp_path / "LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License") and "Copyright (c) 2031, Ada Lovelace" in text


def test_unknown_license_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RecipeFailed, match="no template"):
        apply(tmp_path, "repo:missing-license", "LICENSE", RecipeSettings(license_id="WTFPL"))
    assert not (tmp_path / "LICENSE").exists()


def test_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "LICENSE").write_text("mine\n")
    with pytest.raises(RecipeFailed, match="LICENSE already provides the licence"):
        apply(tmp_path, "repo:missing-license", "LICENSE")
    assert (tmp_path / "LICENSE").read_text() == "mine\n"


def test_ci_workflow_needs_permission(tmp_path: Path) -> None:
    with pytest.raises(RecipeFailed, match="disabled"):
        apply(tmp_path, "repo:no-ci", ".github/workflows/tests.yml")
    assert not (tmp_path / ".github").exists()
    allowed = RecipeSettings(allow_workflows=True)
    apply(tmp_path, "repo:no-ci", ".github/workflows/tests.yml", allowed, test_command="pytest -q")
    workflow = yaml.safe_load((tmp_path / ".github/workflows/tests.yml").read_text())
    steps = workflow["jobs"]["test"]["steps"]
    assert steps[-1]["run"] == "pytest -q"
    assert workflow["permissions"] == {"contents": "read"}


def test_test_scaffold_imports_the_package(tmp_path: Path) -> None:
    (tmp_path / "src/widget").mkdir(parents=True)
    (tmp_path / "src/widget/__init__.py").write_text("")
    assert apply(tmp_path, "repo:no-tests", "tests/test_smoke.py") == ["tests/test_smoke.py"]
    text = (tmp_path / "tests/test_smoke.py").read_text()
    assert 'import_module("widget")' in text
    compile(text, "t.py", "exec")


def test_contributing_and_changelog(tmp_path: Path) -> None:
    apply(tmp_path, "repo:missing-contributing", "CONTRIBUTING.md", test_command="tox -e py")
    # only the command the proof runs in the sandbox, not the one a miner guessed
    assert "    python -m pytest\n" in (tmp_path / "CONTRIBUTING.md").read_text()
    apply(tmp_path, "repo:missing-changelog", "CHANGELOG.md")
    assert "## [Unreleased]" in (tmp_path / "CHANGELOG.md").read_text()


def test_pytest_config_goes_into_pyproject(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "w"\n')
    assert apply(tmp_path, "repo:no-test-command", "pyproject.toml") == ["pyproject.toml"]
    data = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert data["tool"]["pytest"]["ini_options"] == {"testpaths": ["tests"]}
    assert data["project"] == {"name": "w"}


def test_pytest_ini_without_pyproject(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    assert apply(tmp_path, "repo:no-test-command", "pyproject.toml") == ["pytest.ini"]
    assert (tmp_path / "pytest.ini").read_text() == "[pytest]\ntestpaths = tests\n"


def test_requires_python_from_classifiers(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "w"\nclassifiers = [\n  "Programming Language :: Python :: 3.12",\n'
        '  "Programming Language :: Python :: 3.9",\n]\n'
    )
    apply(tmp_path, "repo:missing-requires-python", "pyproject.toml")
    assert (
        tomllib.loads((tmp_path / "pyproject.toml").read_text())["project"]["requires-python"]
        == ">=3.9"
    )


def test_requires_python_refuses_without_evidence(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "w"\n')
    with pytest.raises(RecipeFailed, match="classifiers"):
        apply(tmp_path, "repo:missing-requires-python", "pyproject.toml")
