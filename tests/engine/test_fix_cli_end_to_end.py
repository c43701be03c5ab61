"""``aomaas fix`` end to end on a small repository, as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aomaas.app import main
from tests.engine.hands_util import PASSING_SUITE, git, make_repo, shared_cache

NET = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"


def aomaas(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AOMAAS_DATA_DIR": str(shared_cache() / "data"),
        "AOMAAS_SECRET_KEY": "k" * 40,
    }
    return subprocess.run(
        [sys.executable, "-m", "aomaas.app", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def scanned(root: Path) -> list[dict]:
    from aomaas.engine.scan import scan

    return [f.to_dict() for f in scan(root).findings]


def test_fix_by_fingerprint_prefix_proves_and_branches(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    base = make_repo(root, {**PASSING_SUITE, "calc/net.py": NET})
    target = next(f for f in scanned(root) if f["rule"] == "ruff:S113")
    done = aomaas(
        "fix", str(root), target["fingerprint"][:10], "--branch", "fix/timeout", cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Plan: " in done.stdout and "[recipe requests-timeout]" in done.stdout
    assert "[passed] tests" in done.stdout and "[passed] finding-gone" in done.stdout
    assert "+    return requests.get(url, timeout=30)" in done.stdout
    assert git(root, "rev-parse", "HEAD").strip() == base
    assert (root / "calc/net.py").read_text() == NET
    assert "timeout=30" in git(root, "show", "fix/timeout:calc/net.py")
    last = done.stdout.strip().splitlines()[-1]
    assert last == "Proven: tests ran: 1 passed before and after; branch fix/timeout", last


def test_fix_whose_tests_could_not_run_exits_3_and_says_why(tmp_path: Path) -> None:
    """A test module that does not import: the branch is made, checked, never 'proven'."""
    root = tmp_path / "repo"
    broken = "import not_installed_anywhere\n\n\ndef test_x():\n    pass\n"
    make_repo(root, {**PASSING_SUITE, "calc/net.py": NET, "tests/test_broken.py": broken})
    target = next(f for f in scanned(root) if f["rule"] == "ruff:S113")
    done = aomaas("fix", str(root), target["fingerprint"][:10], "--branch", "fix/t", cwd=tmp_path)
    assert done.returncode == 3, done.stdout + done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith(
        "Checked, tests not run: tests could not run: 1 test module(s) could not be imported: "
        "tests/test_broken.py (ModuleNotFoundError: No module named 'not_installed_anywhere')"
    ), last
    assert last.endswith("; branch fix/t")
    assert "timeout=30" in git(root, "show", "fix/t:calc/net.py")


def test_fix_by_scan_number_of_an_unsupported_rule_is_not_proven(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AOMAAS_DATA_DIR", str(shared_cache() / "data"))
    root = tmp_path / "repo"
    make_repo(root, {**PASSING_SUITE, "README.md": "# calc\n"})
    ranked = scanned(root)
    number = next(i for i, f in enumerate(ranked, 1) if not f["fixable"])
    assert main(["fix", str(root), str(number)]) == 1
    assert "model-backed brain" in capsys.readouterr().out
    assert git(root, "branch", "--format=%(refname:short)").split() == ["main"]


def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "repo"
    make_repo(root, PASSING_SUITE)
    assert main(["fix", str(root), "9999"]) == 2
    assert "no opportunity number 9999" in capsys.readouterr().err
    assert main(["fix", str(root), "ffffffffffff"]) == 2
    assert main(["fix", str(tmp_path / "nowhere"), "1"]) == 2
    assert main(["fix", str(root), "1", "--branch", "bad..name"]) == 2
