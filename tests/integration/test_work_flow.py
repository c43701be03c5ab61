"""From a repository to a proven local pull request through the API, and what must be refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import update

from aomaas.store.models import Opportunity
from tests.integration.conftest import Flow
from tests.integration.repos import DEMO_FILES
from tests.support.config import make_settings
from tests.support.git import git, git_repo
from tests.support.live import live_server


def _security_finding(rows: list[dict[str, Any]]) -> dict[str, Any]:
    found = [o for o in rows if o["rule"] == "ruff:S506"]
    assert found, rows
    return found[0]


async def test_fix_is_proven_with_the_repositorys_own_tests(flow: Flow) -> None:
    """Plan → implement → proof (tests ran in the sandbox) → local pull request → review stored."""
    repo_id = await flow.index()
    await flow.mine(repo_id, ["security"])
    finding = _security_finding(await flow.opportunities(repo_id))
    assert finding["location"] == "src/acme/config.py" and finding["line"] == 9
    plan = await flow.plan(finding["id"])
    assert plan["supported"] and plan["steps"] and plan["steps"][0]["id"] == 1
    status, body = await flow.call(
        "POST", "/implementations/create", {"plan_id": plan["id"], "branch_name": "fix/yaml"}
    )
    assert status == 202, body
    assert (await flow.done(body["task_id"]))["status"] == "completed"
    status, impl = await flow.call("GET", f"/implementations/{body['implementation_id']}")
    assert impl["status"] == "completed" and impl["files_changed"] == ["src/acme/config.py"], impl
    report = impl["validation"]
    assert report["tests_ran"] is True, report
    assert {c["name"]: c["outcome"] for c in report["checks"]}["tests"] == "passed", report
    gates = [c for c in report["checks"] if c["name"] == "repo-gates"]
    assert gates and gates[0]["outcome"] == "skipped", report  # the demo configures no linter
    assert all(c["outcome"] == "passed" for c in report["checks"] if c not in gates), report
    python = next(c for c in report["checks"] if c["name"] == "oldest-python")
    assert "run on Python 3.9 (pyproject.toml requires-python '>=3.9')" in python["detail"]
    assert "safe_load" in impl["diff"]
    status, pr = await flow.call(
        "POST",
        "/pull-requests/create",
        {
            "implementation_id": impl["id"],
            "title": "Use safe_load",
            "description": "",
            "draft": False,
            "provider_type": "local",
        },
    )
    assert status == 201, pr
    assert (
        pr["provider_pr_number"] == "1"
        and pr["status"] == "open"
        and pr["url"].startswith("file://")
    )
    assert git(flow.repo, "rev-parse", "fix/yaml").strip() == impl["commit_id"]
    status, opp_rows = await flow.call(
        "GET", f"/repositories/{repo_id}/opportunities?status=pr_open"
    )
    assert [o["id"] for o in opp_rows["opportunities"]] == [finding["id"]]
    status, review = await flow.call(
        "POST", f"/pull-requests/{pr['pr_id']}/review", {"review_type": "security"}
    )
    assert status == 202
    assert (await flow.done(review["task_id"]))["status"] == "completed"
    status, shown = await flow.call("GET", f"/pull-requests/{pr['pr_id']}")
    assert shown["review"]["review_type"] == "security" and shown["review"]["comments"] == []


async def test_another_users_objects_answer_404(flow: Flow) -> None:
    """A user not granted the repository's owner sees nothing of it."""
    repo_id = await flow.index()
    await flow.mine(repo_id, ["security"])
    finding = _security_finding(await flow.opportunities(repo_id))
    plan = await flow.plan(finding["id"])
    for path in (
        f"/repositories/{repo_id}",
        f"/repositories/{repo_id}/opportunities",
        f"/plans/{plan['id']}",
    ):
        status, body = await flow.call("GET", path, token=flow.stranger)
        assert status == 404 and body["type"] == "not_found", (path, body)
    status, body = await flow.call(
        "POST",
        "/repositories/mine-opportunities",
        {"repository_id": repo_id, "max_opportunities": 5},
        token=flow.stranger,
    )
    assert status == 404
    status, body = await flow.call(
        "POST", "/plans/generate", {"opportunity_id": finding["id"]}, token=flow.stranger
    )
    assert status == 404
    status, listing = await flow.call("GET", "/repositories", token=flow.stranger)
    assert listing["repositories"] == [] and listing["total"] == 0


