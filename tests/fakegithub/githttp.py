"""git's smart HTTP protocol for the stand-in: ``git http-backend`` as a CGI subprocess.

The request body is streamed to the backend's stdin while its stdout is parsed
(CGI headers, then the body streamed back). Pushing is enabled
(``http.receivepack``); authentication is checked by the caller before this runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from aiohttp import web

from tests.fakegithub.gitrepo import git_env

CHUNK = 64 * 1024


async def serve(
    request: web.Request, project_root: Path, path_info: str, user: str
) -> web.StreamResponse:
    """Run ``git http-backend`` for one request and stream its answer."""
    env = git_env(
        {
            "GIT_PROJECT_ROOT": str(project_root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_COUNT": "2",
            "GIT_CONFIG_KEY_0": "http.receivepack",
            "GIT_CONFIG_VALUE_0": "true",
            "GIT_CONFIG_KEY_1": "http.uploadpack",
            "GIT_CONFIG_VALUE_1": "true",
            "PATH_INFO": path_info,
            "REQUEST_METHOD": request.method,
            "QUERY_STRING": request.query_string,
            "REMOTE_USER": user,
            "REMOTE_ADDR": request.remote or "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
        }
    )
    if request.content_type:
        env["CONTENT_TYPE"] = request.headers.get("Content-Type", "")
    # aiohttp already undid any Content-Encoding: gzip, so the length is unknown; read to EOF.
    if "Content-Length" in request.headers and "Content-Encoding" not in request.headers:
        env["CONTENT_LENGTH"] = request.headers["Content-Length"]
    if "Git-Protocol" in request.headers:
        env["GIT_PROTOCOL"] = request.headers["Git-Protocol"]
    process = await asyncio.create_subprocess_exec(
        "git",
        "http-backend",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    assert process.stdin and process.stdout and process.stderr
    feeder = asyncio.create_task(_feed(request, process.stdin))
    try:
        status, headers = await _read_cgi_headers(process.stdout)
        response = web.StreamResponse(status=status, headers=headers)
        await response.prepare(request)
        while chunk := await process.stdout.read(CHUNK):
            await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        await feeder
        await process.stderr.read()
        await process.wait()


async def _feed(request: web.Request, stdin: asyncio.StreamWriter) -> None:
    try:
        async for chunk in request.content.iter_chunked(CHUNK):
            stdin.write(chunk)
            await stdin.drain()
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            stdin.close()
            await stdin.wait_closed()


async def _read_cgi_headers(stdout: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    status = 200
    headers: dict[str, str] = {}
    while True:
        line = (await stdout.readline()).decode("latin-1").rstrip("\r\n")
        if not line:
            return status, headers
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.strip().split()[0])
        else:
            headers[name.strip()] = value.strip()
