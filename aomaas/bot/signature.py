"""Webhook signature check: ``X-Hub-Signature-256`` over the raw request body.

GitHub signs every delivery with HMAC-SHA256 keyed by the webhook secret and
sends ``sha256=<hex>``. The check runs on the exact bytes received, before any
parsing, compares in constant time and fails closed: a missing, malformed or
wrong signature raises :class:`aomaas.errors.Unauthorized`. The older SHA-1
header (``X-Hub-Signature``) is never accepted.
"""

from __future__ import annotations

import hashlib
import hmac

from aomaas.errors import Unauthorized

PREFIX = "sha256="
_HEX_LENGTH = hashlib.sha256().digest_size * 2


def sign(body: bytes, secret: str) -> str:
    """Return the ``X-Hub-Signature-256`` header value GitHub would send for ``body``."""
    if not secret:
        raise ValueError("a webhook secret is required to sign a body")
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secret: str) -> None:
    """Check ``header`` (``sha256=<hex>``) against the HMAC-SHA256 of ``body``.

    Raises :class:`Unauthorized` when the header is missing, malformed or does not
    match. An empty secret is a programming error (the caller answers 503 before
    ever verifying), so it raises ``ValueError`` rather than accepting anything.
    """
    if not secret:
        raise ValueError("verify_signature needs a configured webhook secret")
    if not header:
        raise Unauthorized("missing X-Hub-Signature-256 header")
    if not header.startswith(PREFIX):
        raise Unauthorized("X-Hub-Signature-256 must be 'sha256=<hex digest>'")
    given = header[len(PREFIX) :].strip().lower()
    if len(given) != _HEX_LENGTH or any(c not in "0123456789abcdef" for c in given):
        raise Unauthorized("X-Hub-Signature-256 must be 'sha256=<hex digest>'")
    expected = sign(body, secret)[len(PREFIX) :]
    if not hmac.compare_digest(expected, given):
        raise Unauthorized("X-Hub-Signature-256 does not match the body")