async def test_plans_for_dismissed_or_resolved_opportunities_are_refused(flow: Flow) -> None:
    """400 saying why, for each closed state."""
    repo_id = await flow.index()
    await flow.mine(repo_id, ["security"])
    finding = _security_finding(await flow.opportunities(repo_id))
    for state in ("dismissed", "resolved"):
        async with flow.server.sessions.begin() as session:
            await session.execute(
                update(Opportunity)
                .where(Opportunity.fingerprint == finding["fingerprint"])
                .values(status=state)
            )
        status, body = await flow.call(
            "POST", "/plans/generate", {"opportunity_id": finding["id"], "max_steps": 3}
        )
        assert status == 400 and state in body["detail"], body


async def test_mining_again_updates_resolves_and_never_reuses_numbers(flow: Flow) -> None:
    """Lines inserted above keep the same opportunity; a fixed finding is resolved; new ones get new numbers."""
    repo_id = await flow.index()
    await flow.mine(repo_id, ["security"])
    first = _security_finding(await flow.opportunities(repo_id))
    config = flow.repo / "src/acme/config.py"
    config.write_text(
        '"""Configuration loading."""\n\nimport os\nimport yaml\n\nHOME = os.environ.get("HOME")\n\n\n'
        + config.read_text().split("\n\n\n", 1)[1]
    )
    git(flow.repo, "commit", "-qam", "insert lines above")
    await flow.mine(repo_id, ["security"])
    again = _security_finding(await flow.opportunities(repo_id))
    assert (again["id"], again["number"], again["fingerprint"]) == (
        first["id"],
        first["number"],
        first["fingerprint"],
    )
    assert again["line"] == first["line"] + 3
    config.write_text(config.read_text().replace("yaml.load(handle)", "yaml.safe_load(handle)"))
    (flow.repo / "src/acme/shell.py").write_text(
        '"""Shell."""\nimport subprocess\n\n\ndef run(cmd):\n    """Run."""\n    return subprocess.call(cmd, shell=True)\n'
    )
    git(flow.repo, "add", "-A")
    git(flow.repo, "commit", "-qm", "fix yaml, add shell")
    await flow.mine(repo_id, ["security"])
    resolved = await flow.opportunities(repo_id, "?status=resolved")
    assert [o["id"] for o in resolved] == [first["id"]]
    numbers = [o["number"] for o in await flow.opportunities(repo_id, "?limit=500")]
    assert len(numbers) == len(set(numbers))
    everything = await flow.opportunities(repo_id, "?limit=500")
    new = [o for o in everything if o["location"] == "src/acme/shell.py" and o["status"] == "open"]
    assert new and all(o["number"] > first["number"] for o in new), everything


async def test_unfiltered_list_is_the_latest_selection(flow: Flow) -> None:
    """max_opportunities bounds the plain list; filters and pagination reach everything stored."""
    repo_id = await flow.index()
    task = await flow.mine(repo_id, None, limit=2)
    assert task["result"]["data"]["found"] > 2
    plain = await flow.opportunities(repo_id)
    assert len(plain) == 2
    everything = await flow.opportunities(repo_id, "?limit=500")
    assert len(everything) == task["result"]["data"]["found"]
    ranks = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    assert [ranks[o["priority"]] for o in everything] == sorted(
        ranks[o["priority"]] for o in everything
    )
    status, body = await flow.call("GET", f"/repositories/{repo_id}/opportunities?type=bogus")
    assert status == 400 and "type" in body["detail"]


