"""Encryption of the stored TOTP secrets (Fernet: AES-128-CBC with HMAC-SHA256).

A copy of the database alone then gives nobody the second factor. The keys come from
MFA_ENCRYPTION_KEYS (the first encrypts, every one decrypts: a key can be rotated); when
unset, one key is derived from SECRET_KEY with HKDF, so changing SECRET_KEY voids every
enrolment (docs/mfa.md).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


class SecretUnreadable(Exception):
    """The stored secret cannot be decrypted with the configured keys."""


def _derived_key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"refnet mfa secrets")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def _fernet() -> MultiFernet:
    keys = current_app.config.get("MFA_ENCRYPTION_KEYS") or [
        _derived_key(current_app.config["SECRET_KEY"])
    ]
    return MultiFernet([Fernet(key) for key in keys])


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def unseal(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable from exc
