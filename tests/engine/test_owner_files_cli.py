"""``aomaas scan``/``fix --owner-files DIR``: the owner's ``.github`` checkout counts, as on GitHub."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aomaas.app import main
from tests.engine.hands_util import shared_cache
from tests.support.git import git, git_repo

FILES = {
    # a network client (an attack surface: a missing policy is worth reporting), no README
    # and no documentation tree (so no contributing guide can be described anywhere)
    "pyproject.toml": '[project]\nname = "calc"\n'
    'maintainers = [{name = "Calc", email = "calc@calc.example"}]\n',
    "calc/__init__.py": '"""Calc."""\n',
    "calc/net.py": '"""Fetching."""\n\nimport socket\n',
    "LICENSE": "MIT\n",
}
OWNER = {
    "SECURITY.md": "# Security\n\nMail security@acme.example.\n",
    ".github/CONTRIBUTING.md": "# Hi\n",
}
POLICY = ".github SECURITY.md already provides the security policy for the organisation"
GUIDE = (
    ".github .github/CONTRIBUTING.md already provides the contributing guide for the organisation"
)
RULES = {"repo:missing-security-policy": POLICY, "repo:missing-contributing": GUIDE}


def _repos(tmp_path: Path) -> tuple[Path, Path]:
    return git_repo(tmp_path, FILES), git_repo(tmp_path / "acme", OWNER, name=".github")


def _scan(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[dict[str, Any], str]:
    assert main(["scan", *argv, "--format", "json"]) == 0
    out, err = capsys.readouterr()
    return json.loads(out), err


def test_scan_leaves_out_what_the_owners_files_provide(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, owner = _repos(tmp_path)
    plain, err = _scan(capsys, str(repo))
    numbers = {o["rule"]: o["number"] for o in plain["opportunities"]}
    assert set(RULES) <= set(numbers) and plain["left_out"] == [] and "left out" not in err
    document, err = _scan(capsys, str(repo), "--owner-files", str(owner))
    rules = {o["rule"] for o in document["opportunities"]}
    assert not rules & set(RULES) and rules == set(numbers) - set(RULES)
    assert document["total"] == plain["total"] - 2
    assert {o["rule"]: (o["number"], o["reason"]) for o in document["left_out"]} == {
        rule: (numbers[rule], reason) for rule, reason in RULES.items()
    }
    assert f"aomaas: the owner's files in {owner}: SECURITY.md, .github/CONTRIBUTING.md" in err
    security = numbers["repo:missing-security-policy"]
    assert f"aomaas: left out #{security} (repo:missing-security-policy): {POLICY}\n" in err
    quiet, err = _scan(capsys, str(repo), "--owner-files", str(owner), "--quiet")
    assert err == "" and quiet["left_out"] == document["left_out"]


def test_an_owner_checkout_without_those_files_leaves_nothing_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = git_repo(tmp_path, FILES)
    owner = git_repo(tmp_path / "acme", {"profile/README.md": "# Acme\n"}, name=".github")
    document, err = _scan(capsys, str(repo), "--owner-files", str(owner))
    assert set(RULES) <= {o["rule"] for o in document["opportunities"]}
    assert document["left_out"] == []
    assert "the files GitHub reads there" in err


def test_fix_says_no_fix_is_needed_when_the_owner_provides_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AOMAAS_DATA_DIR", str(shared_cache() / "data"))
    repo, owner = _repos(tmp_path)
    plain, _ = _scan(capsys, str(repo), "--quiet")
    number = next(
        o["number"] for o in plain["opportunities"] if o["rule"] == "repo:missing-security-policy"
    )
    assert main(["fix", str(repo), str(number), "--owner-files", str(owner)]) == 1
    out = capsys.readouterr().out
    assert f"  No fix needed: {POLICY}.\n" in out, out
    assert git(repo, "branch", "--format=%(refname:short)").split() == ["main"]


def test_owner_files_that_are_not_a_directory_are_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = git_repo(tmp_path, FILES)
    missing = tmp_path / "nowhere"
    assert main(["scan", str(repo), "--owner-files", str(missing)]) == 2
    assert f"--owner-files {missing}: not a directory" in capsys.readouterr().err
    assert main(["fix", str(repo), "1", "--owner-files", str(missing)]) == 2
    assert f"--owner-files {missing}: not a directory" in capsys.readouterr().err
