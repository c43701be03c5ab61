"""Every operation of the OpenAPI subset is served, and the two the bot rarely uses behave."""

from __future__ import annotations

import base64

import aiohttp

from tests.fakegithub import FakeGitHub
from tests.fakegithub.routes import HANDLERS
from tests.fakegithub.spec import operations

REPO = "octo-org/hello"


def test_every_operation_of_the_subset_has_a_handler() -> None:
    served = {operation_id for _method, _path, operation_id in operations()}
    assert len(served) == 51
    assert served == set(HANDLERS)


async def test_put_contents_and_compare(fake_github: FakeGitHub) -> None:
    inst = fake_github.add_installation("octo-org")
    fake_github.add_repo(REPO, installation=inst, files={"a.txt": "a\n"})
    token = fake_github.authority.mint(inst.id).token
    headers = {"Authorization": f"token {token}", "Accept": "application/vnd.github+json"}
    base = fake_github.ref(REPO, "heads/main")
    async with aiohttp.ClientSession(headers=headers) as session:
        put = {"message": "add notes", "content": base64.b64encode(b"hello\n").decode()}
        async with session.put(
            f"{fake_github.url}/repos/{REPO}/contents/notes/hello.txt", json=put
        ) as created:
            assert created.status == 201
            answer = await created.json()
        async with session.put(
            f"{fake_github.url}/repos/{REPO}/contents/notes/hello.txt", json=put
        ) as stale:
            assert stale.status == 422  # updating needs the current blob sha
        async with session.get(f"{fake_github.url}/repos/{REPO}/compare/{base}...main") as compared:
            comparison = await compared.json()
        pull_url = f"{fake_github.url}/repos/{REPO}/pulls"
        head = fake_github.commit(REPO, "topic", {"a.txt": "a\nb\n"})
        pull = fake_github.add_pull(REPO, "topic")
        comment = {"body": "nice", "commit_id": head, "path": "a.txt", "line": 2, "side": "RIGHT"}
        async with session.post(f"{pull_url}/{pull.number}/comments", json=comment) as posted:
            assert posted.status == 201
            inline = await posted.json()
    assert inline["line"] == 2 and inline["path"] == "a.txt"
    assert answer["content"]["path"] == "notes/hello.txt"
    assert fake_github.file_at(REPO, "main", "notes/hello.txt") == b"hello\n"
    assert (comparison["status"], comparison["ahead_by"], comparison["behind_by"]) == (
        "ahead",
        1,
        0,
    )
    assert [f["filename"] for f in comparison["files"]] == ["notes/hello.txt"]
