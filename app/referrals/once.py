"""Requests that must take effect once: the send form's one-time token and the API's
Idempotency-Key, both stored as `IdempotencyKey` rows (unique per user and key).

A request claims its key before it changes anything; the claim is written in the same
transaction as what the request makes. A second request with the key finds the first one's
row; if both arrive at once, the database's unique constraint makes the second wait for the
first and then fail to claim, and it reads the first one's row instead.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import IdempotencyKey, User


def find(user_id: int, key: str) -> IdempotencyKey | None:
    return db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )


def claim(user: User, key: str, request_hash: str) -> tuple[IdempotencyKey, bool]:
    """The key's row and whether this request claimed it (False: an earlier one did).

    Call it before the request writes anything: losing the race rolls the session back."""
    user_id = user.id
    found = find(user_id, key)
    if found is not None:
        return found, False
    row = IdempotencyKey(user_id=user_id, key=key, request_hash=request_hash)
    db.session.add(row)
    try:
        db.session.flush()  # PostgreSQL: waits here while another transaction holds the key
    except IntegrityError:
        db.session.rollback()
        found = find(user_id, key)
        if found is None:  # the other transaction was rolled back meanwhile: try once more
            row = IdempotencyKey(user_id=user_id, key=key, request_hash=request_hash)
            db.session.add(row)
            db.session.flush()
            return row, True
        return found, False
    return row, True
