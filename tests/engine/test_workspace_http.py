"""Cloning over git's smart HTTP from a loopback stand-in: the token is a header, never stored."""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from aomaas.engine.workspace import RepoSource, WorkspacePolicy, sync
from aomaas.errors import WorkspaceError
from tests.support.git import git, git_repo

TOKEN = "ghs_s3cretTOKENvalue"
EXPECTED = "Basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()


class GitHandler(BaseHTTPRequestHandler):
    """git http-backend as CGI, behind a Basic-auth check."""

    project_root: Path
    seen: list[str | None]

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, *args: object) -> None:
        pass

    def _serve(self) -> None:
        auth = self.headers.get("Authorization")
        self.seen.append(auth)
        if auth != EXPECTED:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        env = {
            "PATH": os.environ["PATH"],
            "GIT_PROJECT_ROOT": str(self.project_root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "REMOTE_ADDR": "127.0.0.1",
        }
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        out = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
        ).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.decode("latin-1").split("\r\n"):
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.split()[0])
            elif key:
                headers.append((key, value.strip()))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, list[str | None]]]:
    source = git_repo(tmp_path, {"a.py": "x = 1\n"}, name="src")
    root = tmp_path / "served"
    (root / "o").mkdir(parents=True)
    git(tmp_path, "clone", "-q", "--bare", str(source), str(root / "o" / "r.git"))
    seen: list[str | None] = []
    handler = type("Handler", (GitHandler,), {"project_root": root, "seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}", seen
    httpd.shutdown()
    httpd.server_close()


def _policy(tmp_path: Path, host: str) -> WorkspacePolicy:
    return WorkspacePolicy(
        cache_dir=tmp_path / "cache", github_host=host, github_allow_http=True, clone_timeout=60
    )


def test_token_is_sent_as_header_and_never_stored(
    tmp_path: Path, server: tuple[str, list[str | None]]
) -> None:
    host, seen = server
    policy = _policy(tmp_path, host)
    source = RepoSource("github", f"http://{host}/o/r.git", token=TOKEN)
    checkout = sync(source, policy, "gh")
    assert (checkout.path / "a.py").read_text() == "x = 1\n" and checkout.branch == "main"
    assert EXPECTED in seen
    stored = b"".join(p.read_bytes() for p in (checkout.path / ".git").rglob("*") if p.is_file())
    assert TOKEN.encode() not in stored and EXPECTED.split()[1].encode() not in stored


def test_wrong_or_missing_token_fails_without_leaking(
    tmp_path: Path, server: tuple[str, list[str | None]]
) -> None:
    host, _ = server
    policy = _policy(tmp_path, host)
    with pytest.raises(WorkspaceError) as wrong:
        sync(RepoSource("github", f"http://{host}/o/r.git", token="ghs_wrongTOKEN"), policy, "bad")
    assert "ghs_wrongTOKEN" not in str(wrong.value) and "auth" in str(wrong.value).lower()
    with pytest.raises(WorkspaceError, match=r"(?i)auth"):
        sync(RepoSource("github", f"http://{host}/o/r.git"), policy, "anon")
