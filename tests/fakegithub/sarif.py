"""Code scanning SARIF uploads: ``POST .../code-scanning/sarifs`` and ``GET .../sarifs/{id}``.

As GitHub does: the ``sarif`` field is gzip then Base64; one that does not decode is
answered 400, one over 10 MB (compressed) 413; a commit unknown to the repository 404.
An upload that decodes is accepted (202) and processed: ``complete`` when it is a SARIF
2.1.0 log with at most 20 runs, ``failed`` with the reasons otherwise.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import uuid
import zlib
from typing import TYPE_CHECKING, Any

from tests.fakegithub import gitrepo
from tests.fakegithub.routes import Answer, Ctx, Fail, handles
from tests.fakegithub.state import SarifUpload

if TYPE_CHECKING:
    from tests.fakegithub.server import FakeGitHub

MAX_COMPRESSED = 10 * 1024 * 1024
MAX_RUNS = 20


def _decode(field: str) -> Any:
    if len(field) > MAX_COMPRESSED * 4 // 3 + 4:
        raise Fail(413, "Payload Too Large: the sarif field is over 10 MB compressed")
    try:
        return json.loads(gzip.decompress(base64.b64decode(field, validate=True)))
    except (binascii.Error, OSError, EOFError, zlib.error, ValueError) as exc:
        raise Fail(400, f"Bad Request: the sarif field is not gzip + Base64 JSON ({exc})") from None


def _problems(log: Any) -> tuple[list[str], int]:
    """(processing errors, number of results) of a SARIF log."""
    if not isinstance(log, dict):
        return ["the SARIF file is not a JSON object"], 0
    errors = []
    if log.get("version") != "2.1.0":
        errors.append(f"unsupported SARIF version {log.get('version')!r} (2.1.0 is expected)")
    runs = log.get("runs")
    if not isinstance(runs, list):
        return [*errors, "the SARIF file has no runs array"], 0
    if len(runs) > MAX_RUNS:
        errors.append(f"{len(runs)} runs in one file (at most {MAX_RUNS})")
    results = 0
    for number, run in enumerate(runs):
        if not isinstance(run, dict) or not isinstance(run.get("tool"), dict):
            errors.append(f"run {number} has no tool")
            continue
        results += len(run.get("results") or [])
    return errors, results


@handles("code-scanning/upload-sarif")
def upload_sarif(fake: FakeGitHub, ctx: Ctx) -> Answer:
    sha = ctx.body["commit_sha"]
    if gitrepo.object_type(ctx.r.bare, sha) != "commit":
        raise Fail(404, f"commit {sha} not found in {ctx.r.full_name}")
    errors, results = _problems(_decode(ctx.body["sarif"]))
    upload = SarifUpload(
        id=str(uuid.uuid4()),
        commit_sha=sha,
        ref=ctx.body["ref"],
        processing_status="failed" if errors else "complete",
        errors=errors,
        results=results,
    )
    ctx.r.sarifs[upload.id] = upload
    return 202, {
        "id": upload.id,
        "url": f"{fake.url}/repos/{ctx.r.full_name}/code-scanning/sarifs/{upload.id}",
    }


@handles("code-scanning/get-sarif")
def get_sarif(fake: FakeGitHub, ctx: Ctx) -> Answer:
    upload = ctx.r.sarifs.get(ctx.params["sarif_id"])
    if upload is None:
        raise Fail(404, "Not Found")
    analyses = f"{fake.url}/repos/{ctx.r.full_name}/code-scanning/analyses?sarif_id={upload.id}"
    return 200, {
        "processing_status": upload.processing_status,
        "analyses_url": None if upload.errors else analyses,
        "errors": upload.errors or None,
    }
