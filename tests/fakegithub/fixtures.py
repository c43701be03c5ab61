"""pytest fixtures for the GitHub stand-in; ``tests/conftest.py`` imports ``fake_github``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakegithub.server import FakeGitHub


@pytest.fixture
def fake_github(tmp_path: Path) -> Iterator[FakeGitHub]:
    """A started stand-in; the test fails at teardown if any request or answer broke the schema."""
    fake = FakeGitHub(tmp_path / "fake-github").start()
    try:
        yield fake
    finally:
        fake.stop()
    if fake.violations:
        pytest.fail(
            "the GitHub stand-in saw requests/answers outside GitHub's OpenAPI description:\n"
            + "\n".join(fake.violations),
            pytrace=False,
        )
