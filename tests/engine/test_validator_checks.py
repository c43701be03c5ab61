"""The validator's checks on real commits: gone, nothing new, compiles, tests."""

from __future__ import annotations

from pathlib import Path

from aomaas.engine.index import build_index
from aomaas.engine.miners import mine
from aomaas.engine.validator import ValidationReport, ValidationSettings, validate
from tests.engine.hands_util import PASSING_SUITE, git, make_repo

NET = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"


def change(root: Path, text: str) -> tuple[str, ValidationReport]:
    base = git(root, "rev-parse", "HEAD").strip()
    finding = next(f for f in mine(root, build_index(root, base)) if f.rule == "ruff:S113")
    (root / "calc/net.py").write_text(text)
    git(root, "commit", "-qam", "change")
    report = validate(root, base, finding, ["calc/net.py"], ValidationSettings(run_tests=False))
    return base, report


def outcomes(report: ValidationReport) -> dict[str, str]:
    return {check.name: check.outcome for check in report.checks}


def test_a_change_that_adds_a_finding_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_repo(root, {**PASSING_SUITE, "calc/net.py": NET})
    fixed = NET.replace("requests.get(url)", "requests.get(url, timeout=5)")
    _, report = change(
        root, fixed + "\n\ndef load(text):\n    import yaml\n\n    return yaml.load(text)\n"
    )
    assert outcomes(report)["finding-gone"] == "passed"
    assert outcomes(report)["no-new-findings"] == "failed"
    assert "ruff:S506 in calc/net.py (0 → 1)" in report.failures()[0]
    assert not report.passed


def test_a_change_that_does_not_fix_or_compile_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_repo(root, {**PASSING_SUITE, "calc/net.py": NET})
    _, report = change(root, NET + "\ndef broken(:\n")
    assert outcomes(report)["finding-gone"] == "failed"
    assert outcomes(report)["compiles"] == "failed"
    assert outcomes(report)["tests"] == "skipped"
    assert report.tests_detail == "tests not run: disabled by the settings"
    assert ValidationReport.from_dict(report.to_dict()) == report
