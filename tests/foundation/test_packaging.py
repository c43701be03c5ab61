"""The distributions: an sdist and a wheel built from the checkout carry everything the service
reads at run time, and the service installed from the wheel alone serves ``/setup``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.support.live import free_port
from tests.support.processes import ROOT, checkout_copy, run_cli, start_server_process

pytestmark = pytest.mark.slow

# Files the service opens at run time, as paths inside the package.
PACKAGE_DATA = (
    "aomaas/manifest.yml",
    "aomaas/py.typed",
    "aomaas/store/migrations/env.py",
    "aomaas/store/migrations/script.py.mako",
    "aomaas/store/migrations/versions/0001_initial_schema.py",
)
SETUP_TOKEN = re.compile(r"/setup\?token=([A-Za-z0-9_-]+)")


@pytest.fixture(scope="module")
def distributions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(sdist, wheel) built with ``python -m build`` (the wheel is built from the sdist)."""
    work = tmp_path_factory.mktemp("dist")
    source = checkout_copy(work / "source")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(work / "out"), "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (sdist,) = (work / "out").glob("aomaas-*.tar.gz")
    (wheel,) = (work / "out").glob("aomaas-*.whl")
    return sdist, wheel


def test_sdist_and_wheel_carry_the_package_data(distributions: tuple[Path, Path]) -> None:
    sdist, wheel = distributions
    with tarfile.open(sdist) as archive:
        in_sdist = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = set(archive.namelist())
    assert [f for f in PACKAGE_DATA if f not in in_sdist] == []
    assert [f for f in PACKAGE_DATA if f not in in_wheel] == []
    # The repository's manifest.yml (the README links it) is the packaged one.
    assert (ROOT / "manifest.yml").resolve() == (ROOT / "aomaas" / "manifest.yml").resolve()


def test_setup_served_from_the_installed_wheel(
    distributions: tuple[Path, Path], tmp_path: Path
) -> None:
    _, wheel = distributions
    site = tmp_path / "site"
    installed = subprocess.run(
        [
            sys.executable,
            *("-m", "pip", "install", "--no-deps", "--no-index"),
            "--target",
            str(site),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    # The wheel's copy comes first on the path; dependencies come from this environment.
    # Run outside the checkout so that nothing of it can be imported by accident.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PYTHONPATH": str(site), "AOMAAS_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "-m", "aomaas"]
    where = run_cli(["--version"], env, cwd=elsewhere, command=command)
    assert where.returncode == 0, where.stderr
    origin = run_cli(
        [],
        env,
        cwd=elsewhere,
        command=[sys.executable, "-c", "import aomaas; print(aomaas.__file__)"],
    )
    assert Path(origin.stdout.strip()).is_relative_to(site), origin.stdout + origin.stderr

    server = start_server_process(
        env, free_port(), log=tmp_path / "serve.log", cwd=elsewhere, command=command
    )
    try:
        found = SETUP_TOKEN.search(server.output())
        assert found, server.output()
        with urllib.request.urlopen(
            f"{server.url}/setup?token={found.group(1)}", timeout=10
        ) as resp:
            status, page = resp.status, resp.read().decode()
    finally:
        server.stop()
    assert status == 200, page
    assert 'name="manifest"' in page
    packaged = yaml.safe_load((site / "aomaas" / "manifest.yml").read_text())
    assert packaged["default_permissions"]["contents"] == "write"
    assert f"{server.url}/webhooks/github" in page.replace("&quot;", '"')
