"""verify_signature against real GitHub payload bytes."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from aomaas.bot.signature import sign, verify_signature
from aomaas.errors import Unauthorized

WEBHOOKS = Path(__file__).resolve().parents[1] / "data" / "github" / "webhooks"
SECRET = "It's a Secret to Everybody"
BODY = (WEBHOOKS / "issue_comment" / "created.payload.json").read_bytes()


def _expected(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_github_documented_example() -> None:
    # GitHub's documentation example: secret and body below give this exact digest.
    header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    verify_signature(b"Hello, World!", header, SECRET)


@pytest.mark.parametrize("path", sorted(WEBHOOKS.glob("*/*.json"))[:12], ids=lambda p: p.name)
def test_accepts_real_payload_bytes(path: Path) -> None:
    body = path.read_bytes()
    verify_signature(body, _expected(body), SECRET)
    assert sign(body, SECRET) == _expected(body)


def test_uppercase_hex_is_accepted() -> None:
    verify_signature(BODY, "sha256=" + _expected(BODY)[7:].upper(), SECRET)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        "sha256=zz" + "0" * 62,
        "sha256=" + "0" * 63,
        "sha1=" + hmac.new(SECRET.encode(), BODY, hashlib.sha1).hexdigest(),
        hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest(),
        "sha256=" + "0" * 64,
    ],
)
def test_rejects_missing_malformed_or_wrong(header: str | None) -> None:
    with pytest.raises(Unauthorized):
        verify_signature(BODY, header, SECRET)


def test_rejects_changed_body_and_other_secret() -> None:
    header = _expected(BODY)
    with pytest.raises(Unauthorized):
        verify_signature(BODY + b" ", header, SECRET)
    with pytest.raises(Unauthorized):
        verify_signature(BODY, header, SECRET + "x")


@pytest.mark.parametrize("secret", ["", None])
def test_empty_secret_is_a_programming_error(secret: str | None) -> None:
    with pytest.raises(ValueError):
        verify_signature(BODY, _expected(BODY), secret)  # type: ignore[arg-type]
