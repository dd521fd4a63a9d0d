"""Password hashing with Argon2id (argon2-cffi), and which new passwords are refused."""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 10
# Django's list of the passwords most found in breaches (BSD; see common-passwords-LICENSE.txt).
COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt.gz")
MIN_PERSONAL = 4  # parts of a name or e-mail shorter than this are too common to refuse

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


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _is_common(password: str) -> bool:
    """The password, or its letters without the digits and signs round them
    ("Password123456!"), is on the list of breached passwords."""
    lowered = password.lower()
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    return lowered in common_passwords() or (
        len(core) >= MIN_PERSONAL and core in common_passwords()
    )


def _personal_parts(name: str, email: str) -> set[str]:
    """The words of the user's name and e-mail that a password must not contain (ASVS 6.2.11)."""
    email = email.lower()
    local = email.split("@", 1)[0]
    parts = {local, *re.split(r"[\W_]+", local), *re.split(r"[\W_]+", name.lower())}
    return {p for p in parts if len(p) >= MIN_PERSONAL}


def password_problem(password: str, *, name: str = "", email: str = "") -> str | None:
    """Why a new password is refused, or None when it will do (ASVS 6.2: length, breached
    and common passwords, the user's own name or e-mail)."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > 256:
        return "Use at most 256 characters."
    if password.strip() != password or not password.strip():
        return "A password cannot start or end with spaces."
    if _is_common(password):
        return "This password is one of the most used, and among the first tried: choose another."
    squeezed = re.sub(r"[\W_]+", "", password.lower())
    for part in _personal_parts(name, email):
        if part in password.lower() or re.sub(r"[\W_]+", "", part) in squeezed:
            return "A password cannot contain your name or e-mail address."
    return None
