"""``aomaas scan`` and ``aomaas fix`` agree: one number per finding whatever the filters, and
a dirty checkout is said to be one (HEAD is what both scan and fix)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aomaas.app import main
from tests.engine.hands_util import PASSING_SUITE, git, make_repo, shared_cache

NET = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
FILES = {**PASSING_SUITE, "calc/net.py": NET}


@pytest.fixture(autouse=True)
def _data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AOMAAS_DATA_DIR", str(shared_cache() / "data"))


def _scan(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[dict, str]:
    assert main(["scan", *argv, "--format", "json", "--quiet"]) == 0
    out, err = capsys.readouterr()
    return json.loads(out), err


def _by_rule(report: dict, rule: str) -> dict:
    return next(o for o in report["opportunities"] if o["rule"] == rule)


def test_a_number_from_a_filtered_scan_names_the_same_finding_in_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Higher-ranked documentation findings exist, yet ``fix N`` with N from
    ``scan --types security`` fixes that security finding."""
    root = tmp_path / "repo"
    make_repo(root, FILES)
    security, _ = _scan(capsys, str(root), "--types", "security")
    target = _by_rule(security, "ruff:S113")
    everything, _ = _scan(capsys, str(root))
    assert _by_rule(everything, "ruff:S113")["number"] == target["number"]
    numbers = [o["number"] for o in everything["opportunities"]]
    assert len(numbers) == len(set(numbers)) and min(numbers) == 1
    # 3: checked, the tests not run (--no-tests)
    assert main(["fix", str(root), str(target["number"]), "--no-tests"]) == 3
    out = capsys.readouterr().out
    assert f"Opportunity #{target['number']} ({target['fingerprint'][:12]})" in out, out
    assert "+    return requests.get(url, timeout=30)" in out
    again, _ = _scan(capsys, str(root), "--types", "security")
    assert _by_rule(again, "ruff:S113")["number"] == target["number"]


def test_a_dirty_checkout_is_said_and_head_is_scanned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Uncommitted edits move the call three lines down and add a yaml.load: scan reports
    HEAD's finding at HEAD's line, leaves the uncommitted one out, and says so."""
    root = tmp_path / "repo"
    make_repo(root, FILES)
    (root / "calc/net.py").write_text(
        "import yaml\n\n\n" + NET + "\n\ndef y(t):\n    return yaml.load(t)\n"
    )
    report, err = _scan(capsys, str(root))
    assert report["uncommitted_changes"] == ["calc/net.py"]
    assert "uncommitted changes" in report["scanned"] and report["commit"][:12] in report["scanned"]
    assert "warning: scanned the committed HEAD" in err and "calc/net.py" in err
    assert _by_rule(report, "ruff:S113")["line"] == 5
    assert not [o for o in report["opportunities"] if o["rule"] == "ruff:S506"]
    assert main(["scan", str(root), "--quiet"]) == 0
    table = capsys.readouterr().out
    assert "scanned the committed HEAD" in table and "not the working tree" in table


def test_fix_on_a_dirty_checkout_fixes_head_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The finding as HEAD has it is fixed (proven, tests run); the edits stay where they were."""
    root = tmp_path / "repo"
    make_repo(root, FILES)
    edited = "import os\n\n\n" + NET
    (root / "calc/net.py").write_text(edited)
    report, _ = _scan(capsys, str(root))
    number = _by_rule(report, "ruff:S113")["number"]
    assert main(["fix", str(root), str(number), "--branch", "fix/timeout"]) == 0
    out = capsys.readouterr().out
    assert "Note: fixing the committed HEAD" in out and "uncommitted changes" in out, out
    assert "[passed] tests" in out and "Proven: " in out, out
    assert (root / "calc/net.py").read_text() == edited
    assert "timeout=30" in git(root, "show", "fix/timeout:calc/net.py")
    (root / "calc/net.py").write_text(
        edited + "\n\ndef y(t):\n    import yaml\n    return yaml.load(t)\n"
    )
    assert main(["fix", str(root), "ruff:S506"]) == 2
    err = capsys.readouterr().err
    assert "not the working tree" in err and "uncommitted changes" in err, err