async def test_repository_urls_are_checked_before_anything_is_fetched(
    flow: Flow, tmp_path: Any
) -> None:
    """Local paths outside the root, foreign hosts and odd transports are 400."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for url, provider in (
        (str(outside), "local"),
        ("ext::sh -c touch% /tmp/pwned", "local"),
        ("https://evil.example/owner/repo", "github"),
        ("ssh://git@github.com/owner/repo", "github"),
    ):
        status, body = await flow.call(
            "POST", "/repositories/index", {"repository_url": url, "provider_type": provider}
        )
        assert status == 400, (url, body)


async def test_reindex_reads_only_changed_files_and_implementation_rebases(flow: Flow) -> None:
    """A second index reads one file; a plan carried out after the repository moved on is rebased."""
    repo_id = await flow.index()
    await flow.mine(repo_id, ["security"])
    plan = await flow.plan(_security_finding(await flow.opportunities(repo_id))["id"])
    (flow.repo / "src/acme/maths.py").write_text(
        (flow.repo / "src/acme/maths.py").read_text()
        + '\n\ndef sub(a, b):\n    """a - b."""\n    return a - b\n'
    )
    git(flow.repo, "commit", "-qam", "add sub")
    await flow.index()
    status, repo = await flow.call("GET", f"/repositories/{repo_id}")
    assert repo["index_stats"]["files_read"] == 1 and repo["index_stats"]["last_read_paths"] == [
        "src/acme/maths.py"
    ], repo
    status, body = await flow.call("POST", "/implementations/create", {"plan_id": plan["id"]})
    assert (await flow.done(body["task_id"]))["status"] == "completed"
    status, impl = await flow.call("GET", f"/implementations/{body['implementation_id']}")
    assert status == 200 and impl["validation"]["rebased"] is True
    assert impl["base_commit"] == git(flow.repo, "rev-parse", "main").strip()


async def test_pull_request_text_says_when_tests_did_not_run(flow: Flow) -> None:
    """A repository whose tests cannot be run: the proof and the pull request say so, and why."""
    (flow.repo / "tests/test_maths.py").unlink()
    (flow.repo / "pyproject.toml").write_text('[project]\nname = "acme"\nversion = "0.1.0"\n')
    git(flow.repo, "add", "-A")
    git(flow.repo, "commit", "-qm", "drop the tests")
    repo_id = await flow.index()
    await flow.mine(repo_id, ["security"])
    plan = await flow.plan(_security_finding(await flow.opportunities(repo_id))["id"])
    status, body = await flow.call("POST", "/implementations/create", {"plan_id": plan["id"]})
    assert (await flow.done(body["task_id"]))["status"] == "completed"
    status, impl = await flow.call("GET", f"/implementations/{body['implementation_id']}")
    assert (
        impl["validation"]["tests_ran"] is False
        and "tests not run" in impl["validation"]["tests_detail"]
    )
    assert impl["proof_level"] == "checked"
    assert impl["proof"] == "Checked, tests not run: the repository has no tests"
    status, pr = await flow.call(
        "POST", "/pull-requests/create", {"implementation_id": impl["id"], "draft": False}
    )
    assert status == 201, pr
    assert pr["draft"] is True, pr  # a fix whose tests did not run opens as a draft
    assert pr["body"].startswith("**This pull request is a draft: the repository's tests did not")
    assert "**Checked, tests not run**: the repository has no tests" in pr["body"], pr["body"]


async def test_unproven_fixes_are_not_opened_when_the_setting_says_never(
    tmp_path: Path, database_url: str
) -> None:
    """AOMAAS_OPEN_UNPROVEN_PULL_REQUESTS=never: a checked fix's pull request is refused, why said."""
    repos = tmp_path / "repos"
    files = {path: text for path, text in DEMO_FILES.items() if not path.startswith("tests/")}
    repo = git_repo(repos, files, name="demo")
    settings = make_settings(
        tmp_path,
        database_url,
        AOMAAS_LOCAL_REPO_ROOT=repos,
        AOMAAS_OPEN_UNPROVEN_PULL_REQUESTS="never",
    )
    async with live_server(settings) as server:
        await server.create_user("maintainer", owners=["local"])
        flow = Flow(server, repo, await server.token("maintainer"), "")
        repo_id = await flow.index()
        await flow.mine(repo_id, ["security"])
        plan = await flow.plan(_security_finding(await flow.opportunities(repo_id))["id"])
        status, body = await flow.call("POST", "/implementations/create", {"plan_id": plan["id"]})
        assert (await flow.done(body["task_id"]))["status"] == "completed"
        status, impl = await flow.call("GET", f"/implementations/{body['implementation_id']}")
        assert impl["proof_level"] == "checked", impl
        status, pr = await flow.call(
            "POST", "/pull-requests/create", {"implementation_id": impl["id"]}
        )
    assert status == 400, pr
    assert "AOMAAS_OPEN_UNPROVEN_PULL_REQUESTS=never" in pr["detail"], pr
    assert "Checked, tests not run: the repository has no tests" in pr["detail"], pr
