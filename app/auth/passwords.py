"""Password hashing with Argon2id (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 10

_strong = PasswordHasher()  # argon2-cffi's RFC 9106 low-memory profile, Argon2id
# Tests hash hundreds of passwords; the same algorithm with cheap parameters keeps them fast.
_fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

# Verified against when the e-mail is unknown, so a miss costs as long as a hit.
_DUMMY_HASHES: dict[int, str] = {}


def _dummy_hash() -> str:
    hasher = _hasher()
    if id(hasher) not in _DUMMY_HASHES:
        _DUMMY_HASHES[id(hasher)] = hasher.hash("refnet-dummy-password")
    return _DUMMY_HASHES[id(hasher)]


def _hasher() -> PasswordHasher:
    return _fast if current_app.config.get("PASSWORD_HASH_FAST") else _strong


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return (
            _strong.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None when it will do."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > 256:
        return "Use at most 256 characters."
    if password.strip() != password or not password.strip():
        return "A password cannot start or end with spaces."
    return None
