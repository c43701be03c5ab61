"""``aomaas scan --format json`` and the API describe an opportunity with the same fields."""

from __future__ import annotations

import json

import pytest

from aomaas.app import main
from tests.integration.conftest import Flow


async def test_scan_json_has_the_apis_opportunity_fields(
    flow: Flow, capsys: pytest.CaptureFixture[str]
) -> None:
    """Same keys (the API adds the stored row's id), same values, same numbers on a fresh
    repository mined for every type."""
    repo_id = await flow.index()
    await flow.mine(repo_id, None, limit=100)
    api = {o["fingerprint"]: o for o in await flow.opportunities(repo_id, "?limit=500")}
    capsys.readouterr()
    assert main(["scan", str(flow.repo), "--format", "json", "--quiet"]) == 0
    scanned = {o["fingerprint"]: o for o in json.loads(capsys.readouterr().out)["opportunities"]}
    assert api and set(api) == set(scanned)
    for fingerprint, answer in api.items():
        assert set(answer) == set(scanned[fingerprint]) | {"id"}, (answer, scanned[fingerprint])
        assert {k: v for k, v in answer.items() if k != "id"} == scanned[fingerprint]
