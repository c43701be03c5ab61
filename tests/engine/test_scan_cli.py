"""``aomaas scan`` end to end: formats, exit codes, stable fingerprints, SARIF structure."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from aomaas.commands import scan as scan_command
from aomaas.engine.findings import PRIORITY_RANK, Priority
from tests.support.git import git_repo

FILES = {
    "app.py": "import yaml\n\n\ndef load(text):\n    return yaml.load(text)\n",
    "util.py": '"""Utils."""\n\n\ndef helper(items):\n    """Help."""\n    return [x for x in list(items)]\n',
    "LICENSE": "MIT\n",
}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    scan_command.add_parser(sub)
    code = scan_command.run(parser.parse_args(["scan", *argv]))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_numbers_every_opportunity_in_rank_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = git_repo(tmp_path, FILES)
    code, out, err = _run(capsys, str(repo), "--format", "json")
    assert code == 0 and "aomaas: indexed" in err
    report = json.loads(out)
    items = report["opportunities"]
    assert [o["number"] for o in items] == list(range(1, len(items) + 1)) and report[
        "total"
    ] == len(items)
    ranks = [(PRIORITY_RANK[Priority(o["priority"])]) for o in items]
    assert ranks == sorted(ranks)
    assert all(len(o["fingerprint"]) == 32 for o in items)
    assert any(
        o["rule"] == "ruff:S506" and o["location"] == "app.py" and o["line"] == 5 for o in items
    )
    _, again, _ = _run(capsys, str(repo), "--format", "json", "--quiet")
    assert [o["fingerprint"] for o in json.loads(again)["opportunities"]] == [
        o["fingerprint"] for o in items
    ]


def test_types_max_and_fail_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = git_repo(tmp_path, FILES)
    code, out, _ = _run(capsys, str(repo), "--types", "security", "--format", "json", "--quiet")
    assert {o["type"] for o in json.loads(out)["opportunities"]} == {"security"}
    code, out, _ = _run(
        capsys,
        str(repo),
        "--types",
        "performance,documentation",
        "--max",
        "1",
        "--format",
        "json",
        "--quiet",
    )
    report = json.loads(out)
    assert len(report["opportunities"]) == 1 and report["total"] > 1
    assert set(report["types"]) == {"performance", "documentation"}
    # yaml.load on a parameter builds arbitrary objects: exploitable, ranked critical
    assert _run(capsys, str(repo), "--fail-on", "critical", "--quiet")[0] == 1
    quiet = ("--types", "performance,documentation", "--quiet")
    assert _run(capsys, str(repo), *quiet, "--fail-on", "critical")[0] == 0
    code, out, _ = _run(capsys, str(repo), "--quiet", "--max", "3")
    assert code == 0 and out.splitlines()[0].split()[:3] == ["#", "priority", "type"]
    assert "showing 3 of" in out


def test_errors_exit_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    code, out, err = _run(capsys, str(plain))
    assert code == 2 and out == "" and "not a git repository" in err and "Traceback" not in err
    empty = tmp_path / "empty"
    empty.mkdir()
    subprocess.run(["git", "init", "-q", str(empty)], check=True)
    code, _, err = _run(capsys, str(empty))
    assert code == 2 and "no commits" in err
    assert _run(capsys, str(tmp_path / "missing"))[0] == 2
    proc = subprocess.run(
        [sys.executable, "-m", "aomaas.commands.scan", str(plain), "--types", "nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "unknown type" in proc.stderr and "Traceback" not in proc.stderr


def test_sarif_2_1_0_structure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = git_repo(tmp_path, FILES)
    code, out, _ = _run(capsys, str(repo), "--format", "sarif", "--quiet")
    log = json.loads(out)
    assert code == 0 and log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "aomaas"
    rule_ids = [r["id"] for r in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("none", "note", "warning", "error")
    assert run["results"]
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("none", "note", "warning", "error") and result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] in run["originalUriBaseIds"]
        assert not physical["artifactLocation"]["uri"].startswith("/")
        region = physical["region"]
        assert 1 <= region["startLine"] <= region["endLine"]
        assert isinstance(result["partialFingerprints"]["aomaasFingerprint/v1"], str)
    base = run["originalUriBaseIds"]["SRCROOT"]["uri"]
    assert base.startswith("file://") and base.endswith("/")
    yaml_result = next(r for r in run["results"] if r["ruleId"] == "ruff:S506")
    assert yaml_result["level"] == "error"
    assert yaml_result["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
