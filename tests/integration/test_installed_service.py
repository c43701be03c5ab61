"""The service installed exactly as ``scripts/serve`` installs it proves fixes with real tests.

``scripts/bootstrap`` (without ``--test``, as ``scripts/serve`` runs it) sets up a copy
of this repository; that installation's own ``aomaas fix`` and ``aomaas serve`` then fix
a small repository whose pytest suite must run before and after the change. Whatever the
proof needs at run time must therefore be a runtime dependency, not a test extra.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.engine.hands_util import PASSING_SUITE, git, make_repo
from tests.support.live import free_port
from tests.support.processes import checkout_copy, clean_env, run_cli, start_server_process

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

NET = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
FILES = {**PASSING_SUITE, "calc/net.py": NET}
PROVEN_TESTS = re.compile(r"\[passed\] tests .*tests ran: 1 passed before and 1 after")


def _installation_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a person's shell gives: no settings, no virtualenv or path of ours."""
    env = clean_env(extra)
    for name in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"):
        env.pop(name, None)
    return env


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data directory of its own that the sandbox user can reach, so that its cache (test
    environments, the copy of pytest) is built by the installation under test, not reused."""
    path = Path(tempfile.mkdtemp(prefix="aomaas-installed-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def aomaas(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The ``aomaas`` command of a copy of this repository set up by its ``scripts/bootstrap``."""
    copy = checkout_copy(tmp_path_factory.mktemp("installed") / "aomaas")
    done = subprocess.run(
        [str(copy / "scripts" / "bootstrap")],
        cwd=copy,
        env=_installation_env(),
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return [str(copy / ".venv" / "bin" / "aomaas")]


def test_fix_from_the_installed_command_runs_the_tests(
    aomaas: list[str], tmp_path: Path, data_dir: Path
) -> None:
    """``scan`` numbers the finding, ``fix`` of that number is proven with the suite run twice."""
    repo = tmp_path / "repo"
    base = make_repo(repo, FILES)
    env = _installation_env({"AOMAAS_DATA_DIR": str(data_dir)})
    scanned = run_cli(
        ["scan", str(repo), "--types", "security", "--format", "json", "--quiet"],
        env,
        command=aomaas,
        timeout=300,
    )
    assert scanned.returncode == 0, scanned.stdout + scanned.stderr
    opportunities = json.loads(scanned.stdout)["opportunities"]
    number = next(o["number"] for o in opportunities if o["rule"] == "ruff:S113")
    done = run_cli(
        ["fix", str(repo), str(number), "--branch", "fix/timeout"],
        env,
        command=aomaas,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert PROVEN_TESTS.search(done.stdout), done.stdout
    assert "Proven: " in done.stdout and "Traceback" not in done.stderr
    assert git(repo, "rev-parse", "HEAD").strip() == base
    assert "timeout=30" in git(repo, "show", "fix/timeout:calc/net.py")


def _call(api: str, method: str, path: str, token: str = "", body: Any = None) -> Any:
    request = urllib.request.Request(
        api + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"content-type": "application/json"}
        | ({"authorization": f"Bearer {token}"} if token else {}),
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def _finished(api: str, token: str, task_id: str, timeout: float = 900) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        task: dict[str, Any] = _call(api, "GET", f"/tasks/{task_id}", token)
        if task["status"] in ("completed", "failed"):
            return task
        assert time.monotonic() < deadline, task
        time.sleep(0.5)


def test_implementation_through_the_installed_service_runs_the_tests(
    aomaas: list[str], tmp_path: Path, data_dir: Path
) -> None:
    """``aomaas serve`` of that installation: index, mine, plan and implement, proven by tests."""
    repos = tmp_path / "repos"
    repo = repos / "calc"
    make_repo(repo, FILES)
    env = _installation_env(
        {"AOMAAS_DATA_DIR": str(data_dir), "AOMAAS_LOCAL_REPO_ROOT": str(repos)}
    )
    password = "a long enough password 1"
    made = run_cli(
        ["user", "create", "admin", "--admin", "--password-stdin"],
        env,
        input=password + "\n",
        command=aomaas,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    server = start_server_process(env, free_port(), timeout=120, command=aomaas)
    try:
        api = server.api
        token = _call(api, "POST", "/auth/token", body={"username": "admin", "password": password})[
            "access_token"
        ]
        indexed = _call(
            api,
            "POST",
            "/repositories/index",
            token,
            {"repository_url": str(repo), "provider_type": "local", "branch": "main"},
        )
        assert _finished(api, token, indexed["task_id"])["status"] == "completed"
        repo_id = indexed["repository_id"]
        mined = _call(
            api,
            "POST",
            "/repositories/mine-opportunities",
            token,
            {"repository_id": repo_id, "opportunity_types": ["security"], "max_opportunities": 20},
        )
        assert _finished(api, token, mined["task_id"])["status"] == "completed"
        listed = _call(api, "GET", f"/repositories/{repo_id}/opportunities", token)
        target = next(o for o in listed["opportunities"] if o["rule"] == "ruff:S113")
        planned = _call(
            api, "POST", "/plans/generate", token, {"opportunity_id": target["id"], "max_steps": 5}
        )
        assert _finished(api, token, planned["task_id"])["status"] == "completed"
        started = _call(
            api,
            "POST",
            "/implementations/create",
            token,
            {"plan_id": planned["plan_id"], "branch_name": "fix/timeout"},
        )
        task = _finished(api, token, started["task_id"])
        impl = _call(api, "GET", f"/implementations/{started['implementation_id']}", token)
        assert task["status"] == "completed" and impl["status"] == "completed", (task, impl)
        report = impl["validation"]
        tests = next(c for c in report["checks"] if c["name"] == "tests")
        assert report["tests_ran"] is True and tests["outcome"] == "passed", report
        assert "tests ran: 1 passed before and 1 after" in tests["detail"]
    finally:
        server.stop()
    assert "Traceback" not in server.output(), server.output()
