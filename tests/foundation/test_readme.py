"""The README documents every setting, and its quick start is what CI runs."""

from __future__ import annotations

from pathlib import Path

from aomaas.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [
        f.alias
        for f in Settings.model_fields.values()
        if f.alias and f"| `{f.alias}` |" not in readme
    ]
    assert missing == []


def test_quick_start_is_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]
    assert commands == ["scripts/serve", "scripts/test"]
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text()
