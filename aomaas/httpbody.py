"""Reading a whole request body within a size limit (both faces use it)."""

from __future__ import annotations

from aiohttp import web

from aomaas.errors import PayloadTooLarge


async def read_limited(request: web.Request, limit: int, what: str = "request body") -> bytes:
    """The whole body, refused (413) as soon as it is over ``limit`` bytes.

    ``StreamReader.read(n)`` answers with what has arrived so far, so the body is read
    until the end of the stream; a body without ``Content-Length`` (chunked) is cut off
    after ``limit + 1`` bytes, never buffered whole.
    """
    declared = request.content_length
    if declared is not None and declared > limit:
        raise PayloadTooLarge(f"{what} over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(limit + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"{what} over {limit} bytes")
    return b"".join(chunks)
