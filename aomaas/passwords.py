"""Password hashing with Argon2id (memory-hard), via argon2-cffi."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()  # RFC 9106 low-memory profile: t=3, m=64 MiB, p=4
_DUMMY = _HASHER.hash("not a real password")


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``."""
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no hash (unknown user) it still spends the same time."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
